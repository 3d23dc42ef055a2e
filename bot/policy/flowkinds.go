package policy

import (
	"slices"

	"github.com/tmbot/tmbot/bot/model"
)

// flowIndex indexes the flows that carry data at run time by the component
// they leave (out) and enter (in). A bidirectional flow counts in both
// directions (its second direction is a reversed copy); a dependency is
// not a network call, so the facts that follow the data do not follow it
// (dependencyFacts handles it).
func flowIndex(m *model.Model) (in, out map[string][]*model.Flow) {
	in, out = map[string][]*model.Flow{}, map[string][]*model.Flow{}
	for _, id := range m.FlowOrder {
		f := m.Flows[id]
		if f.IsDependency() {
			continue
		}
		out[f.From] = append(out[f.From], f)
		in[f.To] = append(in[f.To], f)
		if f.Bidirectional && f.From != f.To {
			r := reversed(f)
			out[r.From] = append(out[r.From], r)
			in[r.To] = append(in[r.To], r)
		}
	}
	return in, out
}

// dependencyFacts adds the supply-chain facts of dependency flows: the
// component that imports a library or artifact has imports_dependency,
// and third_party_artifact when what it imports comes from outside (a
// third party's part, or one marked third_party_artifact).
func dependencyFacts(m *model.Model, facts map[string]set) {
	for _, id := range m.FlowOrder {
		f := m.Flows[id]
		s := facts[f.To]
		if !f.IsDependency() || s == nil {
			continue
		}
		s.add("imports_dependency")
		if from := m.Components[f.From]; from != nil &&
			(outsideParty(from) || slices.Contains(from.Traits, "third_party_artifact")) {
			s.add("third_party_artifact")
		}
	}
}
