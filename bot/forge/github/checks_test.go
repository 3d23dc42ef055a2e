package github

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-github/v92/github"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/policy"
	"github.com/tmbot/tmbot/bot/review"
)

func TestBatchesOf(t *testing.T) {
	items := make([]int, 101)
	for i := range items {
		items[i] = i
	}
	b := batchesOf(items, maxAnnotationsPerRequest)
	if len(b) != 3 || len(b[0]) != 50 || len(b[1]) != 50 || len(b[2]) != 1 || b[1][0] != 50 || b[2][0] != 100 {
		t.Fatalf("batches of %d: %v", len(items), b)
	}
	// Appending to a batch must not overwrite the next one.
	_ = append(b[0], -1)
	if b[1][0] != 50 {
		t.Fatal("a batch shares its capacity with the next")
	}
	if got := batchesOf(items[:50], 50); len(got) != 1 || len(got[0]) != 50 {
		t.Fatalf("exactly one batch: %d", len(got))
	}
	if got := batchesOf([]string{}, 50); len(got) != 1 || got[0] != nil {
		t.Fatalf("no items: %v, want one empty batch", got)
	}
}

// The review's golden check findings (bot/review/testdata/*.check.golden)
// become the annotations the engine used to make itself, before the
// findings reached the forge as values (testdata/*.annotations.json, kept
// from that version): what GitHub shows did not change. When a change to
// the rules changes the review's goldens on purpose, regenerate these with
// `go test ./bot/forge/github -run TestCheckOutputOfGoldens -update` and
// read the diff.
var update = flag.Bool("update", false, "rewrite testdata/*.annotations.json from the review's golden findings")

func TestCheckOutputOfGoldens(t *testing.T) {
	goldens, err := filepath.Glob("../../review/testdata/*.check.golden")
	if err != nil || len(goldens) == 0 {
		t.Fatalf("no golden checks: %v", err)
	}
	for _, g := range goldens {
		name := strings.TrimSuffix(filepath.Base(g), ".check.golden")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(g)
			if err != nil {
				t.Fatal(err)
			}
			_, js, ok := strings.Cut(string(data), "\n--- findings\n")
			if !ok {
				t.Fatal("no findings in the golden check")
			}
			var fs []review.CheckFinding
			if err := json.Unmarshal([]byte(js), &fs); err != nil {
				t.Fatal(err)
			}
			_, _, got := checkOutput(forge.Check{Findings: fs})
			if *update {
				if got == nil {
					got = []*github.CheckRunAnnotation{}
				}
				js, err := json.MarshalIndent(got, "", "  ")
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join("testdata", name+".annotations.json"), append(js, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			wantJS, err := os.ReadFile(filepath.Join("testdata", name+".annotations.json"))
			if err != nil {
				t.Fatal(err)
			}
			var want []*github.CheckRunAnnotation
			if err := json.Unmarshal(wantJS, &want); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("%d annotations, want %d", len(got), len(want))
			}
			for i := range want {
				if !reflect.DeepEqual(got[i], want[i]) {
					g, _ := json.Marshal(got[i])
					w, _ := json.Marshal(want[i])
					t.Errorf("annotation %d:\n got %s\nwant %s", i, g, w)
				}
			}
		})
	}
}

// GitHub's limits are kept here, whatever the review gives.
func TestCheckOutputLimits(t *testing.T) {
	long := review.CheckFinding{Rule: review.RuleNewUnmitigated, Severity: policy.Error, Element: "t1", Path: "m.threatmodel.yaml",
		StartLine: 0, Title: strings.Repeat("é", 300), Message: strings.Repeat("ü", 40<<10)}
	warn := review.CheckFinding{Rule: "stride", Severity: policy.Warning, Element: "f1", Path: "m.threatmodel.yaml", StartLine: 7, EndLine: 9, Title: "stride", Message: "w"}
	odd := review.CheckFinding{Rule: "x", Severity: "whatever", Path: "m.threatmodel.yaml", StartLine: 3}
	nowhere := review.CheckFinding{Rule: "y", Severity: policy.Error, Title: "no file"}
	items := make([]string, 3000)
	for i := range items {
		items[i] = strings.Repeat("a finding told at length ", 4)
	}
	chk := forge.Check{Conclusion: forge.ConclusionBlock, Title: strings.Repeat("t", 400),
		Summary:  review.CheckSummary{Intro: "**counts**\n", Lists: []review.SummaryList{{Heading: "Blocking", Items: items}}},
		Findings: []review.CheckFinding{long, warn, odd, nowhere}}
	title, summary, anns := checkOutput(chk)
	if n := utf8.RuneCountInString(title); n != maxCheckTitle || !strings.HasSuffix(title, "…") {
		t.Errorf("check title of %d characters", n)
	}
	if len(summary) > maxSummary || !strings.Contains(summary, "more not shown") {
		t.Errorf("summary of %d bytes, or without its note", len(summary))
	}
	if len(anns) != 3 {
		t.Fatalf("%d annotations, want 3 (none for a finding without a file)", len(anns))
	}
	a := anns[0]
	if n := utf8.RuneCountInString(a.GetTitle()); n != maxAnnotationTitle || !strings.HasSuffix(a.GetTitle(), "…") {
		t.Errorf("annotation title of %d characters", n)
	}
	if len(a.GetMessage()) > maxAnnotationMessage || !utf8.ValidString(a.GetMessage()) || !strings.HasSuffix(a.GetMessage(), "…") {
		t.Errorf("annotation message of %d bytes", len(a.GetMessage()))
	}
	if a.GetAnnotationLevel() != "failure" || a.GetStartLine() != 1 || a.GetEndLine() != 1 {
		t.Errorf("the error: %s %d-%d", a.GetAnnotationLevel(), a.GetStartLine(), a.GetEndLine())
	}
	if w := anns[1]; w.GetAnnotationLevel() != "warning" || w.GetTitle() != "stride" || w.GetStartLine() != 7 || w.GetEndLine() != 9 {
		t.Errorf("the warning: %+v (a rule's finding is titled without its element)", w)
	}
	if o := anns[2]; o.GetAnnotationLevel() != "notice" || o.Title != nil || o.GetMessage() != "(no message)" {
		t.Errorf("a finding without severity, title or message: %+v", o)
	}
	short := review.CheckFinding{Rule: review.RuleNewUnmitigated, Severity: policy.Notice, Element: "t9", Path: "m", StartLine: 4, Title: "New low-risk threat, mitigation planned"}
	if _, _, anns := checkOutput(forge.Check{Findings: []review.CheckFinding{short}}); anns[0].GetTitle() != "New low-risk threat, mitigation planned: t9" {
		t.Errorf("a new threat's title: %q", anns[0].GetTitle())
	}
}
