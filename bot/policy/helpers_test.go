package policy_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/tmbot/tmbot/bot/diff"
	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/policy"
)

// today is the date every test evaluates on, unless it says otherwise.
const today = "2026-06-15"

const testPath = "threats/shop.threatmodel.yaml"

var (
	loaderOnce sync.Once
	loader     *model.Loader
	loaderErr  error

	engineOnce sync.Once
	engine     *policy.Engine
	engineErr  error
)

func testLoader(t testing.TB) *model.Loader {
	t.Helper()
	loaderOnce.Do(func() { loader, loaderErr = model.NewLoader(model.Limits{}) })
	if loaderErr != nil {
		t.Fatal(loaderErr)
	}
	return loader
}

// defaults is one engine with the default policies, shared by the tests
// (an Engine serialises its evaluations).
func defaults(t testing.TB) *policy.Engine {
	t.Helper()
	engineOnce.Do(func() { engine, engineErr = policy.NewEngine(policy.Options{}) })
	if engineErr != nil {
		t.Fatal(engineErr)
	}
	return engine
}

// load loads a model that must be valid (warnings are allowed). An empty
// source is no model (nil): a model added or deleted.
func load(t testing.TB, src string) *model.Model {
	t.Helper()
	if src == "" {
		return nil
	}
	res := testLoader(t).Load(context.Background(), testPath, []byte(src))
	if !res.Valid {
		t.Fatalf("test model is invalid:\n%s\n%s", diagText(res.Diagnostics), numbered(src))
	}
	return res.Model
}

// loadAny loads a model that may be invalid, for rules that must cope with
// what the validator already refuses.
func loadAny(t testing.TB, src string) *model.Model {
	t.Helper()
	res := testLoader(t).Load(context.Background(), testPath, []byte(src))
	if res.Model == nil {
		t.Fatalf("test model cannot be read:\n%s", diagText(res.Diagnostics))
	}
	return res.Model
}

func diagText(ds []model.Diagnostic) string {
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintln(&b, d.String())
	}
	return b.String()
}

func numbered(src string) string {
	var b strings.Builder
	for i, l := range strings.Split(src, "\n") {
		fmt.Fprintf(&b, "%3d %s\n", i+1, l)
	}
	return b.String()
}

// input builds the policy input of a review from base to head ("" for no
// model), on the given day.
func input(t testing.TB, base, head *model.Model, day string) *policy.Input {
	t.Helper()
	return policy.NewInput(testPath, day, base, head, diff.Compare(base, head))
}

// review evaluates the default policies from base to head (YAML sources,
// "" for no model) and fails the test on any policy-error.
func review(t testing.TB, base, head string) []policy.Finding {
	t.Helper()
	return evaluate(t, defaults(t), input(t, load(t, base), load(t, head), today))
}

// evaluate runs an engine and fails the test on any policy-error.
func evaluate(t testing.TB, e *policy.Engine, in *policy.Input) []policy.Finding {
	t.Helper()
	fs := evalAll(t, e, in)
	for _, f := range fs {
		if f.Rule == policy.RulePolicyError {
			t.Fatalf("policy error: %s: %s", f.File, f.Message)
		}
	}
	return fs
}

// only keeps the findings of one rule.
func only(fs []policy.Finding, rule string) []policy.Finding {
	var out []policy.Finding
	for _, f := range fs {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}

// about keeps the findings about one element (threat, component, flow or
// mitigation id).
func about(fs []policy.Finding, id string) []policy.Finding {
	var out []policy.Finding
	for _, f := range fs {
		if f.Threat == id || f.Component == id || f.Flow == id || f.Mitigation == id {
			out = append(out, f)
		}
	}
	return out
}

func dump(fs []policy.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %s %s [t=%s c=%s f=%s m=%s] %s:%d: %s\n", f.Rule, f.Severity, f.Threat, f.Component, f.Flow,
			f.Mitigation, f.File, f.Line, f.Message)
	}
	return b.String()
}

// lineOf returns the 1-based line of the first line of src that starts
// (after indentation) with prefix.
func lineOf(t testing.TB, src, prefix string) int {
	t.Helper()
	for i, l := range strings.Split(src, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), prefix) {
			return i + 1
		}
	}
	t.Fatalf("no line starts with %q", prefix)
	return 0
}

// mustContain checks that s contains every part.
func mustContain(t testing.TB, what, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Errorf("%s does not contain %q:\n%s", what, p, s)
		}
	}
}

// shop is a small model: a web shop in front of an internal service and
// its database, with the sections that tests fill in. Every section is
// YAML indented by two spaces under its key.
type shop struct {
	components, assets, flows, threats, mitigations, boundaries string
}

func (s shop) String() string {
	var b strings.Builder
	b.WriteString("version: 1\nsystem: {id: shop, name: Shop}\ncomponents:\n")
	b.WriteString("  customer: {name: Customer, kind: user}\n")
	b.WriteString("  web: {name: Web shop, kind: web_app, internet_facing: true}\n")
	b.WriteString("  orders: {name: Order service, kind: service}\n")
	b.WriteString("  db: {name: Orders database, kind: database}\n")
	b.WriteString(s.components)
	b.WriteString("assets:\n  pii: {name: Customer data, classification: restricted}\n")
	b.WriteString("  catalogue: {name: Product catalogue, classification: public}\n")
	b.WriteString(s.assets)
	b.WriteString("flows:\n  browse: {from: customer, to: web, authenticated: true, encrypted: true}\n")
	b.WriteString(s.flows)
	if s.threats != "" {
		b.WriteString("threats:\n" + s.threats)
	}
	if s.mitigations != "" {
		b.WriteString("mitigations:\n" + s.mitigations)
	}
	if s.boundaries != "" {
		b.WriteString("boundaries:\n" + s.boundaries)
	}
	return b.String()
}

// evalAll evaluates an engine; it fails the test only when the evaluation
// itself cannot finish (its context ended).
func evalAll(t testing.TB, e *policy.Engine, in *policy.Input) []policy.Finding {
	t.Helper()
	fs, err := e.Evaluate(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}
