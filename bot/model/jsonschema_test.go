package model

import (
	"strings"
	"testing"
)

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

