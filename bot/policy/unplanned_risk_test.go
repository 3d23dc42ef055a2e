package policy_test

import (
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/policy"
)

const ruleUnplanned = "unplanned-risk"

// mitigationsOfEveryStatus is a mitigations section with one mitigation per
// status, named after it.
const mitigationsOfEveryStatus = `  m-proposed: {title: Proposed control, status: proposed}
  m-planned: {title: Planned control, status: planned}
  m-in-progress: {title: Control in progress, status: in_progress}
  m-implemented: {title: Implemented control, status: implemented}
  m-verified: {title: Verified control, status: verified}
  m-wont-do: {title: Dropped control, status: wont_do}
`

func TestUnplannedRiskAddedThreats(t *testing.T) {
	cases := []struct {
		name   string
		threat string // the fields of threat t1
		want   string // severity, "" for no finding
	}{
		{"critical, no mitigation", "likelihood: high, impact: high", policy.Error},
		{"high, no mitigation", "likelihood: medium, impact: high", policy.Error},
		{"high from high likelihood", "likelihood: high, impact: medium", policy.Error},
		{"medium, no mitigation", "likelihood: medium, impact: medium", policy.Warning},
		{"medium from low likelihood", "likelihood: low, impact: high", policy.Warning},
		{"low", "likelihood: low, impact: medium", ""},
		{"low low", "likelihood: low, impact: low", ""},
		{"high, only proposed", "likelihood: high, impact: medium, mitigations: [m-proposed]", policy.Error},
		{"high, only wont_do", "likelihood: high, impact: medium, mitigations: [m-wont-do]", policy.Error},
		{"high, proposed and wont_do", "likelihood: high, impact: medium, mitigations: [m-proposed, m-wont-do]", policy.Error},
		{"medium, only proposed", "likelihood: medium, impact: medium, mitigations: [m-proposed]", policy.Warning},
		{"high, planned", "likelihood: high, impact: medium, mitigations: [m-planned]", ""},
		{"critical, planned next to proposed", "likelihood: high, impact: high, mitigations: [m-proposed, m-planned]", ""},
		{"high, in progress", "likelihood: high, impact: medium, mitigations: [m-in-progress]", ""},
		{"high, implemented and open", "likelihood: high, impact: medium, status: open, mitigations: [m-implemented]", ""},
		{"high, mitigated (derived)", "likelihood: high, impact: medium, mitigations: [m-verified]", ""},
		{"critical, accepted", "likelihood: high, impact: high, status: accepted, acceptance: {by: '@sec', reason: Low value target, until: 2027-01-31}", ""},
		{"critical, not applicable", "likelihood: high, impact: high, status: not_applicable, reason: No such input", ""},
		{"critical, transferred", "likelihood: high, impact: high, status: transferred, transferred_to: Insurer, reason: Covered by policy", ""},
		{"critical, mitigated written", "likelihood: high, impact: high, status: mitigated", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			head := shop{
				threats:     "  t1: {title: Card data stolen from the shop, targets: [web], " + c.threat + "}\n",
				mitigations: mitigationsOfEveryStatus,
			}.String()
			got := only(review(t, "", head), ruleUnplanned)
			if c.want == "" {
				if len(got) != 0 {
					t.Fatalf("want no finding, got:\n%s", dump(got))
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("want one %s finding, got:\n%s", c.want, dump(got))
			}
			f := got[0]
			if f.Severity != c.want || f.Threat != "t1" {
				t.Errorf("got %s on threat %q, want %s on t1", f.Severity, f.Threat, c.want)
			}
			// Plain words: what it is, and each way to settle it.
			mustContain(t, "message", f.Message, `"Card data stolen from the shop" (t1)`, "is new",
				"nothing is planned", "planned", "status: accepted", "acceptance: {by, reason, until}",
				"not_applicable with a reason")
			if f.File != testPath || f.Line != lineOf(t, head, "t1:") {
				t.Errorf("located at %s:%d, want %s:%d", f.File, f.Line, testPath, lineOf(t, head, "t1:"))
			}
			if f.Policy != "policies/unplanned-risk.cue" {
				t.Errorf("policy %q", f.Policy)
			}
		})
	}
}

func TestUnplannedRiskNamesIdleMitigations(t *testing.T) {
	head := shop{
		threats:     "  t1: {title: Card data stolen, likelihood: high, impact: high, mitigations: [m-proposed, m-wont-do]}\n",
		mitigations: mitigationsOfEveryStatus,
	}.String()
	got := only(review(t, "", head), ruleUnplanned)
	if len(got) != 1 {
		t.Fatalf("got:\n%s", dump(got))
	}
	mustContain(t, "message", got[0].Message, "m-proposed is proposed", "m-wont-do is wont_do", "critical-risk")
}

func TestUnplannedRiskOnlyNewThreats(t *testing.T) {
	open := func(likelihood, impact, extra string) string {
		return shop{threats: "  t1: {title: Card data stolen, likelihood: " + likelihood + ", impact: " + impact + extra + "}\n",
			mitigations: mitigationsOfEveryStatus}.String()
	}
	cases := []struct {
		name, base, head string
		want             string
		parts            []string
	}{
		{"unchanged high threat is old news", open("high", "high", ""), open("high", "high", ""), "", nil},
		{"changed title but same risk", open("high", "high", ""),
			strings.Replace(open("high", "high", ""), "Card data stolen", "Card data stolen by skimming", 1), "", nil},
		{"raised from medium to high", open("medium", "medium", ""), open("medium", "high", ""), policy.Error,
			[]string{"higher risk than before", "it was medium", "high-risk"}},
		{"raised from low to medium", open("low", "low", ""), open("medium", "medium", ""), policy.Warning,
			[]string{"it was low"}},
		{"raised from low to low", open("low", "low", ""), open("low", "medium", ""), "", nil},
		{"lowered from critical to high", open("high", "high", ""), open("medium", "high", ""), "", nil},
		{"raised but planned", open("medium", "medium", ", mitigations: [m-planned]"), open("high", "high", ", mitigations: [m-planned]"), "", nil},
		{"reopened from accepted", open("high", "medium", ", status: accepted, acceptance: {by: '@sec', reason: Rare, until: 2027-01-01}"),
			open("high", "medium", ", status: open"), policy.Error, []string{"is open again"}},
		{"reopened from mitigated (mitigation undone)", open("medium", "medium", ", mitigations: [m-implemented]"),
			open("medium", "medium", ", mitigations: [m-proposed]"), policy.Warning, []string{"is open again"}},
		{"newly accepted", open("high", "high", ""),
			open("high", "high", ", status: accepted, acceptance: {by: '@sec', reason: Rare, until: 2027-01-01}"), "", nil},
		{"renamed is not new", open("high", "high", ""), strings.Replace(open("high", "high", ""), "t1:", "card-theft:", 1), "", nil},
		{"model deleted", open("high", "high", ""), "", "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := only(review(t, c.base, c.head), ruleUnplanned)
			if c.want == "" {
				if len(got) != 0 {
					t.Fatalf("want no finding, got:\n%s", dump(got))
				}
				return
			}
			if len(got) != 1 || got[0].Severity != c.want {
				t.Fatalf("want one %s, got:\n%s", c.want, dump(got))
			}
			mustContain(t, "message", got[0].Message, c.parts...)
		})
	}
}

func TestUnplannedRiskBlocks(t *testing.T) {
	high := shop{threats: "  t1: {title: Card data stolen, likelihood: high, impact: medium}\n"}.String()
	medium := shop{threats: "  t1: {title: Card data stolen, likelihood: medium, impact: medium}\n"}.String()
	if fs := only(review(t, "", high), ruleUnplanned); !policy.Blocking(fs) {
		t.Errorf("a new unplanned high-risk threat does not block:\n%s", dump(fs))
	}
	if fs := only(review(t, "", medium), ruleUnplanned); policy.Blocking(fs) || len(fs) != 1 {
		t.Errorf("a new unplanned medium-risk threat: want one warning that does not block:\n%s", dump(fs))
	}
}
