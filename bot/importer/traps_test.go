package importer

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tmbot/tmbot/bot/model"
)

// imp imports an inline source and checks that the result validates.
func imp(t *testing.T, format, src string, opts Options) *Result {
	t.Helper()
	if opts.Now.IsZero() {
		opts.Now = importTime
	}
	res, err := Import(context.Background(), format, "inline", []byte(src), opts)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	out, err := res.Doc.YAML("")
	if err != nil {
		t.Fatal(err)
	}
	loadModel(t, "inline.threatmodel.yaml", out)
	return res
}

// reported checks that the report has a guess at where whose message
// contains every one of words.
func reported(t *testing.T, r *Report, where string, words ...string) {
	t.Helper()
	for _, g := range r.Guesses {
		if g.Where != where {
			continue
		}
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(g.Message, w)
		}
		if ok {
			return
		}
	}
	t.Errorf("no guess at %s saying %q; guesses: %+v", where, words, r.Guesses)
}

func hasRule(t *testing.T, r *Report, words ...string) {
	t.Helper()
	for _, s := range r.Rules {
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(s, w)
		}
		if ok {
			return
		}
	}
	t.Errorf("no rule saying %q; rules: %q", words, r.Rules)
}

const threagileSmall = `
title: Shop
data_assets:
  Orders:
    id: orders
    confidentiality: restricted
  Card numbers:
    id: cards
    confidentiality: strictly-confidential
technical_assets:
  Web:
    id: web
    type: process
    technology: web-server
    internet: true
    communication_links:
      Query DB:
        target: db
        protocol: jdbc-encrypted
        authentication: credentials
        data_assets_sent: [orders]
  DB:
    id: db
    type: datastore
    technology: database
individual_risk_categories:
  Weak thing:
    id: weak-thing
    description: Something weak.
    mitigation: Make it strong.
    stride: tampering
    cwe: 89
    risks_identified:
      <b>Weak thing</b> at <b>DB</b>:
        exploitation_likelihood: frequent
        exploitation_impact: very-high
        most_relevant_technical_asset: db
      <b>Weak thing</b> at <b>Web</b>:
        exploitation_likelihood: unlikely
        exploitation_impact: low
        most_relevant_technical_asset: web
risk_tracking:
  weak-thing@db:
    status: accepted
    justification: Tolerable for now
    checked_by: Jane
  weak-thing@web:
    status: in-progress
  missing-hardening@*:
    status: mitigated
`

// Threagile's restricted is its middle confidentiality level; tmbot's is
// the top. Reading it as restricted would overstate every such asset.
func TestThreagileRestrictedIsAMiddleLevel(t *testing.T) {
	res := imp(t, FormatThreagile, threagileSmall, Options{})
	a, _ := res.Doc.Assets.Get("orders")
	if a.Classification != "confidential" {
		t.Errorf("restricted: got %q, want confidential", a.Classification)
	}
	c, _ := res.Doc.Assets.Get("cards")
	if c.Classification != "restricted" {
		t.Errorf("strictly-confidential: got %q, want restricted", c.Classification)
	}
	reported(t, res.Report, "assets.orders.classification", "middle level")
	hasRule(t, res.Report, "restricted→confidential", "strictly-confidential→restricted")
}

// Threagile's four likelihood and impact levels map to three, with the
// cut points stated; an accepted risk with no expiry gets the default, and
// the tracking of risks that Threagile's rules compute is kept, not lost.
func TestThreagileLevelsTrackingAndIDs(t *testing.T) {
	res := imp(t, FormatThreagile, threagileSmall, Options{})
	d := res.Doc
	hi, ok := d.Threats.Get("weak-thing-db")
	if !ok {
		t.Fatalf("threats: %v", d.Threats.Keys())
	}
	if hi.Likelihood != "high" || hi.Impact != "high" {
		t.Errorf("frequent/very-high: got %s/%s, want high/high", hi.Likelihood, hi.Impact)
	}
	lo, _ := d.Threats.Get("weak-thing-web")
	if lo.Likelihood != "low" || lo.Impact != "low" {
		t.Errorf("unlikely/low: got %s/%s, want low/low", lo.Likelihood, lo.Impact)
	}
	hasRule(t, res.Report, "unlikely→low", "very-likely and frequent→high", "very-high→high")
	// Accepted with a reason and a name but no expiry.
	if hi.Status != "accepted" || hi.Acceptance == nil {
		t.Fatalf("tracking status accepted: got %q %+v", hi.Status, hi.Acceptance)
	}
	want := importTime.AddDate(0, 0, DefaultAcceptDays).Format(time.DateOnly)
	if hi.Acceptance.Until != want || hi.Acceptance.By != "Jane" || hi.Acceptance.Reason != "Tolerable for now" {
		t.Errorf("acceptance: got %+v, want until %s by Jane", hi.Acceptance, want)
	}
	reported(t, res.Report, "threats.weak-thing-db.acceptance.until", want, "no expiry")
	// The shared mitigation is as far along as its least advanced risk.
	m, _ := d.Mitigations.Get("weak-thing")
	if m.Status != "proposed" {
		t.Errorf("mitigation status: got %s, want proposed (one risk accepted, one in progress)", m.Status)
	}
	// Flow id made valid, original kept.
	f, ok := d.Flows.Get("web-query-db")
	if !ok {
		t.Fatalf("flows: %v", d.Flows.Keys())
	}
	if got := f.Extensions["threagile"].(map[string]any)["id"]; got != "web>query-db" {
		t.Errorf("original id: got %v", got)
	}
	if !model.Says(f.Encrypted, true) || !model.Says(f.Authenticated, true) {
		t.Errorf("jdbc-encrypted with credentials: encrypted %v authenticated %v", f.Encrypted, f.Authenticated)
	}
	reported(t, res.Report, "flows.web-query-db", "web>query-db")
	// Tracking of computed risks: kept and reported.
	kept := d.Extensions["threagile"].(map[string]any)["risk_tracking"].(map[string]any)
	if _, ok := kept["missing-hardening@*"]; !ok {
		t.Errorf("risk tracking of computed risks not kept: %v", kept)
	}
	reported(t, res.Report, "extensions.threagile.risk_tracking", "missing-hardening@*")
}

func TestAcceptUntilOption(t *testing.T) {
	res := imp(t, FormatThreagile, threagileSmall, Options{AcceptUntil: "2027-03-31"})
	th, _ := res.Doc.Threats.Get("weak-thing-db")
	if th.Acceptance.Until != "2027-03-31" {
		t.Errorf("until: got %s, want the option's 2027-03-31", th.Acceptance.Until)
	}
	_, err := Import(context.Background(), FormatThreagile, "x", []byte(threagileSmall), Options{AcceptUntil: "31/03/2027"})
	if err == nil || !strings.Contains(err.Error(), "YYYY-MM-DD") {
		t.Errorf("a bad date: got %v", err)
	}
}

const pytmSmall = `{
  "name": "Chat", "description": "A chat app",
  "elements": [
    {"__class__": "Actor", "name": "User", "data": []},
    {"__class__": "LLM", "name": "Bot LLM", "data": []}
  ],
  "flows": [{"name": "User asks", "source": "User", "sink": "Bot LLM", "data": ["Prompt"], "controls": {"isEncrypted": true}}],
  "data": [{"name": "Prompt", "classification": "Classification.RESTRICTED"},
           {"name": "Keys", "classification": "Classification.SECRET"}],
  "findings": [
    {"threat_id": "LLM01", "target": "Bot LLM", "description": "Direct Prompt Injection", "details": "d",
     "severity": "Very High", "likelihood": "High", "mitigations": "Filter input.", "references": "https://cwe.mitre.org/data/definitions/77.html", "response": ""},
    {"threat_id": "LLM01", "target": "User asks", "description": "Direct Prompt Injection", "details": "d",
     "severity": "Low", "likelihood": "", "mitigations": "Filter input.", "references": "", "response": "accepted"}
  ]
}`

// A JSON file that starts with a byte-order mark (as Windows tools write)
// is read.
func TestByteOrderMark(t *testing.T) {
	imp(t, FormatThreatComposer, "\ufeff"+tcSmall, Options{})
}

// pytm's RESTRICTED is its second classification level, and its LLM01 is
// its own threat number, not OWASP's LLM01:2025.
func TestPytmRestrictedAndItsOwnLLMNumbers(t *testing.T) {
	res := imp(t, FormatPytm, pytmSmall, Options{})
	d := res.Doc
	if a, _ := d.Assets.Get("prompt"); a.Classification != "internal" {
		t.Errorf("RESTRICTED: got %q, want internal", a.Classification)
	}
	if a, _ := d.Assets.Get("keys"); a.Classification != "restricted" {
		t.Errorf("SECRET: got %q, want restricted", a.Classification)
	}
	reported(t, res.Report, "assets.prompt.classification", "RESTRICTED", "second level")
	for _, id := range d.Threats.Keys() {
		th, _ := d.Threats.Get(id)
		if len(th.OWASP) > 0 {
			t.Errorf("threat %s: pytm's LLM01 written as OWASP %v", id, th.OWASP)
		}
		if th.Extensions["pytm"].(map[string]any)["threat_id"] != "LLM01" {
			t.Errorf("threat %s: pytm's threat id not kept: %v", id, th.Extensions)
		}
	}
	hasRule(t, res.Report, "not OWASP")
	reported(t, res.Report, "threats.llm01-bot-llm", "pytm's own number")
	th, _ := d.Threats.Get("llm01-bot-llm")
	if th.Likelihood != "high" || th.Impact != "high" || len(th.Targets) != 1 || th.Targets[0] != "bot-llm" {
		t.Errorf("finding on an element: %+v", th)
	}
	if len(th.CWE) != 1 || th.CWE[0] != "CWE-77" {
		t.Errorf("CWE from references: %v", th.CWE)
	}
	onFlow, _ := d.Threats.Get("llm01-user-asks")
	if len(onFlow.Targets) != 1 || onFlow.Targets[0] != "user-asks" || onFlow.Status != "accepted" {
		t.Errorf("finding on a flow, accepted: %+v", onFlow)
	}
	if d.Mitigations.Len() != 1 {
		t.Errorf("one mitigation per pytm threat: got %v", d.Mitigations.Keys())
	}
}

const tcSmall = `{
  "schema": 1,
  "applicationInfo": {"name": "Chat bot", "description": "A bot"},
  "threats": [
    {"id": "11111111-1111-1111-1111-111111111111", "numericId": 1, "statement": "A user can inject prompts, resulting in reduced integrity of the LLM model",
     "impactedAssets": ["the LLM model"], "metadata": [{"key": "Priority", "value": "High"}, {"key": "STRIDE", "value": ["T", "I"]}], "status": "threatIdentified"},
    {"id": "22222222-2222-2222-2222-222222222222", "numericId": 2, "statement": "Resolved one", "status": "threatResolved", "metadata": []}
  ],
  "mitigations": [
    {"id": "33333333-3333-3333-3333-333333333333", "numericId": 1, "content": "Filter prompts", "status": "mitigationIdentified"},
    {"id": "44444444-4444-4444-4444-444444444444", "numericId": 2, "content": "Done already", "status": "mitigationResolved"}
  ],
  "mitigationLinks": [{"mitigationId": "33333333-3333-3333-3333-333333333333", "linkedId": "11111111-1111-1111-1111-111111111111"}]
}`

// threat-composer names free-text assets, not elements; its
// mitigationIdentified plans nothing.
func TestThreatComposerAssetsAndIdentifiedMitigations(t *testing.T) {
	res := imp(t, FormatThreatComposer, tcSmall, Options{})
	d := res.Doc
	th, _ := d.Threats.Get("threat-1")
	if th == nil || len(th.Targets) != 0 {
		t.Fatalf("a free-text asset with no component: want no targets (the system), got %+v", th)
	}
	if got := th.Extensions["threat-composer"].(map[string]any)["impactedAssets"]; got == nil {
		t.Errorf("the asset text is not kept: %v", th.Extensions)
	}
	reported(t, res.Report, "threats.threat-1.targets", "the LLM model", "system as a whole")
	if th.Impact != "high" || th.Likelihood != "medium" || strings.Join(th.Stride, ",") != "tampering,information_disclosure" {
		t.Errorf("priority and STRIDE: %+v", th)
	}
	m, _ := d.Mitigations.Get("mitigation-1")
	if m.Status != "proposed" {
		t.Errorf("mitigationIdentified: got %s, want proposed", m.Status)
	}
	reported(t, res.Report, "mitigations.mitigation-1.status", "mitigationIdentified", "plans nothing")
	if m2, _ := d.Mitigations.Get("mitigation-2"); m2.Status != "implemented" {
		t.Errorf("mitigationResolved: got %s", m2.Status)
	}
	if th2, _ := d.Threats.Get("threat-2"); th2.Status != "mitigated" {
		t.Errorf("threatResolved: got %s", th2.Status)
	}
}

// Where the model has components, a free-text asset that names one maps
// to it (the longest name found wins).
func TestComponentByText(t *testing.T) {
	b := newBuilder(FormatThreatComposer, "x", Options{})
	b.doc.Components.Set("llm", &Component{Name: "LLM", Kind: "llm"})
	b.doc.Components.Set("llm-api", &Component{Name: "LLM inference API", Kind: "api"})
	for text, want := range map[string]string{
		"the LLM inference API": "llm-api", "llm": "llm", "the LLM model": "llm", "user data": "", "LLMs in general": "",
	} {
		if got := b.componentByText(text); got != want {
			t.Errorf("%q: got %q, want %q", text, got, want)
		}
	}
}

const otmSmall = `otmVersion: 0.2.0
project: {name: Test Project, id: Test_Project, owner: John Doe}
trustZones:
  - {id: inet, name: Internet, type: internet, risk: {trustRating: 10}}
  - {id: priv, name: Private, risk: {trustRating: 100}}
assets:
  - {id: cc, name: Cards, risk: {confidentiality: 100, integrity: 100, availability: 0}}
  - {id: pub, name: Brochure, risk: {confidentiality: 10, integrity: 50, availability: 50}}
components:
  - {id: web, name: Web Client, type: web-client, parent: {trustZone: inet}, threats: [{threat: t1, state: exposed, mitigations: [{mitigation: m1, state: required}]}]}
  - {id: db, name: Customer Database, type: database, parent: {trustZone: priv}, assets: {stored: [cc]},
     threats: [{threat: t2, state: accepted}, {threat: t3, state: exposed}, {threat: ghost, state: exposed, mitigations: [{mitigation: m9, state: required}]}]}
dataflows:
  - {id: "web to db!", name: Query, source: web, destination: db, assets: [cc], threats: [{threat: t3, state: mitigated, mitigations: [{mitigation: m2, state: implemented}]}]}
threats:
  - {id: t1, name: At 33, categories: [Spoofing, Other], cwes: [CWE-79], risk: {likelihood: 33, impact: 34}}
  - {id: t2, name: At 66, risk: {likelihood: 66, impact: 67}}
  - {id: t3, name: Null likelihood, risk: {likelihood: null, impact: 100}}
mitigations:
  - {id: m1, name: Encode output, riskReduction: 50}
  - {id: m2, name: TLS, riskReduction: 100}
customTopLevel: {kept: yes}
`

// OTM's 0-100 likelihood and impact map to three levels with the cut
// points stated; an accepted state gets an expiry; a required mitigation
// plans nothing; what OTM holds that tmbot cannot is kept.
func TestOTMNumbersStatesAndKeptData(t *testing.T) {
	res := imp(t, FormatOTM, otmSmall, Options{})
	d := res.Doc
	get := func(id string) *Threat {
		th, ok := d.Threats.Get(id)
		if !ok {
			t.Fatalf("threat %s missing: %v", id, d.Threats.Keys())
		}
		return th
	}
	if th := get("t1"); th.Likelihood != "low" || th.Impact != "medium" || th.Stride[0] != "spoofing" || th.CWE[0] != "CWE-79" {
		t.Errorf("33/34: %+v", th)
	}
	if th := get("t2"); th.Likelihood != "medium" || th.Impact != "high" {
		t.Errorf("66/67: %+v", th)
	}
	hasRule(t, res.Report, "0 to 33 low", "over 33 to 66 medium", "over 66 high")
	if th := get("t3"); th.Likelihood != "medium" || th.Status != "" {
		t.Errorf("null likelihood and exposed+mitigated instances: %+v", th)
	}
	reported(t, res.Report, "threats.t3.likelihood", "no likelihood")
	reported(t, res.Report, "threats.t3.status", "least settled")
	if th := get("t2"); th.Status != "accepted" || th.Acceptance.Until != "2027-03-01" {
		t.Errorf("accepted: %+v %+v", th, th.Acceptance)
	}
	reported(t, res.Report, "threats.t2.acceptance.until", "2027-03-01")
	if m, _ := d.Mitigations.Get("m1"); m.Status != "proposed" {
		t.Errorf("required: %s", m.Status)
	}
	reported(t, res.Report, "mitigations.m1.status", "required", "plans nothing")
	if m, _ := d.Mitigations.Get("m2"); m.Status != "implemented" {
		t.Errorf("implemented: %s", m.Status)
	}
	// A web client is the user's browser: the user's side, in the
	// internet zone.
	if c, _ := d.Components.Get("web"); !c.InternetFacing || c.Kind != "user" {
		t.Errorf("web client in the internet zone: %+v", c)
	}
	if a, _ := d.Assets.Get("cc"); a.Classification != "restricted" {
		t.Errorf("confidentiality 100: %s", a.Classification)
	}
	if a, _ := d.Assets.Get("pub"); a.Classification != "public" {
		t.Errorf("confidentiality 10: %s", a.Classification)
	}
	if d.System.ID != "test-project" {
		t.Errorf("system id: %s", d.System.ID)
	}
	f, ok := d.Flows.Get("web-to-db")
	if !ok || f.Extensions["otm"].(map[string]any)["id"] != "web to db!" {
		t.Errorf("flow id made valid with the original kept: %v %+v", d.Flows.Keys(), f)
	}
	otm := d.Extensions["otm"].(map[string]any)
	if inet, _ := d.Boundaries.Get("inet"); inet == nil || inet.Name != "Internet" || inet.Trusted == nil || *inet.Trusted ||
		len(inet.Members) != 1 || inet.Members[0] != "web" {
		t.Errorf("trust zone inet as a boundary: %+v", inet)
	}
	if priv, _ := d.Boundaries.Get("priv"); priv == nil || priv.Trusted != nil || len(priv.Members) != 1 || priv.Members[0] != "db" {
		t.Errorf("trust zone priv as a boundary: %+v", priv)
	}
	for _, k := range []string{"customTopLevel", "project"} {
		if otm[k] == nil {
			t.Errorf("%s not kept under extensions.otm: %v", k, otm)
		}
	}
	if len(otm["orphanInstances"].([]any)) != 1 {
		t.Errorf("an instance of an undefined threat is not kept: %v", otm["orphanInstances"])
	}
	reported(t, res.Report, "components.db", "ghost", "does not define")
	if th := get("t1"); th.Extensions["otm"].(map[string]any)["categories"] == nil {
		t.Errorf("a category that is not STRIDE is not kept: %v", th.Extensions)
	}
}

// Hostile sources are refused with a message that names the limit.
func TestHostileSourcesAreRefused(t *testing.T) {
	deep := strings.Repeat("[", 100) + strings.Repeat("]", 100)
	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	prev := "a"
	for i := 0; i < 8; i++ {
		n := string(rune('b' + i))
		bomb += n + ": &" + n + " [" + strings.Repeat("*"+prev+", ", 9) + "*" + prev + "]\n"
		prev = n
	}
	cases := []struct{ name, format, src, want string }{
		{"deep JSON", FormatPytm, `{"a":` + deep + `}`, "nesting deeper"},
		{"alias bomb", FormatThreagile, bomb, "more than 1000000 nodes"},
		{"huge", FormatPytm, `{"a":"` + strings.Repeat("x", MaxSourceBytes) + `"}`, "larger than the limit"},
		{"not the format", FormatThreatDragon, `{"x": 1}`, "does not look like"},
		{"not JSON", FormatTMBOM, `{`, "read JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Import(context.Background(), c.format, "bad", []byte(c.src), Options{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error saying %q", err, c.want)
			}
		})
	}
	if _, err := Import(context.Background(), "visio", "x", nil, Options{}); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("unknown format: %v", err)
	}
}
