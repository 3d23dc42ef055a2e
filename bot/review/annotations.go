package review

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tmbot/tmbot/bot/markdown"
	"github.com/tmbot/tmbot/bot/policy"
)

// Annotation is a check-run annotation on lines of a file (GitHub's
// "annotations" of a check run's output; the JSON keys are GitHub's).
type Annotation struct {
	Path      string `json:"path"`
	StartLine int    `json:"start_line"`
	EndLine   int    `json:"end_line"`
	Level     string `json:"annotation_level"` // failure | warning | notice
	Title     string `json:"title"`
	Message   string `json:"message"`
}

// Annotation levels, as GitHub names them.
const (
	AnnotationFailure = "failure"
	AnnotationWarning = "warning"
	AnnotationNotice  = "notice"
)

// MaxAnnotationsPerRequest is how many annotations one request may carry:
// GitHub's check-runs API "limits the number of annotations to a maximum of
// 50 per API request"; more are sent in further requests that update the
// run, which append to the annotations it has (REST API, "Create a check
// run" and "Update a check run", output.annotations). Send them with
// Batches(annotations, MaxAnnotationsPerRequest).
const MaxAnnotationsPerRequest = 50

// Limits of one annotation in GitHub's check-runs API: a title of at most
// 255 characters and a message of at most 64 KB.
const (
	maxAnnotationTitle   = 255
	maxAnnotationMessage = 64 * 1024
)

// MaxCheckSummaryLength is the longest check-run output summary GitHub
// accepts: "The summary of the check run. This parameter supports Markdown.
// Maximum length: 65535 characters." (REST API, "Create a check run",
// output.summary). GitHub does not say whether it counts bytes or
// characters, so CheckSummary keeps the summary within 65,535 bytes, which
// is within the limit either way.
const MaxCheckSummaryLength = 65535

// Batches splits items into consecutive batches of at most size items, in
// order (the last may be shorter). It returns no batch for no items, and a
// single batch of everything when size <= 0. Each batch has its own
// capacity, so appending to one does not overwrite the next.
func Batches[T any](items []T, size int) [][]T {
	if len(items) == 0 {
		return nil
	}
	if size <= 0 {
		size = len(items)
	}
	out := make([][]T, 0, (len(items)+size-1)/size)
	for i := 0; i < len(items); i += size {
		j := min(i+size, len(items))
		out = append(out, items[i:j:j])
	}
	return out
}

// Annotations are the check run's annotations on the lines of the model
// files: validation errors and blocking findings are failures (findings
// of severity error are warnings when the report does not block), warnings
// (validation and findings) warnings, notices notices; a new open threat
// is a failure when a finding about it blocks, a warning when one warns or
// nothing is planned, else a notice (a finding about a listed threat is
// folded into the threat's annotation). A finding that comes from another
// file (a policy) is put on line 1 of the model, naming its file. The
// order is that of the report: configuration errors, then per model file
// its errors, warnings, threats and findings. Pre-existing warnings and
// suggestions (preexisting.go) are not annotated.
func (r *Report) Annotations() []Annotation {
	out := []Annotation{}
	add := func(path string, line int, level, title, msg string) {
		line = max(line, 1)
		out = append(out, Annotation{Path: path, StartLine: line, EndLine: line, Level: level,
			Title: cutRunes(markdown.PlainLine(title, maxAnnotationTitle), maxAnnotationTitle), Message: cutBytes(markdown.Plain(msg), maxAnnotationMessage)})
	}
	for _, e := range r.ConfigErrors {
		add(e.File, e.Line, AnnotationFailure, "Threat-model configuration error", e.Message)
	}
	for _, e := range r.NewConfigErrors {
		add(e.File, e.Line, AnnotationFailure, "Error in the new threat-model configuration", e.Message)
	}
	for i := range r.Models {
		m := &r.Models[i]
		for _, d := range m.Errors {
			add(orWord(d.File, m.Path), d.Line, AnnotationFailure, "Invalid threat model", diagnosticMessage(d.Message, d.Field))
		}
		for _, d := range m.Warnings {
			if !shownDiag(d) {
				continue // pre-existing: not annotated (the JSON report has it)
			}
			add(orWord(d.File, m.Path), d.Line, AnnotationWarning, "Threat-model warning", diagnosticMessage(d.Message, d.Field))
		}
		listed := map[string]bool{}
		for _, t := range m.NewUnmitigated {
			listed[t.ID] = true
			sev := m.threatSeverity(t)
			title := fmt.Sprintf("New %s-risk threat without a plan: %s", orWord(t.Risk, "unrated"), t.ID)
			if t.Planned {
				title = fmt.Sprintf("New %s-risk threat, mitigation planned: %s", orWord(t.Risk, "unrated"), t.ID)
			}
			msg := newThreatMessage(t)
			for _, f := range m.Findings {
				if f.Threat == t.ID && f.Severity != policy.Notice {
					msg += "\n" + f.Severity + " (" + f.Rule + "): " + mdOneLine(f.Message, maxMessageRunes)
				}
			}
			add(m.Path, t.Line, r.findingLevel(sev), title, msg)
		}
		for _, f := range m.Findings {
			if !shownInComment(f) {
				continue // pre-existing: not annotated (the JSON report has it)
			}
			if f.Threat != "" && listed[f.Threat] && f.Severity != policy.Notice {
				continue
			}
			file, line, msg := m.findingLocation(f)
			if s := strings.TrimSpace(f.Suggestion); s != "" {
				msg += "\n\nSuggested addition to the model:\n" + s
			}
			add(file, line, r.findingLevel(f.Severity), f.Rule, msg)
		}
	}
	return out
}

// findingLevel is the annotation level of a finding's severity. When the
// report does not block (the repository's check is not blocking), an error
// is a warning: a failure annotation on a passing check would mislead.
func (r *Report) findingLevel(severity string) string {
	switch severity {
	case policy.Error:
		if !r.Blocking {
			return AnnotationWarning
		}
		return AnnotationFailure
	case policy.Warning:
		return AnnotationWarning
	}
	return AnnotationNotice
}

func diagnosticMessage(msg, field string) string {
	if field != "" && !strings.Contains(msg, field) {
		msg += " (at " + field + ")"
	}
	return msg
}

// CheckSummary is the check run's title (the verdict without its emoji)
// and a short Markdown summary: the counts, then the blocking problems,
// the new open threats, the warnings and the suggestions listed one line
// each, and what tracking will do. The summary stays within
// MaxCheckSummaryLength bytes: long lists are cut with a note.
func (r *Report) CheckSummary() (title, summary string) {
	title = strings.TrimLeftFunc(r.Verdict, func(c rune) bool { return !unicode.IsLetter(c) && !unicode.IsDigit(c) })
	title = markdown.PlainLine(title, maxAnnotationTitle)
	if s := r.checkSummary(-1); len(s) <= MaxCheckSummaryLength {
		return title, s
	}
	lo, hi := 0, r.longestList()
	best := r.checkSummary(0)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if s := r.checkSummary(mid); len(s) <= MaxCheckSummaryLength {
			lo, best = mid, s
		} else {
			hi = mid - 1
		}
	}
	if len(best) > MaxCheckSummaryLength {
		best = cutBytes(best, MaxCheckSummaryLength)
	}
	return title, best
}

func (r *Report) checkSummary(maxItems int) string {
	var b strings.Builder
	s := r.Summary
	if s.Models == 0 && len(r.ConfigErrors) == 0 && len(r.NewConfigErrors) == 0 && r.OverBudget == nil {
		b.WriteString("This change touches no threat model, so there is nothing to review.\n")
		return b.String()
	}
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
		b.WriteString("**" + strings.Join(counts, " · ") + "**\n")
	}
	if r.Blocking {
		b.WriteString("\nThe check fails until the errors below are fixed. The review comment on the request has the details and what would settle each threat.\n")
	} else {
		b.WriteString("\nNothing here blocks the merge. The review comment on the request has the details.\n")
	}

	var blocking, threats, warnings, notices []string
	pre := 0 // pre-existing warnings and suggestions: counted, not listed
	if r.OverBudget != nil {
		blocking = append(blocking, "❌ "+markdown.Text(r.OverBudget.Message, maxMessageRunes))
	}
	for _, e := range r.ConfigErrors {
		loc := e.File
		if e.Line > 0 {
			loc += ":" + strconv.Itoa(e.Line)
		}
		blocking = append(blocking, "❌ "+markdown.Code(loc, maxTitleRunes)+": "+markdown.Text(e.Message, maxMessageRunes))
	}
	for _, e := range r.NewConfigErrors {
		loc := e.File
		if e.Line > 0 {
			loc += ":" + strconv.Itoa(e.Line)
		}
		blocking = append(blocking, "❌ the new configuration, "+markdown.Code(loc, maxTitleRunes)+": "+markdown.Text(e.Message, maxMessageRunes))
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
	list := func(heading string, items []string) {
		if len(items) == 0 {
			return
		}
		b.WriteString("\n**" + heading + "**\n\n")
		n := len(items)
		if maxItems >= 0 && n > maxItems {
			n = maxItems
		}
		for _, it := range items[:n] {
			b.WriteString("- " + it + "\n")
		}
		if more := len(items) - n; more > 0 {
			fmt.Fprintf(&b, "- %d more not shown: run `tmbot review` locally for the full report.\n", more)
		}
	}
	list("Blocking", blocking)
	list("New open threats", threats)
	list("Warnings", warnings)
	list("Suggestions", notices)
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

// cutRunes cuts s to at most n runes.
func cutRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// cutBytes cuts s to at most n bytes, at a rune boundary, marking the cut
// with an ellipsis.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ell = "…"
	i := n - len(ell)
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + ell
}
