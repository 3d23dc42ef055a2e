package review

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tmbot/tmbot/bot/policy"
)

// verdict is the one line a comment and a check start with: what the
// result is, and what to do. When the check fails, it names every reason.
func verdict(rep *Report) string {
	s := rep.Summary
	switch {
	case rep.OverBudget != nil:
		return overBudgetVerdict(rep.OverBudget)
	case rep.Blocking:
		return blockingVerdict(rep)
	case s.Models == 0:
		return "✅ This change touches no threat model."
	case s.NewUnmitigated > 0 && s.Unplanned == 0:
		return fmt.Sprintf("✅ %s, each with a planned mitigation.", plural(s.NewUnmitigated, "new open threat", "new open threats"))
	case s.NewUnmitigated > 0:
		return fmt.Sprintf("⚠️ %s without a plan; nothing here blocks the merge.", plural(s.Unplanned, "new threat", "new threats"))
	case newWarnings(rep) > 0:
		return fmt.Sprintf("✅ No new open threats; %s below.", plural(newWarnings(rep), "warning", "warnings"))
	default:
		return "✅ No new open threats."
	}
}

// blockingVerdict names every reason the check fails: a configuration
// that could not be used, invalid models, new models that need owners and
// dates, new threats with no plan, and other policy errors by rule.
func blockingVerdict(rep *Report) string {
	var reasons []string
	if len(rep.ConfigErrors) > 0 {
		reasons = append(reasons, fmt.Sprintf("the threat-model configuration could not be used (%s): fix it on the default branch", rep.ConfigErrors[0].File))
	}
	if len(rep.NewConfigErrors) > 0 {
		reasons = append(reasons, fmt.Sprintf("the new %s in this change has %s: fix it before merging (this review used the base branch's)",
			rep.NewConfigErrors[0].File, plural(len(rep.NewConfigErrors), "error", "errors")))
	}
	if n := rep.Summary.Invalid; n > 0 {
		reasons = append(reasons, plural(n, "threat model is", "threat models are")+" invalid: fix the errors below, then push again")
	}
	adoptionNeeds, blocks, unplanned := 0, "", 0
	others := map[string]int{}
	for i := range rep.Models {
		m := &rep.Models[i]
		if m.Adoption != nil && !rep.nonBlocking {
			adoptionNeeds += m.Adoption.NeedsPlans
			blocks = m.Adoption.Blocks
		}
		bt := rep.blockingThreats(m)
		for _, f := range m.Findings {
			switch {
			case !rep.blocks(f):
			case f.Rule == ruleUnplannedRisk && m.inAdoption(f.Threat):
			case f.Rule == ruleUnplannedRisk && f.Threat != "" && bt[f.Threat]:
				unplanned++
			default:
				others[f.Rule]++
			}
		}
	}
	if adoptionNeeds > 0 {
		reasons = append(reasons, fmt.Sprintf("needs owners and dates: %s of risk %s or higher in the new model %s no plan; one command below plans them all",
			plural(adoptionNeeds, "threat", "threats"), blocks, orWord2(adoptionNeeds, "has", "have")))
	}
	if unplanned > 0 {
		reasons = append(reasons, plural(unplanned, "new threat has", "new threats have")+" no plan yet")
	}
	rules := make([]string, 0, len(others))
	for r := range others {
		rules = append(rules, r)
	}
	sort.Strings(rules)
	for _, r := range rules {
		reasons = append(reasons, fmt.Sprintf("%s (%s)", plural(others[r], "policy error", "policy errors"), r))
	}
	switch {
	case len(reasons) == 0:
		return "❌ The check fails: see below."
	case len(reasons) == 1 && unplanned > 0:
		return "❌ " + reasons[0] + ": add a mitigation, accept the risk with an owner and an expiry, or mark it not_applicable with a reason."
	case len(reasons) == 1:
		return "❌ " + capitalise(reasons[0]) + "."
	}
	return "❌ The check fails for " + plural(len(reasons), "reason", "reasons") + ": " + strings.Join(reasons, "; ") + "."
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// plural writes "1 thing is" or "3 things are".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// newWarnings counts the policy warnings the comment lists (not the
// pre-existing ones).
func newWarnings(rep *Report) int {
	n := 0
	for _, m := range rep.Models {
		for _, f := range m.Findings {
			if f.Severity == policy.Warning && !f.PreExisting {
				n++
			}
		}
	}
	return n
}
