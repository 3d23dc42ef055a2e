package policy_test

import (
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/policy"
)

const ruleAcceptance = "acceptance"

// accepted is a model with one accepted threat t1 whose acceptance has the
// given fields.
func accepted(acceptance string) string {
	return shop{threats: "  t1:\n    title: Card data stolen\n    likelihood: high\n    impact: high\n    status: accepted\n" +
		"    acceptance: {" + acceptance + "}\n"}.String()
}

func TestAcceptanceDates(t *testing.T) {
	// today is 2026-06-15; today + 30 days is 2026-07-15.
	cases := []struct {
		name, until string
		want        string
		parts       []string
	}{
		{"far ahead", "2027-06-30", "", nil},
		{"31 days ahead", "2026-07-16", "", nil},
		{"30 days ahead", "2026-07-15", policy.Warning, []string{"expires on 2026-07-15, within 30 days", "renew", "plan a mitigation"}},
		{"tomorrow", "2026-06-16", policy.Warning, []string{"expires on 2026-06-16"}},
		{"today", "2026-06-15", policy.Warning, []string{"expires today (2026-06-15)"}},
		{"yesterday", "2026-06-14", policy.Error, []string{"expired on 2026-06-14: renew the acceptance or plan a mitigation"}},
		{"long ago", "2024-01-31", policy.Error, []string{"expired on 2024-01-31"}},
		{"quoted date", "'2026-06-01'", policy.Error, []string{"expired on 2026-06-01"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			head := accepted("by: '@alpine/security', reason: Only staff can reach it, until: " + c.until)
			got := only(review(t, "", head), ruleAcceptance)
			if c.want == "" {
				if len(got) != 0 {
					t.Fatalf("want no finding, got:\n%s", dump(got))
				}
				return
			}
			if len(got) != 1 || got[0].Severity != c.want || got[0].Threat != "t1" {
				t.Fatalf("want one %s on t1, got:\n%s", c.want, dump(got))
			}
			mustContain(t, "message", got[0].Message, append([]string{`"Card data stolen" (t1)`, "@alpine/security"}, c.parts...)...)
			if got[0].Line != lineOf(t, head, "t1:") {
				t.Errorf("line %d, want that of t1", got[0].Line)
			}
		})
	}
}

// An acceptance is judged whatever the change: it expires with time. An
// unchanged model with an expired acceptance still gets the error.
func TestAcceptanceExpiredInUnchangedModel(t *testing.T) {
	m := accepted("by: '@sec', reason: Rare, until: 2026-01-01")
	got := only(review(t, m, m), ruleAcceptance)
	if len(got) != 1 || got[0].Severity != policy.Error {
		t.Fatalf("want one error, got:\n%s", dump(got))
	}
}

// An acceptance counts only when the status is accepted.
func TestAcceptanceIgnoredUnlessAccepted(t *testing.T) {
	for _, status := range []string{"open", "mitigated", "not_applicable, reason: No card data"} {
		head := shop{threats: "  t1: {title: Card data stolen, likelihood: high, impact: high, status: " + status +
			", acceptance: {by: '@sec', reason: Rare, until: 2020-01-01}}\n"}.String()
		if got := only(review(t, "", head), ruleAcceptance); len(got) != 0 {
			t.Errorf("status %s: want no finding, got:\n%s", status, dump(got))
		}
	}
}

// Missing parts: the validator refuses these models, but a policy that is
// run on one (or on a repository's own schema) must still say what lacks.
func TestAcceptanceMissingParts(t *testing.T) {
	cases := []struct {
		name, acceptance string
		parts            []string
		absent           []string
	}{
		{"no by", "reason: Rare, until: 2027-01-01", []string{"who accepted it (by)"}, []string{"(reason)", "(until)"}},
		{"no reason", "by: '@sec', until: 2027-01-01", []string{"why the risk is acceptable (reason)"}, []string{"(by)", "(until)"}},
		{"no until", "by: '@sec', reason: Rare", []string{"until when it holds (until)"}, []string{"(by)", "(reason)"}},
		{"blank by", "by: '  ', reason: Rare, until: 2027-01-01", []string{"(by)"}, nil},
		{"nothing", "", []string{"(by)", "(reason)", "(until)"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := input(t, nil, loadAny(t, accepted(c.acceptance)), today)
			got := only(evaluate(t, defaults(t), in), ruleAcceptance)
			if len(got) != 1 || got[0].Severity != policy.Error {
				t.Fatalf("want one error, got:\n%s", dump(got))
			}
			mustContain(t, "message", got[0].Message, append([]string{"is marked accepted", "acceptance: {by, reason, until}"}, c.parts...)...)
			for _, a := range c.absent {
				if strings.Contains(got[0].Message, a) {
					t.Errorf("message names %s, which is there:\n%s", a, got[0].Message)
				}
			}
		})
	}
	// No acceptance block at all.
	src := shop{threats: "  t1: {title: Card data stolen, likelihood: high, impact: high, status: accepted}\n"}.String()
	got := only(evaluate(t, defaults(t), input(t, nil, loadAny(t, src), today)), ruleAcceptance)
	if len(got) != 1 || got[0].Severity != policy.Error {
		t.Fatalf("no acceptance: want one error, got:\n%s", dump(got))
	}
	mustContain(t, "message", got[0].Message, "(by)", "(reason)", "(until)")
}

// Without input.soon (an engine that does not set it), the rule still
// reports expired acceptances and gives no "expires soon" warning.
func TestAcceptanceWithoutSoon(t *testing.T) {
	for until, want := range map[string]int{"2026-06-14": 1, "2026-06-20": 0} {
		in := input(t, nil, load(t, accepted("by: '@sec', reason: Rare, until: "+until)), today)
		in.Soon = ""
		got := only(evaluate(t, defaults(t), in), ruleAcceptance)
		if len(got) != want {
			t.Errorf("until %s: want %d findings, got:\n%s", until, want, dump(got))
		}
		for _, f := range got {
			if f.Severity != policy.Error {
				t.Errorf("until %s: %s", until, f.Severity)
			}
		}
	}
}
