package review

import (
	"strings"

	"github.com/tmbot/tmbot/bot/markdown"
	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/policy"
	"github.com/tmbot/tmbot/policies"
)

// DocsURL is where the documentation of this project is read on the web
// (its docs/ folder); SARIF rules point into it.
const DocsURL = "https://github.com/tmbot/tmbot/blob/main/docs/"

// item is one result of a review for a code-scanning tool (SARIF, GitLab
// Code Quality): what, how bad, and where.
type item struct {
	rule     string
	severity string // error, warning, notice (policy's words)
	blocks   bool
	score    float64 // security severity, 0.0 to 10.0
	message  string
	file     string
	line     int
	column   int
	// key identifies the item across pushes (no line: an edit above it
	// must not make it another item).
	key string
}

// Security severities (GitHub code scanning: over 9.0 is critical, 7.0 to
// 8.9 high, 4.0 to 6.9 medium, 0.1 to 3.9 low).
var riskScore = map[string]float64{"critical": 9.5, "high": 8.0, "medium": 5.5, "low": 3.0}

func severityScore(sev string) float64 {
	switch sev {
	case policy.Error:
		return 8.0
	case policy.Warning:
		return 5.5
	}
	return 3.0
}

// ruleBaseScore is the security severity of a rule no result of this
// report has.
func ruleBaseScore(rule string) float64 {
	switch rule {
	case RuleConfiguration, RuleBudget:
		return 8.0
	}
	return 5.5
}

// items lists the report's results in the order of the report:
// configuration errors, then per model its diagnostics, new open threats
// and findings.
func (r *Report) items() []item {
	var out []item
	if ob := r.OverBudget; ob != nil {
		out = append(out, item{rule: RuleBudget, severity: policy.Error, blocks: true, score: 8.0, message: ob.Message, file: ob.File, key: ob.Limit})
	}
	for _, e := range r.ConfigErrors {
		out = append(out, item{rule: RuleConfiguration, severity: policy.Error, blocks: true, score: 8.0, message: e.Message,
			file: e.File, line: e.Line, key: e.Message})
	}
	for _, e := range r.NewConfigErrors {
		out = append(out, item{rule: RuleConfiguration, severity: policy.Error, blocks: true, score: 8.0, message: "The new configuration: " + e.Message,
			file: e.File, line: e.Line, key: "new\x00" + e.Message})
	}
	for i := range r.Models {
		m := &r.Models[i]
		for _, d := range append(append([]model.Diagnostic(nil), m.Errors...), m.Warnings...) {
			sev, sc := policy.Error, 8.0
			if d.Severity == model.SeverityWarning {
				sev, sc = policy.Warning, 5.5
			}
			out = append(out, item{rule: RuleValidation, severity: sev, blocks: sev == policy.Error, score: sc,
				message: diagnosticMessage(d.Message, d.Field), file: orWord(d.File, m.Path), line: d.Line, column: d.Column,
				key: d.Field + "\x00" + d.Message})
		}
		for _, t := range m.NewUnmitigated {
			sev := m.threatSeverity(t)
			sc, ok := riskScore[t.Risk]
			if !ok {
				sc = 5.5
			}
			out = append(out, item{rule: RuleNewUnmitigated, severity: sev, blocks: sev == policy.Error && r.Blocking, score: sc,
				message: newThreatMessage(t), file: m.Path, line: max(t.Line, 1), key: t.ID})
		}
		for _, f := range m.Findings {
			file, line, msg := m.findingLocation(f)
			kind, id := findingElement(f)
			out = append(out, item{rule: f.Rule, severity: f.Severity, blocks: r.blocks(f), score: severityScore(f.Severity),
				message: msg, file: file, line: line, key: kind + ":" + id + "\x00" + markdown.PlainLine(f.Message, maxMessageRunes)})
		}
	}
	return out
}

// defaultRules are the names of the default policies, each documented
// under a heading of its name in docs/policies.md.
func defaultRules() map[string]bool {
	out := map[string]bool{}
	files, err := policies.Defaults()
	if err != nil {
		return out
	}
	for _, f := range files {
		out[strings.TrimSuffix(f.Name, ".cue")] = true
	}
	return out
}

// ruleHelpURI is where a rule is explained: a default policy's section of
// docs/policies.md, the sections on a repository's own policies, the
// format, or the review's limits.
func ruleHelpURI(rule, policyFile string, defaults map[string]bool) string {
	switch rule {
	case RuleConfiguration:
		return DocsURL + "policies.md#6-configuring-policies-in-a-repository"
	case RuleValidation:
		return DocsURL + "format.md"
	case RuleNewUnmitigated:
		return DocsURL + "policies.md#unplanned-risk"
	case RuleBudget:
		return DocsURL + "review.md#a-request-too-large-to-review"
	case policy.RulePolicyError:
		return DocsURL + "policies.md#7-writing-your-own-policy"
	}
	if defaults[rule] && policyFile == "policies/"+rule+".cue" {
		return DocsURL + "policies.md#" + rule
	}
	return DocsURL + "policies.md#7-writing-your-own-policy"
}
