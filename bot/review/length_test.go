package review

import (
	"context"
	"os"
	"testing"
	"unicode/utf8"
)

// commentBefore is the comment of each case before issue 17 (tmbot built
// from main at 8d48db7, `tmbot review` on a two-commit repository; the
// script is in docs/review.md, "Length"): characters and visible lines.
var commentBefore = map[string][2]int{
	"demo-unplanned":    {9364, 47},
	"demo-planned":      {8644, 49},
	"added-alpinepay":   {14614, 66},
	"added-rag-chatbot": {9682, 56},
	"added-agent":       {21242, 59},
}

// TestCommentLengthOnExamples measures the comment on the review demo and
// on each example added as a new model: a passing review shows at most
// passingLines lines, no comment shows more lines than before, and each
// fits the forge's limit. The characters are logged, not compared: the
// classic-coverage rule (issue 15) added collapsed suggestions, so the
// hidden part of a new model's comment grew on purpose.
func TestCommentLengthOnExamples(t *testing.T) {
	read := func(p string) []byte {
		b, err := os.ReadFile("../../examples/" + p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	base := read("alpinepay/alpinepay.threatmodel.yaml")
	cases := map[string]Change{
		"demo-unplanned":    {Path: "m/alpinepay.threatmodel.yaml", Base: base, Head: read("demo/unplanned/alpinepay.threatmodel.yaml")},
		"demo-planned":      {Path: "m/alpinepay.threatmodel.yaml", Base: base, Head: read("demo/planned/alpinepay.threatmodel.yaml")},
		"added-alpinepay":   {Path: "m/alpinepay.threatmodel.yaml", Head: base},
		"added-rag-chatbot": {Path: "m/rag-chatbot.threatmodel.json", Head: read("rag-chatbot/rag-chatbot.threatmodel.json")},
		"added-agent":       {Path: "m/ops-agent.threatmodel.cue", Head: read("agent/ops-agent.threatmodel.cue")},
	}
	rv := renderReviewer(t)
	for name, c := range cases {
		rep := rv.Review(context.Background(), []Change{c})
		md := rep.Markdown()
		chars, vis := utf8.RuneCountInString(md), visibleLines(md)
		t.Logf("%-18s blocking %-5v %6d characters (before %6d), %3d visible lines (before %3d)",
			name, rep.Blocking, chars, commentBefore[name][0], vis, commentBefore[name][1])
		if !rep.Blocking && vis > passingLines {
			t.Errorf("%s passes but shows %d lines, more than %d", name, vis, passingLines)
		}
		if vis > commentBefore[name][1] {
			t.Errorf("%s: the comment shows more lines than before: %d", name, vis)
		}
		if chars > MaxCommentLength {
			t.Errorf("%s: the comment is %d characters, over the forge's %d", name, chars, MaxCommentLength)
		}
	}
}
