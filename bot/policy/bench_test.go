package policy_test

import (
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/tmbot/tmbot/bot/policy"
)

// The expert benchmark (issue 15): public threat models whose threats were
// written by people, in testdata/bench/<name>/model.threatmodel.yaml (each
// folder says in SOURCE.md where the model comes from, under which licence,
// and what was changed by hand). Each model is reviewed as a new file with
// its threats and mitigations removed, with the default policies, and the
// suggestions are compared with what the expert wrote:
//
//   - recall: an expert threat is found when at least one suggestion is
//     about one of the elements it targets (a suggestion's elements are the
//     component or flow its finding names, plus the targets of its draft)
//     and shares a category with it: a STRIDE category, or an OWASP, CWE,
//     CAPEC or ATLAS id. Expert threats without targets cannot be placed
//     and are counted apart. A threat is on an AI component when one of its
//     targets is of an AI kind (aiKinds).
//   - precision: every suggestion is judged, by hand, in the folder's
//     judged.yaml as keep or drop with a one-line reason; precision is the
//     share kept. A suggestion without a judgement fails the test, which
//     prints the lines to paste.
//
// The floors below are the numbers docs/threat-knowledge.md reports; raise
// them when a change to the rules raises the numbers. See that page for how
// to update the judgements.
const (
	benchFloorFound    = 78 // expert threats found, all models
	benchFloorFoundAI  = 34 // of them on AI components
	benchFloorKeptPct  = 80 // suggestions kept, percent (rounded down)
	benchTargetAllPct  = 60 // issue 15's targets, reported, not enforced
	benchTargetAIPct   = 75
	benchTargetKeptPct = 80
)

const benchDir = "testdata/bench"

// -bench.list prints every suggestion with its title, to judge them.
var benchList = flag.Bool("bench.list", false, "print every suggestion of the expert benchmark with its title")

func TestExpertBenchmark(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join(benchDir, "*", "model.threatmodel.yaml"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no benchmark models under %s (%v)", benchDir, err)
	}
	var total benchResult
	var rows []string
	var stubs strings.Builder
	for _, path := range dirs {
		dir := filepath.Dir(path)
		r := measureBench(t, dir)
		total.add(r)
		rows = append(rows, r.row(filepath.Base(dir)))
		for _, m := range r.missed {
			t.Logf("%s: not found: %s", filepath.Base(dir), m)
		}
		for _, s := range r.stale {
			t.Logf("%s: judged.yaml judges a suggestion the rules no longer make (delete it): %s", filepath.Base(dir), s)
		}
		if len(r.unjudged) > 0 {
			fmt.Fprintf(&stubs, "\n%s/judged.yaml is missing %d judgements; paste and decide each:\n", dir, len(r.unjudged))
			for _, s := range r.unjudged {
				stubs.WriteString(s + "\n")
			}
		}
	}
	rows = append(rows, total.row("**all**"))
	t.Logf("\n| model | expert threats (placed) | found | on AI components | found on AI | found by id | suggestions | kept | precision | questions |\n|---|---|---|---|---|---|---|---|---|---|\n%s",
		strings.Join(rows, "\n"))
	t.Logf("issue 15's targets: recall %d%% overall (now %s), %d%% on AI components (now %s), precision %d%% (now %s)",
		benchTargetAllPct, pct(total.found, total.placed), benchTargetAIPct, pct(total.foundAI, total.ai),
		benchTargetKeptPct, pct(total.kept, total.judged))
	if stubs.Len() > 0 {
		t.Errorf("suggestions without a judgement:%s", stubs.String())
	}
	if total.found < benchFloorFound || total.foundAI < benchFloorFoundAI {
		t.Errorf("recall fell: found %d (floor %d), on AI components %d (floor %d)",
			total.found, benchFloorFound, total.foundAI, benchFloorFoundAI)
	}
	if total.judged > 0 && total.kept*100/total.judged < benchFloorKeptPct {
		t.Errorf("precision fell: kept %d of %d (floor %d%%)", total.kept, total.judged, benchFloorKeptPct)
	}
}

type benchResult struct {
	experts, placed, found, ai, foundAI int
	byID                                int // found through a shared framework id, not STRIDE alone
	suggestions, judged, kept           int
	questions                           int // findings on an element with no draft and no category
	missed, unjudged, stale             []string
}

func (r *benchResult) add(o benchResult) {
	r.experts += o.experts
	r.placed += o.placed
	r.found += o.found
	r.ai += o.ai
	r.foundAI += o.foundAI
	r.byID += o.byID
	r.suggestions += o.suggestions
	r.judged += o.judged
	r.kept += o.kept
	r.questions += o.questions
}

func (r benchResult) row(name string) string {
	return fmt.Sprintf("| %s | %d (%d) | %d (%s) | %d | %d (%s) | %d | %d | %d | %s | %d |", name, r.experts, r.placed,
		r.found, pct(r.found, r.placed), r.ai, r.foundAI, pct(r.foundAI, r.ai), r.byID, r.suggestions, r.kept,
		pct(r.kept, r.judged), r.questions)
}

// shortTitle is a suggestion's title on one line, cut to 120 runes, for a
// comment beside a judgement stub.
func shortTitle(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 120 {
		s = string(r[:119]) + "…"
	}
	return s
}

func pct(n, d int) string {
	if d == 0 {
		return "–"
	}
	return fmt.Sprintf("%d%%", n*100/d)
}

// benchThreat is what the answer key keeps of an expert threat.
type benchThreat struct {
	Title   string   `yaml:"title"`
	Targets []string `yaml:"targets"`
	Stride  []string `yaml:"stride"`
	OWASP   []string `yaml:"owasp"`
	CWE     []string `yaml:"cwe"`
	CAPEC   []string `yaml:"capec"`
	ATLAS   []string `yaml:"atlas"`
}

// categories: STRIDE categories and framework ids, one set (ids upper-case,
// a bare OWASP LLM id read as the 2025 list, as the validator reads it).
func (b benchThreat) categories() map[string]bool {
	out := map[string]bool{}
	for _, s := range b.Stride {
		out[s] = true
	}
	for _, l := range [][]string{b.OWASP, b.CWE, b.CAPEC, b.ATLAS} {
		for _, id := range l {
			id = strings.ToUpper(strings.TrimSpace(id))
			if strings.HasPrefix(id, "LLM") && !strings.Contains(id, ":") {
				id += ":2025"
			}
			out[id] = true
		}
	}
	return out
}

// benchSuggestion is one suggestion of the review of a stripped model.
type benchSuggestion struct {
	key        string // "rule element entry", as judged.yaml names it
	title      string // the draft's title, or the finding's message
	elements   []string
	categories map[string]bool
}

// strideWords finds a STRIDE category named in a finding's words, for
// rules that give no draft (stride-flows says "(spoofing)").
var strideWords = regexp.MustCompile(`\((spoofing|tampering|repudiation|information disclosure|denial of service|elevation of privilege)\)`)

// suggestionOf reads a finding of the review of a stripped model as a
// suggestion: the element it is about, and its categories from its draft,
// or, without a draft, from the STRIDE category its words name in
// parentheses. A finding about no component or flow is not a suggestion
// (ok false); nor is one that has neither a draft nor a category (a
// question, such as "say whether this flow is authenticated": question
// true), which is counted apart and not judged.
func suggestionOf(t *testing.T, f policy.Finding) (s benchSuggestion, ok, question bool) {
	t.Helper()
	element := f.Component
	if element == "" {
		element = f.Flow
	}
	if element == "" {
		return benchSuggestion{}, false, false
	}
	s = benchSuggestion{elements: []string{element}, categories: map[string]bool{}}
	entry := "-"
	if f.Suggestion != "" {
		var draft map[string]benchThreat
		if err := yaml.Unmarshal([]byte(f.Suggestion), &draft); err != nil || len(draft) != 1 {
			t.Fatalf("%s on %s: the suggestion is not one threat in YAML (%v):\n%s", f.Rule, element, err, f.Suggestion)
		}
		for id, th := range draft {
			entry = strings.TrimPrefix(id, element+"-")
			s.title = th.Title
			s.elements = append(s.elements, th.Targets...)
			s.categories = th.categories()
		}
	} else if m := strideWords.FindAllStringSubmatch(f.Message, -1); m != nil {
		for _, x := range m {
			s.categories[strings.ReplaceAll(x[1], " ", "_")] = true
		}
		entry = strings.ReplaceAll(m[0][1], " ", "_")
	} else {
		return benchSuggestion{}, false, true
	}
	s.key = f.Rule + " " + element + " " + entry
	if s.title == "" {
		s.title = f.Message
	}
	return s, true, false
}

// benchJudgement is one line of judged.yaml.
type benchJudgement struct {
	Rule    string `yaml:"rule"`
	Element string `yaml:"element"`
	Entry   string `yaml:"entry"`
	Keep    *bool  `yaml:"keep"`
	Reason  string `yaml:"reason"`
}

func readJudgements(t *testing.T, dir string) map[string]bool {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "judged.yaml"))
	if os.IsNotExist(err) {
		return map[string]bool{}
	}
	if err != nil {
		t.Fatal(err)
	}
	var js []benchJudgement
	if err := yaml.Unmarshal(raw, &js); err != nil {
		t.Fatalf("%s/judged.yaml: %v", dir, err)
	}
	out := map[string]bool{}
	for i, j := range js {
		key := j.Rule + " " + j.Element + " " + j.Entry
		if j.Keep == nil || strings.TrimSpace(j.Reason) == "" {
			t.Fatalf("%s/judged.yaml: item %d (%s) needs keep: true|false and a reason", dir, i+1, key)
		}
		if _, dup := out[key]; dup {
			t.Fatalf("%s/judged.yaml: %s is judged twice", dir, key)
		}
		out[key] = *j.Keep
	}
	return out
}

func measureBench(t *testing.T, dir string) benchResult {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "model.threatmodel.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
	var key struct {
		Components map[string]struct {
			Kind string `yaml:"kind"`
		} `yaml:"components"`
		Threats map[string]benchThreat `yaml:"threats"`
	}
	if err := yaml.Unmarshal(raw, &key); err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
	delete(doc, "threats")
	delete(doc, "mitigations")
	stripped, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var sugg []benchSuggestion
	var r benchResult
	for _, f := range review(t, "", string(stripped)) {
		s, ok, question := suggestionOf(t, f)
		if ok {
			sugg = append(sugg, s)
		}
		if question {
			r.questions++
			if *benchList {
				t.Logf("%s: question, not judged: %s %s/%s: %s", filepath.Base(dir), f.Rule, f.Component, f.Flow, f.Message)
			}
		}
	}
	r.suggestions = len(sugg)
	judged := readJudgements(t, dir)
	seen := map[string]bool{}
	for _, s := range sugg {
		if *benchList {
			t.Logf("%s: %s: %s", filepath.Base(dir), s.key, s.title)
		}
		seen[s.key] = true
		keep, ok := judged[s.key]
		if !ok {
			f := strings.Fields(s.key)
			r.unjudged = append(r.unjudged, fmt.Sprintf("- {rule: %s, element: %s, entry: %s, keep: , reason: \"\"}  # %s",
				f[0], f[1], f[2], shortTitle(s.title)))
			continue
		}
		r.judged++
		if keep {
			r.kept++
		}
	}
	for _, k := range slices.Sorted(maps.Keys(judged)) {
		if !seen[k] {
			r.stale = append(r.stale, k)
		}
	}
	ids := make([]string, 0, len(key.Threats))
	for id := range key.Threats {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		th := key.Threats[id]
		r.experts++
		if len(th.Targets) == 0 {
			continue
		}
		r.placed++
		onAI := slices.ContainsFunc(th.Targets, func(x string) bool { return aiKinds[key.Components[x].Kind] })
		if onAI {
			r.ai++
		}
		found, byID := benchFound(th, sugg)
		if byID {
			r.byID++
		}
		if found {
			r.found++
			if onAI {
				r.foundAI++
			}
		} else {
			r.missed = append(r.missed, fmt.Sprintf("%s %v %v", id, th.Targets, slices.Sorted(maps.Keys(th.categories()))))
		}
	}
	return r
}

// benchFound: a suggestion on one of the threat's targets shares a
// category with it (found); byID: the category shared is a framework id,
// not only a STRIDE category (the stricter count, reported beside it).
func benchFound(th benchThreat, sugg []benchSuggestion) (found, byID bool) {
	cats := th.categories()
	for _, s := range sugg {
		if !slices.ContainsFunc(s.elements, func(e string) bool { return slices.Contains(th.Targets, e) }) {
			continue
		}
		for c := range s.categories {
			if cats[c] {
				found = true
				byID = byID || !strideCategory[c]
			}
		}
	}
	return found, byID
}

var strideCategory = map[string]bool{"spoofing": true, "tampering": true, "repudiation": true,
	"information_disclosure": true, "denial_of_service": true, "elevation_of_privilege": true}

// The matching rule of the benchmark, on findings written by hand: a
// draft gives the element, its targets and its categories; stride-flows'
// words give a STRIDE category; a finding with neither is a question.
func TestExpertBenchmarkMatching(t *testing.T) {
	draft := policy.Finding{Rule: "ai-coverage", Component: "llm", Suggestion: "llm-llm-direct-prompt-injection:\n" +
		"  title: Users type instructions\n  targets: [llm, chat-flow]\n  stride: [tampering]\n  owasp: [LLM01]\n  likelihood: high\n  impact: high\n"}
	words := policy.Finding{Rule: "stride-flows", Flow: "login", Message: "Add a threat for this flow (information disclosure), or encrypt it."}
	question := policy.Finding{Rule: "stride-flows", Flow: "login", Message: "Say whether it is authenticated: spoofing and eavesdropping happen here."}
	noElement := policy.Finding{Rule: "acceptance", Threat: "t1", Message: "(spoofing)"}

	s, ok, q := suggestionOf(t, draft)
	if !ok || q || s.key != "ai-coverage llm llm-direct-prompt-injection" || !s.categories["LLM01:2025"] || !s.categories["tampering"] {
		t.Fatalf("draft read as %+v ok=%v question=%v", s, ok, q)
	}
	if s2, ok, q := suggestionOf(t, words); !ok || q || s2.key != "stride-flows login information_disclosure" || !s2.categories["information_disclosure"] {
		t.Fatalf("words read as %+v ok=%v question=%v", s2, ok, q)
	}
	if _, ok, q := suggestionOf(t, question); ok || !q {
		t.Fatalf("a question read as a suggestion: ok=%v question=%v", ok, q)
	}
	if _, ok, q := suggestionOf(t, noElement); ok || q {
		t.Fatalf("a finding about a threat read as a suggestion: ok=%v question=%v", ok, q)
	}

	cases := []struct {
		name string
		th   benchThreat
		want [2]bool // found, by id
	}{
		{"same element, shared OWASP id (bare id read as 2025)", benchThreat{Targets: []string{"llm"}, OWASP: []string{"LLM01"}}, [2]bool{true, true}},
		{"same element through the draft's targets, shared STRIDE", benchThreat{Targets: []string{"chat-flow"}, Stride: []string{"tampering"}}, [2]bool{true, false}},
		{"same element, no shared category", benchThreat{Targets: []string{"llm"}, Stride: []string{"spoofing"}, CWE: []string{"CWE-79"}}, [2]bool{false, false}},
		{"shared category, other element", benchThreat{Targets: []string{"db"}, Stride: []string{"tampering"}, OWASP: []string{"LLM01:2025"}}, [2]bool{false, false}},
	}
	for _, c := range cases {
		found, byID := benchFound(c.th, []benchSuggestion{s})
		if [2]bool{found, byID} != c.want {
			t.Errorf("%s: found %v, by id %v; want %v", c.name, found, byID, c.want)
		}
	}
}

// Every benchmark folder says where its model comes from and under which
// licence.
func TestExpertBenchmarkSources(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(benchDir, "*", "model.threatmodel.yaml"))
	for _, m := range dirs {
		raw, err := os.ReadFile(filepath.Join(filepath.Dir(m), "SOURCE.md"))
		if err != nil {
			t.Errorf("%s: %v", filepath.Dir(m), err)
			continue
		}
		for _, part := range []string{"**From**", "**Licence**", "**Translation**", "commit"} {
			if !strings.Contains(string(raw), part) {
				t.Errorf("%s/SOURCE.md does not say %s", filepath.Dir(m), part)
			}
		}
	}
}
