package review

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/policy"
)

// Each finding says what found it, how much it matters, what it is about
// and where; a finding about a new threat is folded into the threat's.
func TestCheckFindings(t *testing.T) {
	head := handModel("s").comp("a", "A", "service").
		mitigation("m", "M", model.MitigationPlanned).
		threat("blocked", "Blocked", model.High, model.High, nil, "a").
		threat("warned", "Warned", model.Medium, model.Medium, nil, "a").
		threat("planned", "Planned", model.High, model.High, []string{"m"}, "a").m
	mr := handReport("s.threatmodel.yaml", nil, head, []policy.Finding{
		{Rule: "unplanned-risk", Severity: policy.Error, Threat: "blocked", Message: "no plan", File: "s.threatmodel.yaml", Line: 1000},
		{Rule: "unplanned-risk", Severity: policy.Warning, Threat: "warned", Message: "no plan either", File: "s.threatmodel.yaml", Line: 1001},
		{Rule: "stride", Severity: policy.Warning, Flow: "x", Message: "flow", File: "s.threatmodel.yaml", Line: 7},
		{Rule: "ai-coverage", Severity: policy.Notice, Component: "a", Message: "cover it", Suggestion: "x:\n  title: y", File: "s.threatmodel.yaml", Line: 10},
		{Rule: "expired", Severity: policy.Error, Threat: "other", Message: "expired", File: "s.threatmodel.yaml", Line: 20},
	})
	mr.Errors = []model.Diagnostic{{File: "s.threatmodel.yaml", Line: 2, Column: 3, Severity: model.SeverityError, Message: "bad", Field: "threats.x"}}
	mr.Warnings = []model.Diagnostic{{File: "s.threatmodel.yaml", Line: 3, Column: 3, Severity: model.SeverityWarning, Message: "meh"}}
	rep := handReportOf(mr)
	rep.AddConfigError(ConfigError{File: ".tmbot.yaml", Message: "broken"})
	got := map[string]CheckFinding{}
	for _, f := range rep.CheckFindings() {
		key := fmt.Sprintf("%s:%d", f.Path, f.StartLine)
		if _, dup := got[key]; dup {
			t.Errorf("two findings on %s", key)
		}
		got[key] = f
		if f.StartLine < 1 || f.EndLine != f.StartLine || f.Title == "" || f.Rule == "" || !strings.HasPrefix(f.HelpURL, DocsURL) {
			t.Errorf("bad finding %+v", f)
		}
	}
	type want struct{ rule, severity, element, title string }
	for key, w := range map[string]want{
		".tmbot.yaml:1":           {RuleConfiguration, policy.Error, "", "Threat-model configuration error"},
		"s.threatmodel.yaml:2":    {RuleValidation, policy.Error, "", "Invalid threat model"},
		"s.threatmodel.yaml:3":    {RuleValidation, policy.Warning, "", "Threat-model warning"},
		"s.threatmodel.yaml:1000": {RuleNewUnmitigated, policy.Error, "blocked", "New critical-risk threat without a plan"}, // a blocking finding
		"s.threatmodel.yaml:1001": {RuleNewUnmitigated, policy.Warning, "warned", "New medium-risk threat without a plan"},
		"s.threatmodel.yaml:1002": {RuleNewUnmitigated, policy.Notice, "planned", "New critical-risk threat, mitigation planned"},
		"s.threatmodel.yaml:7":    {"stride", policy.Warning, "x", "stride"},
		"s.threatmodel.yaml:10":   {"ai-coverage", policy.Notice, "a", "ai-coverage"},
		"s.threatmodel.yaml:20":   {"expired", policy.Error, "other", "expired"},
	} {
		f, ok := got[key]
		if !ok {
			t.Errorf("no finding on %s", key)
			continue
		}
		if g := (want{f.Rule, f.Severity, f.Element, f.Title}); g != w {
			t.Errorf("%s: %+v, want %+v", key, g, w)
		}
	}
	if len(got) != 9 {
		t.Errorf("%d findings, want 9 (a threat's findings are folded into it)", len(got))
	}
	if m := got["s.threatmodel.yaml:1000"].Message; !strings.Contains(m, "no plan") {
		t.Errorf("the finding is not in the threat's annotation: %q", m)
	}
	if m := got["s.threatmodel.yaml:10"].Message; !strings.Contains(m, "x:\n  title: y") {
		t.Errorf("the suggestion is not in the notice: %q", m)
	}
}

func TestCheckSummary(t *testing.T) {
	rep := buildReport(t, "alpinepay-blocking")
	title, summary := rep.CheckSummary()
	if !strings.HasPrefix(title, "1 new threat has no plan yet") || strings.ContainsAny(title, "❌✅⚠") {
		t.Errorf("title %q", title)
	}
	if md := summary.Markdown(0); !strings.Contains(md, "`prompt-injection-support`") || md != summary.Markdown(len(md)) {
		t.Errorf("summary:\n%s", md)
	}
	title, summary = buildReport(t, "no-models").CheckSummary()
	if title != "This change touches no threat model." || !strings.Contains(summary.Markdown(0), "touches no threat model") {
		t.Errorf("no models: %q / %q", title, summary.Markdown(0))
	}
}

func TestCheckSummaryIsCut(t *testing.T) {
	head := handModel("huge").comp("c", "C", "llm")
	var findings []policy.Finding
	for i := 0; i < 3000; i++ {
		id := fmt.Sprintf("threat-%04d", i)
		head.threat(id, strings.Repeat("Ünïcödé ", 20), model.High, model.High, nil, "c")
		findings = append(findings, policy.Finding{Rule: "unplanned-risk", Severity: policy.Error, Threat: id, Message: strings.Repeat("blöcks ", 30)})
	}
	_, cs := handReportOf(handReport("huge.threatmodel.yaml", nil, head.m, findings)).CheckSummary()
	const limit = 65535
	if full := cs.Markdown(0); len(full) <= limit {
		t.Fatalf("the whole summary is %d bytes: too short to test the cut", len(full))
	}
	summary := cs.Markdown(limit)
	if len(summary) > limit || len(summary) < limit*9/10 {
		t.Fatalf("%d bytes, want close to %d", len(summary), limit)
	}
	if !strings.Contains(summary, "more not shown: run `tmbot review` locally for the full report.") {
		t.Fatal("no note about what was cut")
	}
	checkWellFormed(t, summary)
	// Not even the headings fit: the text is cut, within the limit.
	if s := cs.Markdown(100); len(s) > 100 || !strings.HasSuffix(s, "…") {
		t.Errorf("cut to 100 bytes: %q", s)
	}
}

// A repository whose check does not block (blocking: false) sees its
// errors as errors, not as blocking, and no check finding of severity error.
func TestNonBlockingReport(t *testing.T) {
	head := handModel("s").comp("a", "A", "service").threat("t", "T", model.High, model.High, nil, "a").m
	mr := handReport("s.threatmodel.yaml", nil, head, []policy.Finding{
		{Rule: "unplanned-risk", Severity: policy.Error, Threat: "t", Message: "no plan", File: "s.threatmodel.yaml", Line: 1000}})
	rep := &Report{Models: []ModelReport{*mr}, ConfigErrors: []ConfigError{}}
	rep.finish(true)
	if rep.Blocking {
		t.Fatal("the report should not block")
	}
	for _, f := range rep.CheckFindings() {
		if f.Severity == policy.Error {
			t.Errorf("an error on a passing check: %+v", f)
		}
	}
	md := rep.Markdown()
	if strings.Contains(md, "Blocks the merge") || !strings.Contains(md, "not blocking in this repository") {
		t.Errorf("wording of a non-blocking error:\n%s", md)
	}
}
