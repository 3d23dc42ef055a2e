package policy

import (
	"iter"
	"sort"
	"strings"

	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/policies"
)

// A viewer builds the views of one model's elements, with the indexes
// they need, so that a view of a few elements costs little whatever the
// size of the model.
type viewer struct {
	m         *model.Model
	targeting map[string][]string // element id → the threats that target it
	users     map[string][]string // mitigation id → the threats that use it
	flowsOf   map[string][]string // component id → the flows into or out of it
	facts     map[string]set      // component id → facts (deriveFacts)
	flowFacts map[string]set      // flow id → facts (flowFacts)
	pairs     map[[2]string]bool  // {from, to} of every flow (both ways for a bidirectional one)
	boundary  map[string]string   // component id → its trust boundary's id
	// all: the AI threat library; library: its entries by kind; matched:
	// which entries each threat's words match (matches). Filled when
	// first needed.
	all      []policies.LibraryEntry
	library  map[string][]libraryEntry
	forFlows set // the entry ids and covered_if_any ids of the flow entries
	matched  map[string][]bool
}

func newViewer(m *model.Model) *viewer {
	if m == nil {
		return nil
	}
	v := &viewer{m: m, targeting: map[string][]string{}, users: map[string][]string{}, flowsOf: map[string][]string{},
		pairs: map[[2]string]bool{}}
	for _, id := range m.ThreatOrder {
		t := m.Threats[id]
		for _, target := range t.Targets {
			v.targeting[target] = append(v.targeting[target], id)
		}
		for _, mid := range t.Mitigations {
			v.users[mid] = append(v.users[mid], id)
		}
	}
	for _, id := range m.FlowOrder {
		f := m.Flows[id]
		v.pairs[[2]string{f.From, f.To}] = true
		if f.Bidirectional {
			v.pairs[[2]string{f.To, f.From}] = true
		}
		v.flowsOf[f.From] = append(v.flowsOf[f.From], id)
		if f.To != f.From {
			v.flowsOf[f.To] = append(v.flowsOf[f.To], id)
		}
	}
	v.boundary = map[string]string{}
	for _, bid := range m.BoundaryOrder {
		for _, c := range m.Boundaries[bid].Members {
			if _, ok := v.boundary[c]; !ok {
				v.boundary[c] = bid
			}
		}
	}
	v.facts = deriveFacts(m)
	v.flowFacts = flowFacts(m)
	return v
}

// selection names the elements a view holds; nil holds them all. The
// system and the assets are always whole.
type selection struct {
	components, flows, threats, mitigations set
}

// view builds the model's view of the selected elements that exist in it.
func (v *viewer) view(sel *selection) *ModelView {
	if v == nil {
		return nil
	}
	m := v.m
	mv := &ModelView{
		System:      SystemView{ID: m.System.ID, Name: m.System.Name, Owner: m.System.Owner, Vendor: m.System.Vendor},
		Components:  map[string]ComponentView{},
		Assets:      make(map[string]AssetView, len(m.Assets)),
		Flows:       map[string]FlowView{},
		Threats:     map[string]ThreatView{},
		Mitigations: map[string]MitigationView{},
	}
	for id, a := range m.Assets {
		av := AssetView{Name: a.Name, Classification: a.Classification, Threats: []string{}}
		if m.Components[id] == nil && m.Flows[id] == nil { // a component or flow of the same id wins
			av.Threats = nonNil(v.targeting[id])
		}
		mv.Assets[id] = av
	}
	mv.Boundaries = make(map[string]BoundaryView, len(m.Boundaries))
	for id, b := range m.Boundaries {
		mv.Boundaries[id] = BoundaryView{Name: b.Name, Trusted: b.Trusted, Members: nonNil(b.Members)}
	}
	var s selection
	if sel != nil {
		s = *sel
	}
	for id := range pick(m.Threats, sel, s.threats) {
		mv.Threats[id] = v.threat(id)
	}
	for id := range pick(m.Mitigations, sel, s.mitigations) {
		mit := m.Mitigations[id]
		mv.Mitigations[id] = MitigationView{Title: mit.Title, Status: mit.Status, Owner: mit.Owner, Due: mit.Due, Threats: nonNil(v.users[id])}
	}
	for id := range pick(m.Flows, sel, s.flows) {
		mv.Flows[id] = v.flow(id)
	}
	for id := range pick(m.Components, sel, s.components) {
		mv.Components[id] = v.component(id)
	}
	return mv
}

// pick yields the ids of all that the selection holds: every id when sel
// is nil, else those of chosen that exist in all.
func pick[T any](all map[string]*T, sel *selection, chosen set) iter.Seq[string] {
	return func(yield func(string) bool) {
		if sel == nil {
			for id := range all {
				if !yield(id) {
					return
				}
			}
			return
		}
		for id := range chosen {
			if all[id] != nil && !yield(id) {
				return
			}
		}
	}
}

func (v *viewer) threat(id string) ThreatView {
	t := v.m.Threats[id]
	var acc *AcceptanceView
	if t.Acceptance != nil {
		acc = &AcceptanceView{By: t.Acceptance.By, Reason: t.Acceptance.Reason, Until: t.Acceptance.Until}
	}
	return ThreatView{Title: t.Title, Likelihood: string(t.Likelihood), Impact: string(t.Impact),
		Risk: string(t.Risk), Status: t.Status, Planned: t.Planned(v.m), Targets: nonNil(t.Targets),
		Mitigations: nonNil(t.Mitigations), Stride: nonNil(t.Stride), IDs: threatIDs(t), Covers: nonNil(t.Covers), Acceptance: acc, Reason: t.Reason}
}

func (v *viewer) flow(id string) FlowView {
	m := v.m
	f := m.Flows[id]
	from, to := m.Components[f.From], m.Components[f.To]
	fv := FlowView{From: f.From, To: f.To, Data: nonNil(f.Data), Protocol: f.Protocol, Kind: model.FlowData,
		Authenticated: f.Authenticated, Encrypted: f.Encrypted, Bidirectional: f.Bidirectional, Threats: nonNil(v.targeting[id])}
	if f.IsDependency() {
		fv.Kind = model.FlowDependency
	}
	if from != nil && to != nil && !f.IsDependency() {
		fv.EntersInternal = v.entersInternal(f, from, to) || (f.Bidirectional && v.entersInternal(reversed(f), to, from))
	}
	v.boundaryFacts(f, &fv)
	for _, a := range f.Data {
		if as := m.Assets[a]; as != nil && as.Classification == "restricted" {
			fv.Restricted = true
		}
	}
	stride := set{}
	for _, tid := range v.targeting[id] {
		stride.add(m.Threats[tid].Stride...)
	}
	fv.Stride = stride.sorted()
	fv.Facts = v.flowFacts[id].sorted()
	near := set{}
	near.add(v.targeting[id]...)
	near.add(v.targeting[f.From]...)
	near.add(v.targeting[f.To]...)
	fv.Covered, fv.Probably = v.coverage(near.sorted(), "flow")
	return fv
}

// entersInternal says whether a flow brings data from outside (an
// internet-facing component, a user, a third party) into a part of the
// system that is none of those. These are not entries: a call out to a
// part run by a third party (outsideParty); a login to an identity
// provider (it is the authentication); and a response going back to a
// client: anything sent to a mobile app, or to a web app that sent the
// flow's source a request (another flow the other way).
func (v *viewer) entersInternal(f *model.Flow, from, to *model.Component) bool {
	outside := from.InternetFacing || from.Kind == "user" || outsideParty(from)
	if !outside || to.InternetFacing || to.Kind == "user" || outsideParty(to) {
		return false
	}
	switch to.Kind {
	case "identity_provider", "mobile_app":
		return false
	case "web_app":
		// A bidirectional flow is request and answer in one: its own
		// other direction does not make it a response.
		if v.pairs[[2]string{f.To, f.From}] && !f.Bidirectional {
			return false
		}
	}
	return true
}

func (v *viewer) component(id string) ComponentView {
	m := v.m
	c := m.Components[id]
	threats := set{}
	threats.add(v.targeting[id]...)
	for _, fid := range v.flowsOf[id] {
		threats.add(v.targeting[fid]...)
	}
	ids := threats.sorted()
	covered, probably := v.coverage(ids, c.Kind)
	cv := ComponentView{Name: c.Name, Kind: c.Kind, Layer: c.Layer, InternetFacing: c.InternetFacing,
		Traits: nonNil(c.Traits), Data: nonNil(c.Data), Facts: v.facts[id].sorted(), Threats: ids, Covered: covered,
		Probably: probably, Boundary: v.boundary[id]}
	if b := m.Boundaries[cv.Boundary]; b != nil {
		cv.Trusted = &b.Trusted
	}
	return cv
}

// threatIDs lists a threat's framework ids, normalised so that a policy can
// match them: an ATLAS sub-technique also as its parent, a bare OWASP id
// with the year of its current list.
func threatIDs(t *model.Threat) []string {
	s := set{}
	s.add(t.Attack...)
	s.add(t.CWE...)
	s.add(t.CAPEC...)
	for _, id := range t.Atlas {
		s.add(id)
		if strings.Count(id, ".") == 2 { // AML.T0051.001 → AML.T0051
			s.add(id[:strings.LastIndex(id, ".")])
		}
	}
	for _, id := range t.Attack {
		if i := strings.IndexByte(id, '.'); i > 0 {
			s.add(id[:i])
		}
	}
	for _, id := range t.OWASP {
		switch {
		case strings.Contains(id, ":"):
			s.add(id)
		case strings.HasPrefix(id, "LLM"):
			s.add(id + ":2025")
		case strings.HasPrefix(id, "ML"):
			s.add(id + ":2023")
		case strings.HasPrefix(id, "ASI"):
			s.add(id + ":2026")
		default:
			s.add(id)
		}
	}
	return s.sorted()
}

type set map[string]bool

func (s set) add(items ...string) {
	for _, i := range items {
		s[i] = true
	}
}

func (s set) sorted() []string {
	out := make([]string, 0, len(s))
	for k := range s {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
