package review

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/policy"
)

// visibleLines counts the lines a reader sees with every collapsed
// section closed: the lines outside <details> blocks, plus each block's
// opening, summary and closing lines.
func visibleLines(md string) int {
	n, depth := 0, 0
	for _, l := range strings.Split(strings.TrimRight(md, "\n"), "\n") {
		switch {
		case strings.HasPrefix(l, "<details>"):
			if depth == 0 {
				n++
			}
			depth++
		case strings.HasPrefix(l, "</details>"):
			depth--
			if depth == 0 {
				n++
			}
		case depth == 0:
			n++
		case depth == 1 && strings.HasPrefix(l, "<summary>"):
			n++
		}
	}
	return n
}

// Each threat's title appears once; what settles a threat is said at most
// once per comment.
func TestCommentSaysEachThingOnce(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			rep := buildReport(t, c.name)
			md := rep.Markdown()
			for _, m := range rep.Models {
				if m.Adoption != nil {
					continue // a new model's summary names its worst threats twice: most severe, then all
				}
				for _, nt := range m.NewUnmitigated {
					if n := strings.Count(md, "**"+nt.Title+"**"); n != 1 {
						t.Errorf("the title of %s appears %d times", nt.ID, n)
					}
				}
			}
			if n := strings.Count(md, settleOptions); n > 1 {
				t.Errorf("what settles a threat is said %d times", n)
			}
			if strings.Contains(md, "To settle it") {
				t.Error("per-threat settle advice is back")
			}
		})
	}
}

// A passing review shows at most 15 lines with its details collapsed,
// however many model files it has.
func TestPassingCommentIsShort(t *testing.T) {
	for _, name := range []string{"alpinepay-planned", "alpinepay-added"} {
		rep := buildReport(t, name)
		if rep.Blocking {
			t.Fatalf("%s blocks", name)
		}
		md := rep.Markdown()
		if n := visibleLines(md); n > passingLines {
			t.Errorf("%s: %d visible lines, want at most %d:\n%s", name, n, passingLines, md)
		}
		checkWellFormed(t, md)
	}
	var models []*ModelReport
	for i := 0; i < 12; i++ {
		h := handModel(fmt.Sprintf("m%02d", i))
		h.comp("c", "C", "service").mitigation("m", "M", model.MitigationPlanned).threat("t", "T", model.High, model.High, []string{"m"}, "c")
		models = append(models, handReport(fmt.Sprintf("m%02d.threatmodel.yaml", i), nil, h.m, nil))
	}
	rep := handReportOf(models...)
	md := rep.Markdown()
	if n := visibleLines(md); rep.Blocking || n > passingLines {
		t.Errorf("12 models: blocking %v, %d visible lines:\n%s", rep.Blocking, n, md)
	}
	if !strings.Contains(md, "7 more model files (in the details)") || !strings.Contains(md, "`m11.threatmodel.yaml`") {
		t.Errorf("the models past the first five are not counted, or not in the details:\n%s", md)
	}
}

// The verdict names every reason the check fails.
func TestVerdictNamesEveryReason(t *testing.T) {
	h := handModel("s")
	h.comp("c", "C", "service").
		threat("new", "New critical", model.High, model.High, nil, "c")
	f := []policy.Finding{
		{Rule: "unplanned-risk", Severity: policy.Error, Threat: "new", Message: "No plan."},
		{Rule: "acceptance", Severity: policy.Error, Threat: "old", Message: "The acceptance of old expired on 2026-01-01."},
	}
	rep := handReportOf(handReport("s.threatmodel.yaml", handModel("s").m, h.m, f))
	for _, want := range []string{"1 new threat has no plan yet", "1 policy error (acceptance)", "2 reasons"} {
		if !strings.Contains(rep.Verdict, want) {
			t.Errorf("verdict %q lacks %q", rep.Verdict, want)
		}
	}
	rep.AddConfigError(ConfigError{File: ".tmbot.yaml", Message: "bad"})
	for _, want := range []string{"configuration could not be used (.tmbot.yaml)", "no plan yet", "(acceptance)", "3 reasons"} {
		if !strings.Contains(rep.Verdict, want) {
			t.Errorf("verdict %q lacks %q", rep.Verdict, want)
		}
	}
	md := rep.Markdown()
	blocks := strings.Index(md, "### ❌ What blocks the merge")
	if blocks < 0 || strings.Index(md, "The acceptance of old expired") < blocks || strings.Index(md, "`new` **New critical**") < blocks {
		t.Errorf("the blocking items are not first:\n%s", md)
	}
}

// A blocking review keeps what blocks, first, whatever else is cut to fit
// the forge's limit.
func TestBlockingItemsSurviveTheBudget(t *testing.T) {
	h := handModel("big")
	h.comp("c", "C", "llm")
	var fs []policy.Finding
	for i := 0; i < 2000; i++ {
		id := fmt.Sprintf("low-%04d", i)
		h.threat(id, strings.Repeat("A long low-risk title ", 6)+id, model.Low, model.Low, nil, "c")
		fs = append(fs, policy.Finding{Rule: "stride", Severity: policy.Warning, Threat: id, Message: strings.Repeat("warning words ", 10)})
	}
	for i := 0; i < 400; i++ {
		fs = append(fs, policy.Finding{Rule: "ai-coverage", Severity: policy.Notice, Component: "c", Line: 10, Message: "Add a threat.",
			Suggestion: "x:\n  title: " + strings.Repeat("ß", 300)})
	}
	h.threat("crit", "The one that blocks", model.High, model.High, nil, "c")
	fs = append(fs, policy.Finding{Rule: "unplanned-risk", Severity: policy.Error, Threat: "crit", Message: "No plan."},
		policy.Finding{Rule: "acceptance", Severity: policy.Error, Threat: "gone", Line: 7, Message: "An acceptance expired."})
	rep := handReportOf(handReport("big.threatmodel.yaml", nil, h.m, fs))
	md := rep.Markdown()
	if n := utf8.RuneCountInString(md); n > MaxCommentLength {
		t.Fatalf("%d characters", n)
	}
	checkWellFormed(t, md)
	blocks := strings.Index(md, "### ❌ What blocks the merge")
	if blocks < 0 || blocks > len(Marker)+len(rep.Verdict)+4 {
		t.Fatalf("what blocks is not first (at %d)", blocks)
	}
	for _, want := range []string{"`crit` **The one that blocks**", "An acceptance expired."} {
		if i := strings.Index(md, want); i < blocks {
			t.Errorf("%q is missing or not with what blocks", want)
		}
	}
	if !strings.Contains(md, "more threats not shown") {
		t.Error("nothing was cut: the test does not test the budget")
	}
}

// Suggestions are grouped under their element, at most three each in the
// comment; the JSON report has them all.
func TestSuggestionNoiseBudget(t *testing.T) {
	h := handModel("s")
	h.comp("a", "A", "llm").comp("b", "B", "llm")
	var fs []policy.Finding
	for i := 0; i < 5; i++ {
		fs = append(fs, policy.Finding{Rule: "ai-coverage", Severity: policy.Notice, Component: "a", Line: 10,
			Message:    fmt.Sprintf("The LLM A (a) has no threat about a usual risk of its kind: risk %d. Add it.", i),
			Suggestion: fmt.Sprintf("a-risk-%d:\n  title: \"Risk number %d\"\n  targets: [a]\n", i, i)})
	}
	for i := 0; i < 2; i++ {
		fs = append(fs, policy.Finding{Rule: "ai-coverage", Severity: policy.Notice, Component: "b", Line: 11,
			Message: "Add it.", Suggestion: fmt.Sprintf("b-risk-%d:\n  title: \"B risk %d\"\n  targets: [b]\n", i, i)})
	}
	rep := handReportOf(handReport("s.threatmodel.yaml", nil, h.m, fs))
	md := rep.Markdown()
	for i := 0; i < 5; i++ {
		if shown := strings.Contains(md, fmt.Sprintf("a-risk-%d:", i)); shown != (i < 3) {
			t.Errorf("draft %d of a shown: %v", i, shown)
		}
	}
	for _, want := range []string{"**Component `a` (line 10)**: 5 suggestions", "2 more suggestions for `a` in the JSON report.",
		"**Component `b` (line 11)**: 2 suggestions", "b-risk-1:", "**Risk number 0**: a usual risk of its kind"} {
		if !strings.Contains(md, want) {
			t.Errorf("the comment lacks %q", want)
		}
	}
	js, err := rep.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(js), `"suggestion": `); n != 7 {
		t.Errorf("%d suggestions in the JSON report, want 7", n)
	}
}

// Warnings of one kind are one line that lists the places.
func TestWarningsGrouped(t *testing.T) {
	h := handModel("s")
	h.comp("c", "C", "service").flow("f1", "c", "c").flow("f2", "c", "c").flow("f3", "c", "c")
	var fs []policy.Finding
	for i, id := range []string{"f1", "f2", "f3"} {
		fs = append(fs, policy.Finding{Rule: "stride-flows", Severity: policy.Warning, Flow: id, Line: 20 + i, Message: "Flow " + id + " is not authenticated."})
	}
	mr := handReport("s.threatmodel.yaml", nil, h.m, fs)
	for _, line := range []int{5, 9} {
		mr.Warnings = append(mr.Warnings, model.Diagnostic{File: "s.threatmodel.yaml", Line: line, Column: 3, Severity: model.SeverityWarning,
			Field: fmt.Sprintf("threats.t%d.owasp.0", line), Message: "LLM01 is read as LLM01:2025"})
	}
	md := handReportOf(mr).Markdown()
	for _, want := range []string{
		"- ⚠️ Flow f1 is not authenticated. (`stride-flows`, flow `f1`, line 20) Likewise for flow `f2` (line 21), flow `f3` (line 22).\n",
		"- ⚠️ LLM01 is read as LLM01:2025 (at `threats.t5.owasp.0` line 5, `threats.t9.owasp.0` line 9)\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the comment lacks %q:\n%s", want, md)
		}
	}
}

// A grouped line lists at most maxPlaces places and counts the rest, so
// that one noisy rule cannot fill the comment.
func TestGroupedPlacesAreBounded(t *testing.T) {
	h := handModel("s")
	h.comp("c", "C", "service")
	var fs []policy.Finding
	for i := 0; i < 500; i++ {
		fs = append(fs, policy.Finding{Rule: "noisy", Severity: policy.Warning, Component: "c", Line: i + 1, Message: "Noisy."})
	}
	md := handReportOf(handReport("s.threatmodel.yaml", nil, h.m, fs)).Markdown()
	if !strings.Contains(md, " and 479 more.") || strings.Count(md, "component `c` (line") != maxPlaces {
		t.Errorf("the places are not bounded:\n%s", md)
	}
}
