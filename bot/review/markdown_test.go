package review

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/tmbot/tmbot/bot/diff"
	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/policy"
)

// These assertions hold whatever the default policies say: the goldens
// cover the exact text.
func TestMarkdownOfRealReports(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			rep := buildReport(t, c.name)
			md := rep.Markdown()
			lines := strings.Split(md, "\n")
			if lines[0] != Marker {
				t.Fatalf("first line %q, want the marker", lines[0])
			}
			if len(lines) < 2 || lines[1] != rep.Verdict || rep.Verdict == "" {
				t.Fatalf("second line %q, want the verdict %q", lines[1], rep.Verdict)
			}
			if n := utf8.RuneCountInString(md); n > MaxCommentLength {
				t.Fatalf("%d characters, more than %d", n, MaxCommentLength)
			}
			checkWellFormed(t, md)
			for _, m := range rep.Models {
				for _, nt := range m.NewUnmitigated {
					if !strings.Contains(md, "`"+nt.ID+"`") {
						t.Errorf("threat %s is not named", nt.ID)
					}
				}
			}
			if again := buildReport(t, c.name).Markdown(); again != md {
				t.Fatal("two reviews of the same change render differently")
			}
			if rep.Markdown() != md {
				t.Fatal("two renderings of one report differ")
			}
		})
	}
}

func TestMarkdownBlockingCase(t *testing.T) {
	rep := buildReport(t, "alpinepay-blocking")
	if !rep.Blocking {
		t.Fatal("a new critical threat with no plan must block")
	}
	md := rep.Markdown()
	for _, want := range []string{
		"### ❌ What blocks the merge",
		"#### New threats without a decision",
		"`prompt-injection-support`",
		"`support-kb-poisoning`",
		"**🟡 Medium** (1)",
		"**no mitigation planned**",
		"`status: not_applicable`",
		"`acceptance: {by, reason, until}`",
		"move `kb-article-review` from `proposed` to `planned`",
		// framework ids as links, after the text
		"[LLM01:2025](https://genai.owasp.org/",
		"[AML.T0051.000](https://atlas.mitre.org/techniques/AML.T0051.000)",
		"[CWE-1427](https://cwe.mitre.org/data/definitions/1427.html)",
		"```mermaid\nflowchart LR\n",
		"class n1,n2 added",
		"Customer support assistant",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the comment lacks %q", want)
		}
	}
	// A link never stands in for the threat's text.
	for _, l := range strings.Split(md, "\n") {
		if strings.HasPrefix(l, "- `prompt-injection-support`") && strings.Contains(l, "](") {
			t.Errorf("the threat's line is a link: %q", l)
		}
	}
}

func TestMarkdownPlannedCase(t *testing.T) {
	rep := buildReport(t, "alpinepay-planned")
	if rep.Blocking {
		t.Fatalf("planned threats must not block: %s", rep.Verdict)
	}
	md := rep.Markdown()
	for _, want := range []string{
		"#### New open threats with a planned mitigation",
		"When this merges, tmbot will open 2 tracking issues:",
		"(`assistant-scoped-lookups`, planned): owner `@alpine/payments`; due 2027-03-31; for `prompt-injection-support`",
		"1 risk lowered",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the comment lacks %q", want)
		}
	}
	if strings.Contains(md, "New threats without a decision") {
		t.Error("every new threat is planned")
	}
}

func TestMarkdownInvalidCase(t *testing.T) {
	rep := buildReport(t, "alpinepay-invalid")
	if !rep.Blocking || rep.Models[0].Valid {
		t.Fatal("an invalid model blocks")
	}
	md := rep.Markdown()
	if !strings.Contains(md, "### ❌ What blocks the merge") || !strings.Contains(md, "does not follow the threat-model format") {
		t.Fatal("the validation errors are not listed first, with what blocks")
	}
	loc := regexp.MustCompile("- `" + regexp.QuoteMeta(alpinepayPath) + `:\d+:\d+` + "`: ")
	if n := len(loc.FindAllString(md, -1)); n != len(rep.Models[0].Errors) || n == 0 {
		t.Fatalf("%d errors listed as file:line:col, want %d", n, len(rep.Models[0].Errors))
	}
	if !strings.Contains(md, "likelyhood") {
		t.Error("the misspelt key is not named")
	}
}

func TestMarkdownNoModels(t *testing.T) {
	rep := buildReport(t, "no-models")
	if got, want := rep.Markdown(), Marker+"\n"+rep.Verdict+"\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestMarkdownConfigErrors(t *testing.T) {
	rep := handReportOf()
	rep.AddConfigError(ConfigError{File: ".tmbot.yaml", Line: 3, Message: "unknown key \"polices\""})
	md := rep.Markdown()
	if !strings.HasPrefix(md, Marker+"\n"+rep.Verdict+"\n") {
		t.Fatalf("does not start with the marker and the verdict:\n%s", md)
	}
	if !strings.Contains(md, "- `.tmbot.yaml:3`: unknown key \"polices\"") {
		t.Fatalf("the configuration error is not listed:\n%s", md)
	}
}

// User text cannot inject markup, HTML, mentions in code or a fence break.
func TestMarkdownEscapesUserText(t *testing.T) {
	head := handModel("esc").
		comp("app", `App "v2" [beta] <b>`, "web_app").
		comp("db", "DB (main) ```", "database").
		flow("app-db", "app", "db").
		mitigation("m1", "Fix *it* now", model.MitigationProposed).
		threat("t1", "Title with *stars*, _under_, <script>alert(1)</script>, [a](http://x) and ```fence\nnewline", model.High, model.High, []string{"m1"}, "app").
		m
	mr := handReport("esc.threatmodel.yaml", nil, head, nil)
	mr.Tracking.WillOpen = []Tracked{{Mitigation: "m1", Title: "T", Owner: "@o`dd", Threats: []string{"t1"}}}
	md := handReportOf(mr).Markdown()
	checkWellFormed(t, md)
	for _, bad := range []string{"<script>", "[a](http://x)", "*stars*", "\nnewline", "<b>"} {
		if strings.Contains(md, bad) {
			t.Errorf("user text %q came through unescaped", bad)
		}
	}
	if !strings.Contains(md, `Title with \*stars\*, \_under\_, \<script\>`) {
		t.Errorf("title not escaped as expected:\n%s", md)
	}
	if !strings.Contains(md, "owner ``@o`dd``") {
		t.Errorf("owner not in a code span:\n%s", md)
	}
}

// The "Other changes" and the diagram go before any threat is cut.
func TestMarkdownDropsLeastImportantFirst(t *testing.T) {
	base := handModel("big")
	head := handModel("big")
	for i := 0; i < 3000; i++ {
		head.comp(fmt.Sprintf("component-number-%04d", i), fmt.Sprintf("Component %d", i), "service")
	}
	head.threat("t1", "A threat", model.High, model.High, nil, "component-number-0001")
	mr := handReport("big.threatmodel.yaml", base.m, head.m, []policy.Finding{{Rule: "unplanned-risk", Severity: policy.Error, Threat: "t1", Message: "No plan."}})
	rep := handReportOf(mr)
	md := rep.Markdown()
	if n := utf8.RuneCountInString(md); n > MaxCommentLength {
		t.Fatalf("%d characters", n)
	}
	checkWellFormed(t, md)
	if strings.Contains(md, "```diff") || strings.Contains(md, "```mermaid") {
		t.Error("the long change list and the diagram should have been dropped")
	}
	if !strings.Contains(md, "Other changes: 1 threat added, 3000 components added.") {
		t.Errorf("the one-line count of the changes should stay:\n%s", md)
	}
	if strings.Contains(md, "more threats not shown") || !strings.Contains(md, "`t1`") {
		t.Error("the threat should not be cut")
	}
}

func TestMarkdownHugeReportIsCut(t *testing.T) {
	risks := []model.Level{model.Low, model.Medium, model.High}
	head := handModel("huge")
	head.comp("c", "Ünïcödé component", "llm")
	var findings []policy.Finding
	const threats = 3000
	for i := 0; i < threats; i++ {
		id := fmt.Sprintf("threat-%04d", i)
		head.threat(id, strings.Repeat("Ünïcödé threat title ", 8)+strconv.Itoa(i), risks[i%3], risks[(i/3)%3], nil, "c")
		findings = append(findings, policy.Finding{Rule: "unplanned-risk", Severity: policy.Error, Threat: id, Message: "No plan for " + id + "."})
	}
	for i := 0; i < 500; i++ {
		findings = append(findings,
			policy.Finding{Rule: "stride", Severity: policy.Warning, Component: "c", Line: 10, Message: strings.Repeat("wärning ", 20)},
			policy.Finding{Rule: "ai-coverage", Severity: policy.Notice, Component: "c", Line: 10, Message: "Add a threat.",
				Suggestion: "x:\n  title: " + strings.Repeat("ß", 300)})
	}
	rep := handReportOf(handReport("huge.threatmodel.yaml", nil, head.m, findings))
	md := rep.Markdown()
	n := utf8.RuneCountInString(md)
	if n > MaxCommentLength {
		t.Fatalf("%d characters, more than %d", n, MaxCommentLength)
	}
	if n < MaxCommentLength-10000 {
		t.Errorf("only %d characters: the comment should use the room it has", n)
	}
	if !strings.HasPrefix(md, Marker+"\n"+rep.Verdict+"\n") {
		t.Fatal("the marker and the verdict must stay")
	}
	checkWellFormed(t, md)
	note := regexp.MustCompile("(?m)^(\\d+) more threats not shown: run `tmbot review` locally for the full report\\.$")
	m := note.FindStringSubmatch(md)
	if m == nil {
		t.Fatalf("no note about the threats not shown:\n%s", md[len(md)-2000:])
	}
	hidden, _ := strconv.Atoi(m[1])
	shown := len(regexp.MustCompile("(?m)^- `threat-\\d{4}`").FindAllString(md, -1))
	if shown == 0 || shown+hidden != threats {
		t.Fatalf("%d shown + %d not shown, want %d", shown, hidden, threats)
	}
	// The most important threats come first: every shown one is critical
	// or high while critical ones remain hidden.
	if strings.Contains(md, "**⚪ Low**") && hidden > 0 {
		t.Error("low-risk threats shown while others are cut")
	}
}

func TestFirstSentence(t *testing.T) {
	for in, want := range map[string]string{
		`The threat "A. B" (x) is new. To settle it, plan.`: `The threat "A. B" (x) is new.`,
		"One sentence only.": "One sentence only.",
		"Short. Then more":   "Short. Then more", // too short to cut
	} {
		if got := firstSentence(in); got != want {
			t.Errorf("firstSentence(%q) = %q, want %q", in, got, want)
		}
	}
}

// ---- helpers shared by the renderers' tests ----

// handModelBuilder builds a model by hand for tests that need shapes the
// examples do not have (thousands of threats, odd names).
type handModelBuilder struct{ m *model.Model }

func handModel(id string) *handModelBuilder {
	return &handModelBuilder{&model.Model{
		Path: id + ".threatmodel.yaml", Version: 1, System: model.System{ID: id, Name: id},
		Components: map[string]*model.Component{}, Assets: map[string]*model.Asset{}, Flows: map[string]*model.Flow{},
		Threats: map[string]*model.Threat{}, Mitigations: map[string]*model.Mitigation{},
	}}
}

func (b *handModelBuilder) comp(id, name, kind string) *handModelBuilder {
	b.m.Components[id] = &model.Component{ID: id, Name: name, Kind: kind, Pos: model.Pos{Line: len(b.m.ComponentOrder) + 10, Column: 3}}
	b.m.ComponentOrder = append(b.m.ComponentOrder, id)
	return b
}

func (b *handModelBuilder) flow(id, from, to string) *handModelBuilder {
	b.m.Flows[id] = &model.Flow{ID: id, From: from, To: to}
	b.m.FlowOrder = append(b.m.FlowOrder, id)
	return b
}

func (b *handModelBuilder) threat(id, title string, l, i model.Level, mitigations []string, targets ...string) *handModelBuilder {
	t := &model.Threat{ID: id, Title: title, Likelihood: l, Impact: i, Risk: model.RiskOf(l, i), Targets: targets,
		Mitigations: mitigations, Pos: model.Pos{Line: 1000 + len(b.m.ThreatOrder), Column: 3}}
	t.Status = model.DeriveStatus(mitigations, b.m.Mitigations)
	b.m.Threats[id] = t
	b.m.ThreatOrder = append(b.m.ThreatOrder, id)
	return b
}

func (b *handModelBuilder) mitigation(id, title, status string) *handModelBuilder {
	b.m.Mitigations[id] = &model.Mitigation{ID: id, Title: title, Status: status, Owner: "@team", Due: "2027-01-31"}
	b.m.MitigationOrder = append(b.m.MitigationOrder, id)
	return b
}

// handReport reviews base → head as Reviewer.reviewOne does for a valid
// head, with the given findings instead of the policies'.
func handReport(path string, base, head *model.Model, findings []policy.Finding) *ModelReport {
	mr := &ModelReport{Path: path, Status: "modified", Valid: true, Errors: []model.Diagnostic{}, Warnings: []model.Diagnostic{},
		NewUnmitigated: []NewThreat{}, Findings: findings, head: head, base: base}
	if base == nil {
		mr.Status = "added"
	}
	if head != nil {
		mr.System = head.System.ID
	}
	d := diff.Compare(base, head)
	mr.Changes = d
	for _, n := range d.New {
		if !n.Unmitigated || head == nil {
			continue
		}
		t := head.Threats[n.ID]
		nt := NewThreat{ID: n.ID, Title: n.Title, Risk: n.Risk, Planned: n.Planned, Change: n.Change, Line: t.Pos.Line, Mitigations: []MitigationRef{}}
		for _, mid := range t.Mitigations {
			if m := head.Mitigations[mid]; m != nil {
				nt.Mitigations = append(nt.Mitigations, MitigationRef{ID: mid, Title: m.Title, Status: m.Status})
			}
		}
		mr.NewUnmitigated = append(mr.NewUnmitigated, nt)
	}
	mr.Blocking = policy.Blocking(findings)
	mr.Tracking = previewTracking(base, head)
	return mr
}

func handReportOf(models ...*ModelReport) *Report {
	rep := &Report{Models: []ModelReport{}, ConfigErrors: []ConfigError{}}
	for _, m := range models {
		rep.Models = append(rep.Models, *m)
	}
	rep.finish(false)
	return rep
}

var fenceLine = regexp.MustCompile("^(`{3,})")

// checkWellFormed fails when a code fence is left open or a <details> is
// not closed: what cutting a comment must never do.
func checkWellFormed(t *testing.T, md string) {
	t.Helper()
	open := ""
	for _, l := range strings.Split(md, "\n") {
		m := fenceLine.FindStringSubmatch(l)
		switch {
		case m == nil:
		case open == "":
			open = m[1]
		case len(m[1]) >= len(open) && strings.TrimRight(l, "`") == "":
			open = ""
		}
	}
	if open != "" {
		t.Fatalf("a code block is not closed")
	}
	if o, c := strings.Count(md, "<details>"), strings.Count(md, "</details>"); o != c {
		t.Fatalf("%d <details> but %d </details>", o, c)
	}
	if o, c := strings.Count(md, "<summary>"), strings.Count(md, "</summary>"); o != c {
		t.Fatalf("%d <summary> but %d </summary>", o, c)
	}
}

// ---- golden files: Markdown, JSON, SARIF and the check of real reviews ----

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// alpinepayPath is where the example model sits in the repository; the
// reports name it so.
const alpinepayPath = "examples/alpinepay/alpinepay.threatmodel.yaml"

var (
	renderLoaderOnce sync.Once
	renderLoader     *model.Loader
	renderLoaderErr  error
)

// newReviewer returns a Reviewer with the default policies, judging as of
// 2026-11-22.
func renderReviewer(t *testing.T) *Reviewer {
	t.Helper()
	renderLoaderOnce.Do(func() { renderLoader, renderLoaderErr = model.NewLoader(model.Limits{}) })
	if renderLoaderErr != nil {
		t.Fatal(renderLoaderErr)
	}
	eng, err := policy.NewEngine(policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &Reviewer{Loader: renderLoader, Engine: eng, Today: "2026-11-22"}
}

func readAlpinepay(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(alpinepayPath)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// applyEdits derives a model from base with the edits in testdata/name:
// "=== after LINE" inserts the following block after the first line equal
// to LINE, "=== replace LINE" replaces that line with the block; "#" lines
// before the first "===" are comments.
func applyEdits(t *testing.T, base []byte, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(base), "\n")
	type edit struct {
		op, anchor string
		block      []string
	}
	var edits []*edit
	for _, l := range strings.Split(strings.TrimRight(string(raw), "\n"), "\n") {
		switch {
		case strings.HasPrefix(l, "=== after "):
			edits = append(edits, &edit{op: "after", anchor: strings.TrimPrefix(l, "=== after ")})
		case strings.HasPrefix(l, "=== replace "):
			edits = append(edits, &edit{op: "replace", anchor: strings.TrimPrefix(l, "=== replace ")})
		case len(edits) == 0:
			if l != "" && !strings.HasPrefix(l, "#") {
				t.Fatalf("%s: text before the first edit: %q", name, l)
			}
		default:
			e := edits[len(edits)-1]
			e.block = append(e.block, l)
		}
	}
	for _, e := range edits {
		i := 0
		for i < len(lines) && lines[i] != e.anchor {
			i++
		}
		if i == len(lines) {
			t.Fatalf("%s: no line %q in the base", name, e.anchor)
		}
		var out []string
		out = append(out, lines[:i]...)
		if e.op == "after" {
			out = append(out, lines[i])
		}
		out = append(out, e.block...)
		out = append(out, lines[i+1:]...)
		lines = out
	}
	return []byte(strings.Join(lines, "\n"))
}

// goldenCase is one report rendered to golden files.
type goldenCase struct {
	name    string
	changes func(t *testing.T) []Change
}

var goldenCases = []goldenCase{
	{"alpinepay-blocking", func(t *testing.T) []Change {
		base := readAlpinepay(t)
		return []Change{{Path: alpinepayPath, Base: base, Head: applyEdits(t, base, "llm-assistant.edits")}}
	}},
	{"alpinepay-planned", func(t *testing.T) []Change {
		base := readAlpinepay(t)
		return []Change{{Path: alpinepayPath, Base: base, Head: applyEdits(t, base, "llm-assistant-planned.edits")}}
	}},
	{"alpinepay-invalid", func(t *testing.T) []Change {
		base := readAlpinepay(t)
		return []Change{{Path: alpinepayPath, Base: base, Head: applyEdits(t, base, "invalid.edits")}}
	}},
	{"alpinepay-added", func(t *testing.T) []Change {
		return []Change{{Path: alpinepayPath, Head: readAlpinepay(t)}}
	}},
	{"alpinepay-preexisting", func(t *testing.T) []Change {
		base := applyEdits(t, readAlpinepay(t), "preexisting-base.edits")
		return []Change{{Path: alpinepayPath, Base: base, Head: applyEdits(t, base, "preexisting-head.edits")}}
	}},
	{"no-models", func(t *testing.T) []Change { return nil }},
}

func buildReport(t *testing.T, name string) *Report {
	t.Helper()
	for _, c := range goldenCases {
		if c.name == name {
			return renderReviewer(t).Review(context.Background(), c.changes(t))
		}
	}
	t.Fatalf("no golden case %q", name)
	return nil
}

func TestGolden(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			rep := renderReviewer(t).Review(context.Background(), c.changes(t))
			golden(t, c.name+".md.golden", []byte(rep.Markdown()))
			js, err := rep.JSON()
			if err != nil {
				t.Fatal(err)
			}
			golden(t, c.name+".json.golden", js)
			var sb bytes.Buffer
			if err := rep.SARIF(&sb, "test"); err != nil {
				t.Fatal(err)
			}
			golden(t, c.name+".sarif.golden", sb.Bytes())
			var cq bytes.Buffer
			if err := rep.WriteCodeQuality(&cq); err != nil {
				t.Fatal(err)
			}
			golden(t, c.name+".codequality.golden", cq.Bytes())
			title, summary := rep.CheckSummary()
			fs, err := json.MarshalIndent(rep.CheckFindings(), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, c.name+".check.golden", []byte(fmt.Sprintf("title: %s\n\n%s\n--- findings\n%s\n", title, summary.Markdown(0), fs)))
		})
	}
}

// golden compares got with testdata/name, or writes it there with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./bot/review -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(g) || i < len(w); i++ {
			var gl, wl string
			if i < len(g) {
				gl = g[i]
			}
			if i < len(w) {
				wl = w[i]
			}
			if gl != wl {
				t.Fatalf("%s differs at line %d:\n got: %q\nwant: %q\n(if the change is intended, run go test ./bot/review -update)", path, i+1, gl, wl)
			}
		}
		t.Fatalf("%s differs (run go test ./bot/review -update if intended)", path)
	}
}
