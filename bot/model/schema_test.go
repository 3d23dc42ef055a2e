package model

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// exampleFiles lists the model files under examples/.
func exampleFiles(t testing.TB) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir("../../examples", func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && IsModelFile(d.Name()) {
			files = append(files, p)
		}
		return err
	})
	if err != nil || len(files) < 3 {
		t.Fatalf("examples: %v (found %d)", err, len(files))
	}
	return files
}

func parseFile(t testing.TB, l *Loader, path string) *Node {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := l.parse(context.Background(), path, data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return n
}

// cueValid unifies plain data with #ThreatModel the straightforward way.
func cueValid(ctx *cue.Context, schema cue.Value, data any) error {
	v := ctx.Encode(data)
	u := schema.LookupPath(cue.ParsePath("#ThreatModel")).Unify(v)
	return u.Validate(cue.Concrete(true))
}

func shapeErrors(l *Loader, n *Node) []Diagnostic {
	c := &shapeChecker{}
	c.check(n, l.schema.Root, Pos{1, 1})
	return c.diags
}

// TestSchemaAgreesWithCUE checks the derived validator against CUE itself:
// on every example and on hundreds of mutations of one (a key removed,
// renamed, or its value replaced by something of another type), both must
// agree on whether the shape is valid.
func TestSchemaAgreesWithCUE(t *testing.T) {
	l := newTestLoader(t)
	ctx := cuecontext.New()
	schema := ctx.CompileString(schemaSource(), cue.Filename("threatmodel.cue"))
	check := func(name string, n *Node) {
		t.Helper()
		ours := shapeErrors(l, n)
		theirs := cueValid(ctx, schema, toAny(n))
		if (len(ours) == 0) != (theirs == nil) {
			t.Errorf("%s: derived validator says %d errors %v; CUE says %v", name, len(ours), ours, theirs)
		}
	}
	files := exampleFiles(t)
	for _, f := range files {
		check(f, parseFile(t, l, f))
	}
	// Every mutation of the smallest example would take seconds; a fixed
	// stride through them keeps every kind of change and place.
	all := mutations(parseFile(t, l, files[0]))
	stride := max(1, len(all)/600)
	cases := 0
	for i := 0; i < len(all); i += stride {
		check(all[i].name, all[i].root)
		cases++
	}
	if cases < 300 {
		t.Errorf("only %d mutations", cases)
	}
	// The keys added later (boundaries, a flow's kind and bidirectional,
	// flags left unsaid, asset targets) are in the boundaries example.
	extra := mutations(parseFile(t, l, "../../examples/boundaries/webshop.threatmodel.yaml"))
	stride = max(1, len(extra)/300)
	for i := 0; i < len(extra); i += stride {
		check("webshop: "+extra[i].name, extra[i].root)
	}
}

type mutation struct {
	name string
	root *Node
}

// mutations returns variants of root, each with one change.
func mutations(root *Node) []mutation {
	var out []mutation
	replacements := []*Node{
		{Kind: StringNode, Str: "zzz"},
		{Kind: IntNode, Str: "7"},
		{Kind: BoolNode, Str: "true"},
		{Kind: ListNode, Items: []*Node{{Kind: StringNode, Str: "zzz"}}},
		{Kind: MapNode, Keys: []string{"zzz"}, KeyPos: []Pos{{}}, Values: []*Node{{Kind: StringNode, Str: "x"}}},
	}
	var walk func(n *Node, p string, replace func(*Node) *Node)
	walk = func(n *Node, p string, replace func(*Node) *Node) {
		for i := range n.Keys {
			i := i
			key := n.Keys[i]
			sub := p + "." + key
			// remove the key
			out = append(out, mutation{"remove " + sub, replace(without(n, i))})
			// rename the key
			out = append(out, mutation{"rename " + sub, replace(renamed(n, i, key+"x"))})
			for _, r := range replacements {
				out = append(out, mutation{fmt.Sprintf("replace %s by %s", sub, r.Kind), replace(withValue(n, i, r))})
			}
			child := n.Values[i]
			walk(child, sub, func(c *Node) *Node { return replace(withValue(n, i, c)) })
		}
		for i, it := range n.Items {
			i := i
			for _, r := range replacements[:2] {
				out = append(out, mutation{fmt.Sprintf("replace %s.%d by %s", p, i, r.Kind), replace(withItem(n, i, r))})
			}
			walk(it, fmt.Sprintf("%s.%d", p, i), func(c *Node) *Node { return replace(withItem(n, i, c)) })
		}
	}
	walk(root, "", func(n *Node) *Node { return n })
	return out
}

func clone(n *Node) *Node {
	c := *n
	c.Keys = append([]string(nil), n.Keys...)
	c.KeyPos = append([]Pos(nil), n.KeyPos...)
	c.Values = append([]*Node(nil), n.Values...)
	c.Items = append([]*Node(nil), n.Items...)
	return &c
}

func without(n *Node, i int) *Node {
	c := clone(n)
	c.Keys = append(c.Keys[:i:i], c.Keys[i+1:]...)
	c.KeyPos = append(c.KeyPos[:i:i], c.KeyPos[i+1:]...)
	c.Values = append(c.Values[:i:i], c.Values[i+1:]...)
	return c
}

func renamed(n *Node, i int, key string) *Node {
	c := clone(n)
	c.Keys[i] = key
	return c
}

func withValue(n *Node, i int, v *Node) *Node {
	c := clone(n)
	c.Values[i] = v
	return c
}

func withItem(n *Node, i int, v *Node) *Node {
	c := clone(n)
	c.Items[i] = v
	return c
}

// TestJSONSchemaAcceptsExamples validates the examples with an independent
// JSON Schema validator against the schema that tmbot schema writes, and
// checks that it rejects what it should.
func TestJSONSchemaAcceptsExamples(t *testing.T) {
	l := newTestLoader(t)
	raw, err := json.Marshal(l.schema.JSONSchema())
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(JSONSchemaID, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(JSONSchemaID)
	if err != nil {
		t.Fatal(err)
	}
	asJSON := func(n *Node) any {
		b, _ := json.Marshal(toAny(n))
		v, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		return v
	}
	for _, f := range exampleFiles(t) {
		if err := sch.Validate(asJSON(parseFile(t, l, f))); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	for _, f := range []string{"unknown-key", "enum", "status-needs", "wrong-type", "bad-id"} {
		path := filepath.Join("testdata/broken", f+".threatmodel.yaml")
		if err := sch.Validate(asJSON(parseFile(t, l, path))); err == nil {
			t.Errorf("%s: the JSON Schema accepts it", path)
		}
	}
}

func schemaSource() string {
	b, err := os.ReadFile("../../schemas/threatmodel.cue")
	if err != nil {
		panic(err)
	}
	return strings.TrimSpace(string(b))
}
