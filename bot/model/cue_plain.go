package model

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/scanner"
	"cuelang.org/go/cue/token"
)

// Most CUE model files are plain data written in CUE syntax. Evaluating
// them in the budgeted child (LoadCUE) costs a process and CUE's evaluator:
// seconds and hundreds of MB for a large model. A file that is plain data is
// read in this process instead, into the same Nodes, with the same
// positions and the same errors as the child would give:
//
//   - readPlainCUE (cue_plainfast.go) reads the common layout (what `cue
//     fmt` writes) at the speed of the JSON reader, and gives up on
//     anything else;
//   - readPlainCUEAST parses the file with CUE's own parser and walks the
//     syntax tree when the file is plain data;
//   - anything else goes to the child.
//
// Plain data is, exactly: an optional package clause, comments, and fields
// whose label is an identifier (not starting with # or _) or a
// double-quoted string, written with a single colon (no ?, ! or ::), no
// alias, no attribute, each label once per struct; whose values are struct
// literals of such fields, list literals of such values, double-quoted
// strings (single- or multi-line, escapes allowed, no interpolation),
// numbers (any CUE form: 1_000, 0x10, 1e3, 1K), true, false and null.
// Anything else (references, let, comprehensions, disjunctions, defaults,
// definitions, hidden fields, imports, embeddings, interpolations,
// optional or required fields, attributes, byte strings, a label written
// twice, a sign before a number) uses the language and is evaluated by CUE
// in the child.

// Bounds of the in-process readers; beyond them the file goes to the child,
// which has its own budget.
const (
	// maxPlainCUEDepth bounds the nesting the CUE parser may see in this
	// process (the parser recurses once per level): CUE's scanner counts
	// it first. It is below maxCUEDepth, so that the in-process readers
	// never reach the child's depth limit.
	maxPlainCUEDepth = 900
	// maxPlainCUENumber is the longest number literal read in this
	// process: converting a longer one costs more than linear time.
	maxPlainCUENumber = 64
	// maxPlainCUEParse is the largest file CUE's parser reads in this
	// process. The parser allocates about 25 bytes per byte of input, so
	// a 16 MiB file would cost some 400 MB outside any budget; a larger
	// file that the fast reader does not take goes to the child, whose
	// memory is capped.
	maxPlainCUEParse = 1 << 20
)

// parseCUE reads a CUE model: in this process when it is plain data,
// else through LoadCUE's child.
func (l *Loader) parseCUE(ctx context.Context, name string, data []byte) (*Node, error) {
	if n, ok := readPlainCUE(data); ok {
		return n, nil
	}
	if n, err, ok := readPlainCUEAST(name, data); ok {
		return n, err
	}
	return LoadCUE(ctx, name, data, l.limits.CUE)
}

// readPlainCUEAST reads src with CUE's parser when it is plain data. ok
// is false when the file uses the language (or might): the caller then
// evaluates it. When ok is true, n and err are what the child would have
// returned: the tree, or the syntax error.
func readPlainCUEAST(filename string, src []byte) (n *Node, err error, ok bool) {
	if len(src) > maxPlainCUEParse {
		return nil, nil, false
	}
	return parsePlainCUEAST(filename, src)
}

// parsePlainCUEAST is readPlainCUEAST without the size bound (benchmarks
// measure the parser on large files through it).
func parsePlainCUEAST(filename string, src []byte) (n *Node, err error, ok bool) {
	if !plainCUETokens(src) {
		return nil, nil, false
	}
	f, perr := parser.ParseFile(filename, src)
	if perr != nil {
		return nil, (&cueConv{src: src}).cueError(perr, token.NoPos, "invalid CUE: ", false), true
	}
	w := &plainCUEWalker{cols: columnCounter{src: src}}
	root := w.alloc.node()
	root.Kind, root.Line, root.Column = MapNode, 1, 1
	if !w.fields(root, f.Decls, 1, true) {
		return nil, nil, false
	}
	if len(root.Keys) == 0 {
		return nil, &SyntaxError{Line: 1, Column: 1, Msg: "the file is empty: a threat model needs at least version and system"}, true
	}
	return root, nil, true
}

// plainCUETokens scans src with CUE's scanner and reports whether every
// token may belong to plain data, and the nesting (brackets, and labels of
// fields written in one, as in a: b: c: 1) stays within maxPlainCUEDepth.
// The scanner is iterative, so this bounds the parser that comes after.
func plainCUETokens(src []byte) bool {
	var s scanner.Scanner
	// Errors are left to the parser, which reports them as the child would.
	s.Init(token.NewFile("", -1, len(src)), src, func(token.Pos, string, []any) {}, 0)
	var open []int // colons pending at each enclosing bracket
	colons, depth := 0, 0
	for {
		_, tok, lit := s.Scan()
		switch tok {
		case token.EOF:
			return true
		case token.LBRACE, token.LBRACK:
			open = append(open, colons)
			colons = 0
			depth++
		case token.RBRACE, token.RBRACK:
			if len(open) == 0 {
				continue // an error for the parser
			}
			depth -= colons + 1
			colons = open[len(open)-1]
			open = open[:len(open)-1]
		case token.COLON:
			colons++
			depth++
		case token.COMMA:
			depth -= colons
			colons = 0
		case token.IDENT:
			if lit == "package" {
				break // the package clause (a keyword only there)
			}
			if strings.HasPrefix(lit, "#") || strings.HasPrefix(lit, "_") {
				return false
			}
		case token.STRING:
			if lit == "" || lit[0] != '"' {
				return false // a byte string or a raw (#) string
			}
		case token.INT, token.FLOAT, token.TRUE, token.FALSE, token.NULL, token.COMMENT:
		default:
			return false // operators, interpolations, keywords, attributes
		}
		if depth > maxPlainCUEDepth {
			return false
		}
	}
}

// plainCUEWalker turns the syntax tree of plain data into Nodes.
type plainCUEWalker struct {
	alloc nodeAlloc
	cols  columnCounter
	num   cueNumbers
}

// cueNumbers converts CUE number literals as the child does.
type cueNumbers struct {
	info literal.NumInfo
	dec  apd.Decimal
}

// fields adds decls (the elements of a struct, or of the file when top)
// to n; it returns false when they are not plain data.
func (w *plainCUEWalker) fields(n *Node, decls []ast.Decl, depth int, top bool) bool {
	count := 0
	for _, d := range decls {
		switch d.(type) {
		case *ast.Field:
			count++
		case *ast.CommentGroup:
		case *ast.Package:
			if !top {
				return false
			}
		default:
			return false
		}
	}
	n.Keys = w.alloc.stringSlice(count)
	n.KeyPos = w.alloc.posSlice(count)
	n.Values = w.alloc.nodeSlice(count)
	seen := newLabelSet(count)
	for _, d := range decls {
		fd, ok := d.(*ast.Field)
		if !ok {
			continue
		}
		if fd.Constraint != token.ILLEGAL || fd.Alias != nil || len(fd.Attrs) > 0 || fd.Value == nil {
			return false
		}
		name, ok := plainCUELabel(fd.Label)
		if !ok || !seen.add(name) {
			return false
		}
		kpos := w.cols.pos(fd.Label.Pos()) // before the value: positions in document order
		v, ok := w.value(fd.Value, depth+1)
		if !ok {
			return false
		}
		n.Keys = append(n.Keys, name)
		n.KeyPos = append(n.KeyPos, kpos)
		n.Values = append(n.Values, v)
	}
	if len(n.Keys) == 0 {
		n.Keys, n.KeyPos, n.Values = nil, nil, nil
	}
	return true
}

// plainCUELabel returns the field name of a plain label.
func plainCUELabel(l ast.Label) (string, bool) {
	switch l := l.(type) {
	case *ast.Ident:
		if l.Name == "" || strings.HasPrefix(l.Name, "#") || strings.HasPrefix(l.Name, "_") {
			return "", false
		}
		return l.Name, true
	case *ast.BasicLit:
		if l.Kind != token.STRING || !strings.HasPrefix(l.Value, `"`) {
			return "", false
		}
		s, err := literal.Unquote(l.Value)
		return s, err == nil
	}
	return "", false
}

func (w *plainCUEWalker) value(e ast.Expr, depth int) (*Node, bool) {
	if depth > maxPlainCUEDepth {
		return nil, false
	}
	p := w.cols.pos(e.Pos())
	n := w.alloc.node()
	n.Line, n.Column = p.Line, p.Column
	switch e := e.(type) {
	case *ast.StructLit:
		n.Kind = MapNode
		return n, w.fields(n, e.Elts, depth, false)
	case *ast.ListLit:
		n.Kind = ListNode
		items := w.alloc.nodeSlice(len(e.Elts))
		for _, el := range e.Elts {
			v, ok := w.value(el, depth+1)
			if !ok {
				return nil, false
			}
			items = append(items, v)
		}
		if len(items) > 0 {
			n.Items = items
		}
		return n, true
	case *ast.BasicLit:
		return n, w.literal(n, e.Kind, e.Value)
	}
	return nil, false
}

// literal fills n with a literal's value as CUE compiles it (see
// internal/core/compile: ParseQuotes and Unquote for strings, ParseNum for
// numbers) and as the child writes it (an integer in decimal, any other
// number as apd's 'G' format, which is what Value.MarshalJSON gives).
func (w *plainCUEWalker) literal(n *Node, kind token.Token, text string) bool {
	switch kind {
	case token.TRUE, token.FALSE:
		n.Kind, n.Str = BoolNode, text
		return text == "true" || text == "false"
	case token.NULL:
		n.Kind, n.Str = NullNode, "null"
		return text == "null"
	case token.STRING:
		if !strings.HasPrefix(text, `"`) {
			return false // bytes, or a raw string
		}
		s, err := literal.Unquote(text)
		if err != nil || !utf8.ValidString(s) {
			return false
		}
		n.Kind, n.Str = StringNode, s
		return true
	case token.INT, token.FLOAT:
		return w.num.fill(n, text)
	}
	return false
}

// fill makes n the number that text is; false when it is not one (or is
// too long to convert here).
func (w *cueNumbers) fill(n *Node, text string) bool {
	str, isInt, ok := w.number(text)
	if !ok {
		return false
	}
	n.Kind, n.Str = FloatNode, str
	if isInt {
		n.Kind = IntNode
	}
	return true
}

// number converts a CUE number literal as the child does.
func (w *cueNumbers) number(text string) (string, bool, bool) {
	if len(text) > maxPlainCUENumber {
		return "", false, false
	}
	if err := literal.ParseNum(text, &w.info); err != nil {
		return "", false, false
	}
	if err := w.info.Decimal(&w.dec); err != nil {
		return "", false, false
	}
	if w.info.IsInt() {
		if w.dec.Exponent != 0 {
			return "", false, false
		}
		s := w.dec.Coeff.MathBigInt().String()
		if w.dec.Negative && s != "0" {
			s = "-" + s
		}
		return s, true, true
	}
	return w.dec.Text('G'), false, true
}

// labelSet finds a label written twice in a struct: by scanning for a few
// labels, by a map for many.
type labelSet struct {
	few  []string
	many map[string]struct{}
}

const maxFewLabels = 16

func newLabelSet(n int) labelSet {
	if n > maxFewLabels {
		return labelSet{many: make(map[string]struct{}, n)}
	}
	return labelSet{}
}

func (s *labelSet) add(name string) bool {
	if s.many == nil && len(s.few) == maxFewLabels {
		s.many = make(map[string]struct{}, 4*maxFewLabels)
		for _, k := range s.few {
			s.many[k] = struct{}{}
		}
	}
	if s.many != nil {
		if _, dup := s.many[name]; dup {
			return false
		}
		s.many[name] = struct{}{}
		return true
	}
	for _, k := range s.few {
		if k == name {
			return false
		}
	}
	s.few = append(s.few, name)
	return true
}

// columnCounter converts byte offsets into positions whose columns count
// characters, like cueConv.pos, in time linear in the file when the
// offsets come in document order.
type columnCounter struct {
	src       []byte
	off       int // the last offset converted
	line      int // its line, 1-based
	lineStart int // the offset of the start of its line
	col       int // its column
}

func (c *columnCounter) pos(p token.Pos) Pos {
	if !p.IsValid() {
		return Pos{1, 1}
	}
	return c.at(p.Offset())
}

func (c *columnCounter) at(off int) Pos {
	if off < c.off || c.line == 0 || off > len(c.src) {
		c.off, c.line, c.lineStart, c.col = 0, 1, 0, 1
		if off > len(c.src) {
			return Pos{1, 1}
		}
	}
	for i := c.off; i < off; {
		if c.src[i] == '\n' {
			c.line++
			c.lineStart = i + 1
			c.col = 1
			i++
			continue
		}
		if c.src[i] < utf8.RuneSelf {
			i++
		} else {
			_, size := utf8.DecodeRune(c.src[i:])
			i += size
		}
		c.col++
	}
	c.off = off
	return Pos{c.line, c.col}
}
