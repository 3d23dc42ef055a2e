package policy_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/policy"
)

// custom returns an engine with only the given repository policies.
func custom(t *testing.T, files map[string]string) *policy.Engine {
	t.Helper()
	e, err := policy.NewEngine(policy.Options{NoDefaults: true})
	if err != nil {
		t.Fatal(err)
	}
	for name, src := range files {
		e.Add(name, []byte(src))
	}
	return e
}

// oneThreat is a valid model with a new, unplanned high-risk threat t1.
var oneThreat = withThreats("")

func withThreats(more string) string {
	return shop{
		flows:       "  f1: {from: web, to: orders, authenticated: true, encrypted: true}\n",
		threats:     "  t1: {title: Card data stolen, targets: [web], likelihood: high, impact: medium, mitigations: [waf]}\n" + more,
		mitigations: "  waf: {title: Web application firewall, status: proposed}\n",
	}.String()
}

func TestEnginePolicyErrors(t *testing.T) {
	cases := []struct {
		name, src string
		parts     []string
		child     bool // also evaluated in a child process
	}{
		{"does not compile", "findings: [ {rule: \"x\"\n", []string{"policies/repo/bad.cue"}, true},
		{"bad severity", `findings: [{rule: "bad", severity: "fatal", message: "m"}]`, []string{`severity "fatal"`, "error|warning|notice"}, true},
		{"no rule", `findings: [{severity: "error", message: "m"}]`, []string{"has no rule"}, false},
		{"no message", `findings: [{rule: "bad", severity: "error"}]`, []string{"has no message"}, false},
		{"no findings", `input: _
data: _
other: 1`, []string{"defines no findings list"}, false},
		{"evaluation fails", `input: _
findings: [{rule: "bad", severity: "error", message: input.head.threats.nope.title}]`, nil, true},
		{"incomplete value", `findings: [{rule: "bad", severity: "error", message: string}]`, nil, false},
		{"findings not a list", `findings: "none"`, nil, false},
	}
	// The same failures read the same whether the policy is evaluated in
	// this process (the service's own) or in a child process (a
	// repository's; a few cases, each child costs a process start).
	for _, c := range cases {
		for _, o := range []struct {
			name   string
			origin policy.Origin
		}{{"in-process", policy.FromService}, {"child", policy.FromRepository}} {
			if o.origin == policy.FromRepository && !c.child {
				continue
			}
			t.Run(c.name+"/"+o.name, func(t *testing.T) {
				e, err := policy.NewEngine(policy.Options{NoDefaults: true})
				if err != nil {
					t.Fatal(err)
				}
				e.AddFile(policy.File{Path: "policies/repo/bad.cue", Source: []byte(c.src), Origin: o.origin})
				in := input(t, nil, load(t, oneThreat), today)
				fs := evalAll(t, e, in)
				if len(fs) != 1 {
					t.Fatalf("want exactly one finding, got:\n%s", dump(fs))
				}
				f := fs[0]
				if f.Rule != policy.RulePolicyError || f.Severity != policy.Error || f.Policy != "policies/repo/bad.cue" ||
					f.File != "policies/repo/bad.cue" {
					t.Errorf("got %+v", f)
				}
				if !policy.Blocking(fs) {
					t.Error("a broken policy does not block")
				}
				mustContain(t, "message", f.Message, append([]string{"the policy policies/repo/bad.cue failed", "cannot pass"}, c.parts...)...)
			})
		}
	}
}

// A policy whose constraints on input conflict with the input it is given
// has failed to evaluate, even though its findings list is fine.
func TestEngineInputConflictBlocks(t *testing.T) {
	e := custom(t, map[string]string{"policies/repo/bad.cue": "input: today: 3\nfindings: []\n"})
	fs := evalAll(t, e, input(t, nil, load(t, oneThreat), today))
	if len(fs) != 1 || fs[0].Rule != policy.RulePolicyError {
		t.Fatalf("want one policy-error, got:\n%s", dump(fs))
	}
}

// A broken repository policy blocks next to the defaults, which still run.
func TestEngineBrokenPolicyNextToDefaults(t *testing.T) {
	e, err := policy.NewEngine(policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e.Add(".tmbot/policies/mine.cue", []byte("findings: [ {"))
	fs := evalAll(t, e, input(t, nil, load(t, oneThreat), today))
	var broken, unplanned int
	for _, f := range fs {
		switch f.Rule {
		case policy.RulePolicyError:
			broken++
			mustContain(t, "message", f.Message, ".tmbot/policies/mine.cue")
		case ruleUnplanned:
			unplanned++
		}
	}
	if broken != 1 || unplanned != 1 {
		t.Errorf("want one policy-error and one unplanned-risk, got:\n%s", dump(fs))
	}
}

func TestEngineDefaultsInOrder(t *testing.T) {
	var names []string
	for _, p := range defaults(t).Policies() {
		names = append(names, p.Name)
		if p.File != "policies/"+p.Name+".cue" {
			t.Errorf("policy %s comes from %s", p.Name, p.File)
		}
	}
	want := "acceptance ai-coverage classic-coverage mitigation-regression stride-flows unplanned-risk"
	if strings.Join(names, " ") != want {
		t.Errorf("defaults %v, want %s", names, want)
	}
}

func TestEngineDisable(t *testing.T) {
	head := shop{threats: "  t1: {title: Card data stolen, likelihood: high, impact: high, status: accepted, " +
		"acceptance: {by: '@sec', reason: Rare, until: 2020-01-01}}\n  t2: {title: Orders lost, likelihood: high, impact: high}\n"}.String()
	in := input(t, nil, load(t, head), today)
	all := evaluate(t, defaults(t), in)
	if len(only(all, ruleUnplanned)) != 1 || len(only(all, ruleAcceptance)) != 1 {
		t.Fatalf("defaults: want one unplanned-risk and one acceptance finding, got:\n%s", dump(all))
	}
	e, err := policy.NewEngine(policy.Options{Disable: []string{ruleUnplanned}})
	if err != nil {
		t.Fatal(err)
	}
	fs := evaluate(t, e, input(t, nil, load(t, head), today))
	if len(only(fs, ruleUnplanned)) != 0 {
		t.Errorf("disabled rule still reports:\n%s", dump(fs))
	}
	if len(only(fs, ruleAcceptance)) != 1 {
		t.Errorf("other rules stopped:\n%s", dump(fs))
	}
}

func TestEngineSeverityOverride(t *testing.T) {
	e, err := policy.NewEngine(policy.Options{Severity: map[string]string{ruleUnplanned: policy.Warning, ruleStride: policy.Error}})
	if err != nil {
		t.Fatal(err)
	}
	head := shop{flows: "  f1: {from: web, to: orders}\n", threats: "  t1: {title: Card data stolen, likelihood: high, impact: high}\n"}.String()
	fs := evaluate(t, e, input(t, nil, load(t, head), today))
	u, s := only(fs, ruleUnplanned), only(fs, ruleStride)
	if len(u) != 1 || u[0].Severity != policy.Warning {
		t.Errorf("unplanned-risk not lowered to warning:\n%s", dump(u))
	}
	if len(s) != 1 || s[0].Severity != policy.Error {
		t.Errorf("stride-flows not raised to error:\n%s", dump(s))
	}
	if !policy.Blocking(fs) {
		t.Error("an error made by an override does not block")
	}
	// Findings come errors first, then warnings, then notices.
	rank := map[string]int{policy.Error: 3, policy.Warning: 2, policy.Notice: 1}
	for i := 1; i < len(fs); i++ {
		if rank[fs[i-1].Severity] < rank[fs[i].Severity] {
			t.Errorf("findings out of order:\n%s", dump(fs))
			break
		}
	}
	// Lowered, the only error is gone.
	e2, _ := policy.NewEngine(policy.Options{Severity: map[string]string{ruleUnplanned: policy.Warning}})
	if fs := evaluate(t, e2, input(t, nil, load(t, head), today)); policy.Blocking(fs) {
		t.Errorf("still blocking:\n%s", dump(fs))
	}
}

// The engine fills file and line from the element a finding names: in the
// head, or in the base for an element gone from the head; the model's first
// line when it names none.
func TestEngineLocatesFindings(t *testing.T) {
	base := withThreats("  gone: {title: Removed threat, likelihood: low, impact: low}\n")
	e := custom(t, map[string]string{"policies/repo/where.cue": `
input: _
findings: [
	{rule: "where", severity: "notice", message: "threat", threat: "t1"},
	{rule: "where", severity: "notice", message: "component", component: "orders"},
	{rule: "where", severity: "notice", message: "flow", flow: "f1"},
	{rule: "where", severity: "notice", message: "mitigation", mitigation: "waf"},
	{rule: "where", severity: "notice", message: "removed", threat: "gone"},
	{rule: "where", severity: "notice", message: "nothing"},
	{rule: "where", severity: "notice", message: "unknown", threat: "no-such-threat"},
]`})
	fs := evaluate(t, e, input(t, load(t, base), load(t, oneThreat), today))
	want := map[string]int{
		"threat":     lineOf(t, oneThreat, "t1:"),
		"component":  lineOf(t, oneThreat, "orders:"),
		"flow":       lineOf(t, oneThreat, "f1:"),
		"mitigation": lineOf(t, oneThreat, "waf:"),
		"removed":    lineOf(t, base, "gone:"),
		"nothing":    1,
		"unknown":    1,
	}
	if len(fs) != len(want) {
		t.Fatalf("got:\n%s", dump(fs))
	}
	for _, f := range fs {
		if f.File != testPath || f.Line != want[f.Message] {
			t.Errorf("%s: at %s:%d, want %s:%d", f.Message, f.File, f.Line, testPath, want[f.Message])
		}
		if f.Policy != "policies/repo/where.cue" {
			t.Errorf("%s: policy %q", f.Message, f.Policy)
		}
	}
}

// The worked example of docs/policies.md compiles and does what the
// documentation says.
func TestEngineDocumentedCustomPolicy(t *testing.T) {
	doc, err := os.ReadFile("../../docs/policies.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)<!-- example: (\\S+) -->\\s*```cue\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	if len(m) == 0 {
		t.Fatal("docs/policies.md has no <!-- example: FILE --> cue block")
	}
	var src string
	for _, x := range m {
		if x[1] == "attack-ids.cue" {
			src = x[2]
		}
	}
	if src == "" {
		t.Fatal("docs/policies.md has no attack-ids.cue example")
	}
	e := custom(t, map[string]string{".tmbot/policies/attack-ids.cue": src})
	head := shop{
		components: "  mail: {name: Mail relay, kind: service}\n",
		threats: "  phishing: {title: Phishing steals staff passwords, targets: [web], likelihood: high, impact: high, attack: [T1566]}\n" +
			"  defacement: {title: Shop front defaced, targets: [web], likelihood: low, impact: medium, stride: [tampering]}\n" +
			"  sub-only: {title: Spear-phishing link, targets: [web], likelihood: low, impact: medium, attack: [T1566.002]}\n" +
			"  inside: {title: Order table dropped, targets: [db], likelihood: low, impact: high}\n",
	}.String()
	fs := evaluate(t, e, input(t, nil, load(t, head), today))
	if len(fs) != 1 || fs[0].Threat != "defacement" || fs[0].Rule != "attack-ids" || fs[0].Severity != policy.Warning {
		t.Fatalf("want one attack-ids warning on defacement, got:\n%s", dump(fs))
	}
	mustContain(t, "message", fs[0].Message, "Shop front defaced", "Web shop")
	// Unchanged, the threat is not new: the policy looks at every threat
	// anyway, as its text says.
	fs = evaluate(t, e, input(t, load(t, head), load(t, head), today))
	if len(fs) != 1 {
		t.Errorf("unchanged model: got:\n%s", dump(fs))
	}
}
