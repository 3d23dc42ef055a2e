package model

import (
	"bytes"
)

// A YAML file in plain block style can be cut into its entries by lines,
// without a YAML parser: an entry of a map of ids starts at a line indented
// like its siblings that holds only `id:`, and runs to the next such line
// (or the next top-level key). scanYAML does that cut, conservatively: it
// gives up (nil) on anything that could make a line mean something else
// than it seems, that is anything that can span lines other than by
// indentation (flow collections, quoted scalars, block scalars with an
// indentation indicator), anchors, aliases, tags, directives, several
// documents, tabs in indentation, and line breaks other than \n. The parser
// then reads the whole file, as without the cache.
//
// Within those rules an entry's text parses to the same values wherever it
// is, once its lines are shifted: what precedes it closes at its first line
// (less indented), and it closes at the next entry's line. So the cache may
// keep an entry's result by its text, and loadYAMLEntries parses only the
// entries the cache does not know, in a copy of the file without the
// others, whose positions are mapped back to the file's lines.

// yamlLayout is where the top-level keys and the entries of the maps of ids
// are in a YAML file.
type yamlLayout struct {
	top      []yamlTop
	sections []yamlSection
}

type yamlTop struct {
	key  string
	line int
}

type yamlSection struct {
	name    string
	top     int // index in top
	entries []yamlEntry
}

type yamlEntry struct {
	id         string
	start, end int // bytes: from the start of the key's line to the start of the next entry's line
	line, col  int // of the key
	lines      int // in [start, end)
}

// idChar reports whether c may be in an id written as a plain key.
func idChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
}

// scanYAML cuts a YAML file into entries, or returns nil when it cannot
// do so safely, or when there is nothing to cut.
func scanYAML(data []byte) *yamlLayout {
	if len(data) >= 2 && (data[0] == 0xFE || data[0] == 0xFF || data[0] == 0xEF || data[0] == 0) {
		return nil // a byte-order mark or UTF-16
	}
	if !plainLineBreaks(data) {
		return nil
	}
	lay := &yamlLayout{}
	var sec *yamlSection // the section being read, if any
	secIndent := -1      // its entries' indentation, once known
	// A block scalar being skipped: its parent's indentation, the content's
	// (0 until known) and the most spaces on its leading empty lines.
	inBlock, blockParent, blockIndent, blockLeading := false, 0, 0, 0
	line := 0
	closeEntry := func(at int) {
		if sec != nil && len(sec.entries) > 0 {
			e := &sec.entries[len(sec.entries)-1]
			if e.end < 0 {
				e.end = at
				e.lines = line - e.line
			}
		}
	}
	for off := 0; off < len(data); {
		line++
		end := bytes.IndexByte(data[off:], '\n')
		next := len(data)
		if end < 0 {
			end = len(data)
		} else {
			end += off
			next = end + 1
		}
		text := data[off:end]
		indent := 0
		for indent < len(text) && text[indent] == ' ' {
			indent++
		}
		rest := text[indent:]
		if len(rest) > 0 && rest[0] == '\t' {
			return nil // a tab in the indentation
		}
		blank := len(rest) == 0 // (rest starts with neither a space nor a tab)
		if inBlock {
			switch {
			case blank:
				if blockIndent == 0 && indent > blockLeading {
					blockLeading = indent
				}
				off = next
				continue
			case blockIndent == 0:
				blockIndent = max(blockLeading, indent, blockParent+1)
				if indent >= blockIndent {
					off = next
					continue
				}
			case indent >= blockIndent:
				off = next
				continue
			}
			inBlock = false
		}
		if blank || rest[0] == '#' {
			off = next
			continue
		}
		switch {
		case indent == 0:
			if bytes.HasPrefix(rest, []byte("---")) || bytes.HasPrefix(rest, []byte("...")) || rest[0] == '%' {
				return nil
			}
			key, value, ok := yamlKeyLine(rest)
			if !ok {
				return nil
			}
			closeEntry(off)
			sec, secIndent = nil, -1
			lay.top = append(lay.top, yamlTop{key: key, line: line})
			if s := sectionOf(key); s != noSection && emptyValue(value) {
				for _, other := range lay.sections {
					if other.name == key {
						return nil // a duplicate section: let the parser see it
					}
				}
				lay.sections = append(lay.sections, yamlSection{name: key, top: len(lay.top) - 1})
				sec = &lay.sections[len(lay.sections)-1]
			} else if parent, block, ok := valueKind(value, 0); !ok {
				return nil
			} else if block {
				inBlock, blockParent, blockIndent, blockLeading = true, parent, 0, 0
			}
		case sec != nil && (secIndent < 0 || indent <= secIndent):
			if secIndent >= 0 && indent < secIndent {
				return nil
			}
			id, block, ok := entryLine(rest, indent)
			if !ok {
				return nil
			}
			closeEntry(off)
			secIndent = indent
			sec.entries = append(sec.entries, yamlEntry{id: id, start: off, end: -1, line: line, col: indent + 1})
			if block {
				inBlock, blockParent, blockIndent, blockLeading = true, indent, 0, 0
			}
		default:
			parent, block, ok := contentLine(rest, indent)
			if !ok {
				return nil
			}
			if block {
				inBlock, blockParent, blockIndent, blockLeading = true, parent, 0, 0
			}
		}
		off = next
	}
	line++
	closeEntry(len(data))
	kept := lay.sections[:0]
	for _, s := range lay.sections {
		if len(s.entries) > 0 {
			kept = append(kept, s)
		}
	}
	if len(kept) == 0 {
		return nil
	}
	lay.sections = kept
	return lay
}

// plainLineBreaks reports whether data holds none of the characters YAML
// also takes for a line break (\r, NEL, LS, PS), nor a byte-order mark.
func plainLineBreaks(data []byte) bool {
	for _, s := range []string{"\r", "\u0085", "\u2028", "\u2029", "\ufeff"} {
		if bytes.Contains(data, []byte(s)) {
			return false
		}
	}
	return true
}

// entryLine reads the line of an entry's key: `id:`, then nothing, a
// comment, or a value that ends on the line (`id: {name: x}`) or a block
// scalar header (block is true).
func entryLine(rest []byte, indent int) (id string, block, ok bool) {
	i := 0
	for i < len(rest) && idChar(rest[i]) {
		i++
	}
	if i == 0 || i == len(rest) || rest[i] != ':' || (rest[0] == '-' && (i == 1 || rest[1] == ' ')) {
		return "", false, false
	}
	if v := rest[i+1:]; !emptyValue(v) {
		if v[0] != ' ' {
			return "", false, false
		}
		if _, block, ok = valueKind(v, indent); !ok {
			return "", false, false
		}
	}
	return string(rest[:i]), block, true
}

// emptyValue reports whether what follows a key's colon is nothing, or a
// comment.
func emptyValue(v []byte) bool {
	if len(v) > 0 && v[0] != ' ' && v[0] != '\t' {
		return false
	}
	v = bytes.TrimLeft(v, " \t")
	return len(v) == 0 || v[0] == '#'
}

// yamlKeyLine reads a top-level line: a plain key, its colon, and what
// follows.
func yamlKeyLine(rest []byte) (key string, value []byte, ok bool) {
	i := 0
	for i < len(rest) && idChar(rest[i]) {
		i++
	}
	if i == 0 || i == len(rest) || rest[i] != ':' || rest[0] == '-' {
		return "", nil, false
	}
	if i+1 < len(rest) && rest[i+1] != ' ' {
		return "", nil, false
	}
	return string(rest[:i]), rest[i+1:], true
}

// contentLine checks a line inside a mapping or a list (after its
// indentation): list dashes, then a key and its value, or a value. block
// says that a block scalar starts, whose parent is at column parent.
func contentLine(rest []byte, indent int) (parent int, block, ok bool) {
	col := indent
	parent = indent
	// List items: "- ", possibly several.
	for len(rest) > 0 && rest[0] == '-' && (len(rest) == 1 || rest[1] == ' ') {
		parent = col
		n := 1
		for n < len(rest) && rest[n] == ' ' {
			n++
		}
		rest, col = rest[n:], col+n
		if len(rest) > 0 && rest[0] == '\t' {
			return 0, false, false
		}
	}
	if len(rest) == 0 || rest[0] == '#' {
		return parent, false, true
	}
	// A key: quoted on the line, or plain up to ": " or a final ':'.
	if k, ok := keyEnd(rest); ok {
		if k < 0 {
			return 0, false, false
		}
		return valueKind(rest[k+1:], col)
	}
	return valueKind(rest, parent)
}

// keyEnd finds the colon that ends a key at the start of rest: found is
// false when rest holds no key (it is a value), colon -1 when the line is
// not simple enough.
func keyEnd(rest []byte) (colon int, found bool) {
	switch rest[0] {
	case '"', '\'':
		q := quotedEnd(rest)
		if q < 0 {
			return -1, true
		}
		if q < len(rest) && rest[q] == ':' && (q+1 == len(rest) || rest[q+1] == ' ') {
			return q, true
		}
		return 0, false
	case '?', '&', '*', '!', '%', '@', '`', '|', '>', '[', '{', ']', '}', ',', ':', '<':
		return 0, false
	}
	for i := 0; i < len(rest); i++ {
		switch rest[i] {
		case ':':
			if i+1 == len(rest) || rest[i+1] == ' ' {
				return i, true
			}
		case '#':
			if rest[i-1] == ' ' {
				return 0, false
			}
		}
	}
	return 0, false
}

// valueKind checks the value of a key (or a list item): a plain scalar on
// the line, a quoted one that closes on the line, a flow collection that
// closes on the line, a block scalar header (block is true: its lines
// follow, more indented than parent), nothing, or a comment.
func valueKind(v []byte, parent int) (int, bool, bool) {
	v = bytes.TrimLeft(v, " ")
	if len(v) == 0 || v[0] == '#' {
		return parent, false, true
	}
	switch v[0] {
	case '"', '\'':
		q := quotedEnd(v)
		return parent, false, q >= 0 && emptyValue(v[q:])
	case '[', '{':
		q := flowEnd(v)
		return parent, false, q >= 0 && emptyValue(v[q:])
	case '|', '>':
		// A header without indentation indicator: |, >, |-, >+, with a comment.
		i := 1
		if i < len(v) && (v[i] == '-' || v[i] == '+') {
			i++
		}
		return parent, true, emptyValue(v[i:])
	case '&', '*', '!', '%', '@', '`', '?', ':', ',', ']', '}', '\t':
		return parent, false, false
	case '-':
		if len(v) == 1 || v[1] == ' ' {
			return parent, false, false // a list on the line of its key
		}
	}
	// A plain scalar: no ": " (a nested mapping, or an error), no final ':'.
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case ':':
			if i+1 == len(v) || v[i+1] == ' ' || v[i+1] == '\t' {
				return parent, false, false
			}
		case '#':
			if v[i-1] == ' ' || v[i-1] == '\t' {
				return parent, false, true
			}
		case '\t':
			if i+1 < len(v) && v[i+1] == '#' {
				return parent, false, false
			}
		}
	}
	return parent, false, true
}

// quotedEnd returns the index after the closing quote of the quoted scalar
// at the start of v, or -1 when it does not close on the line.
func quotedEnd(v []byte) int {
	q := v[0]
	for i := 1; i < len(v); {
		j := bytes.IndexByte(v[i:], q)
		if j < 0 {
			return -1
		}
		if q == '"' {
			if b := bytes.IndexByte(v[i:i+j], '\\'); b >= 0 {
				i += b + 2 // an escape: skip the escaped character
				continue
			}
		}
		i += j
		if q == '\'' && i+1 < len(v) && v[i+1] == '\'' {
			i += 2 // '' stands for '
			continue
		}
		return i + 1
	}
	return -1
}

// flowEnd returns the index after the bracket that closes the flow
// collection at the start of v, or -1 when it does not close on the line
// or holds anything but plain and quoted scalars and nested collections.
func flowEnd(v []byte) int {
	depth := 0
	tokenStart := true
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '[' || c == '{':
			depth++
			tokenStart = true
		case c == ']' || c == '}':
			depth--
			if depth == 0 {
				return i + 1
			}
			tokenStart = false
		case c == ',':
			tokenStart = true
		case c == ' ':
		case c == '\t':
			return -1
		case c == '#':
			if i > 0 && v[i-1] == ' ' {
				return -1 // a comment: the collection goes on on the next line
			}
			tokenStart = false
		case tokenStart && (c == '"' || c == '\''):
			q := quotedEnd(v[i:])
			if q < 0 {
				return -1
			}
			i += q - 1
			tokenStart = false
		case tokenStart && (c == '&' || c == '*' || c == '!' || c == '|' || c == '>' || c == '%' || c == '@' || c == '`' || c == '?'):
			return -1
		case c == ':':
			tokenStart = true
		default:
			tokenStart = false
		}
	}
	return -1
}

// composeYAML writes data without the entries that keep is false for, and
// returns the map from its lines back to data's.
func composeYAML(data []byte, lay *yamlLayout, skip func(s, e int) bool) ([]byte, *lineMap) {
	var out []byte
	lm := &lineMap{}
	pos, removed := 0, 0
	outLine := 1 // line of out at its end
	for si, s := range lay.sections {
		for ei, e := range s.entries {
			if !skip(si, ei) {
				continue
			}
			chunk := data[pos:e.start]
			out = append(out, chunk...)
			outLine += bytes.Count(chunk, []byte{'\n'})
			removed += e.lines
			lm.at = append(lm.at, outLine)
			lm.add = append(lm.add, removed)
			pos = e.end
		}
	}
	out = append(out, data[pos:]...)
	return out, lm
}

// lineMap maps lines of a composed file back: from line at[i] on, add[i]
// lines were removed before.
type lineMap struct {
	at, add []int
}

func (m *lineMap) orig(line int) int {
	// The last i with at[i] <= line.
	lo, hi := 0, len(m.at)
	for lo < hi {
		mid := (lo + hi) / 2
		if m.at[mid] <= line {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo == 0 {
		return line
	}
	return line + m.add[lo-1]
}

// shiftLines moves every line of a tree (without shared nodes) by m.
func shiftLines(n *Node, m *lineMap) {
	n.Line = m.orig(n.Line)
	for i := range n.KeyPos {
		n.KeyPos[i].Line = m.orig(n.KeyPos[i].Line)
	}
	for _, v := range n.Values {
		shiftLines(v, m)
	}
	for _, v := range n.Items {
		shiftLines(v, m)
	}
}

// loadYAMLEntries loads a YAML file entry by entry, through the entry
// cache, or returns nil when the file cannot be cut into entries (or the
// cut does not agree with the parse), for the caller to load it whole.
func (l *Loader) loadYAMLEntries(name string, data []byte) *Result {
	lay := scanYAML(data)
	if lay == nil {
		return nil
	}
	h := newEntryHasher()
	var keys []entryKey
	for _, s := range lay.sections {
		for _, e := range s.entries {
			keys = append(keys, h.key(YAML, s.name, data[e.start:e.end]))
		}
	}
	found := make([]*entryResult, len(keys))
	l.cache.getEntries(keys, found)
	hits := 0
	for _, f := range found {
		if f != nil {
			hits++
		}
	}
	index := func(si, ei int) int {
		i := ei
		for _, s := range lay.sections[:si] {
			i += len(s.entries)
		}
		return i
	}
	text, lm := data, (*lineMap)(nil)
	if hits > 0 {
		text, lm = composeYAML(data, lay, func(si, ei int) bool { return found[index(si, ei)] != nil })
	}
	root, err := parseYAML(text, l.limits)
	if err != nil {
		if hits == 0 {
			return parseFailure(name, err)
		}
		return nil // the positions of the error are the composed file's
	}
	if lm != nil {
		shiftLines(root, lm)
	}
	el := &entryLayout{hits: make(map[*Node]*entryResult, hits), keys: make(map[*Node]entryKey, len(keys)-hits)}
	if !l.matchYAMLLayout(root, lay, found, keys, el) {
		if hits == 0 {
			return l.validate(name, root, nil) // a plain parse; just nothing to cache
		}
		return nil
	}
	return l.validate(name, root, el)
}

// matchYAMLLayout checks that the parse agrees with the cut, and puts the
// cached entries back in their sections as placeholders.
func (l *Loader) matchYAMLLayout(root *Node, lay *yamlLayout, found []*entryResult, keys []entryKey, el *entryLayout) bool {
	if root.Kind != MapNode || len(root.Keys) != len(lay.top) {
		return false
	}
	for i, t := range lay.top {
		if root.Keys[i] != t.key || root.KeyPos[i].Line != t.line || root.KeyPos[i].Column != 1 {
			return false
		}
	}
	k := 0
	for _, s := range lay.sections {
		f := l.schema.Root.Field(s.name)
		if f == nil || f.Shape.Kind != MapShape {
			return false
		}
		val := root.Values[s.top]
		misses := 0
		for i := range s.entries {
			if found[k+i] == nil {
				misses++
			}
		}
		switch {
		case misses == 0 && val.Kind == NullNode:
		case misses > 0 && val.Kind == MapNode && len(val.Keys) == misses:
		default:
			return false
		}
		sec := &Node{Kind: MapNode, Line: s.entries[0].line, Column: s.entries[0].col,
			Keys: make([]string, len(s.entries)), KeyPos: make([]Pos, len(s.entries)), Values: make([]*Node, len(s.entries))}
		m := 0
		for i, e := range s.entries {
			sec.Keys[i] = e.id
			sec.KeyPos[i] = Pos{e.line, e.col}
			if er := found[k+i]; er != nil {
				ph := &Node{Kind: MapNode, Line: e.line, Column: e.col}
				el.hits[ph] = er
				sec.Values[i] = ph
				continue
			}
			if val.Keys[m] != e.id || val.KeyPos[m] != (Pos{e.line, e.col}) {
				return false
			}
			sec.Values[i] = val.Values[m]
			el.keys[val.Values[m]] = keys[k+i]
			m++
		}
		root.Values[s.top] = sec
		k += len(s.entries)
	}
	return true
}
