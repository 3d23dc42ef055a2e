package policy_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tmbot/tmbot/bot/diff"
	"github.com/tmbot/tmbot/bot/internal/modelgen"
	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/policy"
	"github.com/tmbot/tmbot/policies"
)

// wholeDefaults is an engine with the default policies, each declaring
// scope: "model", so that they see both models in full.
func wholeDefaults(t testing.TB) *policy.Engine {
	t.Helper()
	e, err := policy.NewEngine(policy.Options{NoDefaults: true})
	if err != nil {
		t.Fatal(err)
	}
	files, err := policies.Defaults()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		e.Add("policies/"+f.Name, append(slices.Clip(f.Source), "\nscope: \"model\"\n"...))
	}
	for _, p := range e.Policies() {
		if p.Scope != policy.ScopeModel {
			t.Fatalf("%s: scope %q", p.File, p.Scope)
		}
	}
	return e
}

// The default policies find the same on the change scope as on the whole
// models: for random changes to the example models (components, flows,
// assets, threats and mitigations added, removed or altered), reviewed in
// both directions, the findings agree one for one.
func TestScopeChangeFindsWhatModelFinds(t *testing.T) {
	sources := []string{
		"../../examples/alpinepay/alpinepay.threatmodel.yaml",
		"../../examples/demo/unplanned/alpinepay.threatmodel.yaml",
		"../../examples/rag-chatbot/rag-chatbot.threatmodel.json",
		"testdata/ai-all-kinds.threatmodel.yaml",
	}
	// TMBOT_SCOPE_CASES=250 TMBOT_SCOPE_SEED=11 for a deeper run (both
	// passed 250 cases per example with seeds 7 and 11).
	cases, seed := 25, uint64(7)
	if n, err := strconv.Atoi(os.Getenv("TMBOT_SCOPE_CASES")); err == nil && n > 0 {
		cases = n
	}
	if n, err := strconv.ParseUint(os.Getenv("TMBOT_SCOPE_SEED"), 10, 64); err == nil {
		seed = n
	}
	for si, p := range sources {
		t.Run(filepath.Base(p), func(t *testing.T) {
			t.Parallel()
			narrow, err := policy.NewEngine(policy.Options{})
			if err != nil {
				t.Fatal(err)
			}
			whole := wholeDefaults(t)
			raw, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			var doc map[string]any
			if err := yaml.Unmarshal(raw, &doc); err != nil {
				t.Fatal(err)
			}
			doc = dates(doc).(map[string]any)
			base := loadJSON(t, doc)
			if base == nil {
				t.Fatalf("%s does not load as JSON", p)
			}
			rng := rand.New(rand.NewPCG(uint64(si), seed))
			compared, found := 0, 0
			for i := range cases {
				mutated := clone(doc)
				var did []string
				for range 1 + rng.IntN(3) {
					did = append(did, mutate(rng, mutated))
				}
				head := loadJSON(t, mutated)
				if head == nil {
					continue // the mutation made the model invalid
				}
				// Some days on which the examples' acceptances hold, expire
				// soon, or have expired.
				day := []string{today, "2027-06-15", "2027-09-10", "2028-01-01"}[rng.IntN(4)]
				n, ok := sameFindings(t, narrow, whole, base, head, day)
				if !ok {
					t.Errorf("%s case %d on %s: %s", p, i, day, strings.Join(did, "; "))
				}
				compared += 2
				found += n
			}
			if compared < cases {
				t.Errorf("%s: only %d valid comparisons of %d cases", p, compared, 2*cases)
			}
			if found == 0 {
				t.Errorf("%s: no finding in any case: the comparison proves nothing", p)
			}
			t.Logf("%s: %d comparisons, %d findings", p, compared, found)
		})
	}
}

// sameFindings reviews base → head and head → base with both engines and
// reports any difference; it returns how many findings there were.
func sameFindings(t *testing.T, narrow, whole *policy.Engine, base, head *model.Model, day string) (int, bool) {
	t.Helper()
	n, ok := 0, true
	for _, dir := range []struct {
		name string
		b, h *model.Model
	}{{"forward", base, head}, {"backward", head, base}} {
		in := policy.NewInput(testPath, day, dir.b, dir.h, diff.Compare(dir.b, dir.h))
		got, want := evaluate(t, narrow, in), evaluate(t, whole, in)
		if g, w := findingKeys(got), findingKeys(want); !slices.Equal(g, w) {
			t.Errorf("%s: change scope:\n%s\nmodel scope:\n%s", dir.name, strings.Join(g, "\n"), strings.Join(w, "\n"))
			ok = false
		}
		n += len(want)
	}
	return n, ok
}

// A change two flows away from a component changes what it needs: a
// service that becomes internet-facing makes the dataset it feeds an
// outside data source, and so the pipeline that trains on the dataset.
func TestScopeTwoHops(t *testing.T) {
	base := shop{
		components: "  corpus: {name: Training corpus, kind: dataset}\n  trainer: {name: Training pipeline, kind: training_pipeline}\n",
		flows: "  collect: {from: orders, to: corpus, authenticated: true, encrypted: true}\n" +
			"  train: {from: corpus, to: trainer, authenticated: true, encrypted: true}\n",
	}.String()
	head := strings.Replace(base, "orders: {name: Order service, kind: service}", "orders: {name: Order service, kind: service, internet_facing: true}", 1)
	n, _ := sameFindings(t, defaults(t), wholeDefaults(t), load(t, base), load(t, head), today)
	fs := about(evaluate(t, defaults(t), input(t, load(t, base), load(t, head), today)), "trainer")
	if n == 0 || len(fs) == 0 {
		t.Errorf("want a coverage notice on trainer (two flows from the change), got %d findings:\n%s", n, dump(fs))
	}
}

// Facts follow the data along flows, so a change far from a model can
// change what it needs: a new flow from the web shop into the first of
// five internal services makes the LLM at the end of them take untrusted
// input. The change scope shows the LLM although it is six flows away.
func TestScopeFactsFarAway(t *testing.T) {
	base := shop{
		components: "  s1: {name: S1, kind: service}\n  s2: {name: S2, kind: service}\n  s3: {name: S3, kind: service}\n" +
			"  s4: {name: S4, kind: queue}\n  s5: {name: S5, kind: api}\n  chat: {name: Support assistant, kind: llm}\n",
		flows: "  a: {from: s1, to: s2, authenticated: true, encrypted: true}\n" +
			"  b: {from: s2, to: s3, authenticated: true, encrypted: true}\n" +
			"  c: {from: s3, to: s4, authenticated: true, encrypted: true}\n" +
			"  d: {from: s4, to: s5, authenticated: true, encrypted: true}\n" +
			"  e: {from: s5, to: chat, authenticated: true, encrypted: true}\n",
	}.String()
	head := strings.Replace(base, "flows:\n", "flows:\n  entry: {from: web, to: s1, authenticated: true, encrypted: true}\n", 1)
	n, _ := sameFindings(t, defaults(t), wholeDefaults(t), load(t, base), load(t, head), today)
	got := gaps(t, evaluate(t, defaults(t), input(t, load(t, base), load(t, head), today)), "chat")
	if n == 0 || !slices.Contains(got, directInjection) {
		t.Errorf("want a direct prompt injection notice on chat, six flows from the change; got %v", got)
	}
}

// A coverage draft takes the id <component>-<risk>, or <component>-<risk>-2
// when a threat has that id already, even one the change does not touch.
func TestScopeDraftIDs(t *testing.T) {
	base := shop{
		components: "  chat: {name: Support assistant, kind: llm}\n",
		flows:      "  ask: {from: web, to: chat, authenticated: true, encrypted: true}\n",
		threats:    "  chat-llm-direct-prompt-injection: {title: Database dropped, targets: [db], likelihood: low, impact: low}\n",
	}.String()
	head := strings.Replace(base, "Support assistant", "Support chat", 1)
	n, _ := sameFindings(t, defaults(t), wholeDefaults(t), load(t, base), load(t, head), today)
	fs := evaluate(t, defaults(t), input(t, load(t, base), load(t, head), today))
	if n == 0 {
		t.Fatal("no findings")
	}
	var drafts []string
	for _, f := range about(fs, "chat") {
		drafts = append(drafts, f.Suggestion)
	}
	mustContain(t, "drafts", strings.Join(drafts, "\n"), "chat-llm-direct-prompt-injection-2:")
}

// The change scope is narrow: a change to one threat of a large model
// shows a handful of elements, yet a model-scope policy still sees them
// all.
func TestScopeChangeIsNarrow(t *testing.T) {
	baseSrc := shop{
		components: "  extra-1: {name: Extra 1, kind: service}\n  extra-2: {name: Extra 2, kind: service}\n  far: {name: Far away, kind: service}\n",
		flows: "  place: {from: web, to: orders, authenticated: true, encrypted: true}\n" +
			"  store: {from: orders, to: db, authenticated: true, encrypted: true}\n" +
			"  e1: {from: db, to: extra-1, authenticated: true, encrypted: true}\n" +
			"  e2: {from: extra-1, to: extra-2, authenticated: true, encrypted: true}\n" +
			"  e3: {from: extra-2, to: far, authenticated: true, encrypted: true}\n",
		threats: "  t1: {title: Orders tampered, targets: [orders], likelihood: low, impact: high, mitigations: [m1]}\n" +
			"  t2: {title: Far away abused, targets: [far], likelihood: low, impact: low, mitigations: [m2]}\n" +
			"  t3: {title: Accepted risk, targets: [far], likelihood: low, impact: low, status: accepted, acceptance: {by: Ann, reason: Low value, until: 2027-01-01}}\n",
		mitigations: "  m1: {title: Sign orders, status: planned}\n  m2: {title: Watch far, status: implemented}\n",
	}.String()
	base := load(t, baseSrc)
	head := load(t, strings.Replace(baseSrc, "Orders tampered", "Orders tampered with", 1))
	in := policy.NewInput(testPath, today, base, head, diff.Compare(base, head))
	if in.Scope != policy.ScopeChange {
		t.Fatalf("scope %q", in.Scope)
	}
	for _, side := range []*policy.ModelView{in.Head, in.Base} {
		// orders and two hops around it; far is three hops away.
		if got, want := sortedKeys(side.Components), []string{"customer", "db", "extra-1", "extra-2", "orders", "web"}; !slices.Equal(got, want) {
			t.Errorf("components %v, want %v", got, want)
		}
		if got := sortedKeys(side.Threats); !slices.Equal(got, []string{"t1", "t3"}) {
			t.Errorf("threats %v, want the changed t1 and the accepted t3", got)
		}
		if got := sortedKeys(side.Mitigations); !slices.Equal(got, []string{"m1"}) {
			t.Errorf("mitigations %v, want m1 (used by t1)", got)
		}
		// The flows of the chosen components; extra-2 is only the end of
		// one of them, so its other flow (e3, to far) is left out.
		if got, want := sortedKeys(side.Flows), []string{"browse", "e1", "e2", "place", "store"}; !slices.Equal(got, want) {
			t.Errorf("flows %v, want %v", got, want)
		}
		if len(side.Assets) != 2 {
			t.Errorf("assets: %d, want all 2", len(side.Assets))
		}
	}
	w := in.Whole()
	if w.Scope != policy.ScopeModel || len(w.Head.Components) != 7 || len(w.Head.Threats) != 3 || len(w.Base.Mitigations) != 2 {
		t.Errorf("whole: scope %q, %d components, %d threats, %d base mitigations", w.Scope, len(w.Head.Components), len(w.Head.Threats), len(w.Base.Mitigations))
	}
}

// A policy's scope must be "change" or "model".
func TestScopeDeclarationChecked(t *testing.T) {
	e := custom(t, map[string]string{".tmbot/policies/odd.cue": "input: _\nscope: \"everything\"\nfindings: []\n"})
	fs := evalAll(t, e, input(t, nil, load(t, shop{}.String()), today))
	if len(fs) != 1 || fs[0].Rule != policy.RulePolicyError || !strings.Contains(fs[0].Message, `scope must be "change" or "model"`) {
		t.Fatalf("want one policy-error about scope, got:\n%s", dump(fs))
	}
	// A model-scope policy sees the whole model; the same policy without
	// the declaration sees only what changed.
	src := "input: _\nfindings: [for id, _ in input.head.threats {rule: \"count\", severity: \"notice\", message: id, threat: id}]\n"
	base := load(t, shop{threats: "  a: {title: A, targets: [web], likelihood: low, impact: low}\n  b: {title: B, targets: [db], likelihood: low, impact: low}\n"}.String())
	head := load(t, shop{threats: "  a: {title: A changed, targets: [web], likelihood: low, impact: low}\n  b: {title: B, targets: [db], likelihood: low, impact: low}\n"}.String())
	for scope, want := range map[string]int{"": 1, "scope: \"model\"\n": 2} {
		e := custom(t, map[string]string{".tmbot/policies/count.cue": scope + src})
		if fs := evaluate(t, e, input(t, base, head, today)); len(fs) != want {
			t.Errorf("%q: %d findings, want %d:\n%s", scope, len(fs), want, dump(fs))
		}
	}
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

func findingKeys(fs []policy.Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = fmt.Sprintf("%s %s t=%s c=%s f=%s m=%s %s:%d %s | %s", f.Rule, f.Severity, f.Threat, f.Component, f.Flow, f.Mitigation, f.File, f.Line, f.Message, f.Suggestion)
	}
	sort.Strings(out)
	return out
}

func loadJSON(t testing.TB, doc map[string]any) *model.Model {
	t.Helper()
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	res := testLoader(t).Load(t.Context(), "threats/shop.threatmodel.json", raw)
	if !res.Valid {
		if testing.Verbose() {
			t.Logf("invalid: %s", diagText(res.Diagnostics[:1]))
		}
		return nil
	}
	return res.Model
}

// dates turns the dates YAML decodes into time.Time back into YYYY-MM-DD.
func dates(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = dates(e)
		}
	case []any:
		for i, e := range x {
			x[i] = dates(e)
		}
	case time.Time:
		return x.Format(time.DateOnly)
	}
	return v
}

func clone(doc map[string]any) map[string]any {
	raw, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		panic(err)
	}
	return out
}

// mutate makes one random change to a model held as plain data and says
// what it did.
func mutate(rng *rand.Rand, doc map[string]any) string {
	section := func(name string) map[string]any {
		m, _ := doc[name].(map[string]any)
		if m == nil {
			m = map[string]any{}
			doc[name] = m
		}
		return m
	}
	pickID := func(m map[string]any) string {
		ids := make([]string, 0, len(m))
		for id := range m {
			ids = append(ids, id)
		}
		if len(ids) == 0 {
			return ""
		}
		sort.Strings(ids)
		return ids[rng.IntN(len(ids))]
	}
	oneOf := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	kinds := []string{"llm", "agent", "tool", "vector_store", "dataset", "training_pipeline", "model", "model_registry",
		"embedding_model", "feature_store", "guardrail", "web_app", "service", "database", "user", "third_party_service", "api"}
	comps, flows, threats, mits, assets := section("components"), section("flows"), section("threats"), section("mitigations"), section("assets")
	switch rng.IntN(14) {
	case 0:
		id := pickID(comps)
		c := comps[id].(map[string]any)
		c["internet_facing"] = !(c["internet_facing"] == true)
		return "toggle internet_facing of " + id
	case 1:
		id := pickID(comps)
		k := oneOf(kinds...)
		comps[id].(map[string]any)["kind"] = k
		delete(comps[id].(map[string]any), "layer")
		return "component " + id + " becomes " + k
	case 2:
		id := fmt.Sprintf("new-%d", rng.IntN(1000))
		k := oneOf(kinds...)
		comps[id] = map[string]any{"name": "New " + k, "kind": k}
		to := pickID(comps)
		flows["to-"+id] = map[string]any{"from": id, "to": to, "authenticated": rng.IntN(2) == 0, "encrypted": rng.IntN(2) == 0}
		from := pickID(comps)
		flows["from-"+id] = map[string]any{"from": from, "to": id, "authenticated": rng.IntN(2) == 0, "encrypted": true}
		return "add component " + id + " (" + k + ") with flows from " + from + " and to " + to
	case 3:
		id := pickID(flows)
		f := flows[id].(map[string]any)
		f["authenticated"] = !(f["authenticated"] == true)
		return "toggle authenticated of flow " + id
	case 4:
		id := pickID(flows)
		f := flows[id].(map[string]any)
		f["encrypted"] = !(f["encrypted"] == true)
		if a := pickID(assets); a != "" {
			f["data"] = []any{a}
		}
		return "toggle encrypted of flow " + id + " and give it data"
	case 5:
		id := pickID(flows)
		delete(flows, id)
		return "remove flow " + id
	case 6:
		id := pickID(threats)
		delete(threats, id)
		return "remove threat " + id
	case 7:
		id := pickID(threats)
		if id == "" {
			return "nothing"
		}
		th := threats[id].(map[string]any)
		th["likelihood"] = oneOf("low", "medium", "high")
		th["impact"] = oneOf("low", "medium", "high")
		return "re-rate threat " + id
	case 8:
		id := pickID(threats)
		if id == "" {
			return "nothing"
		}
		th := threats[id].(map[string]any)
		target := pickID(comps)
		if rng.IntN(2) == 0 {
			target = pickID(flows)
		}
		th["targets"] = []any{target}
		return "threat " + id + " now targets " + target
	case 9:
		target := pickID(comps)
		id := target + "-" + oneOf("llm-direct-prompt-injection", "extra")
		threats[id] = map[string]any{"title": "Someone abuses " + target, "targets": []any{target},
			"likelihood": oneOf("low", "medium", "high"), "impact": oneOf("medium", "high"),
			"owasp": []any{oneOf("LLM01:2025", "LLM02:2025", "LLM08:2025")}, "stride": []any{oneOf("spoofing", "tampering")}}
		return "add threat " + id
	case 10:
		id := pickID(mits)
		if id == "" {
			return "nothing"
		}
		mits[id].(map[string]any)["status"] = oneOf("proposed", "planned", "in_progress", "implemented", "verified", "wont_do")
		return "mitigation " + id + " changes status"
	case 11:
		id := pickID(assets)
		if id == "" {
			return "nothing"
		}
		assets[id].(map[string]any)["classification"] = oneOf("public", "internal", "confidential", "restricted")
		return "asset " + id + " reclassified"
	case 12:
		id := pickID(threats)
		if id == "" {
			return "nothing"
		}
		th := threats[id].(map[string]any)
		th["status"] = "accepted"
		th["acceptance"] = map[string]any{"by": "Ann", "reason": "Cheap to recover", "until": oneOf("2026-01-01", "2026-06-20", "2027-01-01")}
		return "accept threat " + id
	default:
		id := pickID(threats)
		if id == "" {
			return "nothing"
		}
		th := threats[id]
		delete(threats, id)
		threats[id+"-renamed"] = th
		return "rename threat " + id
	}
}

// The change scope of a change to one threat does not grow with the
// model: the input policies compile is the same size for 500 threats as
// for 2,000 (while the model-scope input is four times larger).
func TestScopeInputDoesNotGrow(t *testing.T) {
	size := func(n int) (change, whole int) {
		base := load(t, string(modelgen.YAML(modelgen.Options{Threats: n})))
		head := load(t, string(modelgen.YAML(modelgen.Options{Threats: n, Change: true})))
		in := policy.NewInput(testPath, today, base, head, diff.Compare(base, head))
		a, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(in.Whole())
		if err != nil {
			t.Fatal(err)
		}
		return len(a), len(b)
	}
	small, smallWhole := size(500)
	large, largeWhole := size(2000)
	if large > small+small/10 {
		t.Errorf("change scope: %d bytes at 500 threats, %d at 2,000", small, large)
	}
	if largeWhole < 3*smallWhole || large*20 > largeWhole {
		t.Errorf("model scope: %d bytes at 500 threats, %d at 2,000 (change scope %d)", smallWhole, largeWhole, large)
	}
	t.Logf("change scope %d / %d bytes, model scope %d / %d bytes", small, large, smallWhole, largeWhole)
}
