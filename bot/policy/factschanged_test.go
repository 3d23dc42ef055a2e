package policy_test

import (
	"testing"

	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/policy"
)

// A new flow from a user into the web app changes what reaches the LLM
// behind it (untrusted input), two hops away; an unconnected database is
// not changed.
func TestFactsChanged(t *testing.T) {
	build := func(withUser bool) *model.Model {
		m := &model.Model{Components: map[string]*model.Component{
			"user": {ID: "user", Name: "User", Kind: "user"},
			"web":  {ID: "web", Name: "Web", Kind: "web_app"},
			"llm":  {ID: "llm", Name: "LLM", Kind: "llm"},
			"db":   {ID: "db", Name: "DB", Kind: "database"},
		}, ComponentOrder: []string{"user", "web", "llm", "db"}, Flows: map[string]*model.Flow{}}
		add := func(id, from, to string) {
			m.Flows[id] = &model.Flow{ID: id, From: from, To: to}
			m.FlowOrder = append(m.FlowOrder, id)
		}
		add("web-llm", "web", "llm")
		if withUser {
			add("user-web", "user", "web")
		}
		return m
	}
	got := policy.FactsChanged(build(false), build(true))
	if !got["llm"] || got["db"] {
		t.Errorf("changed facts: %v, want llm and not db", got)
	}
	if same := policy.FactsChanged(build(true), build(true)); len(same) != 0 {
		t.Errorf("no change, yet %v", same)
	}
}
