package policy_test

import (
	"os"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// aiKinds are the component kinds of an AI solution (BRIEF §2).
var aiKinds = map[string]bool{
	"llm": true, "model": true, "model_registry": true, "dataset": true, "training_pipeline": true,
	"feature_store": true, "vector_store": true, "embedding_model": true, "agent": true, "tool": true,
	"prompt_template": true, "guardrail": true,
}

// recall measures, on an expert model, how many of the expert's threats on
// AI components would have been suggested by the ai-coverage rule had the
// expert written none: the model is reviewed as a new file with its
// threats and mitigations removed, and an expert threat is found when a
// suggestion is about one of the AI components it targets (element), and
// when, besides, the suggested library entry shares an OWASP id with it
// (element and category).
type recall struct {
	experts, element, category int
	missed                     []string
	suggested                  map[string][]string
}

func measureRecall(t *testing.T, path string) recall {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	threats, _ := doc["threats"].(map[string]any)
	delete(doc, "threats")
	delete(doc, "mitigations")
	stripped, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	comps, _ := doc["components"].(map[string]any)
	kindOf := func(id string) string {
		c, _ := comps[id].(map[string]any)
		k, _ := c["kind"].(string)
		return k
	}
	owaspOf := map[string][]string{}
	for _, e := range library(t) {
		owaspOf[e.ID] = e.OWASP
	}
	fs := review(t, "", string(stripped))
	suggested := map[string][]string{} // component → library entries
	for _, f := range only(fs, ruleCoverage) {
		if suggested[f.Component] == nil {
			suggested[f.Component] = gaps(t, fs, f.Component)
		}
	}
	var r recall
	r.suggested = suggested
	ids := make([]string, 0, len(threats))
	for id := range threats {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		th, _ := threats[id].(map[string]any)
		var targets, owasp []string
		for _, x := range asList(th["targets"]) {
			if aiKinds[kindOf(x)] {
				targets = append(targets, x)
			}
		}
		if len(targets) == 0 {
			continue
		}
		for _, o := range asList(th["owasp"]) {
			if !strings.Contains(o, ":") && strings.HasPrefix(o, "LLM") {
				o += ":2025"
			}
			owasp = append(owasp, o)
		}
		r.experts++
		element, category := false, false
		for _, c := range targets {
			for _, e := range suggested[c] {
				element = true
				for _, o := range owaspOf[e] {
					for _, x := range owasp {
						category = category || o == x
					}
				}
			}
		}
		if element {
			r.element++
		}
		if category {
			r.category++
		} else {
			r.missed = append(r.missed, id)
		}
	}
	return r
}

func asList(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// The public GenAI chatbot reference model (AWS threat-composer's example,
// in our format): how many of its expert threats on AI components the
// suggestions find, on the same element and in the same OWASP category.
// docs/threat-knowledge.md reports the numbers; this keeps them from
// falling. Run with -v to see them.
func TestRecallGenAIChatbot(t *testing.T) {
	r := measureRecall(t, "testdata/bench/genai-chatbot/model.threatmodel.yaml")
	t.Logf("expert threats on AI components: %d; a suggestion on the same element: %d; same element and OWASP category: %d",
		r.experts, r.element, r.category)
	t.Logf("not found in the same category: %s", strings.Join(r.missed, ", "))
	for _, c := range sortedKeys(r.suggested) {
		t.Logf("  %s: %s", c, strings.Join(r.suggested[c], ", "))
	}
	const wantElement, wantCategory = 30, 29
	if r.element < wantElement || r.category < wantCategory {
		t.Errorf("recall fell: element %d (want ≥ %d), category %d (want ≥ %d)", r.element, wantElement, r.category, wantCategory)
	}
}
