package review

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/policy"
)

func TestBatches(t *testing.T) {
	items := make([]int, 101)
	for i := range items {
		items[i] = i
	}
	b := Batches(items, MaxAnnotationsPerRequest)
	if len(b) != 3 || len(b[0]) != 50 || len(b[1]) != 50 || len(b[2]) != 1 || b[1][0] != 50 || b[2][0] != 100 {
		t.Fatalf("batches of %d: %v", len(items), b)
	}
	// Appending to a batch must not overwrite the next one.
	_ = append(b[0], -1)
	if b[1][0] != 50 {
		t.Fatal("a batch shares its capacity with the next")
	}
	if got := Batches(items[:50], 50); len(got) != 1 || len(got[0]) != 50 {
		t.Fatalf("exactly one batch: %d", len(got))
	}
	if got := Batches([]string{}, 50); got != nil {
		t.Fatalf("no items, no batch: %v", got)
	}
	if got := Batches([]string{"a", "b"}, 0); len(got) != 1 || len(got[0]) != 2 {
		t.Fatalf("size 0: %v", got)
	}
}

func TestAnnotationLevels(t *testing.T) {
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
	got := map[string]Annotation{}
	for _, a := range rep.Annotations() {
		key := fmt.Sprintf("%s:%d", a.Path, a.StartLine)
		if _, dup := got[key]; dup {
			t.Errorf("two annotations on %s", key)
		}
		got[key] = a
		if a.StartLine < 1 || a.EndLine != a.StartLine || a.Title == "" || utf8.RuneCountInString(a.Title) > 255 {
			t.Errorf("bad annotation %+v", a)
		}
	}
	for key, level := range map[string]string{
		".tmbot.yaml:1":           AnnotationFailure,
		"s.threatmodel.yaml:2":    AnnotationFailure, // validation error
		"s.threatmodel.yaml:3":    AnnotationWarning, // validation warning
		"s.threatmodel.yaml:1000": AnnotationFailure, // threat with a blocking finding
		"s.threatmodel.yaml:1001": AnnotationWarning, // threat with a warning
		"s.threatmodel.yaml:1002": AnnotationNotice,  // planned threat
		"s.threatmodel.yaml:7":    AnnotationWarning,
		"s.threatmodel.yaml:10":   AnnotationNotice,
		"s.threatmodel.yaml:20":   AnnotationFailure,
	} {
		a, ok := got[key]
		if !ok {
			t.Errorf("no annotation on %s", key)
			continue
		}
		if a.Level != level {
			t.Errorf("%s: level %s, want %s", key, a.Level, level)
		}
	}
	if len(got) != 9 {
		t.Errorf("%d annotations, want 9 (a threat's findings are folded into it)", len(got))
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
	if !strings.Contains(summary, "`prompt-injection-support`") || len(summary) > MaxCheckSummaryLength {
		t.Errorf("summary:\n%s", summary)
	}
	title, summary = buildReport(t, "no-models").CheckSummary()
	if title != "This change touches no threat model." || !strings.Contains(summary, "touches no threat model") {
		t.Errorf("no models: %q / %q", title, summary)
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
	_, summary := handReportOf(handReport("huge.threatmodel.yaml", nil, head.m, findings)).CheckSummary()
	if len(summary) > MaxCheckSummaryLength {
		t.Fatalf("%d bytes", len(summary))
	}
	if !strings.Contains(summary, "more not shown: run `tmbot review` locally for the full report.") {
		t.Fatal("no note about what was cut")
	}
	checkWellFormed(t, summary)
}

// A repository whose check does not block (blocking: false) sees its
// errors as errors, not as blocking, and no failure annotation.
func TestNonBlockingReport(t *testing.T) {
	head := handModel("s").comp("a", "A", "service").threat("t", "T", model.High, model.High, nil, "a").m
	mr := handReport("s.threatmodel.yaml", nil, head, []policy.Finding{
		{Rule: "unplanned-risk", Severity: policy.Error, Threat: "t", Message: "no plan", File: "s.threatmodel.yaml", Line: 1000}})
	rep := &Report{Models: []ModelReport{*mr}, ConfigErrors: []ConfigError{}}
	rep.finish(true)
	if rep.Blocking {
		t.Fatal("the report should not block")
	}
	for _, a := range rep.Annotations() {
		if a.Level == AnnotationFailure {
			t.Errorf("failure annotation on a passing check: %+v", a)
		}
	}
	md := rep.Markdown()
	if strings.Contains(md, "Blocks the merge") || !strings.Contains(md, "not blocking in this repository") {
		t.Errorf("wording of a non-blocking error:\n%s", md)
	}
}
