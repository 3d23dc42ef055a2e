package policy

import (
	"context"
	"testing"

	"github.com/tmbot/tmbot/bot/diff"
	"github.com/tmbot/tmbot/bot/model"
)

// An engine moves to a new CUE context once it has compiled its budget of
// input, not only every recompileEvery evaluations, and still evaluates
// correctly after.
func TestEngineRecompilesAfterInputBudget(t *testing.T) {
	e, err := NewEngine(Options{NoDefaults: true})
	if err != nil {
		t.Fatal(err)
	}
	e.Add("count.cue", []byte("input: _\nfindings: [for id, _ in input.head.components {rule: \"count\", severity: \"notice\", message: id}]\n"))
	m := &model.Model{Components: map[string]*model.Component{"web": {Name: "Web", Kind: "web_app"}}}
	in := NewInput("x.threatmodel.yaml", "2026-06-15", nil, m, diff.Compare(nil, m))
	e.maxBytes = 1
	first := e.ctx
	if fs, _ := e.Evaluate(context.Background(), in); len(fs) != 1 || fs[0].Message != "web" {
		t.Fatalf("findings %+v", fs)
	}
	if e.ctx != first || e.inputBytes == 0 {
		t.Fatalf("first evaluation: new context %v, %d bytes", e.ctx != first, e.inputBytes)
	}
	if fs, _ := e.Evaluate(context.Background(), in); len(fs) != 1 || fs[0].Message != "web" {
		t.Fatalf("findings after the new context %+v", fs)
	}
	if e.ctx == first || e.uses != 1 {
		t.Errorf("over budget: same context %v, uses %d", e.ctx == first, e.uses)
	}
}
