package review

import (
	"strings"

	"github.com/tmbot/tmbot/bot/diff"
	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/policy"
)

// What the request changed, and what it did not
//
// A review speaks of what the request changed, as review bots do
// (reviewdog's "added" filter): a diagnostic or finding that was there
// before the request is pre-existing. The comment counts the pre-existing
// ones in one line instead of listing them, unless they block (a reason
// the check fails is always shown); the JSON report keeps them all, marked
// pre_existing, and the check's annotations and SARIF carry them too.
//
//   - A validation diagnostic is pre-existing when the base has the same
//     one (same severity, field and message; lines may have moved) and it
//     is not in an element the change reaches (below).
//   - A finding is pre-existing when it is about an element (threat,
//     mitigation, component, flow) the diff does not name, and that no
//     changed element reaches: a threat whose mitigation changed, a
//     component at either end of a changed flow, holding a changed asset,
//     in a trust boundary that changed,
//     or whose derived facts changed (facts follow the data, so a new flow
//     can change what the rules say about a part far from it:
//     policy.FactsChanged), and a flow whose end changed all count as
//     changed. A finding
//     about no element (a policy error, a refused setting) is never
//     pre-existing.
//
// In a model the request adds (or removes), nothing is pre-existing.

// markPreExisting sets PreExisting on the head's diagnostics and on the
// findings of a model report, given the base's diagnostics and the diff.
func (m *ModelReport) markPreExisting(base, head *model.Model, baseDiags []model.Diagnostic, d *diff.Diff) {
	if m.Status == "added" || m.Status == "removed" {
		return
	}
	var t *touched
	if d != nil && base != nil && head != nil {
		tt := touchedBy(base, head, d)
		t = &tt
	}
	seen := map[diagKey]bool{}
	for _, bd := range baseDiags {
		seen[keyOf(bd)] = true
	}
	for _, ds := range [][]model.Diagnostic{m.Errors, m.Warnings} {
		for i := range ds {
			ds[i].PreExisting = seen[keyOf(ds[i])] && (t == nil || !t.field(ds[i].Field))
		}
	}
	if t == nil {
		return
	}
	for i := range m.Findings {
		f := &m.Findings[i]
		switch {
		case f.Threat != "":
			f.PreExisting = !t.threats[f.Threat]
		case f.Mitigation != "":
			f.PreExisting = !t.mitigations[f.Mitigation]
		case f.Flow != "":
			f.PreExisting = !t.flows[f.Flow]
		case f.Component != "":
			f.PreExisting = !t.components[f.Component]
		}
	}
}

// field says whether a diagnostic's dotted field path is in an element
// the change reaches (threats.x.cwe.0 is in threat x).
func (t *touched) field(path string) bool {
	parts := strings.SplitN(path, ".", 3)
	if len(parts) < 2 {
		return false
	}
	switch parts[0] {
	case "threats":
		return t.threats[parts[1]]
	case "mitigations":
		return t.mitigations[parts[1]]
	case "components":
		return t.components[parts[1]]
	case "flows":
		return t.flows[parts[1]]
	case "assets":
		return t.assets[parts[1]]
	case "boundaries":
		return t.boundaries[parts[1]]
	}
	return false
}

type diagKey struct{ sev, field, msg string }

func keyOf(d model.Diagnostic) diagKey { return diagKey{string(d.Severity), d.Field, d.Message} }

// touched holds the ids of the elements a change reaches.
type touched struct {
	threats, mitigations, components, flows, assets, boundaries map[string]bool
}

func touchedBy(base, head *model.Model, d *diff.Diff) touched {
	t := touched{threats: map[string]bool{}, mitigations: map[string]bool{}, components: map[string]bool{}, flows: map[string]bool{},
		assets: map[string]bool{}, boundaries: map[string]bool{}}
	for _, c := range d.Threats {
		t.threats[c.ID] = true
	}
	for _, c := range d.Mitigations {
		t.mitigations[c.ID] = true
	}
	for _, c := range d.Components {
		t.components[c.ID] = true
	}
	assets := t.assets
	for _, c := range d.Assets {
		assets[c.ID] = true
	}
	// A trust boundary added, removed or changed moves its members (in
	// either model) in or out of trust.
	for _, f := range d.ModelFieldsChanged {
		if id, ok := strings.CutPrefix(f, "boundaries."); ok {
			t.boundaries[id] = true
			for _, m := range []*model.Model{base, head} {
				if b := m.Boundaries[id]; b != nil {
					for _, c := range b.Members {
						t.components[c] = true
					}
				}
			}
		}
	}
	changedFlow := map[string]bool{}
	for _, c := range d.Flows {
		changedFlow[c.ID] = true
		t.flows[c.ID] = true
	}
	for _, m := range []*model.Model{base, head} {
		for id, f := range m.Flows {
			if changedFlow[id] || anyIn(f.Data, assets) {
				t.components[f.From], t.components[f.To] = true, true
			}
		}
		for id, c := range m.Components {
			if anyIn(c.Data, assets) {
				t.components[id] = true
			}
		}
	}
	for id := range policy.FactsChanged(base, head) {
		t.components[id] = true
	}
	for _, m := range []*model.Model{base, head} {
		for id, f := range m.Flows {
			if t.components[f.From] || t.components[f.To] || anyIn(f.Data, assets) {
				t.flows[id] = true
			}
		}
	}
	for id, th := range head.Threats {
		for _, mid := range th.Mitigations {
			if t.mitigations[mid] {
				t.threats[id] = true
			}
		}
	}
	return t
}

func anyIn(ids []string, set map[string]bool) bool {
	for _, id := range ids {
		if set[id] {
			return true
		}
	}
	return false
}

// shownInComment says whether the comment lists a finding: it is new in
// the request, or it blocks.
func shownInComment(f policy.Finding) bool { return !f.PreExisting || f.Severity == policy.Error }

// shownDiag says whether the comment lists a diagnostic: new, or an error.
func shownDiag(d model.Diagnostic) bool { return !d.PreExisting || d.Severity == model.SeverityError }
