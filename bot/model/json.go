package model

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// parseJSON reads a JSON document into a Node tree. encoding/json keeps no
// positions, so this is a small strict parser of RFC 8259 that does; string
// escapes are decoded by encoding/json.
func parseJSON(data []byte, lim Limits) (*Node, error) {
	p := &jsonParser{data: data, line: 1, col: 1, lim: lim}
	if len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF {
		p.off, p.lineStart, p.colOff = 3, 3, 3 // byte-order mark
	}
	p.space()
	if p.off >= len(p.data) {
		return nil, &SyntaxError{Line: 1, Column: 1, Msg: "the file is empty: a threat model needs at least version and system"}
	}
	n, err := p.value(1)
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

func (p *jsonParser) value(depth int) (*Node, error) {
	pos := p.pos()
	n := &Node{Line: pos.Line, Column: pos.Column}
	if p.off >= len(p.data) {
		return nil, p.errorf("invalid JSON: unexpected end of file, expected a value")
	}
	switch c := p.data[p.off]; {
	case c == '{':
		if depth > p.lim.MaxDepth {
			return nil, p.depthError()
		}
		return n, p.object(n, depth)
	case c == '[':
		if depth > p.lim.MaxDepth {
			return nil, p.depthError()
		}
		return n, p.array(n, depth)
	case c == '"':
		s, err := p.str()
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

func (p *jsonParser) object(n *Node, depth int) error {
	n.Kind = MapNode
	p.off++ // {
	p.space()
	if p.off < len(p.data) && p.data[p.off] == '}' {
		p.off++
		return nil
	}
	for {
		p.space()
		if p.off >= len(p.data) || p.data[p.off] != '"' {
			return p.errorf("invalid JSON: unexpected %s, expected a key in double quotes", p.what())
		}
		kpos := p.pos()
		k, err := p.str()
		if err != nil {
			return err
		}
		p.space()
		if p.off >= len(p.data) || p.data[p.off] != ':' {
			return p.errorf("invalid JSON: unexpected %s, expected ':' after the key", p.what())
		}
		p.off++
		p.space()
		v, err := p.value(depth + 1)
		if err != nil {
			return err
		}
		n.Keys = append(n.Keys, k)
		n.KeyPos = append(n.KeyPos, kpos)
		n.Values = append(n.Values, v)
		p.space()
		if p.off >= len(p.data) {
			return p.errorf("invalid JSON: unexpected end of file, expected ',' or '}'")
		}
		switch p.data[p.off] {
		case ',':
			p.off++
		case '}':
			p.off++
			return nil
		default:
			return p.errorf("invalid JSON: unexpected %s, expected ',' or '}'", p.what())
		}
	}
}

func (p *jsonParser) array(n *Node, depth int) error {
	n.Kind = ListNode
	p.off++ // [
	p.space()
	if p.off < len(p.data) && p.data[p.off] == ']' {
		p.off++
		return nil
	}
	for {
		p.space()
		v, err := p.value(depth + 1)
		if err != nil {
			return err
		}
		n.Items = append(n.Items, v)
		p.space()
		if p.off >= len(p.data) {
			return p.errorf("invalid JSON: unexpected end of file, expected ',' or ']'")
		}
		switch p.data[p.off] {
		case ',':
			p.off++
		case ']':
			p.off++
			return nil
		default:
			return p.errorf("invalid JSON: unexpected %s, expected ',' or ']'", p.what())
		}
	}
}

// str reads a string at p.off (which is '"').
func (p *jsonParser) str() (string, error) {
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
