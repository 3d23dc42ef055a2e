package model

import (
	"bytes"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"
)

// cueConv turns an evaluated CUE value into Nodes.
type cueConv struct {
	src    []byte
	labels map[token.Pos]token.Pos
	schema [][2]int
}

// pos converts a CUE position into a Pos; columns count characters, like
// the YAML and JSON readers, not bytes.
func (c *cueConv) pos(p token.Pos, fallback Pos) Pos {
	if !p.IsValid() || p.Line() <= 0 {
		return fallback
	}
	col := p.Column()
	if off := p.Offset(); off >= 0 && off <= len(c.src) {
		start := bytes.LastIndexByte(c.src[:off], '\n') + 1
		col = utf8.RuneCount(c.src[start:off]) + 1
	}
	return Pos{p.Line(), col}
}

// valuePos is where v's value is written: the value of its field when CUE
// knows the field, else whatever position CUE gives.
func valuePos(v cue.Value) token.Pos {
	switch s := v.Source().(type) {
	case *ast.Field:
		if s.Value != nil && s.Value.Pos().IsValid() {
			return s.Value.Pos()
		}
		return s.Pos()
	case nil:
	default:
		if p := s.Pos(); p.IsValid() {
			return p
		}
	}
	return v.Pos()
}

// keyPos is where the label of the field holding v is written. A field may
// be declared more than once (and in a definition); the data's own
// declaration wins over a definition's, the first over later ones.
func (c *cueConv) keyPos(v cue.Value, fallback Pos) Pos {
	var schema token.Pos // a label inside a definition, hidden field or let
	src, _ := v.Source().(*ast.Field)
	if src != nil && src.Label != nil {
		if lp := src.Label.Pos(); lp.IsValid() {
			if !c.inSchema(lp) {
				return c.pos(lp, fallback)
			}
			schema = lp
		}
	}
	if op, args := v.Expr(); op == cue.AndOp {
		var first token.Pos
		for _, a := range args {
			f, ok := a.Source().(*ast.Field)
			if !ok || f.Label == nil || !f.Label.Pos().IsValid() {
				continue
			}
			lp := f.Label.Pos()
			if c.inSchema(lp) {
				if !schema.IsValid() {
					schema = lp
				}
			} else if !first.IsValid() || lp.Before(first) {
				first = lp
			}
		}
		if first.IsValid() {
			return c.pos(first, fallback)
		}
	}
	if lp, ok := c.labels[valuePos(v)]; ok && (!c.inSchema(lp) || !schema.IsValid()) {
		return c.pos(lp, fallback)
	}
	if schema.IsValid() {
		return c.pos(schema, fallback)
	}
	return c.pos(valuePos(v), fallback)
}

// inSchema reports whether p lies in a definition, a hidden field or a let
// clause: text that is not data.
func (c *cueConv) inSchema(p token.Pos) bool {
	off := p.Offset()
	for _, s := range c.schema {
		if off >= s[0] && off < s[1] {
			return true
		}
	}
	return false
}

// schemaSpans lists the byte ranges of f's definitions, hidden fields and
// let clauses.
func schemaSpans(f *ast.File) [][2]int {
	var spans [][2]int
	add := func(n ast.Node) {
		if s, e := n.Pos(), n.End(); s.IsValid() && e.IsValid() {
			spans = append(spans, [2]int{s.Offset(), e.Offset()})
		}
	}
	ast.Walk(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Field:
			if id, ok := n.Label.(*ast.Ident); ok && (strings.HasPrefix(id.Name, "#") || strings.HasPrefix(id.Name, "_")) {
				add(n)
				return false
			}
		case *ast.LetClause:
			add(n)
			return false
		}
		return true
	}, nil)
	return spans
}

func cuePathText(v cue.Value) string {
	if s := v.Path().String(); s != "" {
		return s
	}
	return "the model"
}

func (c *cueConv) node(v cue.Value, fallback Pos, depth int) (*Node, error) {
	if d, ok := v.Default(); ok {
		v = d
	}
	p := c.pos(valuePos(v), fallback)
	if depth == 1 {
		p = Pos{1, 1}
	}
	if depth > maxCUEDepth {
		return nil, &LimitError{Limit: "depth", Line: p.Line, Col: p.Column,
			Msg: fmt.Sprintf("the file is nested deeper than the limit of %d levels", maxCUEDepth)}
	}
	n := &Node{Line: p.Line, Column: p.Column}
	switch k := v.Kind(); k {
	case cue.BottomKind:
		if err := v.Err(); err != nil {
			return nil, c.cueError(err, valuePos(v), "", true)
		}
		msg := fmt.Sprintf("the value of %s is not concrete: give it a value", cuePathText(v))
		if ik := v.IncompleteKind(); ik != cue.TopKind && ik != cue.BottomKind && !strings.Contains(ik.String(), "|") {
			msg += fmt.Sprintf(" (it is only %s)", cueKindName(ik))
		}
		return nil, &SyntaxError{Line: p.Line, Column: p.Column, Msg: msg}
	case cue.NullKind:
		n.Kind, n.Str = NullNode, "null"
	case cue.BoolKind:
		b, err := v.Bool()
		if err != nil {
			return nil, c.cueError(err, valuePos(v), "", true)
		}
		n.Kind, n.Str = BoolNode, strconv.FormatBool(b)
	case cue.IntKind:
		i, err := v.Int(new(big.Int))
		if err != nil {
			return nil, c.cueError(err, valuePos(v), "", true)
		}
		n.Kind, n.Str = IntNode, i.String()
	case cue.FloatKind:
		b, err := v.MarshalJSON()
		if err != nil {
			return nil, c.cueError(err, valuePos(v), "", true)
		}
		n.Kind, n.Str = FloatNode, string(b)
	case cue.StringKind:
		s, err := v.String()
		if err != nil {
			return nil, c.cueError(err, valuePos(v), "", true)
		}
		n.Kind, n.Str = StringNode, s
	case cue.BytesKind:
		return nil, &SyntaxError{Line: p.Line, Column: p.Column,
			Msg: fmt.Sprintf("the value of %s is bytes: write text as a double-quoted string", cuePathText(v))}
	case cue.StructKind:
		n.Kind = MapNode
		// The default options leave out hidden fields, definitions and
		// optional fields; let clauses are not fields.
		it, err := v.Fields()
		if err != nil {
			return nil, c.cueError(err, valuePos(v), "", true)
		}
		for it.Next() {
			sel := it.Selector()
			if !sel.IsString() {
				continue
			}
			fv := it.Value()
			kp := c.keyPos(fv, p)
			child, err := c.node(fv, kp, depth+1)
			if err != nil {
				return nil, err
			}
			n.Keys = append(n.Keys, sel.Unquoted())
			n.KeyPos = append(n.KeyPos, kp)
			n.Values = append(n.Values, child)
		}
	case cue.ListKind:
		n.Kind = ListNode
		it, err := v.List()
		if err != nil {
			return nil, c.cueError(err, valuePos(v), "", true)
		}
		for it.Next() {
			child, err := c.node(it.Value(), p, depth+1)
			if err != nil {
				return nil, err
			}
			n.Items = append(n.Items, child)
		}
	default:
		return nil, &SyntaxError{Line: p.Line, Column: p.Column,
			Msg: fmt.Sprintf("the value of %s is not concrete: give it a value", cuePathText(v))}
	}
	return n, nil
}

func cueKindName(k cue.Kind) string {
	switch k {
	case cue.StructKind:
		return "a struct"
	case cue.ListKind:
		return "a list"
	case cue.StringKind:
		return "a string"
	case cue.IntKind:
		return "an integer"
	case cue.FloatKind, cue.NumberKind:
		return "a number"
	case cue.BoolKind:
		return "a boolean"
	case cue.NullKind:
		return "null"
	case cue.BytesKind:
		return "bytes"
	case cue.TopKind:
		return "_ (any value)"
	case cue.BottomKind:
		return "an error"
	}
	return "a type (" + k.String() + ")"
}

// cueError turns a CUE error into a SyntaxError at the first position CUE
// gives (for a conflict, the value that conflicts), mentioning the others;
// countOthers adds how many more errors there are (not for syntax errors,
// where the rest follow from the first).
func (c *cueConv) cueError(err error, fallback token.Pos, prefix string, countOthers bool) error {
	errs := cueerrors.Errors(err)
	if len(errs) == 0 {
		p := c.pos(fallback, Pos{1, 1})
		return &SyntaxError{Line: p.Line, Column: p.Column, Msg: prefix + err.Error()}
	}
	e := errs[0]
	var positions []token.Pos
	if p := e.Position(); p.IsValid() {
		positions = append(positions, p)
	}
	for _, p := range e.InputPositions() {
		if p.IsValid() && !containsPos(positions, p) {
			positions = append(positions, p)
		}
	}
	p := c.pos(fallback, Pos{1, 1})
	if len(positions) > 0 {
		p = c.pos(positions[0], p)
	}
	format, args := e.Msg()
	msg := prefix + fmt.Sprintf(format, args...)
	if path := e.Path(); len(path) > 0 {
		msg = strings.Join(path, ".") + ": " + msg
	}
	if len(positions) > 1 {
		var also []string
		for _, q := range positions[1:] {
			qp := c.pos(q, p)
			also = append(also, fmt.Sprintf("%d:%d", qp.Line, qp.Column))
		}
		msg += " (see also " + strings.Join(also, ", ") + ")"
	}
	if countOthers && len(errs) > 1 {
		msg += fmt.Sprintf(" (and %d more errors)", len(errs)-1)
	}
	return &SyntaxError{Line: p.Line, Column: p.Column, Msg: msg}
}

func containsPos(ps []token.Pos, p token.Pos) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}
