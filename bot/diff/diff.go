package diff

import (
	"sort"

	"github.com/tmbot/tmbot/bot/model"
)

// Kinds of change of an item, and of a whole model (Diff.Change).
const (
	Added     = "added"
	Removed   = "removed"
	Changed   = "changed"
	Renamed   = "renamed"
	Unchanged = "unchanged" // Diff.Change only: unchanged items are not listed
)

// Why a threat counts as new (NewThreat.Change).
const (
	NewAdded    = "added"
	NewRaised   = "raised"
	NewReopened = "reopened"
)

// Diff is the semantic difference between two versions of a model. See the
// package documentation for the JSON shape and the rules.
type Diff struct {
	// Path is the head model's path, or the base's when the head is nil.
	Path string `json:"path,omitempty"`
	// Change is added (no base), removed (no head), changed or unchanged.
	Change string `json:"change"`
	// ModelFieldsChanged names the changed top-level fields: version,
	// system.id, system.name, system.description, system.owner,
	// system.vendor, extensions.
	ModelFieldsChanged []string           `json:"model_fields_changed"`
	Threats            []ThreatChange     `json:"threats"`
	New                []NewThreat        `json:"new"`
	Mitigations        []MitigationChange `json:"mitigations"`
	Components         []ElementChange    `json:"components"`
	Flows              []ElementChange    `json:"flows"`
	Assets             []ElementChange    `json:"assets"`
	Summary            Summary            `json:"summary"`
}

// ThreatChange is one threat added, removed, changed or renamed.
type ThreatChange struct {
	ID     string `json:"id"`
	Change string `json:"change"`
	// From is the id in the base of a renamed threat.
	From  string `json:"from,omitempty"`
	Title string `json:"title"`
	// Risk and Status are the head's (absent when removed); BaseRisk and
	// BaseStatus the base's (absent when added).
	Risk       string `json:"risk,omitempty"`
	BaseRisk   string `json:"base_risk,omitempty"`
	Status     string `json:"status,omitempty"`
	BaseStatus string `json:"base_status,omitempty"`
	// StatusFrom and StatusTo are set when the (effective) status changed.
	StatusFrom string `json:"status_from,omitempty"`
	StatusTo   string `json:"status_to,omitempty"`
	// Raised and Lowered: the rank of the risk went up or down.
	Raised  bool `json:"raised"`
	Lowered bool `json:"lowered"`
	// Reopened: the status went back to open from any other status.
	Reopened           bool     `json:"reopened"`
	MitigationsAdded   []string `json:"mitigations_added,omitempty"`
	MitigationsRemoved []string `json:"mitigations_removed,omitempty"`
	// FieldsChanged names the written fields that changed, in the names
	// of the file format (title, likelihood, kill_chain, …).
	FieldsChanged []string `json:"fields_changed,omitempty"`
}

// NewThreat is a threat that counts as new in a review.
type NewThreat struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Risk     string `json:"risk"`
	BaseRisk string `json:"base_risk,omitempty"` // for raised and reopened
	Status   string `json:"status"`
	// Planned: a mitigation of it is planned, in_progress, implemented or
	// verified in the head.
	Planned bool `json:"planned"`
	// Unmitigated: its status is open.
	Unmitigated bool `json:"unmitigated"`
	// Change is added, raised or reopened.
	Change string `json:"change"`
}

// MitigationChange is one mitigation added, removed, changed or renamed.
type MitigationChange struct {
	ID         string `json:"id"`
	Change     string `json:"change"`
	From       string `json:"from,omitempty"`
	Title      string `json:"title"`
	Status     string `json:"status,omitempty"`
	BaseStatus string `json:"base_status,omitempty"`
	StatusFrom string `json:"status_from,omitempty"`
	StatusTo   string `json:"status_to,omitempty"`
	// Regression: implemented or verified in the base, proposed, planned
	// or in_progress in the head.
	Regression    bool     `json:"regression"`
	FieldsChanged []string `json:"fields_changed,omitempty"`
}

// ElementChange is one component, flow or asset added, removed or changed.
type ElementChange struct {
	ID     string `json:"id"`
	Change string `json:"change"`
	// Name is the head's name (the base's when removed); empty for flows.
	Name          string   `json:"name,omitempty"`
	FieldsChanged []string `json:"fields_changed,omitempty"`
}

// Counts counts the items of one kind by change.
type Counts struct {
	Added   int `json:"added"`
	Removed int `json:"removed"`
	Changed int `json:"changed"`
	Renamed int `json:"renamed"`
}

// Total is the number of items counted.
func (c Counts) Total() int { return c.Added + c.Removed + c.Changed + c.Renamed }

// Summary counts the changes, for the "other changes" part of a comment.
type Summary struct {
	Threats        Counts `json:"threats"`
	Mitigations    Counts `json:"mitigations"`
	Components     Counts `json:"components"`
	Flows          Counts `json:"flows"`
	Assets         Counts `json:"assets"`
	New            int    `json:"new"`
	NewUnmitigated int    `json:"new_unmitigated"`
	Raised         int    `json:"raised"`
	Lowered        int    `json:"lowered"`
	Reopened       int    `json:"reopened"`
	Regressions    int    `json:"regressions"`
}

// Empty reports whether the diff lists no change at all.
func (d *Diff) Empty() bool {
	return d == nil || len(d.ModelFieldsChanged) == 0 && len(d.Threats) == 0 &&
		len(d.Mitigations) == 0 && len(d.Components) == 0 && len(d.Flows) == 0 &&
		len(d.Assets) == 0
}

// NewUnmitigated returns the new threats whose status is open, in head
// document order: the threats a review comment names.
func (d *Diff) NewUnmitigated() []NewThreat {
	out := []NewThreat{}
	for _, n := range d.New {
		if n.Unmitigated {
			out = append(out, n)
		}
	}
	return out
}

// Compare returns the difference from base to head. Either may be nil: a
// nil base is a model added (everything added, every threat new), a nil
// head a model deleted (everything removed).
func Compare(base, head *model.Model) *Diff {
	d := &Diff{
		ModelFieldsChanged: []string{},
		Threats:            []ThreatChange{},
		New:                []NewThreat{},
		Mitigations:        []MitigationChange{},
		Components:         []ElementChange{},
		Flows:              []ElementChange{},
		Assets:             []ElementChange{},
	}
	switch {
	case head != nil:
		d.Path = head.Path
	case base != nil:
		d.Path = base.Path
	}
	if base == nil && head == nil {
		d.Change = Unchanged
		return d
	}
	if base != nil && head != nil {
		d.ModelFieldsChanged = modelFields(base, head)
	}

	b, h := viewOf(base), viewOf(head)
	d.Threats = compareThreats(b, h)
	d.New = newThreats(d.Threats, head)
	d.Mitigations = compareMitigations(b, h)
	d.Components = compareElements(b.components, h.components, b.componentOrder, h.componentOrder,
		componentFields, func(c *model.Component) string { return c.Name })
	d.Flows = compareElements(b.flows, h.flows, b.flowOrder, h.flowOrder,
		flowFields, func(*model.Flow) string { return "" })
	d.Assets = compareElements(b.assets, h.assets, b.assetOrder, h.assetOrder,
		assetFields, func(a *model.Asset) string { return a.Name })
	d.Summary = summarize(d)

	switch {
	case base == nil:
		d.Change = Added
	case head == nil:
		d.Change = Removed
	case d.Empty():
		d.Change = Unchanged
	default:
		d.Change = Changed
	}
	return d
}

// view is the parts of a model that the diff reads, safe for a nil model,
// with every order repaired (see orderOf).
type view struct {
	threats                               map[string]*model.Threat
	mitigations                           map[string]*model.Mitigation
	components                            map[string]*model.Component
	flows                                 map[string]*model.Flow
	assets                                map[string]*model.Asset
	threatOrder, mitigationOrder          []string
	componentOrder, flowOrder, assetOrder []string
}

func viewOf(m *model.Model) view {
	if m == nil {
		return view{}
	}
	return view{
		threats:         m.Threats,
		mitigations:     m.Mitigations,
		components:      m.Components,
		flows:           m.Flows,
		assets:          m.Assets,
		threatOrder:     orderOf(m.ThreatOrder, m.Threats),
		mitigationOrder: orderOf(m.MitigationOrder, m.Mitigations),
		componentOrder:  orderOf(m.ComponentOrder, m.Components),
		flowOrder:       orderOf(m.FlowOrder, m.Flows),
		assetOrder:      orderOf(m.AssetOrder, m.Assets),
	}
}

// orderOf returns the ids of a map in document order. An order slice that
// disagrees with its map (a hand-built model) is repaired: ids not in the
// map and repeats are dropped, and ids missing from the order are appended
// in sorted order.
func orderOf[T any](order []string, m map[string]T) []string {
	if len(order) == len(m) {
		ok := true
		for _, id := range order {
			if _, in := m[id]; !in {
				ok = false
				break
			}
		}
		// As many ids as the map, all of them in it: complete unless an
		// id repeats, which the loops that use it tolerate (they skip
		// ids already seen).
		if ok {
			return order
		}
	}
	seen := make(map[string]bool, len(m))
	out := make([]string, 0, len(m))
	for _, id := range order {
		if _, in := m[id]; in && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	var rest []string
	for id := range m {
		if !seen[id] {
			rest = append(rest, id)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

func modelFields(b, h *model.Model) []string {
	out := []string{}
	if b.Version != h.Version {
		out = append(out, "version")
	}
	add := func(name, x, y string) {
		if !eqStr(x, y) {
			out = append(out, name)
		}
	}
	add("system.id", b.System.ID, h.System.ID)
	add("system.name", b.System.Name, h.System.Name)
	add("system.description", b.System.Description, h.System.Description)
	add("system.owner", b.System.Owner, h.System.Owner)
	add("system.vendor", b.System.Vendor, h.System.Vendor)
	if !eqExt(b.Extensions, h.Extensions) {
		out = append(out, "extensions")
	}
	return append(out, boundaryFields(b, h)...)
}

// boundaryFields names the trust boundaries added, removed or changed, as
// boundaries.<id>, in the head's order then the base's.
func boundaryFields(b, h *model.Model) []string {
	var out []string
	seen := map[string]bool{}
	for _, id := range append(append([]string{}, h.BoundaryOrder...), b.BoundaryOrder...) {
		if seen[id] {
			continue
		}
		seen[id] = true
		x, y := b.Boundaries[id], h.Boundaries[id]
		if x == nil || y == nil || !eqStr(x.Name, y.Name) || !eqStr(x.Description, y.Description) ||
			x.Trusted != y.Trusted || !eqSet(x.Members, y.Members) || !eqExt(x.Extensions, y.Extensions) {
			out = append(out, "boundaries."+id)
		}
	}
	return out
}

// pairRenames pairs ids gone from the base (in base order) with ids new in
// the head (in head order) whose canonical content is equal: the first
// removed with the first added, per content. It returns head id → base id.
// Only the removed and added ids are hashed, so the cost is linear.
func pairRenames[T any](removed, added []string, base, head map[string]T, key func(T) string) map[string]string {
	if len(removed) == 0 || len(added) == 0 {
		return nil
	}
	byKey := make(map[string][]string, len(removed))
	for _, id := range removed {
		k := key(base[id])
		byKey[k] = append(byKey[k], id)
	}
	out := make(map[string]string)
	for _, id := range added {
		k := key(head[id])
		if q := byKey[k]; len(q) > 0 {
			out[id] = q[0]
			byKey[k] = q[1:]
		}
	}
	return out
}

// split returns the ids of base not in head (base order) and the ids of
// head not in base (head order).
func split[T any](bo, ho []string, base, head map[string]T) (removed, added []string) {
	for _, id := range bo {
		if _, ok := head[id]; !ok {
			removed = append(removed, id)
		}
	}
	for _, id := range ho {
		if _, ok := base[id]; !ok {
			added = append(added, id)
		}
	}
	return removed, added
}

func compareThreats(bv, hv view) []ThreatChange {
	base, head := bv.threats, hv.threats
	bo, ho := bv.threatOrder, hv.threatOrder
	removed, added := split(bo, ho, base, head)
	renames := pairRenames(removed, added, base, head, threatKey)
	renamedFrom := make(map[string]bool, len(renames))
	for _, from := range renames {
		renamedFrom[from] = true
	}

	out := []ThreatChange{}
	seen := make(map[string]bool, len(ho))
	for _, id := range ho {
		if seen[id] {
			continue
		}
		seen[id] = true
		h := head[id]
		if b, ok := base[id]; ok {
			if c, changed := compareThreat(b, h); changed {
				c.ID, c.Change = id, Changed
				out = append(out, c)
			}
			continue
		}
		if from, ok := renames[id]; ok {
			c, _ := compareThreat(base[from], h)
			c.ID, c.Change, c.From = id, Renamed, from
			out = append(out, c)
			continue
		}
		out = append(out, ThreatChange{
			ID:     id,
			Change: Added,
			Title:  h.Title,
			Risk:   string(h.Risk),
			Status: h.Status,
		})
	}
	for _, id := range removed {
		if renamedFrom[id] || seen[id] {
			continue
		}
		seen[id] = true
		b := base[id]
		out = append(out, ThreatChange{
			ID:         id,
			Change:     Removed,
			Title:      b.Title,
			BaseRisk:   string(b.Risk),
			BaseStatus: b.Status,
		})
	}
	return out
}

// compareThreat compares two versions of a threat; changed reports whether
// anything worth listing differs.
func compareThreat(b, h *model.Threat) (c ThreatChange, changed bool) {
	c = ThreatChange{
		Title:      h.Title,
		Risk:       string(h.Risk),
		BaseRisk:   string(b.Risk),
		Status:     h.Status,
		BaseStatus: b.Status,
	}
	var f []string
	str := func(name, x, y string) {
		if !eqStr(x, y) {
			f = append(f, name)
		}
	}
	set := func(name string, x, y []string) {
		if !eqSet(x, y) {
			f = append(f, name)
		}
	}
	str("title", b.Title, h.Title)
	str("description", b.Description, h.Description)
	set("targets", b.Targets, h.Targets)
	set("stride", b.Stride, h.Stride)
	set("attack", b.Attack, h.Attack)
	set("atlas", b.Atlas, h.Atlas)
	set("owasp", b.OWASP, h.OWASP)
	set("cwe", b.CWE, h.CWE)
	set("capec", b.CAPEC, h.CAPEC)
	set("kill_chain", b.KillChain, h.KillChain)
	set("covers", b.Covers, h.Covers)
	str("likelihood", string(b.Likelihood), string(h.Likelihood))
	str("impact", string(b.Impact), string(h.Impact))
	if !eqSet(b.Mitigations, h.Mitigations) {
		f = append(f, "mitigations")
		c.MitigationsAdded = setMinus(h.Mitigations, b.Mitigations)
		c.MitigationsRemoved = setMinus(b.Mitigations, h.Mitigations)
	}
	if !eqWrittenStatus(b, h) {
		f = append(f, "status")
	}
	if !eqAcceptance(b.Acceptance, h.Acceptance) {
		f = append(f, "acceptance")
	}
	str("reason", b.Reason, h.Reason)
	str("transferred_to", b.TransferredTo, h.TransferredTo)
	if !eqExt(b.Extensions, h.Extensions) {
		f = append(f, "extensions")
	}
	c.FieldsChanged = f

	br, hr := b.Risk.Rank(), h.Risk.Rank()
	c.Raised, c.Lowered = hr > br, hr < br
	if b.Status != h.Status {
		c.StatusFrom, c.StatusTo = b.Status, h.Status
		c.Reopened = h.Status == model.StatusOpen && b.Status != ""
	}
	changed = len(f) > 0 || b.Risk != h.Risk || b.Status != h.Status
	return c, changed
}

func newThreats(changes []ThreatChange, hm *model.Model) []NewThreat {
	out := []NewThreat{}
	if hm == nil {
		return out
	}
	for _, c := range changes {
		var why string
		switch {
		case c.Change == Added:
			why = NewAdded
		case c.Change == Removed:
			continue
		case c.Raised:
			why = NewRaised
		case c.Reopened:
			why = NewReopened
		default:
			continue
		}
		t := hm.Threats[c.ID]
		out = append(out, NewThreat{
			ID:          c.ID,
			Title:       t.Title,
			Risk:        string(t.Risk),
			BaseRisk:    c.BaseRisk,
			Status:      t.Status,
			Planned:     t.Planned(hm),
			Unmitigated: t.Unmitigated(),
			Change:      why,
		})
	}
	return out
}

func compareMitigations(bv, hv view) []MitigationChange {
	base, head := bv.mitigations, hv.mitigations
	bo, ho := bv.mitigationOrder, hv.mitigationOrder
	removed, added := split(bo, ho, base, head)
	renames := pairRenames(removed, added, base, head, mitigationKey)
	renamedFrom := make(map[string]bool, len(renames))
	for _, from := range renames {
		renamedFrom[from] = true
	}

	out := []MitigationChange{}
	seen := make(map[string]bool, len(ho))
	for _, id := range ho {
		if seen[id] {
			continue
		}
		seen[id] = true
		h := head[id]
		if b, ok := base[id]; ok {
			if c := compareMitigation(b, h); len(c.FieldsChanged) > 0 {
				c.ID, c.Change = id, Changed
				out = append(out, c)
			}
			continue
		}
		if from, ok := renames[id]; ok {
			c := compareMitigation(base[from], h)
			c.ID, c.Change, c.From = id, Renamed, from
			out = append(out, c)
			continue
		}
		out = append(out, MitigationChange{ID: id, Change: Added, Title: h.Title, Status: h.Status})
	}
	for _, id := range removed {
		if renamedFrom[id] || seen[id] {
			continue
		}
		seen[id] = true
		b := base[id]
		out = append(out, MitigationChange{ID: id, Change: Removed, Title: b.Title, BaseStatus: b.Status})
	}
	return out
}

func compareMitigation(b, h *model.Mitigation) MitigationChange {
	c := MitigationChange{Title: h.Title, Status: h.Status, BaseStatus: b.Status}
	var f []string
	str := func(name, x, y string) {
		if !eqStr(x, y) {
			f = append(f, name)
		}
	}
	str("title", b.Title, h.Title)
	str("description", b.Description, h.Description)
	if !eqStr(b.Status, h.Status) {
		f = append(f, "status")
		c.StatusFrom, c.StatusTo = b.Status, h.Status
		switch b.Status {
		case model.MitigationImplemented, model.MitigationVerified:
			switch h.Status {
			case model.MitigationProposed, model.MitigationPlanned, model.MitigationInProgress:
				c.Regression = true
			}
		}
	}
	str("owner", b.Owner, h.Owner)
	str("due", b.Due, h.Due)
	str("issue", b.Issue, h.Issue)
	if !eqSet(b.Controls, h.Controls) {
		f = append(f, "controls")
	}
	if !eqExt(b.Extensions, h.Extensions) {
		f = append(f, "extensions")
	}
	c.FieldsChanged = f
	return c
}

func componentFields(b, h *model.Component) []string {
	var f []string
	if !eqStr(b.Name, h.Name) {
		f = append(f, "name")
	}
	if !eqStr(b.Kind, h.Kind) {
		f = append(f, "kind")
	}
	if !eqStr(b.Layer, h.Layer) {
		f = append(f, "layer")
	}
	if !eqStr(b.Description, h.Description) {
		f = append(f, "description")
	}
	if b.InternetFacing != h.InternetFacing {
		f = append(f, "internet_facing")
	}
	if !eqSet(b.Data, h.Data) {
		f = append(f, "data")
	}
	if !eqSet(b.Traits, h.Traits) {
		f = append(f, "traits")
	}
	if !eqExt(b.Extensions, h.Extensions) {
		f = append(f, "extensions")
	}
	return f
}

func flowFields(b, h *model.Flow) []string {
	var f []string
	if !eqStr(b.From, h.From) {
		f = append(f, "from")
	}
	if !eqStr(b.To, h.To) {
		f = append(f, "to")
	}
	if !eqStr(b.Description, h.Description) {
		f = append(f, "description")
	}
	if !eqStr(b.Protocol, h.Protocol) {
		f = append(f, "protocol")
	}
	if !eqSet(b.Data, h.Data) {
		f = append(f, "data")
	}
	if b.Kind != h.Kind {
		f = append(f, "kind")
	}
	if !eqFlag(b.Authenticated, h.Authenticated) {
		f = append(f, "authenticated")
	}
	if !eqFlag(b.Encrypted, h.Encrypted) {
		f = append(f, "encrypted")
	}
	if b.Bidirectional != h.Bidirectional {
		f = append(f, "bidirectional")
	}
	if !eqExt(b.Extensions, h.Extensions) {
		f = append(f, "extensions")
	}
	return f
}

// eqFlag compares two flags that may be unknown (nil): unknown equals only
// unknown.
func eqFlag(b, h *bool) bool {
	if b == nil || h == nil {
		return b == h
	}
	return *b == *h
}

func assetFields(b, h *model.Asset) []string {
	var f []string
	if !eqStr(b.Name, h.Name) {
		f = append(f, "name")
	}
	if !eqStr(b.Classification, h.Classification) {
		f = append(f, "classification")
	}
	if !eqStr(b.Description, h.Description) {
		f = append(f, "description")
	}
	if !eqExt(b.Extensions, h.Extensions) {
		f = append(f, "extensions")
	}
	return f
}

func compareElements[T any](base, head map[string]T, bo, ho []string,
	fields func(b, h T) []string, name func(T) string) []ElementChange {
	out := []ElementChange{}
	seen := make(map[string]bool, len(ho))
	for _, id := range ho {
		if seen[id] {
			continue
		}
		seen[id] = true
		h := head[id]
		b, ok := base[id]
		if !ok {
			out = append(out, ElementChange{ID: id, Change: Added, Name: name(h)})
			continue
		}
		if f := fields(b, h); len(f) > 0 {
			out = append(out, ElementChange{ID: id, Change: Changed, Name: name(h), FieldsChanged: f})
		}
	}
	for _, id := range bo {
		if _, ok := head[id]; ok || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, ElementChange{ID: id, Change: Removed, Name: name(base[id])})
	}
	return out
}

func count(c *Counts, change string) {
	switch change {
	case Added:
		c.Added++
	case Removed:
		c.Removed++
	case Changed:
		c.Changed++
	case Renamed:
		c.Renamed++
	}
}

func summarize(d *Diff) Summary {
	var s Summary
	for _, t := range d.Threats {
		count(&s.Threats, t.Change)
		if t.Raised {
			s.Raised++
		}
		if t.Lowered {
			s.Lowered++
		}
		if t.Reopened {
			s.Reopened++
		}
	}
	for _, n := range d.New {
		s.New++
		if n.Unmitigated {
			s.NewUnmitigated++
		}
	}
	for _, m := range d.Mitigations {
		count(&s.Mitigations, m.Change)
		if m.Regression {
			s.Regressions++
		}
	}
	for _, e := range d.Components {
		count(&s.Components, e.Change)
	}
	for _, e := range d.Flows {
		count(&s.Flows, e.Change)
	}
	for _, e := range d.Assets {
		count(&s.Assets, e.Change)
	}
	return s
}
