package review

import (
	"fmt"

	"github.com/tmbot/tmbot/bot/policy"
)

// verdict is the one line a comment and a check start with: what the
// result is, and what to do.
func verdict(rep *Report) string {
	s := rep.Summary
	switch {
	case rep.OverBudget != nil:
		return overBudgetVerdict(rep.OverBudget)
	case len(rep.ConfigErrors) > 0:
		return fmt.Sprintf("❌ The threat-model configuration could not be used (%s): fix it on the default branch.", rep.ConfigErrors[0].File)
	case s.Models == 0:
		return "✅ This change touches no threat model."
	case s.Invalid > 0:
		return fmt.Sprintf("❌ %s invalid: fix the errors below, then push again.", plural(s.Invalid, "threat model is", "threat models are"))
	case rep.Blocking && adoptionOnly(rep):
		n, blocks := 0, ""
		for _, m := range rep.Models {
			if m.Adoption != nil {
				n += m.Adoption.NeedsPlans
				blocks = m.Adoption.Blocks
			}
		}
		return fmt.Sprintf("❌ Needs owners and dates: %s of risk %s or higher in the new model %s no plan; one command below plans them all.",
			plural(n, "threat", "threats"), blocks, orWord2(n, "has", "have"))
	case rep.Blocking && s.Unplanned > 0:
		return fmt.Sprintf("❌ %s no plan yet: add a mitigation, accept the risk with an owner and an expiry, or mark it not_applicable with a reason.",
			plural(s.Unplanned, "new threat has", "new threats have"))
	case rep.Blocking:
		return fmt.Sprintf("❌ %s this change: see below.", plural(s.Errors, "policy error blocks", "policy errors block"))
	case s.NewUnmitigated > 0 && s.Unplanned == 0:
		return fmt.Sprintf("✅ %s, each with a planned mitigation.", plural(s.NewUnmitigated, "new open threat", "new open threats"))
	case s.NewUnmitigated > 0:
		return fmt.Sprintf("⚠️ %s without a plan; nothing here blocks the merge.", plural(s.Unplanned, "new threat", "new threats"))
	case s.Warnings > 0:
		return fmt.Sprintf("✅ No new open threats; %s below.", plural(s.Warnings, "warning", "warnings"))
	default:
		return "✅ No new open threats."
	}
}

// plural writes "1 thing is" or "3 things are".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// adoptionOnly reports whether what blocks is only unplanned threats of
// newly added models (see adoption.go).
func adoptionOnly(rep *Report) bool {
	any := false
	for _, m := range rep.Models {
		for _, f := range m.Findings {
			if f.Severity != policy.Error {
				continue
			}
			if f.Rule != ruleUnplannedRisk || !m.inAdoption(f.Threat) {
				return false
			}
			any = true
		}
	}
	return any
}
