package model

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"

	"github.com/tmbot/tmbot/bot/sandbox"
)

// CUEBudget bounds the evaluation of one CUE model file: the child's
// budget (bot/sandbox). Zero (or negative) values mean the defaults,
// DefaultCUETimeout and DefaultCUEMemory.
type CUEBudget = sandbox.Budget

// The default CUE budget: the sandbox's.
const (
	DefaultCUETimeout = sandbox.DefaultTimeout
	DefaultCUEMemory  = sandbox.DefaultMemory
)

// Limits enforced inside LoadCUE that are not part of the budget: they keep
// the parent's decoding of the child's answer bounded.
const (
	// maxCUEOutput is the most the parent reads of the child's answer.
	maxCUEOutput = 64 << 20
	// maxCUEDepth is the deepest nesting the child will encode; the caller
	// applies its own, smaller depth limit to the tree.
	maxCUEDepth = 1000
)

// cueChildKind names the CUE-evaluation child to bot/sandbox (see
// cue_child.go). Its input is the filename, a NUL byte, and the source.
const cueChildKind = "cue"

// LoadCUE evaluates src (named filename for positions) in a child process
// and returns its value as a Node tree. The child is the running executable
// itself, which must call RunCUEChildIfRequested first thing in main (or in
// TestMain). Errors are *SyntaxError for bad CUE (syntax, imports, conflicts,
// values that are not concrete) and *LimitError when the evaluation exceeds
// its budget; ctx's own cancellation is returned as ctx.Err().
func LoadCUE(ctx context.Context, filename string, src []byte, b CUEBudget) (*Node, error) {
	b = b.WithDefaults()
	input := make([]byte, 0, len(filename)+1+len(src))
	input = append(append(append(input, strings.ReplaceAll(filename, "\x00", "")...), 0), src...)
	out, err := sandbox.RunCapped(ctx, cueChildKind, input, b, maxCUEOutput)
	var le *sandbox.LimitError
	switch {
	case err == nil:
		return decodeCUEAnswer(out)
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case errors.As(err, &le) && le.Limit == "time":
		return nil, cueTimeError(b)
	case errors.As(err, &le) && le.Limit == "memory":
		return nil, cueMemoryError(b)
	case errors.As(err, &le):
		return nil, &LimitError{Limit: "cue-output",
			Msg: fmt.Sprintf("CUE evaluation produced more than %s of data", sandbox.FormatBytes(maxCUEOutput))}
	}
	return nil, fmt.Errorf("CUE evaluation failed: %w", err)
}

func cueTimeError(b CUEBudget) error {
	return &LimitError{Limit: "cue-time",
		Msg: fmt.Sprintf("CUE evaluation exceeded its time budget of %v", b.Timeout)}
}

func cueMemoryError(b CUEBudget) error {
	return &LimitError{Limit: "cue-memory",
		Msg: fmt.Sprintf("CUE evaluation exceeded its memory budget of %s", sandbox.FormatBytes(b.MemoryBytes))}
}

// The child's answer on stdout: one JSON object holding either the tree or
// an error.
type cueAnswer struct {
	Node *cueWireNode `json:"n,omitempty"`
	Err  *cueWireErr  `json:"e,omitempty"`
}

type cueWireErr struct {
	Line   int    `json:"l"`
	Column int    `json:"c"`
	Msg    string `json:"m"`
	Limit  string `json:"lim,omitempty"` // set for a LimitError
}

// cueWireNode is a compact encoding of a Node.
type cueWireNode struct {
	Kind   NodeKind       `json:"k"`
	Line   int            `json:"l"`
	Column int            `json:"c"`
	Str    string         `json:"s,omitempty"`
	Keys   []string       `json:"K,omitempty"`
	KeyPos []int          `json:"P,omitempty"` // line, column, line, column...
	Values []*cueWireNode `json:"V,omitempty"`
	Items  []*cueWireNode `json:"I,omitempty"`
}

func toCUEWire(n *Node) *cueWireNode {
	w := &cueWireNode{Kind: n.Kind, Line: n.Line, Column: n.Column, Str: n.Str, Keys: n.Keys}
	if len(n.KeyPos) > 0 {
		w.KeyPos = make([]int, 0, 2*len(n.KeyPos))
		for _, p := range n.KeyPos {
			w.KeyPos = append(w.KeyPos, p.Line, p.Column)
		}
	}
	if len(n.Values) > 0 {
		w.Values = make([]*cueWireNode, len(n.Values))
		for i, v := range n.Values {
			w.Values[i] = toCUEWire(v)
		}
	}
	if len(n.Items) > 0 {
		w.Items = make([]*cueWireNode, len(n.Items))
		for i, v := range n.Items {
			w.Items[i] = toCUEWire(v)
		}
	}
	return w
}

func fromCUEWire(w *cueWireNode) (*Node, error) {
	if w == nil {
		return nil, errors.New("missing node")
	}
	n := &Node{Kind: w.Kind, Line: w.Line, Column: w.Column, Str: w.Str, Keys: w.Keys}
	if w.Kind > ListNode {
		return nil, fmt.Errorf("unknown node kind %d", w.Kind)
	}
	if len(w.Keys) != len(w.Values) || 2*len(w.Keys) != len(w.KeyPos) {
		return nil, errors.New("keys, key positions and values do not match")
	}
	if len(w.Keys) > 0 {
		n.KeyPos = make([]Pos, len(w.Keys))
		n.Values = make([]*Node, len(w.Keys))
		for i := range w.Keys {
			n.KeyPos[i] = Pos{w.KeyPos[2*i], w.KeyPos[2*i+1]}
			v, err := fromCUEWire(w.Values[i])
			if err != nil {
				return nil, err
			}
			n.Values[i] = v
		}
	}
	if len(w.Items) > 0 {
		n.Items = make([]*Node, len(w.Items))
		for i, it := range w.Items {
			v, err := fromCUEWire(it)
			if err != nil {
				return nil, err
			}
			n.Items[i] = v
		}
	}
	return n, nil
}

func encodeCUEAnswer(n *Node, err error) ([]byte, error) {
	var a cueAnswer
	if err != nil {
		var se *SyntaxError
		var le *LimitError
		switch {
		case errors.As(err, &se):
			a.Err = &cueWireErr{Line: se.Line, Column: se.Column, Msg: se.Msg}
		case errors.As(err, &le):
			a.Err = &cueWireErr{Line: le.Line, Column: le.Col, Msg: le.Msg, Limit: le.Limit}
		default:
			a.Err = &cueWireErr{Line: 1, Column: 1, Msg: err.Error()}
		}
	} else {
		a.Node = toCUEWire(n)
	}
	return json.Marshal(&a)
}

func decodeCUEAnswer(data []byte) (*Node, error) {
	var a cueAnswer
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, fmt.Errorf("CUE evaluation: unreadable answer from the child process: %w", err)
	}
	switch {
	case a.Err != nil && a.Err.Limit != "":
		return nil, &LimitError{Limit: a.Err.Limit, Line: a.Err.Line, Col: a.Err.Column, Msg: a.Err.Msg}
	case a.Err != nil:
		return nil, &SyntaxError{Line: a.Err.Line, Column: a.Err.Column, Msg: a.Err.Msg}
	}
	n, err := fromCUEWire(a.Node)
	if err != nil {
		return nil, fmt.Errorf("CUE evaluation: bad answer from the child process: %w", err)
	}
	return n, nil
}

// evalCUE evaluates a CUE model in this process, without any bound: it is
// what the child process runs. The model may use the language but not
// import packages; it is evaluated on its own, with a fresh context.
func evalCUE(filename string, src []byte) (*Node, error) {
	c := &cueConv{src: src}
	f, err := parser.ParseFile(filename, src)
	if err != nil {
		return nil, c.cueError(err, token.NoPos, "invalid CUE: ", false)
	}
	var importErr error
	f.VisitImports(func(d *ast.ImportDecl) {
		for _, s := range d.Specs {
			if importErr == nil {
				path := ""
				if s.Path != nil {
					path = s.Path.Value
				}
				p := c.pos(s.Pos(), Pos{1, 1})
				importErr = &SyntaxError{Line: p.Line, Column: p.Column,
					Msg: fmt.Sprintf("a CUE model may not import packages (found import %s)", path)}
			}
		}
	})
	if importErr != nil {
		return nil, importErr
	}
	if !hasData(f) {
		return nil, &SyntaxError{Line: 1, Column: 1, Msg: "the file is empty: a threat model needs at least version and system"}
	}
	if err := c.duplicateFields(f); err != nil {
		return nil, err
	}
	c.labels = labelsByValue(f)
	c.schema = schemaSpans(f)

	v := cuecontext.New().BuildFile(f)
	if err := v.Err(); err != nil {
		return nil, c.cueError(err, token.NoPos, "", true)
	}
	if d, ok := v.Default(); ok {
		v = d
	}
	if k := v.IncompleteKind(); k != cue.StructKind {
		return nil, &SyntaxError{Line: 1, Column: 1,
			Msg: fmt.Sprintf("a CUE model must be a struct at the top level, not %v", cueKindName(k))}
	}
	return c.node(v, Pos{1, 1}, 1)
}

// duplicateFields reports a field written twice in one struct with a
// literal value (a string, number, boolean, null or list) both times, at
// its second declaration: in data that is a duplicate key, as in YAML and
// JSON. Declaring a field twice with a struct, a type or a reference is how
// CUE merges and constrains values, and is allowed.
func (c *cueConv) duplicateFields(f *ast.File) error {
	var dup error
	check := func(decls []ast.Decl) {
		seen := map[string]token.Pos{}
		for _, d := range decls {
			fd, ok := d.(*ast.Field)
			if !ok || dup != nil {
				continue
			}
			switch fd.Value.(type) {
			case *ast.BasicLit, *ast.ListLit:
			default:
				continue // a struct to merge, a type, a reference: CUE unifies them
			}
			name, _, err := ast.LabelName(fd.Label)
			if err != nil || name == "" {
				continue
			}
			if first, ok := seen[name]; ok {
				p := c.pos(fd.Label.Pos(), Pos{1, 1})
				fp := c.pos(first, Pos{1, 1})
				dup = &SyntaxError{Line: p.Line, Column: p.Column,
					Msg: fmt.Sprintf("duplicate key %q: it is already defined at line %d; remove one of them", name, fp.Line)}
				continue
			}
			seen[name] = fd.Label.Pos()
		}
	}
	check(f.Decls)
	ast.Walk(f, func(n ast.Node) bool {
		if s, ok := n.(*ast.StructLit); ok {
			check(s.Elts)
		}
		return dup == nil
	}, nil)
	return dup
}

// hasData reports whether f declares anything besides its package clause.
func hasData(f *ast.File) bool {
	for _, d := range f.Decls {
		switch d.(type) {
		case *ast.Package, *ast.ImportDecl, *ast.CommentGroup, *ast.Attribute:
		default:
			return true
		}
	}
	return false
}

// labelsByValue maps the position of each field's value to the position of
// its label, to find a key's position when CUE does not give the field's
// source (a field declared more than once, or through an embedding).
func labelsByValue(f *ast.File) map[token.Pos]token.Pos {
	m := make(map[token.Pos]token.Pos)
	ast.Walk(f, func(n ast.Node) bool {
		if fd, ok := n.(*ast.Field); ok && fd.Value != nil && fd.Label != nil {
			if vp, lp := fd.Value.Pos(), fd.Label.Pos(); vp.IsValid() && lp.IsValid() {
				if _, dup := m[vp]; !dup {
					m[vp] = lp
				}
			}
		}
		return true
	}, nil)
	return m
}

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
