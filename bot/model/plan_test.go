package model

import (
	"context"
	"errors"
	"strings"
	"testing"
)

const planBefore = `# Shop threat model. Comments and layout must survive tmbot plan.
version: 1
system: {id: shop, name: Shop}

components:
  web: {name: Web, kind: web_app}   # the storefront

threats:
  # high risk, one proposed mitigation in block style
  xss:
    title: XSS
    targets: [web]
    likelihood: medium
    impact: high
    mitigations: [encode-output]

  # critical, flow-style mitigation with an empty owner and a due date
  sqli:
    title: SQL injection
    likelihood: high
    impact: high
    mitigations:
      - param-queries
  # high, no mitigation at all
  csrf: {title: CSRF, likelihood: high, impact: medium}
  # high, only a wont_do mitigation, in a flow list
  clickjacking:
    title: Clickjacking
    likelihood: high
    impact: medium
    mitigations: [frame-options]
  # low: left alone with --risk high
  typo: {title: Typo squatting, likelihood: low, impact: low, mitigations: [watch-domains]}
  # accepted: not open, left alone
  ddos:
    title: DDoS
    likelihood: high
    impact: high
    status: accepted
    acceptance: {by: "@shop/sec", reason: CDN absorbs it, until: 2027-01-01}

mitigations:
  encode-output:
    title: Encode output   # keep this comment
    status: proposed

  param-queries: {title: Parameterised queries, status: in_progress, owner: "", due: 2027-02-01}
  frame-options: {title: X-Frame-Options, status: wont_do}
  watch-domains: {title: Watch domains, status: proposed}
`

const planAfter = `# Shop threat model. Comments and layout must survive tmbot plan.
version: 1
system: {id: shop, name: Shop}

components:
  web: {name: Web, kind: web_app}   # the storefront

threats:
  # high risk, one proposed mitigation in block style
  xss:
    title: XSS
    targets: [web]
    likelihood: medium
    impact: high
    mitigations: [encode-output]

  # critical, flow-style mitigation with an empty owner and a due date
  sqli:
    title: SQL injection
    likelihood: high
    impact: high
    mitigations:
      - param-queries
  # high, no mitigation at all
  csrf: {title: CSRF, likelihood: high, impact: medium, mitigations: [plan-csrf]}
  # high, only a wont_do mitigation, in a flow list
  clickjacking:
    title: Clickjacking
    likelihood: high
    impact: medium
    mitigations: [frame-options, plan-clickjacking]
  # low: left alone with --risk high
  typo: {title: Typo squatting, likelihood: low, impact: low, mitigations: [watch-domains]}
  # accepted: not open, left alone
  ddos:
    title: DDoS
    likelihood: high
    impact: high
    status: accepted
    acceptance: {by: "@shop/sec", reason: CDN absorbs it, until: 2027-01-01}

mitigations:
  encode-output:
    title: Encode output   # keep this comment
    status: planned
    owner: "@shop/web"
    due: 2027-03-31

  param-queries: {title: Parameterised queries, status: in_progress, owner: "@shop/web", due: 2027-02-01}
  frame-options: {title: X-Frame-Options, status: wont_do}
  watch-domains: {title: Watch domains, status: proposed}
  plan-csrf:
    title: "Decide and plan the mitigation of: CSRF"
    status: planned
    owner: "@shop/web"
    due: 2027-03-31
  plan-clickjacking:
    title: "Decide and plan the mitigation of: Clickjacking"
    status: planned
    owner: "@shop/web"
    due: 2027-03-31
`

func loadValid(t *testing.T, name, src string) *Model {
	t.Helper()
	r := newTestLoader(t).Load(context.Background(), name, []byte(src))
	if !r.Valid {
		t.Fatalf("%s is not valid: %v", name, r.Errors())
	}
	return r.Model
}

// tmbot plan edits only what it must: comments, blank lines, flow and
// block styles, and untouched threats stay byte for byte.
func TestPlanKeepsCommentsAndLayout(t *testing.T) {
	m := loadValid(t, "shop.threatmodel.yaml", planBefore)
	out, changes, err := Plan("shop.threatmodel.yaml", []byte(planBefore), m, PlanOptions{Owner: "@shop/web", Due: "2027-03-31", MinRisk: RiskHigh})
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != planAfter {
		t.Errorf("got:\n%s\nwant:\n%s", out, planAfter)
	}
	after := loadValid(t, "shop.threatmodel.yaml", string(out))
	for _, id := range []string{"xss", "sqli", "csrf", "clickjacking"} {
		if th := after.Threats[id]; !th.Planned(after) {
			t.Errorf("threat %s is not planned after tmbot plan", id)
		}
	}
	if after.Threats["typo"].Planned(after) {
		t.Errorf("a low threat was planned despite --risk high")
	}
	var what []string
	for _, c := range changes {
		what = append(what, c.Threat+"/"+c.Mitigation+"/"+c.What)
	}
	want := "xss/encode-output/owner @shop/web xss/encode-output/due 2027-03-31 xss/encode-output/status planned " +
		"sqli/param-queries/owner @shop/web csrf/plan-csrf/new mitigation clickjacking/plan-clickjacking/new mitigation"
	if got := strings.Join(what, " "); got != want {
		t.Errorf("changes:\n got %s\nwant %s", got, want)
	}
}

// Without --risk every open threat is planned; a model with no
// mitigations section gets one; a second run changes nothing.
func TestPlanAllRisksAndNoMitigationsSection(t *testing.T) {
	src := "version: 1\nsystem: {id: s, name: S}\nthreats:\n  a:\n    title: A\n    likelihood: low\n    impact: low\n"
	m := loadValid(t, "s.threatmodel.yaml", src)
	out, changes, err := Plan("s.threatmodel.yaml", []byte(src), m, PlanOptions{Owner: "@t", Due: "2027-01-02"})
	if err != nil {
		t.Fatal(err)
	}
	want := src[:len(src)-1] + "\n    mitigations: [plan-a]\nmitigations:\n  plan-a:\n    title: \"Decide and plan the mitigation of: A\"\n    status: planned\n    owner: \"@t\"\n    due: 2027-01-02\n"
	if string(out) != want || len(changes) != 1 {
		t.Fatalf("got:\n%s\nwant:\n%s", out, want)
	}
	again := loadValid(t, "s.threatmodel.yaml", string(out))
	out2, changes2, err := Plan("s.threatmodel.yaml", out, again, PlanOptions{Owner: "@t", Due: "2027-01-02"})
	if err != nil || len(changes2) != 0 || string(out2) != string(out) {
		t.Errorf("a second run changed %v (err %v)", changes2, err)
	}
}

func TestPlanRefusesBadOptionsAndJSON(t *testing.T) {
	m := loadValid(t, "shop.threatmodel.yaml", planBefore)
	for _, o := range []PlanOptions{
		{Owner: "", Due: "2027-01-01"},
		{Owner: "@a\nb", Due: "2027-01-01"},
		{Owner: "@a", Due: "2027-02-30"},
		{Owner: "@a", Due: "31.01.2027"},
		{Owner: "@a", Due: "2027-01-01", MinRisk: "severe"},
	} {
		if _, _, err := Plan("shop.threatmodel.yaml", []byte(planBefore), m, o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
	if _, _, err := Plan("shop.threatmodel.json", []byte(planBefore), m, PlanOptions{Owner: "@a", Due: "2027-01-01"}); !errors.Is(err, ErrPlanOnlyYAML) {
		t.Errorf("JSON: %v", err)
	}
}

// A file with Windows line endings keeps them.
func TestPlanKeepsCRLF(t *testing.T) {
	src := strings.ReplaceAll(planBefore, "\n", "\r\n")
	m := loadValid(t, "shop.threatmodel.yaml", src)
	out, _, err := Plan("shop.threatmodel.yaml", []byte(src), m, PlanOptions{Owner: "@shop/web", Due: "2027-03-31", MinRisk: RiskHigh})
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.ReplaceAll(planAfter, "\n", "\r\n"); string(out) != want {
		t.Errorf("got:\n%q\nwant:\n%q", out, want)
	}
}
