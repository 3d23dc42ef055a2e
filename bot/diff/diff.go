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
