package policy_test

import (
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"cuelang.org/go/cue/cuecontext"
	"go.yaml.in/yaml/v3"

	"github.com/tmbot/tmbot/bot/policy"
	"github.com/tmbot/tmbot/policies"
)

const ruleCoverage = "ai-coverage"

// Entry ids of the AI threat library (policies/data.cue) used below.
const (
	directInjection   = "llm-direct-prompt-injection"
	indirectInjection = "llm-indirect-prompt-injection"
	costExhaustion    = "llm-cost-and-capacity-exhaustion"
	unsafeOutput      = "llm-unsafe-output-downstream"
	sensitiveAnswers  = "llm-sensitive-data-in-answers"
	poisonedContent   = "vector-store-poisoned-content"
	permissionBypass  = "vector-store-permission-bypass"
)

// gaps returns the library entries that the ai-coverage notices name for a
// component (from the suggested threat ids "<component>-<entry>").
func gaps(t testing.TB, fs []policy.Finding, component string) []string {
	t.Helper()
	var out []string
	for _, f := range only(fs, ruleCoverage) {
		if f.Component != component {
			continue
		}
		id, _, ok := strings.Cut(f.Suggestion, ":")
		if !ok || !strings.HasPrefix(id, component+"-") {
			t.Fatalf("suggestion does not start with %s-<entry>:\n%s", component, f.Suggestion)
		}
		out = append(out, strings.TrimPrefix(id, component+"-"))
	}
	sort.Strings(out)
	return out
}

// coreGaps keeps of gaps the usual risks of a kind (the library entries
// whose core_for names it), for the tests of the rule's mechanics.
func coreGaps(t testing.TB, fs []policy.Finding, component, kind string) []string {
	t.Helper()
	core := map[string]bool{}
	for _, e := range library(t) {
		for _, k := range e.CoreFor {
			if k == kind {
				core[e.ID] = true
			}
		}
	}
	var out []string
	for _, g := range gaps(t, fs, component) {
		if core[g] {
			out = append(out, g)
		}
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = append([]string(nil), a...), append([]string(nil), b...)
	sort.Strings(a)
	sort.Strings(b)
	return strings.Join(a, ",") == strings.Join(b, ",")
}

// The notice in full: where it points, its words, and a suggestion that is
// YAML ready to paste.
func TestAICoverageNotice(t *testing.T) {
	head := shop{components: "  kb: {name: Help-centre index, kind: vector_store}\n"}.String()
	fs := only(review(t, "", head), ruleCoverage)
	if len(fs) != 1 {
		t.Fatalf("want one notice (poisoned content; no sensitive data, so no permission bypass), got:\n%s", dump(fs))
	}
	f := fs[0]
	if f.Severity != policy.Notice || f.Component != "kb" || f.Threat != "" {
		t.Errorf("got %s on component %q threat %q", f.Severity, f.Component, f.Threat)
	}
	if f.File != testPath || f.Line != lineOf(t, head, "kb:") {
		t.Errorf("located at %s:%d, want the line of kb", f.File, f.Line)
	}
	mustContain(t, "message", f.Message, `The vector store "Help-centre index" (kb) has no threat about`,
		"plants content the assistant will repeat", "ready to paste under threats:", "paste it with status: not_applicable and a reason",
		"LLM08:2025")
	var parsed map[string]struct {
		Title       string   `yaml:"title"`
		Description string   `yaml:"description"`
		Targets     []string `yaml:"targets"`
		Stride      []string `yaml:"stride"`
		OWASP       []string `yaml:"owasp"`
		Atlas       []string `yaml:"atlas"`
		Likelihood  string   `yaml:"likelihood"`
		Impact      string   `yaml:"impact"`
	}
	if err := yaml.Unmarshal([]byte(f.Suggestion), &parsed); err != nil {
		t.Fatalf("suggestion is not YAML: %v\n%s", err, f.Suggestion)
	}
	th, ok := parsed["kb-"+poisonedContent]
	if len(parsed) != 1 || !ok {
		t.Fatalf("suggestion is not one threat kb-%s:\n%s", poisonedContent, f.Suggestion)
	}
	if th.Title == "" || th.Description == "" || !sameSet(th.Targets, []string{"kb"}) || len(th.Stride) == 0 ||
		!strings.Contains(strings.Join(th.OWASP, ","), "LLM08:2025") || th.Likelihood == "" || th.Impact == "" {
		t.Errorf("suggested threat is incomplete: %+v", th)
	}
	if !strings.HasPrefix(f.Suggestion, "kb-"+poisonedContent+":\n  title: ") {
		t.Errorf("suggestion does not start with the threat id at column 1:\n%s", f.Suggestion)
	}

	// Pasted under threats:, it is valid and settles the notice.
	pasted := shop{components: "  kb: {name: Help-centre index, kind: vector_store}\n", threats: indent(f.Suggestion)}.String()
	if got := only(review(t, "", pasted), ruleCoverage); len(got) != 0 {
		t.Errorf("after pasting the suggestion:\n%s", dump(got))
	}
}

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if l != "" {
			b.WriteString("  " + l)
		}
	}
	return b.String()
}

// assistant is a shop with an LLM "assistant", an index and a public API,
// with extra flows and threats.
func assistant(flows, threats string) string {
	return shop{
		components: "  assistant: {name: Shopping assistant, kind: llm}\n  kb: {name: Product index, kind: vector_store}\n" +
			"  gateway: {name: Public API, kind: api, internet_facing: true}\n",
		flows:   flows,
		threats: threats,
	}.String()
}

const (
	askFlow      = "  ask: {from: gateway, to: assistant, authenticated: true, encrypted: true}\n"
	retrieveFlow = "  retrieve: {from: kb, to: assistant, authenticated: true, encrypted: true}\n"
)

func TestAICoverageConditionsAndCover(t *testing.T) {
	threat := func(fields string) string {
		return "  t1: {title: The assistant is talked into misbehaving, likelihood: medium, impact: medium, " + fields + "}\n"
	}
	cases := []struct {
		name, flows, threats string
		traits               string
		want                 []string
	}{
		{"isolated LLM: no condition holds", "", "", "", nil},
		{"input from the internet", askFlow, "", "", []string{directInjection, costExhaustion}},
		{"declared untrusted input", "", "", "untrusted_input", []string{directInjection}},
		{"retrieves from the index", retrieveFlow, "", "", []string{directInjection, indirectInjection}},
		{"answers go to software", "  answer: {from: assistant, to: orders, authenticated: true, encrypted: true}\n", "", "",
			[]string{unsafeOutput}},
		{"sees restricted data", "  lookup: {from: db, to: assistant, data: [pii], authenticated: true, encrypted: true}\n", "", "",
			[]string{directInjection, indirectInjection, sensitiveAnswers}},
		{"covered by the OWASP id", askFlow, threat("targets: [assistant], owasp: [\"LLM01:2025\"]"), "",
			[]string{costExhaustion}},
		{"covered by bare LLM01", askFlow, threat("targets: [assistant], owasp: [LLM01]"), "",
			[]string{costExhaustion}},
		{"covered by an ATLAS sub-technique of a listed technique", askFlow, threat("targets: [assistant], atlas: [AML.T0051.000]"), "",
			[]string{costExhaustion}},
		{"sub-technique covers both injections", askFlow + retrieveFlow, threat("targets: [assistant], atlas: [AML.T0051.001]"), "",
			[]string{costExhaustion}},
		{"covered by the ASI id", askFlow, threat("targets: [assistant], owasp: [\"ASI01:2026\"]"), "",
			[]string{costExhaustion}},
		{"covered by a threat on a flow into it", askFlow, threat("targets: [ask], owasp: [\"LLM01:2025\", \"LLM10:2025\"]"), "", nil},
		{"a threat on another component does not cover", askFlow, threat("targets: [orders], owasp: [\"LLM01:2025\"]"), "",
			[]string{directInjection, costExhaustion}},
		{"an unrelated id does not cover", askFlow, threat("targets: [assistant], owasp: [\"LLM02:2025\"], atlas: [AML.T0057]"), "",
			[]string{directInjection, costExhaustion}},
		{"STRIDE alone does not cover", askFlow, threat("targets: [assistant], stride: [tampering, elevation_of_privilege]"), "",
			[]string{directInjection, costExhaustion}},
		{"not applicable, with the id, covers", askFlow,
			threat("targets: [assistant], owasp: [\"LLM10:2025\"], status: not_applicable, reason: \"Internal users only, rate-limited upstream\""), "",
			[]string{directInjection}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			head := assistant(c.flows, c.threats)
			if c.traits != "" {
				head = strings.Replace(head, "kind: llm}", "kind: llm, traits: ["+c.traits+"]}", 1)
			}
			got := coreGaps(t, review(t, "", head), "assistant", "llm")
			if !sameSet(got, c.want) {
				t.Errorf("gaps %v, want %v", got, c.want)
			}
		})
	}
}

func TestAICoverageVectorStore(t *testing.T) {
	plain := shop{components: "  kb: {name: Index, kind: vector_store}\n"}.String()
	sensitive := shop{components: "  kb: {name: Index, kind: vector_store, data: [pii]}\n"}.String()
	bareLLM08 := shop{components: "  kb: {name: Index, kind: vector_store, data: [pii]}\n",
		threats: "  t1: {title: Poisoned index, targets: [kb], owasp: [LLM08], likelihood: low, impact: low}\n"}.String()
	atlasOnly := shop{components: "  kb: {name: Index, kind: vector_store}\n",
		threats: "  t1: {title: Poisoned index, targets: [kb], atlas: [AML.T0070], likelihood: low, impact: low}\n"}.String()
	for _, c := range []struct {
		name, head string
		want       []string
	}{
		{"no sensitive data", plain, []string{poisonedContent}},
		{"sensitive data", sensitive, []string{poisonedContent, permissionBypass}},
		{"bare LLM08 covers both", bareLLM08, nil},
		{"an ATLAS id covers poisoning", atlasOnly, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := coreGaps(t, review(t, "", c.head), "kb", "vector_store"); !sameSet(got, c.want) {
				t.Errorf("gaps %v, want %v", got, c.want)
			}
		})
	}
}

func TestAICoverageClassicKindsHaveNoNotice(t *testing.T) {
	head := shop{components: "  files: {name: Files, kind: storage, data: [pii]}\n  bus: {name: Bus, kind: queue}\n" +
		"  sso: {name: SSO, kind: identity_provider}\n  vault: {name: Vault, kind: secrets_store}\n  misc: {name: Misc, kind: other}\n"}.String()
	if got := only(review(t, "", head), ruleCoverage); len(got) != 0 {
		t.Errorf("classic components got notices:\n%s", dump(got))
	}
}

func TestAICoverageOnlyWhatChanged(t *testing.T) {
	base := assistant(retrieveFlow, "")
	baseGaps := []string{directInjection, indirectInjection}
	cases := []struct {
		name, base, head string
		want             []string
	}{
		{"unchanged: old gaps are not repeated", base, base, nil},
		{"component changed: every gap", base, strings.Replace(base, "Shopping assistant", "Shop assistant", 1), baseGaps},
		{"new flow from the internet: only the new gap", base, assistant(retrieveFlow+askFlow, ""), []string{costExhaustion}},
		{"covering threat removed: the gap is back",
			assistant(retrieveFlow, "  t1: {title: Injected prompts, targets: [assistant], owasp: [\"LLM01:2025\"], likelihood: low, impact: low}\n"),
			base, baseGaps},
		{"model added: every gap", "", base, baseGaps},
		{"model deleted: nothing", base, "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := coreGaps(t, review(t, c.base, c.head), "assistant", "llm"); !sameSet(got, c.want) {
				t.Errorf("gaps %v, want %v", got, c.want)
			}
		})
	}
}

// Long ids are cut to the 64 characters an id may have.
func TestAICoverageSuggestedIDFitsTheFormat(t *testing.T) {
	long := strings.Repeat("a", 40) + "-index"
	head := shop{components: "  " + long + ": {name: Index, kind: vector_store}\n"}.String()
	fs := only(review(t, "", head), ruleCoverage)
	if len(fs) != 1 {
		t.Fatalf("got:\n%s", dump(fs))
	}
	id, _, _ := strings.Cut(fs[0].Suggestion, ":")
	if len(id) > 64 || strings.HasSuffix(id, "-") || !strings.HasPrefix(id, long+"-vector-store") {
		t.Errorf("suggested id %q (%d chars)", id, len(id))
	}
	pasted := shop{components: "  " + long + ": {name: Index, kind: vector_store}\n", threats: indent(fs[0].Suggestion)}.String()
	if got := only(review(t, "", pasted), ruleCoverage); len(got) != 0 {
		t.Errorf("after pasting:\n%s", dump(got))
	}
}

// knownUnreachable are usual risks that the facts derived today cannot
// raise for a kind (see the report to the lead: trained_here is only set on
// models, external_data_source only on datasets and vector stores).
var knownUnreachable = map[string]bool{
	"corpus/dataset-insider-backdoor":    true,
	"trainer/dataset-insider-backdoor":   true,
	"trainer/dataset-poisoned-at-source": true,
}

// Every usual risk of every kind: the model in testdata has one component
// per kind, wired so that the conditions hold. Every suggestion, pasted
// under threats:, must validate (catalog ids included) and settle its
// notice.
func TestAICoverageEverySuggestionIsValid(t *testing.T) {
	raw, err := os.ReadFile("testdata/ai-all-kinds.threatmodel.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src := string(raw)
	fs := only(review(t, "", src), ruleCoverage)

	// Which usual risks each kind has, from the library as the engine sees it.
	kinds := map[string]string{}
	in := input(t, nil, load(t, src), today)
	for id, c := range in.Head.Components {
		kinds[id] = c.Kind
	}
	lib := library(t)
	want := map[string]bool{}
	allowed := map[string]bool{} // the usual risks, and the entries with conditions that apply to the kind
	for id, k := range kinds {
		for _, e := range lib {
			for _, ck := range e.CoreFor {
				if ck == k {
					want[id+"/"+e.ID] = true
					allowed[id+"/"+e.ID] = true
				}
			}
			for _, ak := range e.AppliesTo.Kinds {
				if ak == k && len(e.When) > 0 {
					allowed[id+"/"+e.ID] = true
				}
			}
		}
	}
	got := map[string]bool{}
	var threats strings.Builder
	for _, f := range fs {
		for _, e := range gaps(t, []policy.Finding{f}, f.Component) {
			if got[f.Component+"/"+e] {
				t.Errorf("two notices for %s/%s", f.Component, e)
			}
			got[f.Component+"/"+e] = true
		}
		threats.WriteString(indent(f.Suggestion))
	}
	for k := range want {
		switch {
		case got[k]:
		case knownUnreachable[k]:
			t.Logf("usual risk %s cannot be raised from the facts derived today", k)
		default:
			t.Errorf("usual risk %s got no notice", k)
		}
	}
	for k := range got {
		if !allowed[k] {
			t.Errorf("notice %s is neither a usual risk of the kind nor an entry with conditions that applies to it", k)
		}
	}

	pasted := src + "threats:\n" + threats.String()
	res := testLoader(t).Load(t.Context(), testPath, []byte(pasted))
	if !res.Valid || len(res.Diagnostics) > 0 {
		t.Fatalf("the model with every suggestion pasted has diagnostics:\n%s", diagText(res.Diagnostics))
	}
	if left := only(evaluate(t, defaults(t), input(t, nil, res.Model, today)), ruleCoverage); len(left) != 0 {
		t.Errorf("notices left after pasting every suggestion:\n%s", dump(left))
	}
}

type libraryEntry struct {
	ID           string   `json:"id"`
	Title        string   `json:"title"`
	CoreFor      []string `json:"core_for"`
	When         []string `json:"when"`
	CoveredIfAny []string `json:"covered_if_any"`
	OWASP        []string `json:"owasp"`
	AppliesTo    struct {
		Kinds []string `json:"kinds"`
	} `json:"applies_to"`
}

// library decodes the AI threat library as the engine gives it to
// policies (policies/data.cue).
func library(t testing.TB) []libraryEntry {
	t.Helper()
	v := cuecontext.New().CompileString(policies.Data)
	var lib struct {
		AI []libraryEntry `json:"ai_threats"`
	}
	if err := v.Decode(&lib); err != nil {
		t.Fatal(err)
	}
	if len(lib.AI) == 0 {
		t.Fatal("policies/data.cue has no ai_threats")
	}
	return lib.AI
}

// A threat already has the suggested id but does not cover the risk: the
// suggestion takes another id instead of a duplicate key.
func TestAICoverageSuggestedIDIsFree(t *testing.T) {
	head := shop{components: "  kb: {name: Index, kind: vector_store}\n",
		threats: "  kb-" + poisonedContent + ": {title: Index poisoned, targets: [kb], likelihood: low, impact: low}\n"}.String()
	fs := only(review(t, "", head), ruleCoverage)
	if len(fs) != 1 {
		t.Fatalf("got:\n%s", dump(fs))
	}
	if !strings.HasPrefix(fs[0].Suggestion, "kb-"+poisonedContent+"-2:\n") {
		t.Errorf("suggestion:\n%s", fs[0].Suggestion)
	}
}

func TestAICoverageSuggestedIDIsFreeAndShort(t *testing.T) {
	long := strings.Repeat("b", 40) + "-index"
	taken := long + "-" + poisonedContent
	taken = strings.TrimRight(taken[:64], "-.")
	head := shop{components: "  " + long + ": {name: Index, kind: vector_store}\n",
		threats: "  " + taken + ": {title: Index poisoned, targets: [" + long + "], likelihood: low, impact: low}\n"}.String()
	fs := only(review(t, "", head), ruleCoverage)
	if len(fs) != 1 {
		t.Fatalf("got:\n%s", dump(fs))
	}
	id, _, _ := strings.Cut(fs[0].Suggestion, ":")
	if len(id) > 64 || !strings.HasSuffix(id, "-2") || id == taken {
		t.Errorf("suggested id %q", id)
	}
}

// The whole library: entries that are not usual risks of a kind are
// suggested when the facts or the declared traits call for them, and
// entries without conditions only where they are usual risks.
func TestAICoverageWholeLibrary(t *testing.T) {
	cases := []struct {
		name, components, flows string
		component               string
		has, hasNot             []string
	}{
		{"jailbreak and system-prompt leak for an LLM that takes untrusted input, with no prompt template modelled",
			"  chat: {name: Assistant, kind: llm}\n", "  f1: {from: web, to: chat, authenticated: true, encrypted: true}\n",
			"chat", []string{"llm-jailbreak-unsafe-content", "llm-system-prompt-leak"}, nil},
		{"misinformation when software acts on the answers",
			"  chat: {name: Assistant, kind: llm}\n", "  f1: {from: chat, to: orders, authenticated: true, encrypted: true}\n",
			"chat", []string{"llm-wrong-answers-relied-on"}, nil},
		{"chat logs exposing customers, on the LLM",
			"  chat: {name: Assistant, kind: llm}\n  history: {name: Chat history, kind: database}\n",
			"  f1: {from: chat, to: history, authenticated: true, encrypted: true}\n",
			"chat", []string{"llm-chat-logs-expose-customers"}, nil},
		{"chat logs exposing customers, on the store that keeps them",
			"  chat: {name: Assistant, kind: llm}\n  history: {name: Chat history, kind: database}\n",
			"  f1: {from: chat, to: history, authenticated: true, encrypted: true}\n",
			"history", []string{"llm-chat-logs-expose-customers"}, nil},
		{"provider data retention for a hosted LLM that sees personal data",
			"  chat: {name: Assistant, kind: llm, traits: [hosted_by_third_party], data: [pii]}\n", "",
			"chat", []string{"llm-prompt-data-kept-by-provider"}, nil},
		{"tool launch configuration for an agent",
			"  helper: {name: Helper, kind: agent}\n", "",
			"helper", []string{"tool-launch-config-runs-commands", "agent-runaway-loops"}, []string{"agent-rogue-behaviour", "agent-credentials-exposed"}},
		{"embedding inversion for an index of personal data",
			"  kb: {name: Index, kind: vector_store, data: [pii]}\n", "",
			"kb", []string{"vector-store-embedding-inversion"}, nil},
		{"supply chain for a third-party tool",
			"  mcp: {name: MCP server, kind: tool, traits: [third_party_artifact]}\n", "",
			"mcp", []string{"tool-poisoned-definition", "tool-changes-after-approval"}, []string{"llm-vulnerable-ai-dependency"}},
		{"an LLM with no facts gets nothing",
			"  chat: {name: Assistant, kind: llm}\n", "",
			"chat", nil, []string{"llm-vulnerable-ai-dependency", "model-file-runs-code-on-load", "guardrail-fails-open", "llm-system-prompt-leak"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := gaps(t, review(t, "", shop{components: c.components, flows: c.flows}.String()), c.component)
			for _, e := range c.has {
				if !slices.Contains(got, e) {
					t.Errorf("gaps of %s %v lack %s", c.component, got, e)
				}
			}
			for _, e := range c.hasNot {
				if slices.Contains(got, e) {
					t.Errorf("gaps of %s %v have %s", c.component, got, e)
				}
			}
		})
	}
}

// A risk the facts call for says why it applies.
func TestAICoverageSaysWhy(t *testing.T) {
	head := shop{components: "  kb: {name: Index, kind: vector_store, data: [pii]}\n"}.String()
	for _, f := range only(review(t, "", head), ruleCoverage) {
		if strings.HasPrefix(f.Suggestion, "kb-vector-store-embedding-inversion:") {
			mustContain(t, "message", f.Message, "a risk that applies because it handles confidential or restricted data")
			return
		}
	}
	t.Error("no embedding inversion notice")
}

// Covered by meaning: a threat on the component that lists the entry in
// covers, or that shares a STRIDE category with it and uses one of its
// keywords, covers it; one whose words match but whose STRIDE does not
// only probably covers it, and the notice says so, pointing at the threat.
func TestAICoverageByMeaning(t *testing.T) {
	chat := "  chat: {name: Assistant, kind: llm}\n"
	ask := "  f1: {from: web, to: chat, authenticated: true, encrypted: true}\n"
	cases := []struct {
		name, threat string
		gap          bool   // a gap notice for direct prompt injection
		probably     string // or a "probably covered by" notice naming this threat
	}{
		{"no threat", "", true, ""},
		{"covers lists the entry",
			"  t1: {title: Chat box abuse, targets: [chat], covers: [llm-direct-prompt-injection], likelihood: high, impact: medium}\n", false, ""},
		{"covers of another entry does not count",
			"  t1: {title: Chat box abuse, targets: [chat], covers: [llm-system-prompt-leak], likelihood: high, impact: medium}\n", true, ""},
		{"a keyword and a shared STRIDE category",
			"  t1: {title: Prompt injection via the chat box, targets: [chat], stride: [tampering], likelihood: high, impact: medium}\n", false, ""},
		{"a keyword in the description",
			"  t1: {title: Chat box abuse, description: Users make it ignore its instructions., targets: [chat], stride: [elevation_of_privilege], likelihood: high, impact: medium}\n", false, ""},
		{"a keyword on a flow into it",
			"  t1: {title: Prompt injection via the chat box, targets: [f1], stride: [tampering], likelihood: high, impact: medium}\n", false, ""},
		{"a keyword but no shared STRIDE category: probably",
			"  t1: {title: Prompt injection via the chat box, targets: [chat], stride: [denial_of_service], likelihood: high, impact: medium}\n", false, "t1"},
		{"a keyword and no STRIDE at all: probably",
			"  t1: {title: Prompt injection via the chat box, targets: [chat], likelihood: high, impact: medium}\n", false, "t1"},
		{"a keyword inside a word does not match",
			"  t1: {title: Reprompt injection-free chat, targets: [chat], stride: [tampering], likelihood: high, impact: medium}\n", true, ""},
		{"the STRIDE category alone does not cover",
			"  t1: {title: Chat box abuse, targets: [chat], stride: [tampering, elevation_of_privilege], likelihood: high, impact: medium}\n", true, ""},
		{"a keyword on another component does not count",
			"  t1: {title: Prompt injection via the chat box, targets: [orders], stride: [tampering], likelihood: high, impact: medium}\n", true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			head := shop{components: chat, flows: ask, threats: c.threat}.String()
			var gap, probably []policy.Finding
			for _, f := range only(review(t, "", head), ruleCoverage) {
				if !strings.HasPrefix(f.Suggestion, "chat-"+directInjection+":") {
					continue
				}
				if strings.HasPrefix(f.Message, "Probably covered by") {
					probably = append(probably, f)
				} else {
					gap = append(gap, f)
				}
			}
			if (len(gap) > 0) != c.gap {
				t.Errorf("gap notice: %v, want %v:\n%s", len(gap) > 0, c.gap, dump(gap))
			}
			if c.probably == "" {
				if len(probably) > 0 {
					t.Errorf("unexpected:\n%s", dump(probably))
				}
				return
			}
			if len(probably) != 1 {
				t.Fatalf("want one probably-covered notice, got:\n%s", dump(probably))
			}
			f := probably[0]
			if f.Threat != c.probably || f.Component != "chat" || f.Line != lineOf(t, head, c.probably+":") {
				t.Errorf("notice about threat %q component %q at line %d", f.Threat, f.Component, f.Line)
			}
			mustContain(t, "message", f.Message, "Probably covered by the threat "+c.probably+": Users type instructions",
				`a usual risk for the LLM "Assistant" (chat)`, "add covers: ["+directInjection+"] to it")
		})
	}
}

// A pasted suggestion says which entry it covers, so that it keeps
// covering it when its framework ids are edited.
func TestAICoverageSuggestionSaysWhatItCovers(t *testing.T) {
	comp := "  kb: {name: Index, kind: vector_store}\n"
	fs := only(review(t, "", shop{components: comp}.String()), ruleCoverage)
	if len(fs) != 1 {
		t.Fatalf("got:\n%s", dump(fs))
	}
	mustContain(t, "suggestion", fs[0].Suggestion, "\n  covers: [\""+poisonedContent+"\"]\n")
	var edited []string
	for _, l := range strings.Split(fs[0].Suggestion, "\n") {
		if !strings.HasPrefix(l, "  owasp:") && !strings.HasPrefix(l, "  atlas:") {
			edited = append(edited, l)
		}
	}
	pasted := shop{components: comp, threats: indent(strings.Join(edited, "\n"))}.String()
	if got := only(review(t, "", pasted), ruleCoverage); len(got) != 0 {
		t.Errorf("after pasting the suggestion without its framework ids:\n%s", dump(got))
	}
}

// Keywords are looked for in a threat's title and the start of its
// description only: a hostile file with huge descriptions cannot make
// every component's view search them in full.
func TestAICoverageKeywordSearchIsBounded(t *testing.T) {
	desc := strings.Repeat("word ", 1000) + "prompt injection"
	head := shop{components: "  chat: {name: Assistant, kind: llm}\n",
		flows:   "  f1: {from: web, to: chat, authenticated: true, encrypted: true}\n",
		threats: "  t1: {title: Chat box abuse, description: " + desc + ", targets: [chat], stride: [tampering], likelihood: high, impact: medium}\n"}.String()
	if got := gaps(t, review(t, "", head), "chat"); !slices.Contains(got, directInjection) {
		t.Errorf("a keyword 5,000 characters into the description counted: gaps %v", got)
	}
}
