package model

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
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
