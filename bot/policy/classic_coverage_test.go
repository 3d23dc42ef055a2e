package policy_test

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/tmbot/tmbot/bot/policy"
	"github.com/tmbot/tmbot/policies"
)

const ruleClassic = "classic-coverage"

// classicGaps returns "element/entry" for every classic-coverage notice
// (from the suggested threat ids "<element>-<entry>").
func classicGaps(t testing.TB, fs []policy.Finding) []string {
	t.Helper()
	var out []string
	for _, f := range only(fs, ruleClassic) {
		el := f.Component + f.Flow
		id, _, ok := strings.Cut(f.Suggestion, ":")
		if !ok || !strings.HasPrefix(id, el+"-") {
			t.Fatalf("suggestion does not start with %s-<entry>:\n%s", el, f.Suggestion)
		}
		out = append(out, el+"/"+strings.TrimPrefix(id, el+"-"))
	}
	sort.Strings(out)
	return out
}

// everything is a system with every classic kind, wired so that every
// entry of the classic library applies somewhere.
const everything = `version: 1
system: {id: all, name: All the parts}
components:
  customer: {name: Customer, kind: user}
  admin: {name: Administrator, kind: user}
  phone: {name: Phone app, kind: mobile_app}
  lb: {name: Load balancer, kind: network, internet_facing: true}
  web: {name: Web shop, kind: web_app, data: [pii], traits: [accepts_files]}
  api: {name: Mobile API, kind: api}
  worker: {name: Order worker, kind: service}
  legacy: {name: Legacy billing, kind: service}
  db: {name: Orders database, kind: database, data: [pii]}
  files: {name: Invoice files, kind: storage, data: [pii]}
  cache: {name: Session cache, kind: cache}
  queue: {name: Order queue, kind: queue}
  idp: {name: Directory, kind: identity_provider}
  vault: {name: Vault, kind: secrets_store}
  ci: {name: Build server, kind: ci_cd, internet_facing: true}
  payments: {name: Payment provider, kind: third_party_service}
  search: {name: Product search, kind: database}
  logs: {name: Application logs, kind: storage}
assets:
  pii: {name: Customer data, classification: confidential}
flows:
  browse: {from: customer, to: lb, protocol: https, authenticated: true, encrypted: true}
  lb-web: {from: lb, to: web, protocol: https, encrypted: true}
  phone-api: {from: phone, to: api, data: [pii], protocol: https, authenticated: true, encrypted: true}
  web-pay: {from: web, to: payments, data: [pii], protocol: https, encrypted: true}
  web-api: {from: web, to: api, protocol: https, encrypted: true}
  web-worker: {from: web, to: worker, data: [pii], encrypted: true}
  web-search: {from: web, to: search, encrypted: true}
  api-logs: {from: api, to: logs, encrypted: true}
  admin-web: {from: admin, to: web, protocol: https, authenticated: true, encrypted: true}
  web-files: {from: web, to: files, encrypted: true}
  web-idp: {from: web, to: idp, protocol: ldap}
  sign-in: {from: customer, to: idp, protocol: https, authenticated: true, encrypted: true}
  api-db: {from: api, to: db, authenticated: true, encrypted: true}
  api-cache: {from: api, to: cache, data: [pii], encrypted: true}
  api-queue: {from: api, to: queue, encrypted: true}
  api-legacy: {from: api, to: legacy, protocol: soap, encrypted: true}
  queue-worker: {from: queue, to: worker, encrypted: true}
  worker-vault: {from: worker, to: vault, encrypted: true}
  admin-db: {from: admin, to: db, protocol: ssh, encrypted: true}
  admin-ci: {from: admin, to: ci, protocol: https, encrypted: true}
  ci-web: {from: ci, to: web, protocol: ssh, encrypted: true}
  worker-legacy: {from: worker, to: legacy, authenticated: false, encrypted: true}
`

// Every entry of the classic library is raised somewhere in a model that
// calls for it, only where its conditions hold; each suggestion is a valid
// threat (its CWE, CAPEC and ATT&CK ids are in the catalog), and pasting
// them all settles every notice.
func TestClassicCoverageEveryEntry(t *testing.T) {
	fs := review(t, "", everything)
	got := classicGaps(t, fs)
	fired := map[string]bool{}
	for _, g := range got {
		_, e, _ := strings.Cut(g, "/")
		fired[e] = true
	}
	for _, e := range policies.Library() {
		if !e.Classic {
			continue
		}
		if !fired[e.ID] {
			t.Errorf("entry %s got no notice", e.ID)
		}
	}
	// Where each one fires is what the facts say; a few spot checks.
	for _, want := range []string{"db/database-injection", "db/privileged-access-without-mfa", "db/store-direct-access-bypasses-application",
		"web/web-cross-site-scripting", "web/service-server-side-request-forgery", "web/identity-provider-password-guessing",
		"worker/service-unsafe-deserialization", "legacy/service-xml-external-entities", "idp/identity-provider-ldap-injection",
		"ci/ci-cd-holds-keys-to-production", "ci/infrastructure-reachable-from-internet", "web-idp/flow-readable-in-transit", "worker-legacy/flow-unauthenticated-internal",
		"api/internet-facing-denial-of-service", "lb/internet-facing-denial-of-service",
		"web/app-malicious-file-upload", "web/web-clickjacking", "web/web-session-hijacking", "worker/service-missing-identity-propagation",
		"api/service-stored-credentials", "search/search-query-injection", "api/sensitive-data-written-to-logs",
		"payments/third-party-service-receives-sensitive-data", "web/admin-interface-reachable-from-internet", "api/api-excessive-data-exposure"} {
		if !slices.Contains(got, want) {
			t.Errorf("no notice %s; got:\n%s", want, strings.Join(got, "\n"))
		}
	}
	for _, never := range []string{"cache/privileged-access-without-mfa", "lb/privileged-access-without-mfa", "db/infrastructure-reachable-from-internet",
		"worker/service-server-side-request-forgery", "idp/internet-facing-denial-of-service", "idp/privileged-access-without-mfa", "lb-web/flow-readable-in-transit", "api-db/flow-unauthenticated-internal", "phone-api/flow-unauthenticated-internal",
		"web/store-direct-access-bypasses-application", "worker/service-stored-credentials", "db/search-query-injection",
		"worker/app-malicious-file-upload", "api/web-clickjacking", "lb/service-missing-identity-propagation", "api/service-missing-identity-propagation"} {
		if slices.Contains(got, never) {
			t.Errorf("notice %s raised, but its conditions do not hold", never)
		}
	}

	var threats strings.Builder
	for _, f := range only(fs, ruleClassic) {
		if f.Severity != policy.Notice {
			t.Errorf("%s is a %s, want a notice", f.Suggestion[:strings.IndexByte(f.Suggestion, ':')], f.Severity)
		}
		threats.WriteString(indent(f.Suggestion))
	}
	pasted := everything + "threats:\n" + threats.String()
	res := testLoader(t).Load(t.Context(), testPath, []byte(pasted))
	if !res.Valid || len(res.Diagnostics) > 0 {
		t.Fatalf("the model with every suggestion pasted has diagnostics:\n%s", diagText(res.Diagnostics))
	}
	if left := only(evaluate(t, defaults(t), input(t, nil, res.Model, today)), ruleClassic); len(left) != 0 {
		t.Errorf("notices left after pasting every suggestion:\n%s", dump(left))
	}
}

// The notice in full: where it points, its words, a suggestion with
// targets, STRIDE and framework ids.
func TestClassicCoverageNotice(t *testing.T) {
	head := shop{flows: "  place: {from: web, to: orders, authenticated: true, encrypted: true}\n" +
		"  store: {from: orders, to: db, authenticated: true, encrypted: true}\n"}.String()
	fs := about(only(review(t, "", head), ruleClassic), "db")
	if len(fs) != 1 {
		t.Fatalf("want one notice on db (injection: no data listed, so no backup or encryption at rest), got:\n%s", dump(fs))
	}
	f := fs[0]
	if f.Component != "db" || f.Line != lineOf(t, head, "db:") {
		t.Errorf("points at component %q line %d", f.Component, f.Line)
	}
	mustContain(t, "message", f.Message, `The database "Orders database" (db) has no threat about a risk that applies because it takes data that outsiders or ordinary users can shape`,
		"changes the database query", "ready to paste under threats:", "CWE-89")
	var parsed map[string]struct {
		Targets []string `yaml:"targets"`
		Stride  []string `yaml:"stride"`
		Covers  []string `yaml:"covers"`
		CWE     []string `yaml:"cwe"`
		CAPEC   []string `yaml:"capec"`
		Attack  []string `yaml:"attack"`
	}
	if err := yaml.Unmarshal([]byte(f.Suggestion), &parsed); err != nil {
		t.Fatalf("suggestion is not YAML: %v\n%s", err, f.Suggestion)
	}
	th, ok := parsed["db-database-injection"]
	if !ok || !sameSet(th.Targets, []string{"db"}) || !slices.Contains(th.Stride, "tampering") || !sameSet(th.Covers, []string{"database-injection"}) ||
		!slices.Contains(th.CWE, "CWE-89") || !slices.Contains(th.CAPEC, "CAPEC-66") || !slices.Contains(th.Attack, "T1190") {
		t.Errorf("suggestion is incomplete:\n%s", f.Suggestion)
	}
}

// Unknowns never raise a risk: a flow with no protocol and no encrypted is
// not cleartext; an encrypted http flow is not either; a protocol without
// encryption is, and so is a stated encrypted: false, whatever the data;
// only a stated authenticated: false is unauthenticated. A database nobody outside reaches gets no
// injection notice.
func TestClassicCoverageOnlyWhatIsStated(t *testing.T) {
	head := shop{components: "  batch: {name: Nightly batch, kind: service}\n  report: {name: Reports, kind: storage}\n",
		flows: "  f1: {from: batch, to: db}\n  f2: {from: batch, to: orders, protocol: http, encrypted: true}\n" +
			"  f3: {from: orders, to: report, protocol: ftp}\n  f4: {from: batch, to: report, encrypted: false, authenticated: false}\n"}.String()
	got := slices.DeleteFunc(classicGaps(t, review(t, "", head)), func(g string) bool { return strings.HasPrefix(g, "web/") })
	want := []string{"f3/flow-readable-in-transit", "f4/flow-readable-in-transit", "f4/flow-unauthenticated-internal"}
	if !sameSet(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// A flow that stride-flows already warns about (restricted data, stated
// encrypted: false, no threat) gets no second finding; once a threat
// targets it, the cleartext notice asks for the eavesdropping threat.
func TestClassicCoverageLeavesRestrictedFlowsToStrideFlows(t *testing.T) {
	flows := "  f1: {from: orders, to: db, protocol: http, data: [pii], encrypted: false}\n"
	fs := review(t, "", shop{flows: flows}.String())
	if len(about(only(fs, "stride-flows"), "f1")) != 1 || len(about(only(fs, ruleClassic), "f1")) != 0 {
		t.Errorf("want the stride-flows warning only:\n%s", dump(about(fs, "f1")))
	}
	threat := "  t1: {title: Orders are replayed, targets: [f1], stride: [repudiation], likelihood: low, impact: low}\n"
	fs = review(t, "", shop{flows: flows, threats: threat}.String())
	if got := about(only(fs, ruleClassic), "f1"); len(got) != 1 {
		t.Errorf("want the cleartext notice once a threat targets the flow:\n%s", dump(about(fs, "f1")))
	}
}

// A flow that enters the system over a protocol without encryption, with
// encrypted unsaid, gets one finding about it: classic-coverage's notice
// that it can be read in transit (with a threat to paste), not also
// stride-flows' notice asking whether it is encrypted. Once a threat
// covers reading it in transit, neither speaks.
func TestCleartextCrossingOneNotice(t *testing.T) {
	flows := "  f1: {from: web, to: orders, protocol: http, authenticated: true}\n"
	fs := about(review(t, "", shop{flows: flows}.String()), "f1")
	if len(fs) != 1 || fs[0].Rule != ruleClassic || !strings.Contains(fs[0].Suggestion, "flow-readable-in-transit") {
		t.Errorf("want only the classic-coverage cleartext notice on f1, got:\n%s", dump(fs))
	}
	threat := "  t1: {title: Orders read in transit, targets: [f1], stride: [information_disclosure], cwe: [CWE-319], likelihood: low, impact: low}\n"
	if fs := about(review(t, "", shop{flows: flows, threats: threat}.String()), "f1"); len(fs) != 0 {
		t.Errorf("want nothing on f1 once a threat covers it, got:\n%s", dump(fs))
	}
}

// Covered by id, by covers, by meaning (a STRIDE category and a keyword),
// and "probably" when the words match but the STRIDE does not. A threat on
// either end of a flow counts for the flow.
func TestClassicCoverageCovered(t *testing.T) {
	flows := "  place: {from: web, to: orders, authenticated: true, encrypted: true}\n" +
		"  store: {from: orders, to: db, authenticated: true, encrypted: true}\n"
	cases := []struct{ name, threat, want string }{
		{"cwe", "{title: Bad queries, targets: [db], cwe: [CWE-89], likelihood: low, impact: low}", ""},
		{"covers", "{title: Something, targets: [db], covers: [database-injection], likelihood: low, impact: low}", ""},
		{"meaning", "{title: SQL injection through the search box, targets: [db], stride: [tampering], likelihood: low, impact: low}", ""},
		{"on a flow into it", "{title: SQL injection in orders, targets: [store], stride: [information_disclosure], likelihood: low, impact: low}", ""},
		{"probably", "{title: SQL injection through the search box, targets: [db], stride: [spoofing], likelihood: low, impact: low}", "probably"},
		{"other words", "{title: The database is slow, targets: [db], stride: [tampering], likelihood: low, impact: low}", "gap"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := about(only(review(t, "", shop{flows: flows, threats: "  t1: " + c.threat + "\n"}.String()), ruleClassic), "db")
			fs = slices.DeleteFunc(fs, func(f policy.Finding) bool { return !strings.Contains(f.Suggestion, "database-injection") })
			switch {
			case c.want == "" && len(fs) != 0:
				t.Errorf("not covered:\n%s", dump(fs))
			case c.want == "probably" && (len(fs) != 1 || fs[0].Threat != "t1" || !strings.HasPrefix(fs[0].Message, "Probably covered by the threat t1")):
				t.Errorf("want probably covered by t1:\n%s", dump(fs))
			case c.want == "gap" && (len(fs) != 1 || fs[0].Threat != ""):
				t.Errorf("want the gap:\n%s", dump(fs))
			}
		})
	}
}

// Only what the change is answerable for: an unchanged database keeps its
// old gap quietly; a new flow that exposes it to outside input raises it.
func TestClassicCoverageChangeScope(t *testing.T) {
	base := shop{flows: "  batch: {from: orders, to: db, authenticated: true, encrypted: true}\n"}.String()
	if got := classicGaps(t, review(t, base, base)); len(got) != 0 {
		t.Errorf("an unchanged model: %v", got)
	}
	// db takes no outside input in base: orders gets none. Adding web →
	// orders makes orders, then db, take it.
	head := shop{flows: "  batch: {from: orders, to: db, authenticated: true, encrypted: true}\n" +
		"  place: {from: web, to: orders, authenticated: true, encrypted: true}\n"}.String()
	got := classicGaps(t, review(t, base, head))
	if !slices.Contains(got, "db/database-injection") {
		t.Errorf("the new exposure of db is not raised: %v", got)
	}
}

// The traits accepts_files, parses_xml and deserializes state what the
// flows cannot show; each raises its entry on a part that states it, and
// nothing without it.
func TestClassicCoverageTraits(t *testing.T) {
	flows := "  place: {from: web, to: orders, authenticated: true, encrypted: true}\n"
	cases := []struct{ trait, entry string }{
		{"accepts_files", "orders/app-malicious-file-upload"},
		{"parses_xml", "orders/service-xml-external-entities"},
		{"deserializes", "orders/service-unsafe-deserialization"},
	}
	plain := classicGaps(t, review(t, "", shop{flows: flows}.String()))
	for _, c := range cases {
		t.Run(c.trait, func(t *testing.T) {
			if slices.Contains(plain, c.entry) {
				t.Fatalf("%s raised without the trait", c.entry)
			}
			head := strings.Replace(shop{flows: flows}.String(),
				"orders: {name: Order service, kind: service}", "orders: {name: Order service, kind: service, traits: ["+c.trait+"]}", 1)
			if got := classicGaps(t, review(t, "", head)); !slices.Contains(got, c.entry) {
				t.Errorf("no %s with the trait; got %v", c.entry, got)
			}
		})
	}
	// Files taken only from internal parts are not an outsider's upload.
	head := strings.Replace(shop{}.String(), "orders: {name: Order service, kind: service}", "orders: {name: Order service, kind: service, traits: [accepts_files]}", 1)
	if got := classicGaps(t, review(t, "", head)); slices.Contains(got, "orders/app-malicious-file-upload") {
		t.Errorf("upload raised on a part no outsider reaches: %v", got)
	}
}

// Names narrow two entries: an API gateway passes on what the service
// behind it answers (no excessive-data notice), and a cloud function gets
// its role's credentials from the platform (no kept-credentials notice).
func TestClassicCoverageNamesNarrow(t *testing.T) {
	comps := "  gw: {name: API Gateway, kind: api, internet_facing: true}\n  accounts: {name: Accounts API, kind: api, internet_facing: true}\n" +
		"  fn: {name: Order Lambda, kind: service}\n  worker: {name: Order worker, kind: service}\n"
	flows := "  c-gw: {from: customer, to: gw, data: [pii], authenticated: true, encrypted: true}\n" +
		"  c-acc: {from: customer, to: accounts, data: [pii], authenticated: true, encrypted: true}\n" +
		"  fn-db: {from: fn, to: db, authenticated: true, encrypted: true}\n" +
		"  worker-db: {from: worker, to: db, authenticated: true, encrypted: true}\n"
	got := classicGaps(t, review(t, "", shop{components: comps, flows: flows}.String()))
	for _, want := range []string{"accounts/api-excessive-data-exposure", "worker/service-stored-credentials"} {
		if !slices.Contains(got, want) {
			t.Errorf("no %s; got %v", want, got)
		}
	}
	for _, never := range []string{"gw/api-excessive-data-exposure", "fn/service-stored-credentials"} {
		if slices.Contains(got, never) {
			t.Errorf("%s raised; got %v", never, got)
		}
	}
}
