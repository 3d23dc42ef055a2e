package review

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/tmbot/tmbot/bot/markdown"
	"github.com/tmbot/tmbot/bot/policy"
	"github.com/tmbot/tmbot/bot/sarif"
)

// Rule ids of the results that do not come from a policy.
const (
	// RuleValidation: a validation diagnostic of a model file (level error
	// or warning, as the diagnostic).
	RuleValidation = "model-validation"
	// RuleNewUnmitigated: a new (added, raised or reopened) threat that is
	// open.
	RuleNewUnmitigated = "new-unmitigated-threat"
	// RuleConfiguration: the repository's configuration or a policy file
	// could not be used.
	RuleConfiguration = "configuration-error"
)

// SARIF writes the report as a SARIF 2.1.0 log (one run of the tool
// "tmbot" at version): rules for validation, new unmitigated threats,
// configuration errors and every policy rule that yielded a finding, each
// with a helpUri into the documentation, the tag "security" and a
// security-severity (GitHub code scanning ranks alerts by it); results
// for validation diagnostics, new unmitigated threats and findings (error
// → error, warning → warning, notice → note), each at its file and line.
func (r *Report) SARIF(w io.Writer, version string) error {
	rules := []sarif.Rule{
		{ID: RuleConfiguration, Name: "ConfigurationError",
			Description: "The repository's threat-model configuration or one of its policies could not be used; the review blocks until it is fixed on the default branch."},
		{ID: RuleValidation, Name: "ThreatModelValidation",
			Description: "A threat-model file does not follow the format: an error makes the model invalid (and blocks), a warning does not."},
		{ID: RuleNewUnmitigated, Name: "NewUnmitigatedThreat",
			Description: "A threat new in this change (added, risk raised or reopened) is open: it needs a planned mitigation, an acceptance with an owner and an expiry, or status not_applicable with a reason."},
	}
	policies := map[string]string{} // rule → policy file
	for _, m := range r.Models {
		for _, f := range m.Findings {
			if _, ok := policies[f.Rule]; !ok || policies[f.Rule] == "" {
				policies[f.Rule] = f.Policy
			}
		}
	}
	names := make([]string, 0, len(policies))
	for n := range policies {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		switch n {
		case RuleConfiguration, RuleValidation, RuleNewUnmitigated, RuleBudget:
			continue // a policy may not shadow a built-in rule
		}
		desc := "Policy rule " + n
		if p := policies[n]; p != "" {
			desc += " (" + p + ")"
		}
		rules = append(rules, sarif.Rule{ID: n, Name: n, Description: desc + "."})
	}
	if r.OverBudget != nil {
		rules = append(rules, sarif.Rule{ID: RuleBudget, Name: "ReviewBudget",
			Description: "The request changes more model files, or more bytes of them, than one review reads; it is not reviewed, and the check fails."})
	}
	items := r.items()
	score := map[string]float64{}
	results := make([]sarif.Result, 0, len(items))
	for _, it := range items {
		score[it.rule] = max(score[it.rule], it.score)
		results = append(results, sarif.Result{RuleID: it.rule, Level: sarifLevel(it.severity), Message: it.message,
			File: it.file, Line: it.line, Column: it.column})
	}
	defaults := defaultRules()
	for i := range rules {
		ru := &rules[i]
		ru.HelpURI = ruleHelpURI(ru.ID, policies[ru.ID], defaults)
		ru.Tags = []string{"security"}
		sc, ok := score[ru.ID]
		if !ok {
			sc = ruleBaseScore(ru.ID)
		}
		ru.SecuritySeverity = strconv.FormatFloat(sc, 'f', 1, 64)
	}
	return sarif.Write(w, "tmbot", version, DocsURL+"review.md", rules, results)
}

func sarifLevel(severity string) string {
	switch severity {
	case policy.Error:
		return "error"
	case policy.Warning:
		return "warning"
	}
	return "note"
}

// threatSeverity is how much a new open threat matters: error when a
// finding about it blocks, warning when one warns or no mitigation is
// planned, notice otherwise.
func (m *ModelReport) threatSeverity(t NewThreat) string {
	sev := policy.Notice
	if !t.Planned {
		sev = policy.Warning
	}
	for _, f := range m.Findings {
		if f.Threat != t.ID {
			continue
		}
		switch f.Severity {
		case policy.Error:
			return policy.Error
		case policy.Warning:
			sev = policy.Warning
		}
	}
	return sev
}

// newThreatMessage describes a new open threat in one plain sentence,
// with what would settle it.
func newThreatMessage(t NewThreat) string {
	what := "New"
	switch t.Change {
	case "raised":
		what = "Raised"
	case "reopened":
		what = "Reopened"
	}
	s := fmt.Sprintf("%s %s-risk threat %q (%s) is open", what, orWord(t.Risk, "unrated"), markdown.PlainLine(t.Title, maxTitleRunes), t.ID)
	if t.Planned {
		var ids []string
		for _, m := range t.Mitigations {
			ids = append(ids, m.ID+" ("+m.Status+")")
		}
		return s + " with a planned mitigation: " + strings.Join(ids, ", ") + "."
	}
	return s + " with no planned mitigation: plan a mitigation, accept the risk (status accepted with acceptance by, reason and until), or set status not_applicable with a reason."
}

// findingLocation places a finding in the model file: at its line when the
// finding is about the model, else at line 1 with the file it came from
// named in the message (a policy file may not be in the repository).
func (m *ModelReport) findingLocation(f policy.Finding) (file string, line int, msg string) {
	msg = markdown.PlainLine(f.Message, maxMessageRunes)
	if f.File == "" || f.File == m.Path {
		return m.Path, max(f.Line, 1), msg
	}
	where := f.File
	if f.Line > 0 {
		where = fmt.Sprintf("%s:%d", f.File, f.Line)
	}
	if f.File == m.OldPath {
		where = "base version, " + where
	}
	return m.Path, 1, msg + " (" + where + ")"
}
