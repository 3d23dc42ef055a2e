package review

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/policy"
)

const preBase = `version: 1
system: {id: s, name: S}
components:
  web: {name: Web, kind: web_app}
threats:
  a:
    title: Old threat nobody touches
    targets: [web]
    owasp: [LLM01]
    likelihood: low
    impact: low
  b:
    title: Other threat
    targets: [web]
    likelihood: low
    impact: low
`

// A validation warning on a threat the request does not touch is
// pre-existing: marked in the JSON report, counted (not listed) in the
// comment. Once the request touches that threat, it is listed again.
func TestPreExistingDiagnostics(t *testing.T) {
	rv := renderReviewer(t)
	head := strings.Replace(preBase, "    impact: low\n", "    impact: low\n", 1)
	head = strings.Replace(head, "    title: Other threat", "    title: Other threat, reworded", 1)
	rep := rv.Review(context.Background(), []Change{{Path: "s.threatmodel.yaml", Base: []byte(preBase), Head: []byte(head)}})
	m := rep.Models[0]
	if len(m.Warnings) == 0 {
		t.Fatal("no warning for the bare LLM01: the test needs one")
	}
	for _, w := range m.Warnings {
		if strings.HasPrefix(w.Field, "threats.a.") && !w.PreExisting {
			t.Errorf("a warning on the untouched threat is not pre-existing: %+v", w)
		}
	}
	js, _ := rep.JSON()
	if !strings.Contains(string(js), `"pre_existing": true`) {
		t.Error("the JSON report does not mark it")
	}
	md := rep.Markdown()
	if strings.Contains(md, "LLM01") || !strings.Contains(md, "in the JSON report, marked `pre_existing`)") {
		t.Errorf("the pre-existing warning is listed, or not counted:\n%s", md)
	}

	touched := strings.Replace(preBase, "    title: Old threat nobody touches", "    title: Old threat, now touched", 1)
	rep = rv.Review(context.Background(), []Change{{Path: "s.threatmodel.yaml", Base: []byte(preBase), Head: []byte(touched)}})
	for _, w := range rep.Models[0].Warnings {
		if w.PreExisting {
			t.Errorf("a warning on a changed threat is pre-existing: %+v", w)
		}
	}
	if md := rep.Markdown(); !strings.Contains(md, "LLM01") {
		t.Errorf("the warning on the changed threat is not listed:\n%s", md)
	}
	// A new model: nothing is pre-existing.
	rep = rv.Review(context.Background(), []Change{{Path: "s.threatmodel.yaml", Head: []byte(preBase)}})
	js, _ = rep.JSON()
	if strings.Contains(string(js), "pre_existing") {
		t.Error("a new model has pre-existing items")
	}
}

// Findings about elements the change does not reach are pre-existing,
// unless they block; a component at the end of a changed flow is reached.
func TestPreExistingFindings(t *testing.T) {
	base := handModel("s")
	base.comp("far", "Far", "database").comp("web", "Web", "web_app").comp("api", "API", "api").
		threat("old", "Old", model.Low, model.Low, nil, "far")
	head := handModel("s")
	head.comp("far", "Far", "database").comp("web", "Web", "web_app").comp("api", "API", "api").
		threat("old", "Old", model.Low, model.Low, nil, "far").flow("web-api", "web", "api")
	fs := []policy.Finding{
		{Rule: "ai-coverage", Severity: policy.Notice, Component: "far", Message: "far notice", Suggestion: "x:\n  title: far\n"},
		{Rule: "ai-coverage", Severity: policy.Notice, Component: "api", Message: "api notice", Suggestion: "y:\n  title: api\n"},
		{Rule: "stride-flows", Severity: policy.Warning, Flow: "web-api", Message: "flow warning"},
		{Rule: "acceptance", Severity: policy.Error, Threat: "old", Message: "old acceptance expired"},
		{Rule: "setting-refused", Severity: policy.Warning, Message: "about no element"},
	}
	mr := handReport("s.threatmodel.yaml", base.m, head.m, fs)
	mr.markPreExisting(base.m, head.m, nil, mr.Changes)
	want := map[string]bool{"far notice": true, "api notice": false, "flow warning": false, "old acceptance expired": true, "about no element": false}
	for _, f := range mr.Findings {
		if f.PreExisting != want[f.Message] {
			t.Errorf("%q: pre-existing %v, want %v", f.Message, f.PreExisting, want[f.Message])
		}
	}
	rep := handReportOf(mr)
	md := rep.Markdown()
	if strings.Contains(md, "far notice") || !strings.Contains(md, "api") || !strings.Contains(md, "old acceptance expired") {
		t.Errorf("want the far notice counted, the api notice and the blocking error listed:\n%s", md)
	}
	js, _ := rep.JSON()
	var doc struct {
		Models []struct {
			Findings []policy.Finding `json:"findings"`
		} `json:"models"`
	}
	if err := json.Unmarshal(js, &doc); err != nil || len(doc.Models[0].Findings) != len(fs) {
		t.Fatalf("the JSON report lost findings: %v", err)
	}
}

// Every suggestion in the JSON report is a finding about an element, with
// a draft that targets it.
func TestEverySuggestionNamesItsElement(t *testing.T) {
	for _, c := range goldenCases {
		rep := buildReport(t, c.name)
		for _, m := range rep.Models {
			for _, f := range m.Findings {
				if f.Severity != policy.Notice && f.Suggestion == "" {
					continue
				}
				_, id := findingElement(f)
				if id == "" {
					t.Errorf("%s: a suggestion about no element: %+v", c.name, f)
					continue
				}
				if f.Severity == policy.Notice && f.Suggestion == "" {
					t.Errorf("%s: a notice without a draft: %+v", c.name, f)
					continue
				}
				if !strings.Contains(f.Suggestion, `targets: ["`+id+`"]`) || !strings.Contains(f.Suggestion, "stride:") {
					t.Errorf("%s: the draft does not target %s or has no stride:\n%s", c.name, id, f.Suggestion)
				}
			}
		}
	}
}

// The check does not annotate pre-existing warnings, and its summary
// counts them instead of listing them.
func TestPreExistingInTheCheck(t *testing.T) {
	rv := renderReviewer(t)
	head := strings.Replace(preBase, "    title: Other threat", "    title: Other threat, reworded", 1)
	rep := rv.Review(context.Background(), []Change{{Path: "s.threatmodel.yaml", Base: []byte(preBase), Head: []byte(head)}})
	for _, a := range rep.CheckFindings() {
		if strings.Contains(a.Message, "LLM01") {
			t.Errorf("a pre-existing warning is a check finding: %+v", a)
		}
	}
	_, cs := rep.CheckSummary()
	summary := cs.Markdown(0)
	if strings.Contains(summary, "LLM01") || !strings.Contains(summary, "marked `pre_existing`") {
		t.Errorf("summary:\n%s", summary)
	}
}

// A trust boundary that changes reaches its members: a finding about one
// of them is not pre-existing.
func TestPreExistingBoundaryReachesMembers(t *testing.T) {
	build := func(trusted bool) *model.Model {
		h := handModel("s")
		h.comp("web", "Web", "web_app").comp("far", "Far", "database")
		h.m.Boundaries = map[string]*model.Boundary{"dmz": {ID: "dmz", Name: "DMZ", Trusted: trusted, Members: []string{"web"}}}
		h.m.BoundaryOrder = []string{"dmz"}
		return h.m
	}
	base, head := build(true), build(false)
	fs := []policy.Finding{
		{Rule: "stride-flows", Severity: policy.Warning, Component: "web", Message: "web warning"},
		{Rule: "stride-flows", Severity: policy.Warning, Component: "far", Message: "far warning"},
	}
	mr := handReport("s.threatmodel.yaml", base, head, fs)
	mr.markPreExisting(base, head, nil, mr.Changes)
	if mr.Findings[0].PreExisting || !mr.Findings[1].PreExisting {
		t.Errorf("web (in the changed boundary) pre-existing %v, far %v; want false, true (diff fields %v)",
			mr.Findings[0].PreExisting, mr.Findings[1].PreExisting, mr.Changes.ModelFieldsChanged)
	}
}
