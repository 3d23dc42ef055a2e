package review

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/tmbot/tmbot/bot/markdown"
	"github.com/tmbot/tmbot/bot/policy"
)

// CheckFinding is one thing the check says about lines of a file: a
// configuration error, a validation error or warning, a new open threat,
// or a policy's finding. The review gives it as values and knows no
// forge: each adapter in bot/forge decides how to show it (GitHub a
// check-run annotation, GitLab a discussion on the line) and cuts it to
// its own platform's limits. Title and Message are plain text (whitespace
// and invisible characters made visible), never cut here.
type CheckFinding struct {
	// Rule says what found it: a policy's rule, or RuleConfiguration,
	// RuleValidation or RuleNewUnmitigated (a new open threat).
	Rule string `json:"rule"`
	// Severity is how the check shows it: policy.Error (it blocks the
	// request; an error is a policy.Warning where the report does not
	// block, since a failure on a passing check would mislead),
	// policy.Warning or policy.Notice.
	Severity string `json:"severity"`
	// Element is the id of the model element it is about (a threat,
	// component, flow or mitigation); for RuleNewUnmitigated, the new
	// threat's. Empty when it is about none.
	Element string `json:"element,omitempty"`
	// Path is the file, StartLine and EndLine the lines (1 or more).
	Path      string `json:"path"`
	StartLine int    `json:"start_line"`
	EndLine   int    `json:"end_line"`
	// Title is one line that does not repeat Element; Message may have
	// several lines.
	Title   string `json:"title"`
	Message string `json:"message"`
	// HelpURL is where the rule is explained.
	HelpURL string `json:"help_url,omitempty"`
}

// CheckFindings are the check's findings on the lines of the model
// files: validation errors and configuration errors are errors, warnings
// warnings; a new open threat is an error when a finding about it blocks,
// a warning when one warns or nothing is planned, else a notice (a
// finding about a listed threat is folded into the threat's message); a
// policy's finding has its own severity (an error is a warning where the
// report does not block). A finding that comes from another file (a
// policy) is put on line 1 of the model, naming its file. The order is
// that of the report: configuration errors, then per model file its
// errors, warnings, threats and findings. Pre-existing warnings and
// suggestions (preexisting.go) are left out.
func (r *Report) CheckFindings() []CheckFinding {
	out := []CheckFinding{}
	defaults := defaultRules()
	add := func(f CheckFinding, policyFile string) {
		f.StartLine = max(f.StartLine, 1)
		f.EndLine = f.StartLine
		f.Element = markdown.PlainLine(f.Element, 0)
		f.Title = markdown.PlainLine(f.Title, 0)
		f.Message = markdown.Plain(f.Message)
		f.HelpURL = ruleHelpURI(f.Rule, policyFile, defaults)
		out = append(out, f)
	}
	for _, e := range r.ConfigErrors {
		add(CheckFinding{Rule: RuleConfiguration, Severity: policy.Error, Path: e.File, StartLine: e.Line,
			Title: "Threat-model configuration error", Message: e.Message}, "")
	}
	for _, e := range r.NewConfigErrors {
		add(CheckFinding{Rule: RuleConfiguration, Severity: policy.Error, Path: e.File, StartLine: e.Line,
			Title: "Error in the new threat-model configuration", Message: e.Message}, "")
	}
	for i := range r.Models {
		m := &r.Models[i]
		for _, d := range m.Errors {
			add(CheckFinding{Rule: RuleValidation, Severity: policy.Error, Path: orWord(d.File, m.Path), StartLine: d.Line,
				Title: "Invalid threat model", Message: diagnosticMessage(d.Message, d.Field)}, "")
		}
		for _, d := range m.Warnings {
			if !shownDiag(d) {
				continue // pre-existing: left out (the JSON report has it)
			}
			add(CheckFinding{Rule: RuleValidation, Severity: policy.Warning, Path: orWord(d.File, m.Path), StartLine: d.Line,
				Title: "Threat-model warning", Message: diagnosticMessage(d.Message, d.Field)}, "")
		}
		listed := map[string]bool{}
		for _, t := range m.NewUnmitigated {
			listed[t.ID] = true
			title := fmt.Sprintf("New %s-risk threat without a plan", orWord(t.Risk, "unrated"))
			if t.Planned {
				title = fmt.Sprintf("New %s-risk threat, mitigation planned", orWord(t.Risk, "unrated"))
			}
			msg := newThreatMessage(t)
			for _, f := range m.Findings {
				if f.Threat == t.ID && f.Severity != policy.Notice {
					msg += "\n" + f.Severity + " (" + f.Rule + "): " + mdOneLine(f.Message, maxMessageRunes)
				}
			}
			add(CheckFinding{Rule: RuleNewUnmitigated, Severity: r.findingSeverity(m.threatSeverity(t)), Element: t.ID,
				Path: m.Path, StartLine: t.Line, Title: title, Message: msg}, "")
		}
		for _, f := range m.Findings {
			if !shownInComment(f) {
				continue // pre-existing: left out (the JSON report has it)
			}
			if f.Threat != "" && listed[f.Threat] && f.Severity != policy.Notice {
				continue
			}
			file, line, msg := m.findingLocation(f)
			if s := strings.TrimSpace(f.Suggestion); s != "" {
				msg += "\n\nSuggested addition to the model:\n" + s
			}
			_, element := findingElement(f)
			add(CheckFinding{Rule: f.Rule, Severity: r.findingSeverity(f.Severity), Element: element,
				Path: file, StartLine: line, Title: f.Rule, Message: msg}, f.Policy)
		}
	}
	return out
}

// findingSeverity is how the check shows a finding's severity. When the
// report does not block (the repository's check is not blocking), an error
// is a warning: a failure on a passing check would mislead.
func (r *Report) findingSeverity(severity string) string {
	switch severity {
	case policy.Error:
		if !r.Blocking {
			return policy.Warning
		}
		return policy.Error
	case policy.Warning:
		return policy.Warning
	}
	return policy.Notice
}

func diagnosticMessage(msg, field string) string {
	if field != "" && !strings.Contains(msg, field) {
		msg += " (at " + field + ")"
	}
	return msg
}

// CheckSummary is the check's title (the verdict without its emoji, on
// one plain line) and its summary: the counts, then the blocking problems,
// the new open threats, the warnings and the suggestions listed one line
// each, and what tracking will do. Neither is cut: a forge with a limit
// cuts the title, and asks the summary for Markdown(limit).
func (r *Report) CheckSummary() (title string, summary CheckSummary) {
	title = strings.TrimLeftFunc(r.Verdict, func(c rune) bool { return !unicode.IsLetter(c) && !unicode.IsDigit(c) })
	return markdown.PlainLine(title, 0), r.checkSummary()
}

// CheckSummary is a check's Markdown summary in parts, so that a forge
// that limits its length can shorten the lists rather than cut the text.
type CheckSummary struct {
	// Intro says what the check found and what it means.
	Intro string `json:"intro"`
	// Lists are listed in order, each under its heading, one item (a line
	// of Markdown) each; the empty ones are left out.
	Lists []SummaryList `json:"lists,omitempty"`
	// Outro follows the lists.
	Outro string `json:"outro,omitempty"`
}

// SummaryList is one list of a CheckSummary.
type SummaryList struct {
	Heading string   `json:"heading"`
	Items   []string `json:"items"`
}

// Markdown is the summary as Markdown of at most maxBytes bytes (maxBytes
// <= 0: no limit). When the whole does not fit, each list shows as many
// items as fit (the same number in each) and says how many more there
// are; when not even the lists' headings fit, the text is cut.
func (s CheckSummary) Markdown(maxBytes int) string {
	full := s.render(-1)
	if maxBytes <= 0 || len(full) <= maxBytes {
		return full
	}
	lo, hi := 0, 0
	for _, l := range s.Lists {
		hi = max(hi, len(l.Items))
	}
	best := s.render(0)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if t := s.render(mid); len(t) <= maxBytes {
			lo, best = mid, t
		} else {
			hi = mid - 1
		}
	}
	return markdown.CutBytes(best, maxBytes)
}

// render writes the summary with at most maxItems items in each list
// (maxItems < 0: all).
func (s CheckSummary) render(maxItems int) string {
	var b strings.Builder
	b.WriteString(s.Intro)
	for _, l := range s.Lists {
		if len(l.Items) == 0 {
			continue
		}
		b.WriteString("\n**" + l.Heading + "**\n\n")
		n := len(l.Items)
		if maxItems >= 0 && n > maxItems {
			n = maxItems
		}
		for _, it := range l.Items[:n] {
			b.WriteString("- " + it + "\n")
		}
		if more := len(l.Items) - n; more > 0 {
			fmt.Fprintf(&b, "- %d more not shown: run `tmbot review` locally for the full report.\n", more)
		}
	}
	b.WriteString(s.Outro)
	return b.String()
}

// checkSummary gathers the summary's parts.
func (r *Report) checkSummary() CheckSummary {
	s := r.Summary
	if s.Models == 0 && len(r.ConfigErrors) == 0 && len(r.NewConfigErrors) == 0 && r.OverBudget == nil {
		return CheckSummary{Intro: "This change touches no threat model, so there is nothing to review.\n"}
	}
	var intro strings.Builder
	var counts []string
	if s.Models > 0 {
		c := plural(s.Models, "model file", "model files") + " reviewed"
		if s.Invalid > 0 {
			c += " (" + strconv.Itoa(s.Invalid) + " invalid)"
		}
		counts = append(counts, c)
	}
	nt := plural(s.NewUnmitigated, "new open threat", "new open threats")
	if s.Unplanned > 0 {
		nt += fmt.Sprintf(" (%d without a plan)", s.Unplanned)
	}
	counts = append(counts, nt,
		plural(s.Errors+len(r.ConfigErrors), "error", "errors"),
		plural(s.Warnings+r.validationWarnings(), "warning", "warnings"),
		plural(s.Notices, "suggestion", "suggestions"))
	if r.OverBudget == nil {
		intro.WriteString("**" + strings.Join(counts, " · ") + "**\n")
	}
	if r.Blocking {
		intro.WriteString("\nThe check fails until the errors below are fixed. The review comment on the request has the details and what would settle each threat.\n")
	} else {
		intro.WriteString("\nNothing here blocks the merge. The review comment on the request has the details.\n")
	}
	lists, pre := r.summaryLists()
	return CheckSummary{Intro: intro.String(), Lists: lists, Outro: r.summaryOutro(pre)}
}

// summaryLists are the summary's lists (blocking problems, new open
// threats, warnings, suggestions), and how many pre-existing warnings and
// suggestions they leave out.
func (r *Report) summaryLists() (lists []SummaryList, pre int) {
	var blocking, threats, warnings, notices []string
	if r.OverBudget != nil {
		blocking = append(blocking, "❌ "+markdown.Text(r.OverBudget.Message, maxMessageRunes))
	}
	for _, e := range r.ConfigErrors {
		blocking = append(blocking, "❌ "+markdown.Code(configLocation(e), maxTitleRunes)+": "+markdown.Text(e.Message, maxMessageRunes))
	}
	for _, e := range r.NewConfigErrors {
		blocking = append(blocking, "❌ the new configuration, "+markdown.Code(configLocation(e), maxTitleRunes)+": "+markdown.Text(e.Message, maxMessageRunes))
	}
	for i := range r.Models {
		m := &r.Models[i]
		for _, d := range m.Errors {
			blocking = append(blocking, "❌ "+markdown.Code(fmt.Sprintf("%s:%d:%d", d.File, d.Line, d.Column), maxTitleRunes)+": "+markdown.Text(d.Message, maxMessageRunes))
		}
		for _, t := range m.NewUnmitigated {
			plan := "no mitigation planned"
			if t.Planned {
				plan = "mitigation planned"
			}
			threats = append(threats, fmt.Sprintf("%s %s: %s (%s risk, %s)", markdown.Code(t.ID, maxTitleRunes), markdown.Code(fmt.Sprintf("%s:%d", m.Path, t.Line), maxTitleRunes),
				markdown.Text(t.Title, maxTitleRunes), orWord(t.Risk, "unrated"), plan))
		}
		if a := m.Adoption; a != nil && a.NeedsPlans > 0 {
			line := fmt.Sprintf("%s: needs owners and dates: %s of risk %s or higher without a plan; to plan them all: %s",
				markdown.Code(m.Path, maxTitleRunes), plural(a.NeedsPlans, "threat", "threats"), a.Blocks, markdown.Code(a.Command, 0))
			if m.Blocking {
				blocking = append(blocking, "❌ "+line)
			} else {
				warnings = append(warnings, "⚠️ "+line)
			}
		}
		for _, f := range m.Findings {
			if f.Rule == ruleUnplannedRisk && m.inAdoption(f.Threat) {
				continue // summarised above, and each threat is listed
			}
			if !shownInComment(f) {
				pre++
				continue
			}
			file, line, msg := m.findingLocation(f)
			loc := markdown.Code(fmt.Sprintf("%s:%d", file, line), maxTitleRunes) + ": "
			rule := " (" + markdown.Code(f.Rule, maxTitleRunes) + ")"
			switch f.Severity {
			case policy.Error:
				blocking = append(blocking, "❌ "+loc+markdown.Text(msg, maxMessageRunes)+rule)
			case policy.Warning:
				warnings = append(warnings, "⚠️ "+loc+markdown.Text(firstSentence(msg), maxMessageRunes)+rule)
			default:
				notices = append(notices, "💡 "+loc+markdown.Text(firstSentence(msg), maxMessageRunes)+rule)
			}
		}
		for _, d := range m.Warnings {
			if !shownDiag(d) {
				pre++
				continue
			}
			warnings = append(warnings, "⚠️ "+markdown.Code(fmt.Sprintf("%s:%d:%d", d.File, d.Line, d.Column), maxTitleRunes)+": "+markdown.Text(d.Message, maxMessageRunes))
		}
	}
	for _, l := range []SummaryList{{"Blocking", blocking}, {"New open threats", threats}, {"Warnings", warnings}, {"Suggestions", notices}} {
		if len(l.Items) > 0 {
			lists = append(lists, l)
		}
	}
	return lists, pre
}

// configLocation is where a configuration error is: its file, and its
// line when known.
func configLocation(e ConfigError) string {
	if e.Line > 0 {
		return e.File + ":" + strconv.Itoa(e.Line)
	}
	return e.File
}

// summaryOutro says what the lists leave out and what tracking will do.
func (r *Report) summaryOutro(pre int) string {
	var b strings.Builder
	s := r.Summary
	if pre > 0 {
		fmt.Fprintf(&b, "\n%s on parts of the models this change does not touch %s not listed (%s in the JSON report, marked `pre_existing`).\n",
			plural(pre, "warning or suggestion", "warnings and suggestions"), orWord2(pre, "is", "are"), orWord2(pre, "it is", "they are"))
	}
	switch {
	case r.TrackingOff && s.WillOpen > 0:
		fmt.Fprintf(&b, "\nWhen this merges, the tmbot service would open %s; tmbot ci opens none.\n", plural(s.WillOpen, "tracking issue", "tracking issues"))
	case r.TrackingOff:
	case s.WillOpen > 0 && s.WillClose > 0:
		fmt.Fprintf(&b, "\nWhen this merges, tmbot will open %s and close %d.\n", plural(s.WillOpen, "tracking issue", "tracking issues"), s.WillClose)
	case s.WillOpen > 0:
		fmt.Fprintf(&b, "\nWhen this merges, tmbot will open %s.\n", plural(s.WillOpen, "tracking issue", "tracking issues"))
	case s.WillClose > 0:
		fmt.Fprintf(&b, "\nWhen this merges, tmbot will close %s.\n", plural(s.WillClose, "tracking issue", "tracking issues"))
	}
	return b.String()
}

func (r *Report) validationWarnings() int {
	n := 0
	for _, m := range r.Models {
		n += len(m.Warnings)
	}
	return n
}
