package diff

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/model"
)

// mk builds a model from hand-written parts, in document order, and fills
// the derived fields as loading does: Risk from the matrix, and Status
// derived from the mitigations when none is written (a non-empty Status
// counts as written). The parts are used as they are: build fresh ones for
// each model.
func mk(parts ...any) *model.Model {
	m := &model.Model{
		Path:        "pay.threatmodel.yaml",
		Version:     1,
		System:      model.System{ID: "pay", Name: "Pay"},
		Components:  map[string]*model.Component{},
		Assets:      map[string]*model.Asset{},
		Flows:       map[string]*model.Flow{},
		Threats:     map[string]*model.Threat{},
		Mitigations: map[string]*model.Mitigation{},
	}
	for _, p := range parts {
		switch v := p.(type) {
		case *model.Threat:
			m.Threats[v.ID] = v
			m.ThreatOrder = append(m.ThreatOrder, v.ID)
		case *model.Mitigation:
			m.Mitigations[v.ID] = v
			m.MitigationOrder = append(m.MitigationOrder, v.ID)
		case *model.Component:
			m.Components[v.ID] = v
			m.ComponentOrder = append(m.ComponentOrder, v.ID)
		case *model.Flow:
			m.Flows[v.ID] = v
			m.FlowOrder = append(m.FlowOrder, v.ID)
		case *model.Asset:
			m.Assets[v.ID] = v
			m.AssetOrder = append(m.AssetOrder, v.ID)
		case *model.Boundary:
			if m.Boundaries == nil {
				m.Boundaries = map[string]*model.Boundary{}
			}
			m.Boundaries[v.ID] = v
			m.BoundaryOrder = append(m.BoundaryOrder, v.ID)
		default:
			panic(fmt.Sprintf("mk: %T", p))
		}
	}
	derive(m)
	return m
}

func derive(m *model.Model) {
	for _, t := range m.Threats {
		t.Risk = model.RiskOf(t.Likelihood, t.Impact)
		t.StatusWritten = t.Status != ""
		if !t.StatusWritten {
			t.Status = model.DeriveStatus(t.Mitigations, m.Mitigations)
		}
	}
}

// thr is a threat with defaults: medium likelihood and impact, one target,
// one STRIDE category; opts change it.
func thr(id string, opts ...func(*model.Threat)) *model.Threat {
	t := &model.Threat{
		ID:         id,
		Title:      "Title of " + id,
		Targets:    []string{"web"},
		Stride:     []string{"tampering"},
		Likelihood: model.Medium,
		Impact:     model.Medium,
	}
	for _, o := range opts {
		o(t)
	}
	return t
}

func mit(id, status string) *model.Mitigation {
	return &model.Mitigation{ID: id, Title: "Title of " + id, Status: status}
}

func likelihood(l model.Level) func(*model.Threat) {
	return func(t *model.Threat) { t.Likelihood = l }
}
func impact(l model.Level) func(*model.Threat) { return func(t *model.Threat) { t.Impact = l } }
func status(s string) func(*model.Threat)      { return func(t *model.Threat) { t.Status = s } }
func mits(ids ...string) func(*model.Threat) {
	return func(t *model.Threat) { t.Mitigations = ids }
}
func title(s string) func(*model.Threat) { return func(t *model.Threat) { t.Title = s } }

func threatChange(t *testing.T, d *Diff, id string) ThreatChange {
	t.Helper()
	for _, c := range d.Threats {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("threat %s not in diff: %+v", id, d.Threats)
	return ThreatChange{}
}

func changes(d *Diff) []string {
	var out []string
	for _, c := range d.Threats {
		s := c.Change + ":" + c.ID
		if c.From != "" {
			s += "<" + c.From
		}
		out = append(out, s)
	}
	return out
}

func newIDs(d *Diff) []string {
	var out []string
	for _, n := range d.New {
		out = append(out, n.Change+":"+n.ID)
	}
	return out
}

func eq[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got  %#v\n want %#v", what, got, want)
	}
}

func TestAddedRemoved(t *testing.T) {
	base := mk(thr("a"), thr("gone"), thr("b"))
	head := mk(thr("new1", likelihood(model.High), impact(model.High)), thr("a"), thr("b"), thr("new2"))
	d := Compare(base, head)
	eq(t, "changes", changes(d), []string{"added:new1", "added:new2", "removed:gone"})
	eq(t, "new", newIDs(d), []string{"added:new1", "added:new2"})
	n := d.New[0]
	eq(t, "new[0]", n, NewThreat{ID: "new1", Title: "Title of new1", Risk: "critical", Status: "open",
		Planned: false, Unmitigated: true, Change: "added"})
	eq(t, "added", threatChange(t, d, "new1"), ThreatChange{ID: "new1", Change: "added",
		Title: "Title of new1", Risk: "critical", Status: "open"})
	eq(t, "removed", threatChange(t, d, "gone"), ThreatChange{ID: "gone", Change: "removed",
		Title: "Title of gone", BaseRisk: "medium", BaseStatus: "open"})
	eq(t, "summary threats", d.Summary.Threats, Counts{Added: 2, Removed: 1})
	eq(t, "summary new", [2]int{d.Summary.New, d.Summary.NewUnmitigated}, [2]int{2, 2})
	eq(t, "model change", d.Change, "changed")
	if d.Empty() {
		t.Error("Empty")
	}
}

func TestChangedFields(t *testing.T) {
	base := mk(thr("a", func(x *model.Threat) { x.Description = "d1"; x.CWE = []string{"CWE-89"} }))
	head := mk(thr("a", title("New title"), func(x *model.Threat) {
		x.Description = "d2"
		x.CWE = []string{"CWE-89", "CWE-79"}
		x.KillChain = []string{"delivery"}
		x.Extensions = map[string]any{"jira": "SEC-1"}
	}))
	d := Compare(base, head)
	c := threatChange(t, d, "a")
	eq(t, "change", c.Change, "changed")
	eq(t, "fields", c.FieldsChanged, []string{"title", "description", "cwe", "kill_chain", "extensions"})
	eq(t, "risk", [2]string{c.BaseRisk, c.Risk}, [2]string{"medium", "medium"})
	if c.Raised || c.Lowered || c.Reopened || c.StatusFrom != "" {
		t.Errorf("flags: %+v", c)
	}
	eq(t, "new", len(d.New), 0)
	eq(t, "text", d.Text(), "~ threat a: changed: title, description, cwe, kill_chain, extensions\n")
}

func TestRiskRaisedLowered(t *testing.T) {
	base := mk(thr("up"), thr("down", likelihood(model.High)), thr("same", likelihood(model.Low), impact(model.High)))
	head := mk(thr("up", likelihood(model.High)), thr("down", likelihood(model.Low)), thr("same", likelihood(model.High), impact(model.Low)))
	d := Compare(base, head)
	up := threatChange(t, d, "up")
	if !up.Raised || up.Lowered || up.BaseRisk != "medium" || up.Risk != "high" {
		t.Errorf("up: %+v", up)
	}
	eq(t, "up fields", up.FieldsChanged, []string{"likelihood"})
	down := threatChange(t, d, "down")
	if down.Raised || !down.Lowered || down.BaseRisk != "high" || down.Risk != "low" {
		t.Errorf("down: %+v", down)
	}
	same := threatChange(t, d, "same")
	if same.Raised || same.Lowered {
		t.Errorf("same: %+v", same)
	}
	eq(t, "same fields", same.FieldsChanged, []string{"likelihood", "impact"})
	eq(t, "new", d.New, []NewThreat{{ID: "up", Title: "Title of up", Risk: "high", BaseRisk: "medium",
		Status: "open", Unmitigated: true, Change: "raised"}})
	eq(t, "summary", [2]int{d.Summary.Raised, d.Summary.Lowered}, [2]int{1, 1})
	eq(t, "text", d.Text(), "~ threat up: risk medium → high\n~ threat down: risk high → low\n~ threat same: changed: likelihood, impact\n")
}

func TestStatusChange(t *testing.T) {
	base := mk(thr("a"))
	head := mk(thr("a", status(model.StatusAccepted), func(x *model.Threat) {
		x.Acceptance = &model.Acceptance{By: "@sec", Reason: "cheap", Until: "2027-01-01"}
	}))
	d := Compare(base, head)
	c := threatChange(t, d, "a")
	eq(t, "status", [2]string{c.StatusFrom, c.StatusTo}, [2]string{"open", "accepted"})
	eq(t, "fields", c.FieldsChanged, []string{"status", "acceptance"})
	if c.Reopened {
		t.Error("reopened")
	}
	eq(t, "new", len(d.New), 0)
	eq(t, "text", d.Text(), "~ threat a: status open → accepted; changed: acceptance\n")
}

func TestReopened(t *testing.T) {
	base := mk(thr("a", status(model.StatusNotApplicable), func(x *model.Threat) { x.Reason = "no web" }), thr("b", status(model.StatusMitigated)))
	head := mk(thr("a"), thr("b", status(model.StatusOpen)))
	d := Compare(base, head)
	a := threatChange(t, d, "a")
	if !a.Reopened || a.StatusFrom != "not_applicable" || a.StatusTo != "open" {
		t.Errorf("a: %+v", a)
	}
	eq(t, "a fields", a.FieldsChanged, []string{"status", "reason"})
	if b := threatChange(t, d, "b"); !b.Reopened {
		t.Errorf("b: %+v", b)
	}
	eq(t, "new", newIDs(d), []string{"reopened:a", "reopened:b"})
	eq(t, "summary", d.Summary.Reopened, 2)
	if !strings.Contains(d.Text(), "~ threat a: status not_applicable → open (reopened); changed: reason\n") {
		t.Errorf("text:\n%s", d.Text())
	}
}

func TestRaisedAndReopenedIsRaised(t *testing.T) {
	base := mk(thr("a", status(model.StatusMitigated)))
	head := mk(thr("a", likelihood(model.High), impact(model.High)))
	d := Compare(base, head)
	eq(t, "new", newIDs(d), []string{"raised:a"})
	c := threatChange(t, d, "a")
	if !c.Raised || !c.Reopened {
		t.Errorf("%+v", c)
	}
}

func TestMitigationAddedRemovedOnThreat(t *testing.T) {
	base := mk(thr("a", mits("m1", "m2")), mit("m1", "planned"), mit("m2", "proposed"), mit("m3", "planned"))
	head := mk(thr("a", mits("m2", "m3", "m4")), mit("m1", "planned"), mit("m2", "proposed"), mit("m3", "planned"), mit("m4", "planned"))
	d := Compare(base, head)
	c := threatChange(t, d, "a")
	eq(t, "added", c.MitigationsAdded, []string{"m3", "m4"})
	eq(t, "removed", c.MitigationsRemoved, []string{"m1"})
	eq(t, "fields", c.FieldsChanged, []string{"mitigations"})
	eq(t, "mitigations", d.Mitigations, []MitigationChange{{ID: "m4", Change: "added", Title: "Title of m4", Status: "planned"}})
	eq(t, "text", d.Text(), "~ threat a: mitigations added: m3, m4; mitigations removed: m1\n+ mitigation m4 (planned)\n")
}

func TestMitigationRegression(t *testing.T) {
	base := mk(thr("a", mits("m1")), mit("m1", "implemented"), mit("m2", "verified"), mit("m3", "planned"), mit("m4", "implemented"), mit("gone", "planned"))
	head := mk(thr("a", mits("m1")), mit("m1", "planned"), mit("m2", "in_progress"), mit("m3", "implemented"), mit("m4", "wont_do"))
	d := Compare(base, head)
	want := []MitigationChange{
		{ID: "m1", Change: "changed", Title: "Title of m1", Status: "planned", BaseStatus: "implemented",
			StatusFrom: "implemented", StatusTo: "planned", Regression: true, FieldsChanged: []string{"status"}},
		{ID: "m2", Change: "changed", Title: "Title of m2", Status: "in_progress", BaseStatus: "verified",
			StatusFrom: "verified", StatusTo: "in_progress", Regression: true, FieldsChanged: []string{"status"}},
		{ID: "m3", Change: "changed", Title: "Title of m3", Status: "implemented", BaseStatus: "planned",
			StatusFrom: "planned", StatusTo: "implemented", FieldsChanged: []string{"status"}},
		{ID: "m4", Change: "changed", Title: "Title of m4", Status: "wont_do", BaseStatus: "implemented",
			StatusFrom: "implemented", StatusTo: "wont_do", FieldsChanged: []string{"status"}},
		{ID: "gone", Change: "removed", Title: "Title of gone", BaseStatus: "planned"},
	}
	eq(t, "mitigations", d.Mitigations, want)
	eq(t, "regressions", d.Summary.Regressions, 2)

	// The threat's status is derived from m1: mitigated in the base, open
	// in the head. None of its own fields changed, yet it reopened.
	c := threatChange(t, d, "a")
	eq(t, "threat", c, ThreatChange{ID: "a", Change: "changed", Title: "Title of a", Risk: "medium",
		BaseRisk: "medium", Status: "open", BaseStatus: "mitigated", StatusFrom: "mitigated", StatusTo: "open", Reopened: true})
	eq(t, "new", d.New, []NewThreat{{ID: "a", Title: "Title of a", Risk: "medium", BaseRisk: "medium",
		Status: "open", Planned: true, Unmitigated: true, Change: "reopened"}})
	wantText := "~ threat a: status mitigated → open (reopened)\n" +
		"~ mitigation m1: status implemented → planned (regression)\n" +
		"~ mitigation m2: status verified → in_progress (regression)\n" +
		"~ mitigation m3: status planned → implemented\n" +
		"~ mitigation m4: status implemented → wont_do\n" +
		"- mitigation gone\n"
	eq(t, "text", d.Text(), wantText)
}

func TestPlanned(t *testing.T) {
	head := mk(
		thr("p1", mits("pl")), thr("p2", mits("pr", "ip")), thr("u1", mits("pr", "wd")), thr("u2"),
		mit("pl", "planned"), mit("pr", "proposed"), mit("ip", "in_progress"), mit("wd", "wont_do"))
	d := Compare(nil, head)
	got := map[string]bool{}
	for _, n := range d.New {
		got[n.ID] = n.Planned
	}
	eq(t, "planned", got, map[string]bool{"p1": true, "p2": true, "u1": false, "u2": false})
}

func TestRenameSingle(t *testing.T) {
	base := mk(thr("keep"), thr("old", title("Same"), mits("m")), mit("m", "planned"))
	head := mk(thr("keep"), thr("new", title("Same"), mits("m")), mit("m", "planned"))
	d := Compare(base, head)
	eq(t, "changes", changes(d), []string{"renamed:new<old"})
	eq(t, "renamed", d.Threats[0], ThreatChange{ID: "new", Change: "renamed", From: "old", Title: "Same",
		Risk: "medium", BaseRisk: "medium", Status: "open", BaseStatus: "open"})
	eq(t, "new", len(d.New), 0)
	eq(t, "summary", d.Summary.Threats, Counts{Renamed: 1})
	eq(t, "text", d.Text(), "> threat old renamed to new\n")
}

func TestRenameSeveralCandidatesInDocumentOrder(t *testing.T) {
	// Three removed threats with the same content, two added: the first
	// removed (base order) pairs with the first added (head order).
	base := mk(thr("r3", title("X")), thr("r1", title("X")), thr("r2", title("X")), thr("other"))
	head := mk(thr("other"), thr("a2", title("X")), thr("a1", title("X")))
	d := Compare(base, head)
	eq(t, "changes", changes(d), []string{"renamed:a2<r3", "renamed:a1<r1", "removed:r2"})
	eq(t, "new", len(d.New), 0)

	// More added than removed: the surplus is added, hence new.
	base = mk(thr("r1", title("X")))
	head = mk(thr("a1", title("X")), thr("a2", title("X")))
	d = Compare(base, head)
	eq(t, "changes", changes(d), []string{"renamed:a1<r1", "added:a2"})
	eq(t, "new", newIDs(d), []string{"added:a2"})
}

func TestNewUnmitigated(t *testing.T) {
	base := mk(thr("raised"), thr("acc", status(model.StatusMitigated)))
	head := mk(thr("added", status(model.StatusAccepted)), thr("raised", likelihood(model.High)), thr("acc"), thr("added2"))
	d := Compare(base, head)
	eq(t, "new", newIDs(d), []string{"added:added", "raised:raised", "reopened:acc", "added:added2"})
	var got []string
	for _, n := range d.NewUnmitigated() {
		got = append(got, n.ID)
	}
	eq(t, "unmitigated", got, []string{"raised", "acc", "added2"})
	eq(t, "summary", [2]int{d.Summary.New, d.Summary.NewUnmitigated}, [2]int{4, 3})
}

func TestRenameListsAsSetsAndTrimmedStrings(t *testing.T) {
	base := mk(thr("old", title("Prompt injection"), func(x *model.Threat) {
		x.Description = "An attacker writes instructions."
		x.Targets = []string{"llm", "api"}
		x.OWASP = []string{"LLM01:2025", "LLM06:2025"}
		x.Acceptance = &model.Acceptance{By: "@sec", Reason: "r", Until: "2027-01-01"}
		x.Extensions = map[string]any{"tags": []any{"a", "b"}, "n": 1}
	}))
	head := mk(thr("new", title("  Prompt injection\n"), func(x *model.Threat) {
		x.Description = "\tAn attacker writes instructions.  "
		x.Targets = []string{"api", " llm", "api"}
		x.OWASP = []string{"LLM06:2025", "LLM01:2025"}
		x.Acceptance = &model.Acceptance{By: " @sec", Reason: "r ", Until: "2027-01-01"}
		x.Extensions = map[string]any{"n": 1.0, "tags": []any{"b", " a"}}
	}))
	d := Compare(base, head)
	eq(t, "changes", changes(d), []string{"renamed:new<old"})
	eq(t, "fields", d.Threats[0].FieldsChanged, []string(nil))

	// The same content under the same id is no change at all.
	base = mk(thr("x", func(x *model.Threat) { x.Targets = []string{"a", "b"}; x.Title = "T" }))
	head = mk(thr("x", func(x *model.Threat) { x.Targets = []string{"b", "a", "a"}; x.Title = " T " }))
	d = Compare(base, head)
	if !d.Empty() || d.Change != "unchanged" {
		t.Errorf("reordered list is a change: %+v", d.Threats)
	}
	eq(t, "text", d.Text(), "no changes\n")
}

func TestNotARename(t *testing.T) {
	acc := func(reason string) func(*model.Threat) {
		return func(x *model.Threat) {
			x.Status = model.StatusAccepted
			x.Acceptance = &model.Acceptance{By: "@sec", Reason: reason, Until: "2027-01-01"}
		}
	}
	ext := func(v any) func(*model.Threat) {
		return func(x *model.Threat) { x.Extensions = map[string]any{"owner": map[string]any{"team": v}} }
	}
	cases := []struct {
		name      string
		old, new_ []func(*model.Threat)
	}{
		{"acceptance differs", []func(*model.Threat){acc("cheap")}, []func(*model.Threat){acc("cheaper")}},
		{"acceptance only on one", []func(*model.Threat){status(model.StatusOpen)},
			[]func(*model.Threat){status(model.StatusOpen), func(x *model.Threat) { x.Acceptance = &model.Acceptance{By: "@sec"} }}},
		{"extensions differ", []func(*model.Threat){ext("red")}, []func(*model.Threat){ext("blue")}},
		{"extensions only on one", []func(*model.Threat){ext("red")}, nil},
		{"status written vs omitted", []func(*model.Threat){status(model.StatusOpen)}, nil},
		{"likelihood differs", nil, []func(*model.Threat){likelihood(model.High)}},
		{"list differs", nil, []func(*model.Threat){func(x *model.Threat) { x.Stride = append(x.Stride, "spoofing") }}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			same := title("Same")
			d := Compare(mk(thr("old", append(c.old, same)...)), mk(thr("new", append(c.new_, same)...)))
			eq(t, "changes", changes(d), []string{"added:new", "removed:old"})
			eq(t, "new", newIDs(d), []string{"added:new"})
		})
	}

	// Deeply equal extensions (distinct maps) do not prevent a rename.
	same := title("Same")
	d := Compare(mk(thr("old", same, ext("red"))), mk(thr("new", same, ext("red"))))
	eq(t, "deep-equal extensions", changes(d), []string{"renamed:new<old"})
	// Two omitted statuses are equal, even when the derived ones differ.
	d = Compare(mk(thr("old", same, mits("m")), mit("m", "implemented")), mk(thr("new", same, mits("m")), mit("m", "planned")))
	eq(t, "omitted statuses", changes(d), []string{"renamed:new<old"})
	c := d.Threats[0]
	if c.StatusFrom != "mitigated" || c.StatusTo != "open" || !c.Reopened {
		t.Errorf("renamed status: %+v", c)
	}
	eq(t, "renamed but reopened", newIDs(d), []string{"reopened:new"})
	eq(t, "text", strings.SplitN(d.Text(), "\n", 2)[0], "> threat old renamed to new; status mitigated → open (reopened)")
}

func TestMitigationRename(t *testing.T) {
	m := func(id string) *model.Mitigation {
		return &model.Mitigation{ID: id, Title: "WAF", Status: "planned", Owner: "@p", Controls: []string{"a", "b"}}
	}
	base := mk(thr("t", mits("waf-old")), m("waf-old"), mit("x", "planned"))
	hm := m("waf")
	hm.Controls = []string{"b", "a "}
	hm.Title = "WAF\n"
	head := mk(thr("t", mits("waf")), hm, mit("x", "implemented"), mit("y", "planned"))
	d := Compare(base, head)
	eq(t, "mitigations", d.Mitigations, []MitigationChange{
		{ID: "waf", Change: "renamed", From: "waf-old", Title: "WAF\n", Status: "planned", BaseStatus: "planned"},
		{ID: "x", Change: "changed", Title: "Title of x", Status: "implemented", BaseStatus: "planned",
			StatusFrom: "planned", StatusTo: "implemented", FieldsChanged: []string{"status"}},
		{ID: "y", Change: "added", Title: "Title of y", Status: "planned"},
	})
	c := threatChange(t, d, "t")
	eq(t, "threat mitigations", [2][]string{c.MitigationsAdded, c.MitigationsRemoved}, [2][]string{{"waf"}, {"waf-old"}})
	eq(t, "summary", d.Summary.Mitigations, Counts{Added: 1, Changed: 1, Renamed: 1})
	if !strings.Contains(d.Text(), "> mitigation waf-old renamed to waf\n") {
		t.Errorf("text:\n%s", d.Text())
	}

	// A different status is not a rename.
	hm2 := m("waf")
	hm2.Status = "in_progress"
	d = Compare(mk(m("waf-old")), mk(hm2))
	eq(t, "mitigations", []string{d.Mitigations[0].Change, d.Mitigations[1].Change}, []string{"added", "removed"})
}

func TestNilBase(t *testing.T) {
	head := mk(thr("a", mits("m")), thr("b", likelihood(model.High)), mit("m", "planned"),
		&model.Component{ID: "web", Name: "Web", Kind: "web_app"},
		&model.Asset{ID: "pii", Name: "PII"},
		&model.Flow{ID: "f", From: "web", To: "web"})
	d := Compare(nil, head)
	eq(t, "change", d.Change, "added")
	eq(t, "path", d.Path, "pay.threatmodel.yaml")
	eq(t, "changes", changes(d), []string{"added:a", "added:b"})
	eq(t, "new", newIDs(d), []string{"added:a", "added:b"})
	eq(t, "planned", []bool{d.New[0].Planned, d.New[1].Planned}, []bool{true, false})
	eq(t, "summary", d.Summary, Summary{
		Threats: Counts{Added: 2}, Mitigations: Counts{Added: 1}, Components: Counts{Added: 1},
		Flows: Counts{Added: 1}, Assets: Counts{Added: 1}, New: 2, NewUnmitigated: 2})
	eq(t, "model fields", d.ModelFieldsChanged, []string{})
	eq(t, "text", d.Text(), "+ threat a (medium, open)\n+ threat b (high, open)\n+ mitigation m (planned)\n+ component web\n+ flow f\n+ asset pii\n")
}

func TestNilHead(t *testing.T) {
	base := mk(thr("a", mits("m")), thr("b"), mit("m", "planned"), &model.Component{ID: "web", Name: "Web"})
	d := Compare(base, nil)
	eq(t, "change", d.Change, "removed")
	eq(t, "changes", changes(d), []string{"removed:a", "removed:b"})
	eq(t, "new", d.New, []NewThreat{})
	eq(t, "mitigations", d.Mitigations, []MitigationChange{{ID: "m", Change: "removed", Title: "Title of m", BaseStatus: "planned"}})
	eq(t, "components", d.Components, []ElementChange{{ID: "web", Change: "removed", Name: "Web"}})
	eq(t, "text", d.Text(), "- threat a\n- threat b\n- mitigation m\n- component web\n")

	d = Compare(nil, nil)
	if !d.Empty() || d.Change != "unchanged" {
		t.Errorf("nil, nil: %+v", d)
	}
}

func TestComponentsFlowsAssets(t *testing.T) {
	base := mk(
		&model.Component{ID: "web", Name: "Web", Kind: "web_app", Layer: "application", Data: []string{"pii", "creds"}},
		&model.Component{ID: "db", Name: "DB", Kind: "database"},
		&model.Component{ID: "old", Name: "Old", Kind: "service"},
		&model.Asset{ID: "pii", Name: "PII", Classification: "confidential"},
		&model.Asset{ID: "creds", Name: "Creds", Classification: "restricted"},
		&model.Flow{ID: "login", From: "user", To: "web", Data: []string{"creds"}, Authenticated: ptr(true)},
		&model.Flow{ID: "gone", From: "web", To: "db"},
	)
	head := mk(
		&model.Component{ID: "llm", Name: "LLM", Kind: "llm"},
		&model.Component{ID: "web", Name: "Web", Kind: "web_app", Layer: "application", Data: []string{"creds", "pii"}},
		&model.Component{ID: "db", Name: "Database", Kind: "database", InternetFacing: true, Traits: []string{"has_memory"}},
		&model.Asset{ID: "pii", Name: "PII", Classification: "restricted", Extensions: map[string]any{"gdpr": true}},
		&model.Asset{ID: "creds", Name: " Creds ", Classification: "restricted"},
		&model.Flow{ID: "login", From: "user", To: "web", Data: []string{"creds"}, Authenticated: ptr(true), Encrypted: ptr(true), Protocol: "https"},
		&model.Flow{ID: "prompt", From: "web", To: "llm"},
	)
	d := Compare(base, head)
	eq(t, "components", d.Components, []ElementChange{
		{ID: "llm", Change: "added", Name: "LLM"},
		{ID: "db", Change: "changed", Name: "Database", FieldsChanged: []string{"name", "internet_facing", "traits"}},
		{ID: "old", Change: "removed", Name: "Old"},
	})
	eq(t, "assets", d.Assets, []ElementChange{
		{ID: "pii", Change: "changed", Name: "PII", FieldsChanged: []string{"classification", "extensions"}},
	})
	eq(t, "flows", d.Flows, []ElementChange{
		{ID: "login", Change: "changed", FieldsChanged: []string{"protocol", "encrypted"}},
		{ID: "prompt", Change: "added"},
		{ID: "gone", Change: "removed"},
	})
	eq(t, "summary", [3]Counts{d.Summary.Components, d.Summary.Flows, d.Summary.Assets},
		[3]Counts{{Added: 1, Changed: 1, Removed: 1}, {Added: 1, Changed: 1, Removed: 1}, {Changed: 1}})
	wantText := "+ component llm\n~ component db: name, internet_facing, traits\n- component old\n" +
		"~ flow login: protocol, encrypted\n+ flow prompt\n- flow gone\n" +
		"~ asset pii: classification, extensions\n"
	eq(t, "text", d.Text(), wantText)
	eq(t, "phrases", d.Summary.Phrases(), []string{
		"1 component added", "1 component changed", "1 component removed",
		"1 flow added", "1 flow changed", "1 flow removed", "1 asset changed"})
}

func TestModelFields(t *testing.T) {
	base := mk()
	head := mk()
	head.System.Name = "Pay 2"
	head.System.Owner = "@team"
	head.Extensions = map[string]any{"x": 1}
	d := Compare(base, head)
	eq(t, "fields", d.ModelFieldsChanged, []string{"system.name", "system.owner", "extensions"})
	eq(t, "change", d.Change, "changed")
	eq(t, "text", d.Text(), "~ model: system.name, system.owner, extensions\n")
}

func TestOrderHeadThenRemoved(t *testing.T) {
	base := mk(thr("r2"), thr("c2"), thr("r1"), thr("c1"))
	head := mk(thr("c1", title("x")), thr("n1"), thr("c2", title("y")))
	d := Compare(base, head)
	eq(t, "order", changes(d), []string{"changed:c1", "added:n1", "changed:c2", "removed:r2", "removed:r1"})
}

func TestHandBuiltOrderRepaired(t *testing.T) {
	base := mk(thr("a"), thr("b"))
	base.ThreatOrder = nil
	head := mk(thr("b"), thr("c"), thr("a"))
	head.ThreatOrder = []string{"c", "zz", "c"}
	d := Compare(base, head)
	eq(t, "changes", changes(d), []string{"added:c"})
}

func TestJSONShape(t *testing.T) {
	d := Compare(mk(thr("a")), mk(thr("a")))
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"path":"pay.threatmodel.yaml","change":"unchanged","model_fields_changed":[],"threats":[],"new":[],` +
		`"mitigations":[],"components":[],"flows":[],"assets":[],"summary":{` +
		`"threats":{"added":0,"removed":0,"changed":0,"renamed":0},` +
		`"mitigations":{"added":0,"removed":0,"changed":0,"renamed":0},` +
		`"components":{"added":0,"removed":0,"changed":0,"renamed":0},` +
		`"flows":{"added":0,"removed":0,"changed":0,"renamed":0},` +
		`"assets":{"added":0,"removed":0,"changed":0,"renamed":0},` +
		`"new":0,"new_unmitigated":0,"raised":0,"lowered":0,"reopened":0,"regressions":0}}`
	eq(t, "json", string(b), want)

	d = Compare(mk(thr("a"), mit("m", "implemented")), mk(thr("a", likelihood(model.High), mits("m")), mit("m", "planned")))
	b, _ = json.Marshal(d.Threats[0])
	eq(t, "threat json", string(b), `{"id":"a","change":"changed","title":"Title of a","risk":"high","base_risk":"medium",`+
		`"status":"open","base_status":"open","raised":true,"lowered":false,"reopened":false,`+
		`"mitigations_added":["m"],"fields_changed":["likelihood","mitigations"]}`)
	b, _ = json.Marshal(d.New[0])
	eq(t, "new json", string(b), `{"id":"a","title":"Title of a","risk":"high","base_risk":"medium","status":"open",`+
		`"planned":true,"unmitigated":true,"change":"raised"}`)
	b, _ = json.Marshal(d.Mitigations[0])
	eq(t, "mitigation json", string(b), `{"id":"m","change":"changed","title":"Title of m","status":"planned",`+
		`"base_status":"implemented","status_from":"implemented","status_to":"planned","regression":true,"fields_changed":["status"]}`)
}

func TestCanonicalExtensions(t *testing.T) {
	for _, c := range []struct {
		a, b map[string]any
		eq   bool
	}{
		{nil, map[string]any{}, true},
		{map[string]any{"a": 1}, map[string]any{"a": int64(1)}, true},
		{map[string]any{"a": 1}, map[string]any{"a": 1.5}, false},
		{map[string]any{"a": "1"}, map[string]any{"a": 1}, false},
		{map[string]any{"a": nil}, map[string]any{}, false},
		{map[string]any{"a": []any{1, 2}}, map[string]any{"a": []any{2, 1, 1}}, true},
		{map[string]any{"a": map[string]any{"b": []string{"x"}}}, map[string]any{"a": map[string]any{"b": []any{" x"}}}, true},
		{map[string]any{"a": map[string]any{"b": true}}, map[string]any{"a": map[string]any{"b": false}}, false},
		{map[string]any{"a": []any{"ab"}}, map[string]any{"a": []any{"a", "b"}}, false},
	} {
		if got := eqExt(c.a, c.b); got != c.eq {
			t.Errorf("eqExt(%v, %v) = %v", c.a, c.b, got)
		}
		var ca, cb canon
		ca.ext(c.a)
		cb.ext(c.b)
		if got := string(ca.b) == string(cb.b); got != c.eq {
			t.Errorf("canon(%v) == canon(%v): %v", c.a, c.b, got)
		}
	}
}

func TestCanonicalPathsAgree(t *testing.T) {
	v := map[string]any{
		"b": 1, "aa": []any{"x", 2.0, map[string]any{"k": true}}, "c": map[string]any{"zz": nil, "y": "v"},
		"0123456789": "long key", " pad ": []string{"q"},
	}
	var fast, slow canon
	fast.any(v)
	slow.value(reflect.ValueOf(v))
	eq(t, "fast vs reflect", string(fast.b), string(slow.b))

	a := map[string]any{"m": map[string]string{"bb": "1", "a": "2"}}
	b := map[string]any{"m": map[string]any{"a": "2", "bb": "1"}}
	if !eqExt(a, b) {
		t.Error("map[string]string vs map[string]any")
	}
}

// genModel generates a model of n threats and n/5 mitigations.
func genModel(n int) *model.Model {
	parts := make([]any, 0, n+n/5)
	nm := n / 5
	for i := 0; i < nm; i++ {
		parts = append(parts, &model.Mitigation{ID: fmt.Sprintf("m-%d", i), Title: fmt.Sprintf("Mitigation %d", i),
			Status: []string{"planned", "implemented", "proposed"}[i%3], Controls: []string{"NIST-800-53:IA-2(1)"}})
	}
	levels := []model.Level{model.Low, model.Medium, model.High}
	for i := 0; i < n; i++ {
		parts = append(parts, &model.Threat{
			ID:          fmt.Sprintf("t-%d", i),
			Title:       fmt.Sprintf("Threat number %d against the portal", i),
			Description: "An attacker does something to something, and it costs us.",
			Targets:     []string{fmt.Sprintf("c-%d", i%100), fmt.Sprintf("f-%d", i%50)},
			Stride:      []string{"spoofing", "tampering"},
			Attack:      []string{"T1566", "T1078"},
			OWASP:       []string{"LLM01:2025"},
			CWE:         []string{"CWE-89"},
			KillChain:   []string{"delivery"},
			Likelihood:  levels[i%3],
			Impact:      levels[(i/3)%3],
			Mitigations: []string{fmt.Sprintf("m-%d", i%nm), fmt.Sprintf("m-%d", (i+7)%nm)},
			Extensions:  map[string]any{"ticket": fmt.Sprintf("SEC-%d", i)},
		})
	}
	return mk(parts...)
}

// cloneThreats returns a copy of m whose threats share no memory with m's,
// as if the model had been loaded a second time.
func cloneThreats(m *model.Model) *model.Model {
	c := *m
	c.Threats = make(map[string]*model.Threat, len(m.Threats))
	list := func(l []string) []string {
		if l == nil {
			return nil
		}
		out := make([]string, len(l))
		for i, s := range l {
			out[i] = strings.Clone(s)
		}
		return out
	}
	for id, t := range m.Threats {
		tt := *t
		tt.Title, tt.Description = strings.Clone(t.Title), strings.Clone(t.Description)
		tt.Targets, tt.Stride, tt.Attack, tt.Atlas = list(t.Targets), list(t.Stride), list(t.Attack), list(t.Atlas)
		tt.OWASP, tt.CWE, tt.CAPEC, tt.KillChain = list(t.OWASP), list(t.CWE), list(t.CAPEC), list(t.KillChain)
		tt.Mitigations = list(t.Mitigations)
		if t.Extensions != nil {
			tt.Extensions = make(map[string]any, len(t.Extensions))
			for k, v := range t.Extensions {
				if s, ok := v.(string); ok {
					v = strings.Clone(s)
				}
				tt.Extensions[strings.Clone(k)] = v
			}
		}
		c.Threats[id] = &tt
	}
	c.ThreatOrder = list(m.ThreatOrder)
	return &c
}

func TestBenchmarkModels(t *testing.T) {
	base := genModel(1000)
	head := cloneThreats(base)
	head.Threats["t-500"].Title = "Changed"
	d := Compare(base, head)
	eq(t, "changes", changes(d), []string{"changed:t-500"})
	eq(t, "fields", d.Threats[0].FieldsChanged, []string{"title"})
	eq(t, "unchanged", Compare(base, cloneThreats(base)).Empty(), true)
}

func BenchmarkCompare10kOneChanged(b *testing.B) {
	base := genModel(10000)
	head := cloneThreats(base)
	t := head.Threats["t-5000"]
	t.Title = "Changed title"
	t.Likelihood, t.Impact = model.Low, model.Low
	t.Risk = model.RiskOf(t.Likelihood, t.Impact)
	b.ResetTimer()
	for b.Loop() {
		d := Compare(base, head)
		if len(d.Threats) != 1 {
			b.Fatal(len(d.Threats))
		}
	}
}

// Every threat renamed: rename detection must stay linear.
func BenchmarkCompare10kAllRenamed(b *testing.B) {
	base := genModel(10000)
	head := cloneThreats(base)
	head.Threats = make(map[string]*model.Threat, len(base.Threats))
	head.ThreatOrder = head.ThreatOrder[:0]
	for _, id := range base.ThreatOrder {
		t := *base.Threats[id]
		t.ID = "renamed-" + id
		head.Threats[t.ID] = &t
		head.ThreatOrder = append(head.ThreatOrder, t.ID)
	}
	b.ResetTimer()
	for b.Loop() {
		d := Compare(base, head)
		if d.Summary.Threats.Renamed != 10000 {
			b.Fatal(d.Summary.Threats)
		}
	}
}

// covers (the AI threat library entries a threat covers) is part of a
// threat: a change to it is a change, and a threat under a new id with
// other covers is not a rename.
func TestCoversIsPartOfAThreat(t *testing.T) {
	base := mk(thr("a", func(x *model.Threat) { x.Covers = []string{"llm-direct-prompt-injection"} }))
	head := mk(thr("a", func(x *model.Threat) { x.Covers = []string{"llm-jailbreak-unsafe-content"} }))
	eq(t, "fields", threatChange(t, Compare(base, head), "a").FieldsChanged, []string{"covers"})
	renamed := mk(thr("b", func(x *model.Threat) {
		x.Title = "Title of a"
		x.Covers = []string{"llm-jailbreak-unsafe-content"}
	}))
	d := Compare(base, renamed)
	if c := threatChange(t, d, "b"); c.Change != "added" {
		t.Errorf("a threat with other covers under a new id: %s, want added", c.Change)
	}
}

func ptr(b bool) *bool { return &b }

// Unknown is not false: a flow that goes from saying nothing to a stated
// false (or back) has changed; kind and bidirectional count too.
func TestFlowFlagsAndBoundaries(t *testing.T) {
	base := mk(
		&model.Flow{ID: "a", From: "x", To: "y"},
		&model.Flow{ID: "b", From: "x", To: "y", Encrypted: ptr(false)},
		&model.Flow{ID: "c", From: "x", To: "y", Authenticated: ptr(true)},
		&model.Boundary{ID: "dmz", Name: "DMZ", Trusted: true, Members: []string{"x"}},
		&model.Boundary{ID: "gone", Name: "Gone", Trusted: true},
		&model.Boundary{ID: "same", Name: "Same", Trusted: true, Members: []string{"p", "q"}},
	)
	head := mk(
		&model.Flow{ID: "a", From: "x", To: "y", Authenticated: ptr(false), Bidirectional: true},
		&model.Flow{ID: "b", From: "x", To: "y"},
		&model.Flow{ID: "c", From: "x", To: "y", Authenticated: ptr(true), Kind: model.FlowDependency},
		&model.Boundary{ID: "new", Name: "New", Trusted: false},
		&model.Boundary{ID: "dmz", Name: "DMZ", Trusted: false, Members: []string{"x"}},
		&model.Boundary{ID: "same", Name: "Same", Trusted: true, Members: []string{"q", "p"}},
	)
	d := Compare(base, head)
	eq(t, "text", d.Text(), "~ model: boundaries.new, boundaries.dmz, boundaries.gone\n"+
		"~ flow a: authenticated, bidirectional\n~ flow b: encrypted\n~ flow c: kind\n")
}
