package track

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/model"
)

func TestMain(m *testing.M) {
	model.RunCUEChildIfRequested()
	os.Exit(m.Run())
}

var loader = func() *model.Loader {
	l, err := model.NewLoader(model.Limits{})
	if err != nil {
		panic(err)
	}
	return l
}()

const base = `version: 1
system: {id: pay, name: Pay}
components:
  api: {name: API, kind: api, internet_facing: true}
threats:
  sqli:
    title: SQL injection through the API
    targets: [api]
    likelihood: medium
    impact: high
    mitigations: [waf]
    %s
mitigations:
  waf: {title: Put a WAF in front of the API, status: %s, owner: "@alice", due: 2027-01-31}
`

func models(t *testing.T, status, threatExtra string) []Model {
	t.Helper()
	res := loader.Load(context.Background(), "tm/pay.threatmodel.yaml", []byte(fmt.Sprintf(base, threatExtra, status)))
	if !res.Valid {
		t.Fatalf("invalid: %v", res.Diagnostics)
	}
	return []Model{{Path: "tm/pay.threatmodel.yaml", Model: res.Model}}
}

var settings = Settings{Labels: []string{"threat-model"}, Assign: func(owner string) string {
	if owner == "@alice" {
		return "alice"
	}
	return ""
}}

func issueFor(t *testing.T, ms []Model, key, state string) forge.Issue {
	t.Helper()
	w := Wanted(ms)[key]
	spec := Spec(w, settings)
	return forge.Issue{Number: 7, Title: spec.Title, Body: spec.Body, State: state, Labels: spec.Labels, Assignees: spec.Assignees}
}

func kinds(as []Action) string {
	var out []string
	for _, a := range as {
		s := a.Kind + " " + a.Key
		if a.Reason != "" {
			s += " " + a.Reason
		}
		out = append(out, s)
	}
	return strings.Join(out, "; ")
}

func TestPlannedMitigationGetsOneIssue(t *testing.T) {
	ms := models(t, "planned", "")
	as := Plan(ms, nil, nil, settings)
	if kinds(as) != "create pay/waf" {
		t.Fatalf("actions: %s", kinds(as))
	}
	spec := as[0].Spec
	if spec.Title != "Put a WAF in front of the API" || !strings.Contains(spec.Body, Marker("pay/waf")) ||
		!strings.Contains(spec.Body, "`sqli`") || !strings.Contains(spec.Body, "tm/pay.threatmodel.yaml") ||
		!strings.Contains(spec.Body, "2027-01-31") || spec.Due != "2027-01-31" {
		t.Errorf("spec: %+v", spec)
	}
	if strings.Join(spec.Labels, ",") != "threat-model,risk:high" || strings.Join(spec.Assignees, ",") != "alice" {
		t.Errorf("labels %v assignees %v", spec.Labels, spec.Assignees)
	}
	// The issue exists and says the same: nothing to do.
	if as := Plan(ms, []forge.Issue{issueFor(t, ms, "pay/waf", "open")}, nil, settings); len(as) != 0 {
		t.Errorf("second plan: %s", kinds(as))
	}
	// in_progress is tracked too; the body changes, so the issue is updated.
	ms2 := models(t, "in_progress", "")
	if as := Plan(ms2, []forge.Issue{issueFor(t, ms, "pay/waf", "open")}, nil, settings); kinds(as) != "update pay/waf" || as[0].Number != 7 {
		t.Errorf("in_progress: %s", kinds(as))
	}
}

func TestIssueClosedWhenTheModelSaysSo(t *testing.T) {
	open := issueFor(t, models(t, "planned", ""), "pay/waf", "open")
	for _, tc := range []struct {
		status, extra, want, says string
	}{
		{"implemented", "", "close pay/waf completed", "implemented"},
		{"verified", "", "close pay/waf completed", "verified"},
		{"wont_do", "", "close pay/waf not_planned", "wont_do"},
		{"proposed", "", "close pay/waf not_planned", "proposed"},
		{"planned", "status: accepted\n    acceptance: {by: \"@sec\", reason: Low value, until: 2027-06-30}", "close pay/waf not_planned", "No open threat"},
		{"planned", "status: not_applicable\n    reason: No SQL here", "close pay/waf not_planned", "No open threat"},
	} {
		as := Plan(models(t, tc.status, tc.extra), []forge.Issue{open}, nil, settings)
		if kinds(as) != tc.want || !strings.Contains(as[0].Comment, tc.says) {
			t.Errorf("%s %q: %s (%+v)", tc.status, tc.extra, kinds(as), as)
		}
	}
	// The mitigation removed from the model.
	res := loader.Load(context.Background(), "tm/pay.threatmodel.yaml", []byte("version: 1\nsystem: {id: pay, name: Pay}\n"))
	as := Plan([]Model{{Path: "tm/pay.threatmodel.yaml", Model: res.Model}}, []forge.Issue{open}, nil, settings)
	if kinds(as) != "close pay/waf not_planned" || !strings.Contains(as[0].Comment, "removed") {
		t.Errorf("removed: %s", kinds(as))
	}
	// An invalid model changes no tracking.
	mem := map[string]Remembered{"pay/waf": {Number: 7, Path: "tm/pay.threatmodel.yaml"}}
	as = Plan([]Model{{Path: "tm/pay.threatmodel.yaml", Invalid: "1:1: broken"}}, []forge.Issue{open}, mem, settings)
	if len(as) != 0 {
		t.Errorf("invalid model: %s", kinds(as))
	}
}

func TestClosedIssues(t *testing.T) {
	ms := models(t, "planned", "")
	closed := issueFor(t, ms, "pay/waf", "closed")
	// Closed by the bot, planned again (implemented → planned): reopen.
	as := Plan(ms, []forge.Issue{closed}, map[string]Remembered{"pay/waf": {Number: 7, ClosedByBot: true}}, settings)
	if kinds(as) != "reopen pay/waf" {
		t.Errorf("reopen: %s", kinds(as))
	}
	// Closed by a person while the model still plans it: say once what
	// to change, never reopen.
	as = Plan(ms, []forge.Issue{closed}, map[string]Remembered{"pay/waf": {Number: 7}}, settings)
	if kinds(as) != "note-human-closed pay/waf" || !strings.Contains(as[0].Comment, "status: implemented") {
		t.Errorf("human closed: %s", kinds(as))
	}
	as = Plan(ms, []forge.Issue{closed}, map[string]Remembered{"pay/waf": {Number: 7, HumanCloseNoted: true}}, settings)
	if len(as) != 0 {
		t.Errorf("noted already: %s", kinds(as))
	}
}

func TestRenamedMitigationKeepsItsIssue(t *testing.T) {
	ms := models(t, "planned", "")
	old := issueFor(t, ms, "pay/waf", "open")
	renamed := strings.Replace(strings.Replace(fmt.Sprintf(base, "", "planned"), "[waf]", "[web-firewall]", 1), "  waf:", "  web-firewall:", 1)
	res := loader.Load(context.Background(), "tm/pay.threatmodel.yaml", []byte(renamed))
	if !res.Valid {
		t.Fatal(res.Diagnostics)
	}
	mem := map[string]Remembered{"pay/waf": {Number: 7, Content: Wanted(ms)["pay/waf"].Content}}
	as := Plan([]Model{{Path: "tm/pay.threatmodel.yaml", Model: res.Model}}, []forge.Issue{old}, mem, settings)
	if kinds(as) != "update pay/web-firewall" || as[0].Number != 7 || as[0].From != "pay/waf" {
		t.Errorf("rename: %s", kinds(as))
	}
}

func TestLongTitleIsCut(t *testing.T) {
	long := strings.Repeat("word ", 100)
	got := Title(long)
	if n := len([]rune(got)); n != forge.MaxIssueTitle || !strings.HasSuffix(got, "…") {
		t.Errorf("%d runes: %q", n, got)
	}
	if Title("short") != "short" {
		t.Error("a short title changed")
	}
}

func TestThreeHundredMitigations(t *testing.T) {
	var b strings.Builder
	b.WriteString("version: 1\nsystem: {id: big, name: Big}\nthreats:\n")
	for i := range 300 {
		fmt.Fprintf(&b, "  t%d: {title: Threat %d, likelihood: high, impact: medium, mitigations: [m%d]}\n", i, i, i)
	}
	b.WriteString("mitigations:\n")
	for i := range 300 {
		fmt.Fprintf(&b, "  m%d: {title: Mitigation %d, status: planned}\n", i, i)
	}
	res := loader.Load(context.Background(), "big.threatmodel.yaml", []byte(b.String()))
	if !res.Valid {
		t.Fatal(res.Diagnostics[0])
	}
	as := Plan([]Model{{Path: "big.threatmodel.yaml", Model: res.Model}}, nil, nil, settings)
	seen := map[string]bool{}
	for _, a := range as {
		if a.Kind != Create || seen[a.Key] {
			t.Fatalf("action %s %s", a.Kind, a.Key)
		}
		seen[a.Key] = true
	}
	if len(seen) != 300 {
		t.Errorf("%d creations", len(seen))
	}
}

func TestSummary(t *testing.T) {
	ms := models(t, "planned", "")
	ms = append(ms, Model{Path: "b.threatmodel.yaml", Invalid: "3:1: unknown key"})
	body := SummaryBody(ms, map[string]string{"pay/waf": "#7"})
	for _, want := range []string{SummaryMarker, "`sqli`", "`waf` (planned) #7", "b.threatmodel.yaml", "invalid"} {
		if !strings.Contains(body, want) {
			t.Errorf("summary lacks %q:\n%s", want, body)
		}
	}
}
