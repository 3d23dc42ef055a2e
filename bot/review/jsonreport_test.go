package review

import (
	"bytes"
	"encoding/json"
	"testing"
)

// The keys the brief promises (§4), and the ones docs/review.md adds.
func TestJSONKeys(t *testing.T) {
	for _, name := range []string{"alpinepay-blocking", "alpinepay-invalid"} {
		t.Run(name, func(t *testing.T) {
			rep := buildReport(t, name)
			b, err := rep.JSON()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasSuffix(b, []byte("}\n")) {
				t.Error("the JSON should end with a newline")
			}
			var doc map[string]any
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			hasKeys(t, "report", doc, "verdict", "models", "blocking", "summary", "config_errors")
			if doc["blocking"] != rep.Blocking {
				t.Errorf("blocking = %v, want %v", doc["blocking"], rep.Blocking)
			}
			models := doc["models"].([]any)
			if len(models) != 1 {
				t.Fatalf("%d models", len(models))
			}
			m := models[0].(map[string]any)
			hasKeys(t, "model", m, "path", "status", "system", "valid", "errors", "warnings", "new_unmitigated", "changes", "findings", "tracking", "blocking")
			if m["path"] != alpinepayPath || m["system"] != "alpinepay" {
				t.Errorf("path %v, system %v", m["path"], m["system"])
			}
			hasKeys(t, "summary", doc["summary"].(map[string]any), "models", "invalid", "new_unmitigated", "unplanned", "errors", "warnings", "notices",
				"tracking_will_open", "tracking_will_close")
			hasKeys(t, "tracking", m["tracking"].(map[string]any), "will_open", "will_close")
			if name == "alpinepay-invalid" {
				if m["valid"] != false || m["changes"] != nil {
					t.Errorf("an invalid head: valid %v, changes %v", m["valid"], m["changes"])
				}
				errs := m["errors"].([]any)
				if len(errs) == 0 {
					t.Fatal("no errors")
				}
				hasKeys(t, "error", errs[0].(map[string]any), "file", "line", "column", "severity", "field", "message")
				return
			}
			nu := m["new_unmitigated"].([]any)
			if len(nu) != 2 {
				t.Fatalf("%d new unmitigated threats, want 2", len(nu))
			}
			first := nu[0].(map[string]any)
			hasKeys(t, "new_unmitigated", first, "id", "title", "risk", "planned", "change", "line", "mitigations")
			if first["id"] != "prompt-injection-support" || first["risk"] != "critical" || first["planned"] != false {
				t.Errorf("first new threat: %v", first)
			}
			hasKeys(t, "changes", m["changes"].(map[string]any), "change", "threats", "new", "mitigations", "components", "flows", "assets", "summary")
			fs := m["findings"].([]any)
			if len(fs) == 0 {
				t.Fatal("no findings")
			}
			hasKeys(t, "finding", fs[0].(map[string]any), "rule", "severity", "message", "policy")
		})
	}
}

// A hand-made report with nil lists still gives [] (never null) for lists.
func TestJSONNoNullLists(t *testing.T) {
	rep := &Report{Models: []ModelReport{{Path: "a.threatmodel.yaml", Valid: true}}}
	b, err := rep.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Models []map[string]json.RawMessage `json:"models"`
		Config json.RawMessage              `json:"config_errors"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if string(doc.Config) != "[]" {
		t.Errorf("config_errors = %s", doc.Config)
	}
	for _, k := range []string{"errors", "warnings", "new_unmitigated", "findings"} {
		if got := string(doc.Models[0][k]); got != "[]" {
			t.Errorf("%s = %s, want []", k, got)
		}
	}
	if rep.Models[0].Errors != nil {
		t.Error("JSON must not change the report")
	}
}

func hasKeys(t *testing.T, what string, m map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("%s has no key %q", what, k)
		}
	}
}
