package policy

import (
	"iter"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/tmbot/tmbot/bot/diff"
	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/policies"
)

// Input is what a policy sees as `input`: the head and base of one model
// file as data, the diff between them, and today's date. Views carry a few
// facts that are easier to derive in Go than in CUE (which threats target
// an element, the framework ids that cover it, the AI facts of a
// component); docs/policies.md lists every field.
type Input struct {
	// Scope is ScopeChange or ScopeModel: how much of the models head
	// and base hold.
	Scope string `json:"scope"`
	Today string `json:"today"` // YYYY-MM-DD
	// Soon is today plus 30 days: an acceptance that ends before it
	// expires soon.
	Soon string     `json:"soon"`
	Path string     `json:"path"`
	Head *ModelView `json:"head"` // null when the model was deleted
	Base *ModelView `json:"base"` // null when the model was added
	Diff *diff.Diff `json:"diff"`

	headModel, baseModel *model.Model
	hv, bv               *viewer
	whole                *Input // the model-scope input, once built
}

// ModelView is a model as policies see it.
type ModelView struct {
	System      SystemView                `json:"system"`
	Components  map[string]ComponentView  `json:"components"`
	Assets      map[string]AssetView      `json:"assets"`
	Flows       map[string]FlowView       `json:"flows"`
	Threats     map[string]ThreatView     `json:"threats"`
	Mitigations map[string]MitigationView `json:"mitigations"`
	// Boundaries are the model's trust boundaries (always whole); empty
	// when it draws none.
	Boundaries map[string]BoundaryView `json:"boundaries"`
}

// BoundaryView is a trust boundary.
type BoundaryView struct {
	Name    string   `json:"name"`
	Trusted bool     `json:"trusted"`
	Members []string `json:"members"`
}

// SystemView is the system block.
type SystemView struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Owner  string `json:"owner"`
	Vendor string `json:"vendor"`
}

// ComponentView is a component with derived facts.
type ComponentView struct {
	Name           string   `json:"name"`
	Kind           string   `json:"kind"`
	Layer          string   `json:"layer"`
	InternetFacing bool     `json:"internet_facing"`
	Traits         []string `json:"traits"`
	Data           []string `json:"data"`
	// Boundary is the id of the trust boundary the component is in, ""
	// when none; Trusted is whether that boundary is trusted (null when
	// the component is in none).
	Boundary string `json:"boundary"`
	Trusted  *bool  `json:"trusted"`
	// Facts are the conditions of the AI threat library that hold for the
	// component: its traits plus what its kind and flows show
	// (untrusted_input, retrieves_content, has_tools, sensitive_data, ...).
	Facts []string `json:"facts"`
	// Threats lists the threats that target the component or a flow into
	// or out of it; Covered the framework ids and STRIDE categories they
	// name (ATLAS sub-techniques also as their parent, bare OWASP ids with
	// their year), and the ids of the AI threat library entries they cover:
	// those they list in covers, and those they match by meaning (a shared
	// STRIDE category and a keyword of the entry in their title or
	// description).
	Threats []string `json:"threats"`
	Covered []string `json:"covered"`
	// Probably maps a library entry that applies to the component's kind to
	// the threats whose words match it but that share no STRIDE category
	// with it (and do not cover it otherwise): probably about it.
	Probably map[string][]string `json:"probably"`
}

// AssetView is a data asset.
type AssetView struct {
	Name           string `json:"name"`
	Classification string `json:"classification"`
	// Threats lists the threats that target the asset itself.
	Threats []string `json:"threats"`
}

// FlowView is a flow with derived facts.
type FlowView struct {
	From     string   `json:"from"`
	To       string   `json:"to"`
	Data     []string `json:"data"`
	Protocol string   `json:"protocol"`
	// Kind is "data" (a network call or message) or "dependency" (a
	// library or artifact that `to` imports from `from`).
	Kind string `json:"kind"`
	// Authenticated and Encrypted are true or false as the file states
	// them, null when it does not say (unknown).
	Authenticated *bool `json:"authenticated"`
	Encrypted     *bool `json:"encrypted"`
	// Bidirectional: data goes both ways; the facts below hold when they
	// hold in either direction.
	Bidirectional bool `json:"bidirectional"`
	// EntersInternal: from an internet-facing component (or a user or a
	// third party) into a component that is none of those; a call out to
	// a third party, a login to an identity provider and a response back
	// to a client are not entries (entersInternal). Never a dependency.
	EntersInternal bool `json:"enters_internal"`
	// FromBoundary and ToBoundary are the trust boundaries of the ends
	// ("" for none). CrossesBoundary: the ends are in different
	// boundaries (a component in none counts as outside every boundary);
	// when the model draws no boundaries, the flow enters the system from
	// outside (EntersInternal). EntersTrusted: from a component in an
	// untrusted boundary into one in a trusted boundary. A dependency
	// crosses nothing.
	FromBoundary    string `json:"from_boundary"`
	ToBoundary      string `json:"to_boundary"`
	CrossesBoundary bool   `json:"crosses_boundary"`
	EntersTrusted   bool   `json:"enters_trusted"`
	// Restricted: it carries an asset classified restricted.
	Restricted bool `json:"restricted"`
	// Changed: added or changed in this change, or the model is new.
	Changed bool `json:"changed"`
	// UnauthBefore and ClearBefore: the same flow in the base already
	// entered the system without authentication, or carried restricted
	// data unencrypted, with no threat about it (old debt, not this
	// change's).
	UnauthBefore bool `json:"unauth_before"`
	ClearBefore  bool `json:"clear_before"`
	// UnknownBefore: the same flow in the base already crossed a boundary
	// without saying whether it is authenticated or encrypted (encryption
	// counts as said when the protocol has none: the fact cleartext).
	UnknownBefore bool     `json:"unknown_before"`
	Threats       []string `json:"threats"`
	Stride        []string `json:"stride"`
	// Facts are the conditions of the classic threat library that hold for
	// the flow (cleartext, unauthenticated, internal_flow). Covered and
	// Probably are as for a component, from the threats that target the
	// flow or either of its ends, against the library's flow entries.
	Facts    []string            `json:"facts"`
	Covered  []string            `json:"covered"`
	Probably map[string][]string `json:"probably"`
}

// ThreatView is a threat with its derived risk and status.
type ThreatView struct {
	Title       string          `json:"title"`
	Likelihood  string          `json:"likelihood"`
	Impact      string          `json:"impact"`
	Risk        string          `json:"risk"`
	Status      string          `json:"status"`
	Planned     bool            `json:"planned"`
	Targets     []string        `json:"targets"`
	Mitigations []string        `json:"mitigations"`
	Stride      []string        `json:"stride"`
	IDs         []string        `json:"ids"`    // every ATT&CK, ATLAS, OWASP, CWE and CAPEC id
	Covers      []string        `json:"covers"` // AI threat library entries, as written
	Acceptance  *AcceptanceView `json:"acceptance"`
	Reason      string          `json:"reason"`
}

// AcceptanceView is an accepted risk's record.
type AcceptanceView struct {
	By     string `json:"by"`
	Reason string `json:"reason"`
	Until  string `json:"until"`
}

// MitigationView is a mitigation and the threats that use it.
type MitigationView struct {
	Title   string   `json:"title"`
	Status  string   `json:"status"`
	Owner   string   `json:"owner"`
	Due     string   `json:"due"`
	Threats []string `json:"threats"`
}

// Scopes of an input: what part of the models head and base hold.
const (
	// ScopeChange: the elements the change touches and their neighbours
	// (see narrow), every accepted threat, and the system and assets. The
	// default: it keeps a review of a small change to a large model cheap.
	ScopeChange = "change"
	// ScopeModel: the whole of both models, for a policy that declares
	// scope: "model".
	ScopeModel = "model"
)

// NewInput builds the input of one model file's policies, in the change
// scope. base or head may be nil; d is their diff.
func NewInput(path, today string, base, head *model.Model, d *diff.Diff) *Input {
	soon := ""
	if t, err := time.Parse(time.DateOnly, today); err == nil {
		soon = t.AddDate(0, 0, 30).Format(time.DateOnly)
	}
	in := &Input{Scope: ScopeChange, Today: today, Soon: soon, Path: path, Diff: d, headModel: head, baseModel: base}
	in.hv, in.bv = newViewer(head), newViewer(base)
	sel := narrow(in.bv, in.hv, d)
	in.Head, in.Base = in.hv.view(sel), in.bv.view(sel)
	in.compareFlows()
	return in
}

// Whole returns the same input in the model scope: head and base in full.
func (in *Input) Whole() *Input {
	if in.whole == nil {
		w := *in
		w.Scope = ScopeModel
		w.Head, w.Base = in.hv.view(nil), in.bv.view(nil)
		w.compareFlows()
		w.whole = &w
		in.whole = &w
	}
	return in.whole
}

// compareFlows marks each head flow with what the base said of it, so that
// policies look at what this change is answerable for without comparing
// every flow with every other in CUE.
func (in *Input) compareFlows() {
	if in.Head == nil {
		return
	}
	changed := map[string]bool{}
	if in.Diff != nil {
		for _, c := range in.Diff.Flows {
			if c.Change == diff.Added || c.Change == diff.Changed {
				changed[c.ID] = true
			}
		}
	}
	for id, f := range in.Head.Flows {
		var b FlowView
		inBase := false
		if in.bv != nil && in.bv.m.Flows[id] != nil {
			b, inBase = in.bv.flow(id), true
		}
		f.Changed = !inBase || changed[id]
		if inBase {
			f.UnauthBefore = (b.EntersInternal || b.EntersTrusted) && model.Says(b.Authenticated, false) && len(b.Threats) == 0
			f.ClearBefore = b.Restricted && model.Says(b.Encrypted, false) && len(b.Threats) == 0
			f.UnknownBefore = b.CrossesBoundary && (b.Authenticated == nil || b.Encrypted == nil && !slices.Contains(b.Facts, "cleartext"))
		}
		in.Head.Flows[id] = f
	}
}

// locate fills a finding's file and line from the element it names, in the
// head (or, for an element gone from the head, the base).
func (in *Input) locate(f *Finding) {
	for _, m := range []*model.Model{in.headModel, in.baseModel} {
		if m == nil {
			continue
		}
		var pos model.Pos
		switch {
		case f.Threat != "" && m.Threats[f.Threat] != nil:
			pos = m.Threats[f.Threat].Pos
		case f.Mitigation != "" && m.Mitigations[f.Mitigation] != nil:
			pos = m.Mitigations[f.Mitigation].Pos
		case f.Flow != "" && m.Flows[f.Flow] != nil:
			pos = m.Flows[f.Flow].Pos
		case f.Component != "" && m.Components[f.Component] != nil:
			pos = m.Components[f.Component].Pos
		default:
			continue
		}
		f.File, f.Line = m.Path, pos.Line
		return
	}
	if f.File == "" {
		f.File, f.Line = in.Path, 1
	}
}

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
