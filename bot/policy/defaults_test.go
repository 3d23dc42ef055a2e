package policy_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tmbot/tmbot/bot/diff"
	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/policy"
)

// examples returns the example models of the repository (every syntax).
func examples(t testing.TB) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir("../../examples", func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && model.IsModelFile(p) {
			out = append(out, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 3 {
		t.Fatalf("found %d example models, want the YAML, JSON and CUE ones at least", len(out))
	}
	return out
}

func loadFile(t testing.TB, p string) *model.Model {
	t.Helper()
	src, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	res := testLoader(t).Load(t.Context(), p, src)
	if !res.Valid {
		t.Fatalf("%s is invalid:\n%s", p, diagText(res.Diagnostics))
	}
	return res.Model
}

// The defaults evaluate on every example without a policy error, whether
// the model is added, unchanged or deleted; each finding names its own
// policy file as its rule and points into the model.
func TestDefaultsOnExamples(t *testing.T) {
	for _, p := range examples(t) {
		t.Run(filepath.Base(p), func(t *testing.T) {
			m := loadFile(t, p)
			for _, c := range []struct {
				name       string
				base, head *model.Model
			}{{"added", nil, m}, {"unchanged", m, m}, {"deleted", m, nil}} {
				fs := evaluate(t, defaults(t), policy.NewInput(p, today, c.base, c.head, diff.Compare(c.base, c.head)))
				for _, f := range fs {
					if "policies/"+f.Rule+".cue" != f.Policy {
						t.Errorf("%s: rule %s from %s", c.name, f.Rule, f.Policy)
					}
					if f.File != p || f.Line < 1 {
						t.Errorf("%s: %s finding at %s:%d", c.name, f.Rule, f.File, f.Line)
					}
				}
				if c.name != "added" && len(fs) > 0 {
					// Only an acceptance can be judged on an unchanged or
					// deleted model, and the examples' do not expire soon.
					t.Errorf("%s: want no finding, got:\n%s", c.name, dump(fs))
				}
				if c.name == "added" {
					t.Logf("added: %d findings:\n%s", len(fs), dump(fs))
				}
			}
		})
	}
}

// The review demo: the branch that adds an LLM assistant without a plan
// blocks; with a planned mitigation it does not.
func TestDefaultsOnDemo(t *testing.T) {
	base := loadFile(t, "../../examples/alpinepay/alpinepay.threatmodel.yaml")
	for variant, blocks := range map[string]bool{"unplanned": true, "planned": false} {
		head := loadFile(t, "../../examples/demo/"+variant+"/alpinepay.threatmodel.yaml")
		fs := evaluate(t, defaults(t), policy.NewInput(head.Path, today, base, head, diff.Compare(base, head)))
		if policy.Blocking(fs) != blocks {
			t.Errorf("%s: blocking %v, want %v:\n%s", variant, !blocks, blocks, dump(fs))
		}
		if len(only(fs, ruleCoverage)) == 0 {
			t.Errorf("%s: the new vector store and LLM get no coverage notice:\n%s", variant, dump(fs))
		}
		t.Logf("%s:\n%s", variant, dump(fs))
	}
}

// BenchmarkEvaluateDefaults measures one review of the AlpinePay example
// as an added model (every rule has the most to look at) with the default
// policies.
func BenchmarkEvaluateDefaults(b *testing.B) {
	for _, c := range []struct{ name, path string }{
		{"alpinepay", "../../examples/alpinepay/alpinepay.threatmodel.yaml"},
		{"rag-chatbot", "../../examples/rag-chatbot/rag-chatbot.threatmodel.json"},
	} {
		b.Run(c.name, func(b *testing.B) {
			m := loadFile(b, c.path)
			e := defaults(b)
			in := policy.NewInput(c.path, today, nil, m, diff.Compare(nil, m))
			b.ResetTimer()
			for b.Loop() {
				if fs := evalAll(b, e, in); policy.Blocking(fs) && fs[0].Rule == policy.RulePolicyError {
					b.Fatal(fs[0].Message)
				}
			}
		})
	}
	b.Run("alpinepay-changed", func(b *testing.B) {
		base := loadFile(b, "../../examples/alpinepay/alpinepay.threatmodel.yaml")
		head := loadFile(b, "../../examples/demo/unplanned/alpinepay.threatmodel.yaml")
		e := defaults(b)
		in := policy.NewInput(head.Path, today, base, head, diff.Compare(base, head))
		b.ResetTimer()
		for b.Loop() {
			evalAll(b, e, in)
		}
	})
	b.Run("new-engine", func(b *testing.B) {
		for b.Loop() {
			if _, err := policy.NewEngine(policy.Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
