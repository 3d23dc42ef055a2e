package model

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"

	"github.com/tmbot/tmbot/schemas"
)

// Schema is the shape of a threat model, derived once from the CUE schema
// in schemas/threatmodel.cue. Validating a file walks its Node tree against
// the Shape tree, which is much cheaper than unifying the data with CUE and
// reports every error at once; TestSchemaAgreesWithCUE checks that both
// agree.
type Schema struct {
	Root *Shape
	// DefaultLayer maps each component kind to its layer.
	DefaultLayer map[string]string
	// cue holds the compiled schema, for tests and for tools that want CUE
	// itself (unexported so callers cannot unify concurrently by accident).
	cue cue.Value
}

// ShapeKind is what a Shape accepts.
type ShapeKind uint8

// The shape kinds.
const (
	AnyShape    ShapeKind = iota // anything (extensions)
	StructShape                  // a closed struct with named fields
	MapShape                     // a struct keyed by ids, every value of Elem's shape
	ListShape
	StringShape
	IntShape
	BoolShape
)

// Shape is one node of the derived schema.
type Shape struct {
	Kind ShapeKind
	// Struct: fields in schema order.
	Fields []*FieldShape
	byName map[string]*FieldShape
	// Map and List: the shape of each element. Map: the pattern of keys.
	Elem  *Shape
	KeyRe *regexp.Regexp
	// String: allowed values (an enum) or a pattern, with Expect the plain
	// words shown when the pattern does not match.
	Enum    []string
	enumSet map[string]bool
	Re      *regexp.Regexp
	Expect  string
	// Int: a required value, when the schema fixes one.
	IntValue *int64
}

// FieldShape is a field of a struct shape.
type FieldShape struct {
	Name     string
	Required bool
	Shape    *Shape
}

// Field returns the named field, or nil.
func (s *Shape) Field(name string) *FieldShape { return s.byName[name] }

// LoadSchema compiles the embedded CUE schema and derives its Shape tree.
func LoadSchema() (*Schema, error) {
	ctx := cuecontext.New()
	v := ctx.CompileString(schemas.ThreatModel, cue.Filename("schemas/threatmodel.cue"))
	if err := v.Err(); err != nil {
		return nil, fmt.Errorf("compile schema: %w", err)
	}
	idv := v.LookupPath(cue.ParsePath("#ID"))
	_, args := idv.Eval().Expr()
	if len(args) != 1 {
		return nil, fmt.Errorf("schema: #ID is not a single pattern")
	}
	idSrc, err := args[0].String()
	if err != nil {
		return nil, fmt.Errorf("schema: #ID: %w", err)
	}
	d := &deriver{ctx: ctx, keyRe: regexp.MustCompile(idSrc)}
	root, err := d.shape(v.LookupPath(cue.ParsePath("#ThreatModel")), "", 0)
	if err != nil {
		return nil, err
	}
	layers := map[string]string{}
	it, err := v.LookupPath(cue.ParsePath("#DefaultLayer")).Fields()
	if err != nil {
		return nil, fmt.Errorf("schema: #DefaultLayer: %w", err)
	}
	for it.Next() {
		s, err := it.Value().String()
		if err != nil {
			return nil, fmt.Errorf("schema: #DefaultLayer.%s: %w", it.Selector(), err)
		}
		layers[it.Selector().Unquoted()] = s
	}
	return &Schema{Root: root, DefaultLayer: layers, cue: v}, nil
}

// idExpect says in plain words what an id looks like.
const idExpect = "an id: a letter or digit, then up to 63 letters, digits, '.', '_' or '-'"

type deriver struct {
	ctx   *cue.Context
	keyRe *regexp.Regexp
}

func (d *deriver) shape(v cue.Value, expect string, depth int) (*Shape, error) {
	if depth > 16 {
		return nil, fmt.Errorf("schema: nested too deeply at %s", v.Path())
	}
	switch k := v.IncompleteKind(); k {
	case cue.StructKind:
		return d.structShape(v, depth)
	case cue.ListKind:
		elem, err := d.shape(v.LookupPath(cue.MakePath(cue.AnyIndex)), "", depth+1)
		if err != nil {
			return nil, err
		}
		return &Shape{Kind: ListShape, Elem: elem}, nil
	case cue.StringKind:
		s := &Shape{Kind: StringShape, Expect: expect}
		op, args := v.Eval().Expr()
		switch op {
		case cue.OrOp:
			for _, a := range args {
				str, err := a.String()
				if err != nil {
					return nil, fmt.Errorf("schema: %s: enum member: %w", v.Path(), err)
				}
				s.Enum = append(s.Enum, str)
			}
			s.enumSet = map[string]bool{}
			for _, e := range s.Enum {
				s.enumSet[e] = true
			}
		case cue.RegexMatchOp:
			src, err := args[0].String()
			if err != nil {
				return nil, fmt.Errorf("schema: %s: pattern: %w", v.Path(), err)
			}
			s.Re = regexp.MustCompile(src)
			if s.Expect == "" && src == d.keyRe.String() {
				s.Expect = idExpect
			}
			if s.Expect == "" {
				s.Expect = "text matching " + src
			}
		}
		return s, nil
	case cue.IntKind:
		s := &Shape{Kind: IntShape}
		if n, err := v.Int64(); err == nil {
			s.IntValue = &n
		}
		return s, nil
	case cue.BoolKind:
		return &Shape{Kind: BoolShape}, nil
	case cue.TopKind:
		return &Shape{Kind: AnyShape}, nil
	default:
		return nil, fmt.Errorf("schema: %s: unsupported kind %v", v.Path(), k)
	}
}

func (d *deriver) structShape(v cue.Value, depth int) (*Shape, error) {
	// {...}: open, anything goes.
	if v.LookupPath(cue.MakePath(cue.AnyString)).Exists() {
		return &Shape{Kind: AnyShape}, nil
	}
	it, err := v.Fields(cue.Optional(true))
	if err != nil {
		return nil, fmt.Errorf("schema: %s: %w", v.Path(), err)
	}
	s := &Shape{Kind: StructShape, byName: map[string]*FieldShape{}}
	for it.Next() {
		var expect string
		if a := it.Value().Attribute("expect"); a.Err() == nil {
			expect, _ = a.String(0)
		}
		sub, err := d.shape(it.Value(), expect, depth+1)
		if err != nil {
			return nil, err
		}
		f := &FieldShape{
			Name:     it.Selector().Unquoted(),
			Required: it.FieldType()&cue.RequiredConstraint != 0,
			Shape:    sub,
		}
		s.Fields = append(s.Fields, f)
		s.byName[f.Name] = f
	}
	if len(s.Fields) == 0 && v.Allows(cue.Str("a")) {
		// [#ID]: T — a map keyed by ids. Find T by filling one key.
		elem := v.FillPath(cue.MakePath(cue.Str("a")), d.ctx.CompileString("_")).LookupPath(cue.MakePath(cue.Str("a")))
		es, err := d.shape(elem, "", depth+1)
		if err != nil {
			return nil, err
		}
		return &Shape{Kind: MapShape, Elem: es, KeyRe: d.keyRe}, nil
	}
	return s, nil
}

// AllowedText lists a shape's enum as "a|b|c".
func (s *Shape) AllowedText() string { return strings.Join(s.Enum, "|") }

// FieldNames lists a struct shape's field names, sorted.
func (s *Shape) FieldNames() []string {
	names := make([]string, 0, len(s.Fields))
	for _, f := range s.Fields {
		names = append(names, f.Name)
	}
	sort.Strings(names)
	return names
}
