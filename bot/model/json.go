package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// parseJSON reads a JSON document into a Node tree. encoding/json keeps no
// positions, so this is a small strict parser of RFC 8259 that does; string
// escapes are decoded by encoding/json.
func parseJSON(data []byte, lim Limits) (*Node, error) {
	return parseJSONWith(data, lim, nil)
}

// parseJSONWith parses, taking the entries of the maps of ids that ent's
// cache knows from it (ent may be nil).
func parseJSONWith(data []byte, lim Limits, ent *jsonEntries) (*Node, error) {
	p := &jsonParser{data: data, line: 1, col: 1, lim: lim, ent: ent}
	if len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF {
		p.off, p.lineStart, p.colOff = 3, 3, 3 // byte-order mark
	}
	p.space()
	if p.off >= len(p.data) {
		return nil, &SyntaxError{Line: 1, Column: 1, Msg: "the file is empty: a threat model needs at least version and system"}
	}
	n, err := p.value(1, "")
	if err != nil {
		return nil, err
	}
	p.space()
	if p.off < len(p.data) {
		return nil, p.errorf("invalid JSON: unexpected %s after the end of the document", p.what())
	}
	return n, nil
}

type jsonParser struct {
	data      []byte
	off       int
	line      int
	lineStart int
	// the column of colOff on the current line, to count runes once
	colOff, col int
	lim         Limits

	alloc nodeAlloc
	// keys interns the keys of mappings below the maps of ids (field
	// names repeat in every entry).
	keys map[string]string
	// Members and items of the collections being read, innermost last.
	skeys  []string
	spos   []Pos
	svals  []*Node
	sitems []*Node
	ent    *jsonEntries
}

func (p *jsonParser) pos() Pos {
	if p.colOff < p.lineStart || p.colOff > p.off {
		p.colOff, p.col = p.lineStart, 1
	}
	p.col += utf8.RuneCount(p.data[p.colOff:p.off])
	p.colOff = p.off
	return Pos{p.line, p.col}
}

func (p *jsonParser) errorf(format string, args ...any) error {
	pos := p.pos()
	return &SyntaxError{Line: pos.Line, Column: pos.Column, Msg: fmt.Sprintf(format, args...)}
}

func (p *jsonParser) what() string {
	if p.off >= len(p.data) {
		return "end of file"
	}
	r, _ := utf8.DecodeRune(p.data[p.off:])
	return fmt.Sprintf("%q", r)
}

func (p *jsonParser) space() {
	for p.off < len(p.data) {
		switch p.data[p.off] {
		case ' ', '\t', '\r':
			p.off++
		case '\n':
			p.off++
			p.line++
			p.lineStart = p.off
		default:
			return
		}
	}
}

// value reads a value; sec names the map of ids it is, when it is one.
func (p *jsonParser) value(depth int, sec string) (*Node, error) {
	pos := p.pos()
	n := p.alloc.node()
	n.Line, n.Column = pos.Line, pos.Column
	if p.off >= len(p.data) {
		return nil, p.errorf("invalid JSON: unexpected end of file, expected a value")
	}
	switch c := p.data[p.off]; {
	case c == '{':
		if depth > p.lim.MaxDepth {
			return nil, p.depthError()
		}
		return n, p.object(n, depth, sec)
	case c == '[':
		if depth > p.lim.MaxDepth {
			return nil, p.depthError()
		}
		return n, p.array(n, depth)
	case c == '"':
		s, err := p.str(false)
		if err != nil {
			return nil, err
		}
		n.Kind, n.Str = StringNode, s
	case c == '-' || (c >= '0' && c <= '9'):
		return n, p.number(n)
	default:
		for _, lit := range []struct {
			text string
			kind NodeKind
		}{{"true", BoolNode}, {"false", BoolNode}, {"null", NullNode}} {
			if len(p.data)-p.off >= len(lit.text) && string(p.data[p.off:p.off+len(lit.text)]) == lit.text {
				p.off += len(lit.text)
				n.Kind, n.Str = lit.kind, lit.text
				return n, nil
			}
		}
		return nil, p.errorf("invalid JSON: unexpected %s, expected a value", p.what())
	}
	return n, nil
}

func (p *jsonParser) depthError() error {
	pos := p.pos()
	return &LimitError{Limit: "depth", Line: pos.Line, Col: pos.Column,
		Msg: fmt.Sprintf("the file is nested deeper than the limit of %d levels", p.lim.MaxDepth)}
}

// object reads a mapping; sec names the map of ids it is, if any (its
// entries may then come from the cache).
func (p *jsonParser) object(n *Node, depth int, sec string) error {
	n.Kind = MapNode
	p.off++ // {
	p.space()
	if p.off < len(p.data) && p.data[p.off] == '}' {
		p.off++
		return nil
	}
	base := len(p.skeys)
	defer func() {
		p.skeys, p.spos, p.svals = p.skeys[:base], p.spos[:base], p.svals[:base]
	}()
	for {
		p.space()
		if p.off >= len(p.data) || p.data[p.off] != '"' {
			return p.errorf("invalid JSON: unexpected %s, expected a key in double quotes", p.what())
		}
		kpos := p.pos()
		keyOff, lineStart := p.off, p.lineStart
		k, err := p.str(depth != 2)
		if err != nil {
			return err
		}
		p.space()
		if p.off >= len(p.data) || p.data[p.off] != ':' {
			return p.errorf("invalid JSON: unexpected %s, expected ':' after the key", p.what())
		}
		p.off++
		p.space()
		var v *Node
		switch {
		case sec != "" && p.ent != nil && onlySpace(p.data[lineStart:keyOff]):
			v, err = p.entry(sec, lineStart, depth+1)
		case depth == 1 && p.ent != nil && p.ent.sections(k):
			v, err = p.value(depth+1, k)
		default:
			v, err = p.value(depth+1, "")
		}
		if err != nil {
			return err
		}
		p.skeys = append(p.skeys, k)
		p.spos = append(p.spos, kpos)
		p.svals = append(p.svals, v)
		p.space()
		if p.off >= len(p.data) {
			return p.errorf("invalid JSON: unexpected end of file, expected ',' or '}'")
		}
		switch p.data[p.off] {
		case ',':
			p.off++
		case '}':
			p.off++
			m := len(p.skeys) - base
			n.Keys = append(p.alloc.stringSlice(m), p.skeys[base:]...)
			n.KeyPos = append(p.alloc.posSlice(m), p.spos[base:]...)
			n.Values = append(p.alloc.nodeSlice(m), p.svals[base:]...)
			return nil
		default:
			return p.errorf("invalid JSON: unexpected %s, expected ',' or '}'", p.what())
		}
	}
}

func onlySpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

// entry reads the value of an entry of the map of ids sec, whose key
// starts its line at lineStart: from the cache when it knows the text from
// lineStart to the end of the value, by parsing otherwise.
func (p *jsonParser) entry(sec string, lineStart, depth int) (*Node, error) {
	e := p.ent
	end := skipJSONValue(p.data, p.off)
	if end < 0 {
		return p.value(depth, "")
	}
	key := e.h.key(JSON, sec, p.data[lineStart:end])
	if er := e.cache.getEntry(key); er != nil {
		pos := p.pos()
		ph := &Node{Kind: MapNode, Line: pos.Line, Column: pos.Column}
		e.el.hits[ph] = er
		skipped := p.data[p.off:end]
		if nl := bytes.Count(skipped, []byte{'\n'}); nl > 0 {
			p.line += nl
			p.lineStart = p.off + bytes.LastIndexByte(skipped, '\n') + 1
		}
		p.off = end
		return ph, nil
	}
	v, err := p.value(depth, "")
	if err == nil && p.off == end {
		e.el.keys[v] = key
	}
	return v, err
}

// skipJSONValue returns the end of the JSON value at data[i:], or -1. It
// only finds where the value ends, assuming it is valid: a value it skips
// is one the cache knows, that is one parsed before.
func skipJSONValue(data []byte, i int) int {
	if i >= len(data) {
		return -1
	}
	switch data[i] {
	case '{', '[':
		depth := 0
		for ; i < len(data); i++ {
			switch data[i] {
			case '"':
				i++
				for i < len(data) && data[i] != '"' {
					if data[i] == '\\' {
						i++
					}
					i++
				}
				if i >= len(data) {
					return -1
				}
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return -1
	case '"':
		i++
		for i < len(data) && data[i] != '"' {
			if data[i] == '\\' {
				i++
			}
			i++
		}
		if i >= len(data) {
			return -1
		}
		return i + 1
	}
	for i < len(data) {
		switch data[i] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			return i
		}
		i++
	}
	return i
}

func (p *jsonParser) array(n *Node, depth int) error {
	n.Kind = ListNode
	p.off++ // [
	p.space()
	if p.off < len(p.data) && p.data[p.off] == ']' {
		p.off++
		return nil
	}
	base := len(p.sitems)
	defer func() { p.sitems = p.sitems[:base] }()
	for {
		p.space()
		v, err := p.value(depth+1, "")
		if err != nil {
			return err
		}
		p.sitems = append(p.sitems, v)
		p.space()
		if p.off >= len(p.data) {
			return p.errorf("invalid JSON: unexpected end of file, expected ',' or ']'")
		}
		switch p.data[p.off] {
		case ',':
			p.off++
		case ']':
			p.off++
			n.Items = append(p.alloc.nodeSlice(len(p.sitems)-base), p.sitems[base:]...)
			return nil
		default:
			return p.errorf("invalid JSON: unexpected %s, expected ',' or ']'", p.what())
		}
	}
}

// str reads a string at p.off (which is '"'); intern keeps one copy of
// each text (for keys that repeat).
func (p *jsonParser) str(intern bool) (string, error) {
	start := p.off
	p.off++
	escaped := false
	for p.off < len(p.data) {
		c := p.data[p.off]
		switch {
		case c == '"':
			p.off++
			raw := p.data[start:p.off]
			if !escaped && utf8.Valid(raw) {
				if intern {
					if s, ok := p.keys[string(raw[1:len(raw)-1])]; ok {
						return s, nil
					}
					s := string(raw[1 : len(raw)-1])
					if len(p.keys) < 4096 {
						if p.keys == nil {
							p.keys = map[string]string{}
						}
						p.keys[s] = s
					}
					return s, nil
				}
				return string(raw[1 : len(raw)-1]), nil
			}
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				p.off = start
				return "", p.errorf("invalid JSON string: %v", err)
			}
			return s, nil
		case c == '\\':
			escaped = true
			p.off += 2
		case c < 0x20:
			return "", p.errorf("invalid JSON: a control character in a string (write \\n for a new line)")
		default:
			p.off++
		}
	}
	p.off = start
	return "", p.errorf("invalid JSON: a string that never ends")
}

func (p *jsonParser) number(n *Node) error {
	start := p.off
	isFloat := false
	if p.data[p.off] == '-' {
		p.off++
	}
	digits := func() int {
		s := p.off
		for p.off < len(p.data) && p.data[p.off] >= '0' && p.data[p.off] <= '9' {
			p.off++
		}
		return p.off - s
	}
	if d := digits(); d == 0 || (d > 1 && p.data[p.off-d] == '0') {
		p.off = start
		return p.errorf("invalid JSON number")
	}
	if p.off < len(p.data) && p.data[p.off] == '.' {
		p.off++
		isFloat = true
		if digits() == 0 {
			p.off = start
			return p.errorf("invalid JSON number")
		}
	}
	if p.off < len(p.data) && (p.data[p.off] == 'e' || p.data[p.off] == 'E') {
		p.off++
		isFloat = true
		if p.off < len(p.data) && (p.data[p.off] == '+' || p.data[p.off] == '-') {
			p.off++
		}
		if digits() == 0 {
			p.off = start
			return p.errorf("invalid JSON number")
		}
	}
	n.Str = string(p.data[start:p.off])
	n.Kind = IntNode
	if isFloat {
		n.Kind = FloatNode
	}
	return nil
}

// jsonEntries is what a JSON parse needs to take entries from the cache.
type jsonEntries struct {
	cache    *loadCache
	sections func(key string) bool // whether a top-level key is a map of ids
	h        *entryHasher
	el       *entryLayout
}

// loadJSONEntries loads a JSON file through the entry cache: an entry
// whose key starts its line and whose text (from the start of that line to
// the end of its value) the cache knows is skipped by the parser.
func (l *Loader) loadJSONEntries(name string, data []byte) *Result {
	el := &entryLayout{hits: map[*Node]*entryResult{}, keys: map[*Node]entryKey{}}
	ent := &jsonEntries{cache: l.cache, sections: l.isSection, h: newEntryHasher(), el: el}
	root, err := parseJSONWith(data, l.limits, ent)
	if err != nil {
		return parseFailure(name, err)
	}
	return l.validate(name, root, el)
}
