package policy

import (
	"slices"
	"time"

	"github.com/tmbot/tmbot/bot/diff"
	"github.com/tmbot/tmbot/bot/model"
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
			f.UnknownBefore = b.CrossesBoundary && (b.Authenticated == nil || b.Encrypted == nil && !slices.Contains(b.Facts, "cleartext") && !slices.Contains(b.Facts, "encrypted_protocol"))
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
