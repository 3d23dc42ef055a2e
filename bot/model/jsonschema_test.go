package model

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// compiledJSONSchema compiles the JSON Schema that tmbot schema writes with
// an independent validator, asserting formats (so "date" is checked).
func compiledJSONSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	raw, err := json.Marshal(newTestLoader(t).schema.JSONSchema())
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(JSONSchemaID, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(JSONSchemaID)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// TestJSONSchemaDescribesEveryField checks that every property of the JSON
// Schema (outside the if/then status rules) has a description, so an editor
// has something to show on hover. The descriptions come from the comments in
// schemas/threatmodel.cue.
func TestJSONSchemaDescribesEveryField(t *testing.T) {
	root := newTestLoader(t).schema.JSONSchema()
	count := 0
	var walk func(path string, n map[string]any)
	walk = func(path string, n map[string]any) {
		if props, ok := n["properties"].(map[string]any); ok {
			for name, p := range props {
				p := p.(map[string]any)
				count++
				if d, _ := p["description"].(string); strings.TrimSpace(d) == "" {
					t.Errorf("%s.%s has no description: add a comment above the field in schemas/threatmodel.cue", path, name)
				}
				walk(path+"."+name, p)
			}
		}
		for _, key := range []string{"additionalProperties", "items"} {
			if sub, ok := n[key].(map[string]any); ok {
				walk(path+"[]", sub)
			}
		}
	}
	walk("", root)
	if count < 60 {
		t.Errorf("walked only %d properties; the walk misses parts of the schema", count)
	}
}

// TestJSONSchemaPatternsAndDates checks the catalog id patterns and the
// date format against an independent validator, and that the loader agrees
// on every case: the JSON Schema must never be stricter than tmbot, and here
// it is not looser either.
func TestJSONSchemaPatternsAndDates(t *testing.T) {
	sch := compiledJSONSchema(t)
	l := newTestLoader(t)
	doc := func(threat, mitigation string) string {
		return `{"version": 1, "system": {"id": "s", "name": "S"},
			"threats": {"t1": {"title": "T", "likelihood": "low", "impact": "low", "mitigations": ["m1"]` + threat + `}},
			"mitigations": {"m1": {"title": "M", "status": "planned"` + mitigation + `}}}`
	}
	check := func(threat, mitigation string, wantValid bool) {
		t.Helper()
		d := doc(threat, mitigation)
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(d))
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		if err := sch.Validate(v); (err == nil) != wantValid {
			t.Errorf("%s%s: JSON Schema valid=%v, want %v (%v)", threat, mitigation, err == nil, wantValid, err)
		}
		r := l.Load(context.Background(), "x.threatmodel.json", []byte(d))
		if r.Valid != wantValid {
			t.Errorf("%s%s: loader valid=%v, want %v (%v)", threat, mitigation, r.Valid, wantValid, r.Errors())
		}
	}
	for _, c := range []struct{ threat, mitigation string }{
		{`, "attack": ["T1566", "T1566.002"]`, ""},
		{`, "atlas": ["AML.T0051", "AML.T0051.000", "AML.TA0002", "AML.M0000"]`, ""},
		{`, "owasp": ["LLM01:2025", "ML06:2023", "ASI01:2026", "LLM01"]`, ""},
		{`, "cwe": ["CWE-79"], "capec": ["CAPEC-66"]`, ""},
		{"", `, "due": "2027-02-28"`},
		{`, "status": "accepted", "acceptance": {"by": "@a", "reason": "r", "until": "2028-02-29"}`, ""},
	} {
		check(c.threat, c.mitigation, true)
	}
	for _, c := range []struct{ threat, mitigation string }{
		{`, "attack": ["T156"]`, ""},
		{`, "attack": ["TA0001"]`, ""},
		{`, "attack": ["t1566"]`, ""},
		{`, "attack": [" T1566"]`, ""},
		{`, "atlas": ["T0051"]`, ""},
		{`, "owasp": ["LLM1:2025"]`, ""},
		{`, "cwe": ["79"]`, ""},
		{`, "capec": ["CWE-66"]`, ""},
		{"", `, "due": "2027-02-30"`},
		{"", `, "due": "2027-6-30"`},
		{"", `, "due": "2027-06-30T10:00:00Z"`},
	} {
		check(c.threat, c.mitigation, false)
	}
	// An unquoted date that a tool's YAML library turned into a timestamp at
	// midnight UTC passes; a date that does not exist does not.
	for due, want := range map[string]bool{"2027-02-28T00:00:00Z": true, "2027-02-28T00:00:00.000Z": true, "2027-02-30T00:00:00Z": false} {
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(doc("", `, "due": "`+due+`"`)))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(v); (err == nil) != want {
			t.Errorf("due %s: JSON Schema valid=%v, want %v", due, err == nil, want)
		}
	}
}

// TestJSONSchemaAcceptsExamplesAsEditorsRead validates the YAML and JSON
// examples as an editor reads them: parsed by a YAML library of its own (not
// tmbot's loader), unquoted dates included, with formats asserted.
func TestJSONSchemaAcceptsExamplesAsEditorsRead(t *testing.T) {
	sch := compiledJSONSchema(t)
	n := 0
	for _, f := range exampleFiles(t) {
		if strings.HasSuffix(f, ".cue") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := yaml.Unmarshal(data, &v); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no YAML or JSON example found")
	}
}
