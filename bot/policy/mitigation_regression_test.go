package policy_test

import (
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/policy"
)

const ruleRegression = "mitigation-regression"

// withWAF is a model whose mitigation waf, in the given status, is used by
// threats t1 and t2 (and one more mitigation, mfa, that stays implemented).
func withWAF(status string) string {
	return shop{
		threats: "  t1: {title: SQL injection through the shop, likelihood: high, impact: high, mitigations: [waf, mfa]}\n" +
			"  t2: {title: Cross-site scripting in reviews, likelihood: medium, impact: medium, mitigations: [waf]}\n",
		mitigations: "  waf: {title: Web application firewall, status: " + status + "}\n" +
			"  mfa: {title: Staff MFA, status: implemented}\n",
	}.String()
}

func TestMitigationRegression(t *testing.T) {
	cases := []struct {
		from, to string
		want     bool
	}{
		{"implemented", "planned", true},
		{"implemented", "proposed", true},
		{"implemented", "in_progress", true},
		{"verified", "planned", true},
		{"verified", "in_progress", true},
		{"verified", "implemented", false},
		{"implemented", "verified", false},
		{"implemented", "implemented", false},
		{"implemented", "wont_do", true},
		{"verified", "wont_do", true},
		{"proposed", "wont_do", false},
		{"planned", "wont_do", false},
		{"in_progress", "wont_do", false},
		{"planned", "proposed", false},
		{"in_progress", "planned", false},
		{"planned", "implemented", false},
	}
	for _, c := range cases {
		t.Run(c.from+" to "+c.to, func(t *testing.T) {
			head := withWAF(c.to)
			got := only(review(t, withWAF(c.from), head), ruleRegression)
			if !c.want {
				if len(got) != 0 {
					t.Fatalf("want no finding, got:\n%s", dump(got))
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("want one warning, got:\n%s", dump(got))
			}
			f := got[0]
			if f.Severity != policy.Warning || f.Mitigation != "waf" || f.Threat != "" {
				t.Errorf("got %s on mitigation %q threat %q", f.Severity, f.Mitigation, f.Threat)
			}
			mustContain(t, "message", f.Message, `"Web application firewall" (waf)`, "was "+c.from+" on the base branch",
				"is "+c.to+" here", `"SQL injection through the shop" (t1)`, `"Cross-site scripting in reviews" (t2)`,
				"set its status back to "+c.from)
			if abandoned := strings.Contains(f.Message, "the control is abandoned"); abandoned != (c.to == "wont_do") {
				t.Errorf("to %s: says abandoned %v: %s", c.to, abandoned, f.Message)
			}
			if f.Line != lineOf(t, head, "waf:") || f.File != testPath {
				t.Errorf("located at %s:%d, want the line of waf", f.File, f.Line)
			}
		})
	}
}

func TestMitigationRegressionUnused(t *testing.T) {
	base := shop{mitigations: "  waf: {title: Web application firewall, status: implemented}\n"}.String()
	head := shop{mitigations: "  waf: {title: Web application firewall, status: planned}\n"}.String()
	got := only(review(t, base, head), ruleRegression)
	if len(got) != 1 {
		t.Fatalf("want one warning, got:\n%s", dump(got))
	}
	mustContain(t, "message", got[0].Message, "(waf)", "set its status back to implemented")
}

func TestMitigationRegressionNotOnAddedOrDeletedModel(t *testing.T) {
	if got := only(review(t, "", withWAF("planned")), ruleRegression); len(got) != 0 {
		t.Errorf("added model: %s", dump(got))
	}
	if got := only(review(t, withWAF("implemented"), ""), ruleRegression); len(got) != 0 {
		t.Errorf("deleted model: %s", dump(got))
	}
}
