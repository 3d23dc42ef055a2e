package model

import (
	"bytes"
	"unicode/utf8"

	"cuelang.org/go/cue/literal"
)

// maxFastCUEDepth is the deepest nesting readPlainCUE reads; a deeper file
// is left to CUE's parser (readPlainCUEAST), which checks its own bound.
const maxFastCUEDepth = 100

// readPlainCUE reads plain data written in the common layout of CUE (the
// one `cue fmt` writes: identifier or double-quoted labels, a colon and a
// space, values in braces, lists on one line or several, single-line
// double-quoted strings, decimal numbers, comments on their own lines or
// after a value) without CUE's parser, as fast as the JSON reader. It
// returns false on anything else, including every syntax error and every
// construct it does not know, and the caller falls back to
// readPlainCUEAST; so it only has to be right on what it accepts. Strings
// with escapes and numbers are converted by CUE's own literal package.
func readPlainCUE(src []byte) (*Node, bool) {
	r := &fastCUE{src: src, line: 1, col: 1}
	root := r.alloc.node()
	root.Kind, root.Line, root.Column = MapNode, 1, 1
	r.blank()
	if r.word() == "package" {
		r.off += len("package")
		if !r.spaces() || !r.isIdentStart() {
			return nil, false
		}
		r.ident()
		if !r.endOfValue(0) {
			return nil, false
		}
	}
	if !r.fields(root, 1, 0) || len(root.Keys) == 0 || r.bad {
		return nil, false
	}
	return root, true
}

type fastCUE struct {
	src       []byte
	off       int
	line      int
	lineStart int
	// the column of colOff on the current line, to count runes once
	colOff, col int

	bad bool // a comment that CUE refuses was skipped

	alloc nodeAlloc
	keys  map[string]string // interned identifier labels
	num   cueNumbers
	// members and items of the collections being read, innermost last
	skeys  []string
	spos   []Pos
	svals  []*Node
	sitems []*Node
}

func (r *fastCUE) pos() Pos {
	if r.colOff < r.lineStart || r.colOff > r.off {
		r.colOff, r.col = r.lineStart, 1
	}
	r.col += utf8.RuneCount(r.src[r.colOff:r.off])
	r.colOff = r.off
	return Pos{r.line, r.col}
}

func (r *fastCUE) peek() byte {
	if r.off < len(r.src) {
		return r.src[r.off]
	}
	return 0
}

// spaces skips spaces and tabs (and carriage returns) on the line, and
// reports whether there were any.
func (r *fastCUE) spaces() bool {
	start := r.off
	for r.off < len(r.src) && (r.src[r.off] == ' ' || r.src[r.off] == '\t' || r.src[r.off] == '\r') {
		r.off++
	}
	return r.off > start
}

// comment skips a comment that starts here, up to the end of its line. A
// comment that CUE's scanner would refuse (a NUL byte, bad UTF-8, a
// byte-order mark) stops the reader: r.bad is set.
func (r *fastCUE) comment() {
	if r.off+1 < len(r.src) && r.src[r.off] == '/' && r.src[r.off+1] == '/' {
		start := r.off
		ascii := true
		for r.off < len(r.src) && r.src[r.off] != '\n' {
			if r.src[r.off] == 0 {
				r.bad = true
			}
			ascii = ascii && r.src[r.off] < utf8.RuneSelf
			r.off++
		}
		if !ascii && !cleanUTF8(r.src[start:r.off]) {
			r.bad = true
		}
	}
}

// cleanUTF8 reports whether CUE's scanner takes b as text: valid UTF-8
// without a byte-order mark.
func cleanUTF8(b []byte) bool {
	return utf8.Valid(b) && !bytes.Contains(b, []byte("\uFEFF"))
}

// blank skips spaces, newlines and comments; it reports whether it went
// past a newline.
func (r *fastCUE) blank() bool {
	nl := false
	for {
		r.spaces()
		r.comment()
		if r.off >= len(r.src) || r.src[r.off] != '\n' {
			return nl
		}
		nl = true
		r.off++
		r.line++
		r.lineStart = r.off
	}
}

// endOfValue reports whether what follows a value ends it: a comma (taken),
// a newline (a comma in CUE), the closing bracket, or the end of the file
// at the top level (closer 0).
func (r *fastCUE) endOfValue(closer byte) bool {
	r.spaces()
	r.comment()
	c := r.peek()
	switch {
	case c == ',':
		r.off++
		return true
	case c == '\n':
		return true
	case r.off >= len(r.src):
		return closer == 0
	}
	return c == closer && closer != 0
}

func (r *fastCUE) isIdentStart() bool {
	c := r.peek()
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// word returns the identifier at r.off without taking it.
func (r *fastCUE) word() string {
	return string(r.src[r.off:r.wordEnd()])
}

// wordEnd returns the end of the identifier at r.off, or r.off when there
// is none that this reader takes.
func (r *fastCUE) wordEnd() int {
	i := r.off
	for i < len(r.src) {
		c := r.src[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			break
		}
		i++
	}
	if i == r.off || r.src[r.off] >= '0' && r.src[r.off] <= '9' || r.src[r.off] == '_' {
		return r.off
	}
	// A letter that is not ASCII, $ or # would continue a CUE identifier.
	if i < len(r.src) && (r.src[i] >= utf8.RuneSelf || r.src[i] == '$' || r.src[i] == '#') {
		return r.off
	}
	return i
}

func (r *fastCUE) ident() string {
	w := r.word()
	r.off += len(w)
	return w
}

// cueKeywords may not be read as plain labels here (CUE reads true, false
// and null as literals and the others as keywords).
var cueKeywords = map[string]bool{"package": true, "import": true, "for": true, "in": true, "if": true,
	"let": true, "true": true, "false": true, "null": true, "func": true}

// label reads a field's label: an identifier or a double-quoted string.
func (r *fastCUE) label() (string, bool) {
	if r.peek() == '"' {
		return r.str()
	}
	end := r.wordEnd()
	if k, ok := r.keys[string(r.src[r.off:end])]; ok { // no allocation
		r.off = end
		return k, true
	}
	w := string(r.src[r.off:end])
	if w == "" || cueKeywords[w] {
		return "", false
	}
	r.off += len(w)
	if r.keys == nil {
		r.keys = make(map[string]string)
	}
	r.keys[w] = w
	return w, true
}

// fields reads the fields of a struct up to closer ('}', or 0 for the
// file) and takes the closer.
func (r *fastCUE) fields(n *Node, depth int, closer byte) bool {
	base := len(r.skeys)
	defer func() { r.skeys, r.spos, r.svals = r.skeys[:base], r.spos[:base], r.svals[:base] }()
	var seen map[string]struct{} // the labels, once there are many
	for {
		r.blank()
		if closer == 0 && r.off >= len(r.src) || closer != 0 && r.peek() == closer {
			r.off++
			break
		}
		kpos := r.pos()
		k, v, ok := r.field(depth)
		if !ok || !r.endOfValue(closer) {
			return false
		}
		if !r.newLabel(k, base, &seen) {
			return false // a label written twice: CUE unifies the fields
		}
		r.skeys = append(r.skeys, k)
		r.spos = append(r.spos, kpos)
		r.svals = append(r.svals, v)
	}
	if m := len(r.skeys) - base; m > 0 {
		n.Keys = append(r.alloc.stringSlice(m), r.skeys[base:]...)
		n.KeyPos = append(r.alloc.posSlice(m), r.spos[base:]...)
		n.Values = append(r.alloc.nodeSlice(m), r.svals[base:]...)
	}
	return true
}

// newLabel reports whether k is not among the labels of the struct being
// read (r.skeys[base:]): by a scan of the first few, then by a map.
func (r *fastCUE) newLabel(k string, base int, seen *map[string]struct{}) bool {
	labels := r.skeys[base:]
	if *seen == nil && len(labels) < maxFewLabels {
		for _, x := range labels {
			if x == k {
				return false
			}
		}
		return true
	}
	if *seen == nil {
		*seen = make(map[string]struct{}, 4*maxFewLabels)
		for _, x := range labels {
			(*seen)[x] = struct{}{}
		}
	}
	if _, dup := (*seen)[k]; dup {
		return false
	}
	(*seen)[k] = struct{}{}
	return true
}

// field reads `label: value`; the value may be another field (a: b: 1).
func (r *fastCUE) field(depth int) (string, *Node, bool) {
	k, ok := r.label()
	if !ok {
		return "", nil, false
	}
	r.spaces()
	if r.peek() != ':' {
		return "", nil, false
	}
	r.off++
	r.spaces()
	v, ok := r.value(depth+1, false)
	return k, v, ok
}

// value reads a value; item says it is an element of a list, where a
// field (a: 1) is not a value.
func (r *fastCUE) value(depth int, item bool) (*Node, bool) {
	if depth > maxFastCUEDepth {
		return nil, false
	}
	p := r.pos()
	n := r.alloc.node()
	n.Line, n.Column = p.Line, p.Column
	switch c := r.peek(); {
	case c == '{':
		r.off++
		n.Kind = MapNode
		return n, r.fields(n, depth, '}')
	case c == '[':
		r.off++
		n.Kind = ListNode
		return n, r.list(n, depth)
	case c == '"' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		return r.labelOrValue(n, depth, item)
	case c >= '0' && c <= '9':
		return n, r.number(n)
	}
	return nil, false
}

// labelOrValue reads a string, true, false or null, or the label of a
// field that is the value (a: b: 1, a: "b": 1).
func (r *fastCUE) labelOrValue(n *Node, depth int, item bool) (*Node, bool) {
	// value() has just taken the position here, so the column count
	// can be rewound with the offset (no recount of the line).
	start, line, lineStart, colOff, col := r.off, r.line, r.lineStart, r.colOff, r.col
	var s string
	var ok bool
	if r.peek() == '"' {
		s, ok = r.str()
	} else {
		s = r.ident()
		ok = s != ""
	}
	if !ok {
		return nil, false
	}
	after := r.off
	r.spaces()
	if r.peek() == ':' {
		if item {
			return nil, false // a syntax error in CUE
		}
		// A struct of one field; CUE places it at its label.
		r.off, r.line, r.lineStart, r.colOff, r.col = start, line, lineStart, colOff, col
		k, v, ok := r.field(depth)
		if !ok {
			return nil, false
		}
		n.Kind = MapNode
		n.Keys = append(r.alloc.stringSlice(1), k)
		n.KeyPos = append(r.alloc.posSlice(1), Pos{n.Line, n.Column})
		n.Values = append(r.alloc.nodeSlice(1), v)
		return n, true
	}
	r.off = after
	if r.src[start] == '"' {
		n.Kind, n.Str = StringNode, s
		return n, true
	}
	switch s {
	case "true", "false":
		n.Kind, n.Str = BoolNode, s
	case "null":
		n.Kind, n.Str = NullNode, s
	default:
		return nil, false // a reference
	}
	return n, true
}

func (r *fastCUE) list(n *Node, depth int) bool {
	base := len(r.sitems)
	defer func() { r.sitems = r.sitems[:base] }()
	for {
		r.blank()
		if r.peek() == ']' {
			r.off++
			break
		}
		v, ok := r.value(depth+1, true)
		if !ok || !r.endOfValue(']') {
			return false
		}
		r.sitems = append(r.sitems, v)
	}
	if m := len(r.sitems) - base; m > 0 {
		n.Items = append(r.alloc.nodeSlice(m), r.sitems[base:]...)
	}
	return true
}

// str reads a single-line double-quoted string. Escapes are decoded by
// CUE's literal package; an interpolation, a multi-line string, a control
// character or bad UTF-8 make it give up.
func (r *fastCUE) str() (string, bool) {
	start := r.off
	r.off++
	escaped, ascii := false, true
	for r.off < len(r.src) {
		c := r.src[r.off]
		switch {
		case c == '"':
			if r.off == start+1 && r.off+1 < len(r.src) && r.src[r.off+1] == '"' {
				r.off = start
				return r.multiLine()
			}
			r.off++
			raw := r.src[start:r.off]
			if !ascii && !cleanUTF8(raw) {
				return "", false
			}
			if escaped {
				s, err := literal.Unquote(string(raw))
				return s, err == nil && utf8.ValidString(s)
			}
			return string(raw[1 : len(raw)-1]), true
		case c == '\\':
			if r.off+1 >= len(r.src) || r.src[r.off+1] == '(' || r.src[r.off+1] == '\n' {
				return "", false
			}
			escaped = true
			r.off += 2
			continue
		case c < ' ' && c != '\t':
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
		r.off++
	}
	return "", false
}

// multiLine reads a multi-line string ("""), without escapes or carriage
// returns (CUE's literal package removes the indentation): it ends at the
// first """ that only spaces and tabs separate from the start of its line,
// which is where CUE's scanner ends it when there is no backslash.
func (r *fastCUE) multiLine() (string, bool) {
	start := r.off
	if !bytes.HasPrefix(r.src[start:], []byte("\"\"\"\n")) {
		return "", false
	}
	end := -1
	for line := start + 4; ; { // line: the start of a line in the string
		k := line
		for k < len(r.src) && (r.src[k] == ' ' || r.src[k] == '\t') {
			k++
		}
		if bytes.HasPrefix(r.src[k:], []byte(`"""`)) {
			end = k + 3
			break
		}
		j := bytes.IndexByte(r.src[line:], '\n')
		if j < 0 {
			return "", false
		}
		line += j + 1
	}
	raw := r.src[start:end]
	if bytes.IndexByte(raw, '\\') >= 0 || bytes.IndexByte(raw, '\r') >= 0 || !cleanUTF8(raw) {
		return "", false
	}
	for _, c := range raw {
		if c < ' ' && c != '\t' && c != '\n' {
			return "", false
		}
	}
	s, err := literal.Unquote(string(raw))
	if err != nil || !utf8.ValidString(s) {
		return "", false
	}
	r.line += bytes.Count(raw, []byte("\n"))
	r.lineStart = start + bytes.LastIndexByte(raw, '\n') + 1
	r.off = end
	return s, true
}

// number reads a number literal; CUE's literal package decides what it is.
func (r *fastCUE) number(n *Node) bool {
	start := r.off
	hex := r.off+1 < len(r.src) && (r.src[r.off+1] == 'x' || r.src[r.off+1] == 'X')
	for r.off < len(r.src) {
		c := r.src[r.off]
		sign := (c == '+' || c == '-') && !hex && (r.src[r.off-1] == 'e' || r.src[r.off-1] == 'E')
		if !(sign || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '.') {
			break
		}
		r.off++
	}
	text := string(r.src[start:r.off])
	if text[len(text)-1] == '.' {
		return false
	}
	return r.num.fill(n, text)
}
