package review

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"strconv"

	"github.com/tmbot/tmbot/bot/markdown"
	"github.com/tmbot/tmbot/bot/policy"
)

// CodeQualityIssue is one entry of a GitLab Code Quality report
// (artifacts:reports:codequality): GitLab's documented JSON, a list of
// {description, check_name, fingerprint, severity, location: {path,
// lines: {begin}}}. GitLab shows them in the merge request's widget and,
// on lines the diff shows, in the diff; it compares the head's report with
// the target branch's by fingerprint. GitLab ignores SARIF, hence this.
type CodeQualityIssue struct {
	Description string              `json:"description"`
	CheckName   string              `json:"check_name"`
	Fingerprint string              `json:"fingerprint"`
	Severity    string              `json:"severity"`
	Location    CodeQualityLocation `json:"location"`
}

// CodeQualityLocation is where an issue is: a path relative to the
// repository root, and a line.
type CodeQualityLocation struct {
	Path  string `json:"path"`
	Lines struct {
		Begin int `json:"begin"`
	} `json:"lines"`
}

// Code Quality severities, as GitLab names them.
const (
	CodeQualityInfo     = "info"
	CodeQualityMinor    = "minor"
	CodeQualityMajor    = "major"
	CodeQualityCritical = "critical"
	CodeQualityBlocker  = "blocker"
)

// maxCodeQualityDescription caps an issue's description (text from
// models and policies).
const maxCodeQualityDescription = 2000

// CodeQuality lists the report as Code Quality issues: the same results
// as SARIF. What fails the check is blocker (a configuration or
// validation error, a request too large) or critical (a policy error, a
// new threat it blocks on); a warning is major when it is about a new open
// threat of high or critical risk, minor otherwise; a suggestion is info.
// A fingerprint is stable across pushes: it hashes the rule, the file and
// what the issue is about (not its line).
func (r *Report) CodeQuality() []CodeQualityIssue {
	out := []CodeQualityIssue{}
	seen := map[string]int{}
	for _, it := range r.items() {
		iss := CodeQualityIssue{Description: markdown.PlainLine(it.message, maxCodeQualityDescription), CheckName: it.rule,
			Severity: codeQualitySeverity(it)}
		iss.Location.Path = it.file
		iss.Location.Lines.Begin = max(it.line, 1)
		h := sha256.Sum256([]byte(it.rule + "\x00" + it.file + "\x00" + it.key))
		fp := hex.EncodeToString(h[:16])
		// GitLab needs unique fingerprints: a second identical issue
		// gets its rank appended.
		if n := seen[fp]; n > 0 {
			h := sha256.Sum256([]byte(fp + "\x00" + strconv.Itoa(n)))
			seen[fp]++
			fp = hex.EncodeToString(h[:16])
		} else {
			seen[fp] = 1
		}
		iss.Fingerprint = fp
		out = append(out, iss)
	}
	return out
}

func codeQualitySeverity(it item) string {
	switch {
	case it.blocks && (it.rule == RuleConfiguration || it.rule == RuleValidation || it.rule == RuleBudget):
		return CodeQualityBlocker
	case it.blocks || it.severity == policy.Error:
		return CodeQualityCritical
	case it.severity == policy.Warning && it.score >= 7.0:
		return CodeQualityMajor
	case it.severity == policy.Warning:
		return CodeQualityMinor
	}
	return CodeQualityInfo
}

// WriteCodeQuality writes the Code Quality report as indented JSON: the
// output of `tmbot review --format codequality`.
func (r *Report) WriteCodeQuality(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r.CodeQuality())
}
