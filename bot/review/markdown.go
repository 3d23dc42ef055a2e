package review

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tmbot/tmbot/bot/catalog"
	"github.com/tmbot/tmbot/bot/diff"
	"github.com/tmbot/tmbot/bot/markdown"
	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/policy"
)

// Marker is the first line of every review comment. It is an HTML comment,
// so readers do not see it; the bot finds its own comment on a request by
// it (and edits it in place instead of writing a second one).
const Marker = "<!-- tmbot:review -->"

// MaxCommentLength is the longest comment body GitHub accepts: creating or
// editing an issue or pull-request comment with a longer body fails with
// 422 "Body is too long (maximum is 65536 characters)". GitHub counts
// characters (Unicode code points), not bytes, and so does Markdown. GitLab
// allows far longer notes (1,000,000 characters), so the smaller limit is
// the one both forges can take.
const MaxCommentLength = 65536

// moreThreatsNote is the note that replaces threats cut from a comment too
// long for the forge.
const moreThreatsNote = "%d more threats not shown: run `tmbot review` locally for the full report."

// Caps on free text written by users, so that one huge title cannot eat
// the whole comment.
const (
	maxTitleRunes      = 200
	maxMessageRunes    = 1000
	maxSuggestionRunes = 4000
)

// Markdown renders the report as the request's review comment (GitHub and
// GitLab flavoured Markdown). It starts with Marker, then the verdict, then
// what blocks (when something does), then one section per model file,
// collapsed when the review passes (markdown_top.go says the layout). The
// output depends only on the report (no time, sorted), so the bot can edit
// its comment only when this changes.
//
// The comment never exceeds MaxCommentLength characters: when it would,
// the least important parts go first (the diagram, the other changes, the
// suggestions and how-to), then the lists are cut with a note that says how
// many items are not shown; what blocks is written first, so it is cut
// last.
func (r *Report) Markdown() string {
	o := mdOptions{diagram: true, changes: true, notices: true, howto: true, primary: -1, secondary: -1, trackingOff: r.TrackingOff}
	if s := r.markdown(o); fitsComment(s) {
		return s
	}
	for _, drop := range []func(*mdOptions){
		func(o *mdOptions) { o.diagram = false },
		func(o *mdOptions) { o.changes = false },
		func(o *mdOptions) { o.howto = false },
		func(o *mdOptions) { o.notices = false },
		// Findings, warnings and tracking issues make way for threats.
		func(o *mdOptions) { o.secondary, o.compact = secondaryItems, true },
	} {
		drop(&o)
		if s := r.markdown(o); fitsComment(s) {
			return s
		}
	}
	// Then cut the threats (and validation errors) to the most that fit,
	// and if none fit, the other lists too.
	primary, secondary := r.listLengths()
	if s, ok := r.largestFitting(primary, func(k int) mdOptions { o.primary = k; return o }); ok {
		return s
	}
	o.primary = 0
	if s, ok := r.largestFitting(min(secondary, secondaryItems), func(k int) mdOptions { o.secondary = k; return o }); ok {
		return s
	}
	return r.minimalMarkdown()
}

// secondaryItems is how many findings, warnings and tracking issues a
// comment too long for the forge keeps of each list, before it cuts
// threats.
const secondaryItems = 10

// largestFitting renders with with(k) for the largest k in [0, hi] whose
// rendering fits a comment; ok is false when not even k = 0 fits.
func (r *Report) largestFitting(hi int, with func(k int) mdOptions) (string, bool) {
	best := r.markdown(with(0))
	if !fitsComment(best) {
		return "", false
	}
	lo := 0
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if s := r.markdown(with(mid)); fitsComment(s) {
			lo, best = mid, s
		} else {
			hi = mid - 1
		}
	}
	return best, true
}

func fitsComment(s string) bool { return utf8.RuneCountInString(s) <= MaxCommentLength }

// minimalMarkdown is the last resort: the marker, the verdict and a note.
func (r *Report) minimalMarkdown() string {
	var b strings.Builder
	b.WriteString(Marker + "\n" + mdOneLine(r.Verdict, maxMessageRunes) + "\n\n")
	fmt.Fprintf(&b, "The full report is too long for a comment (%d model files, %d new open threats): run `tmbot review` locally for the full report.\n",
		r.Summary.Models, r.Summary.NewUnmitigated)
	return b.String()
}

// listLengths are the lengths of the longest lists a comment may cut:
// primary (threats across the comment, validation and configuration
// errors) and secondary (findings, validation warnings, suggestions,
// tracking issues, per model).
func (r *Report) listLengths() (primary, secondary int) {
	primary = max(len(r.ConfigErrors), r.Summary.NewUnmitigated)
	for _, m := range r.Models {
		primary = max(primary, len(m.Errors))
		secondary = max(secondary, len(m.Warnings), len(m.Findings), len(m.Tracking.WillOpen), len(m.Tracking.WillClose))
	}
	return primary, secondary
}

// longestList is the length of the longest list a report may cut.
func (r *Report) longestList() int {
	p, s := r.listLengths()
	return max(p, s)
}

// mdOptions says what a rendering leaves out.
type mdOptions struct {
	diagram, changes, notices, howto bool
	// compact leaves out the threats' framework links.
	// trackingOff: see Report.TrackingOff.
	trackingOff bool
	compact     bool
	// advisory: the report does not block (the repository's check is not
	// blocking), so errors are not called blocking.
	advisory bool
	// primary caps the threats (across the whole comment) and the
	// validation and configuration errors; secondary caps the findings,
	// validation warnings, suggestions and tracking issues of a model. -1
	// is no cap.
	primary, secondary int
}

func capTo(n, limit int) int {
	if limit < 0 || n < limit {
		return n
	}
	return limit
}

// frameworkLinks renders a threat's framework ids as links, in the order
// ATT&CK, ATLAS, OWASP, CWE, CAPEC; an id without a known page is shown as
// code.
func frameworkLinks(t *model.Threat) string {
	if t == nil {
		return ""
	}
	var out []string
	for _, k := range []struct {
		kind catalog.Kind
		ids  []string
	}{{catalog.ATTACK, t.Attack}, {catalog.ATLAS, t.Atlas}, {catalog.OWASP, t.OWASP}, {catalog.CWE, t.CWE}, {catalog.CAPEC, t.CAPEC}} {
		for _, id := range k.ids {
			out = append(out, mdLink(id, catalog.Link(k.kind, id)))
		}
	}
	return strings.Join(out, " · ")
}

// mdLink writes [id](url), or the id as code when there is no URL.
func mdLink(label, url string) string {
	if url == "" || strings.ContainsAny(url, " ()<>\n") {
		return markdown.Code(label, maxTitleRunes)
	}
	return "[" + markdown.Text(label, maxTitleRunes) + "](" + url + ")"
}

func findingWhere(f policy.Finding, modelPath string) string {
	var parts []string
	parts = append(parts, markdown.Code(f.Rule, maxTitleRunes))
	for _, x := range []struct{ what, id string }{{"threat", f.Threat}, {"mitigation", f.Mitigation}, {"flow", f.Flow}, {"component", f.Component}} {
		if x.id != "" {
			parts = append(parts, x.what+" "+markdown.Code(x.id, maxTitleRunes))
			break
		}
	}
	switch {
	case f.File != "" && f.File != modelPath:
		loc := f.File
		if f.Line > 0 {
			loc += ":" + strconv.Itoa(f.Line)
		}
		parts = append(parts, markdown.Code(loc, maxTitleRunes))
	case f.Line > 0:
		parts = append(parts, "line "+strconv.Itoa(f.Line))
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func severityIcon(sev string) string {
	switch sev {
	case policy.Error:
		return "❌"
	case policy.Warning:
		return "⚠️"
	}
	return "💡"
}

func (m *ModelReport) writeTracking(b *strings.Builder, o mdOptions) {
	open, closing, people := m.Tracking.WillOpen, m.Tracking.WillClose, m.Tracking.ClosedByPeople
	if len(open) == 0 && len(closing) == 0 && len(people) == 0 {
		return
	}
	b.WriteString("\n#### Tracking issues\n\n")
	opened := true
	for _, t := range open {
		opened = opened && t.Issue != ""
	}
	if len(open) > 0 && opened {
		fmt.Fprintf(b, "tmbot opened %s for this change:\n\n", plural(len(open), "tracking issue", "tracking issues"))
		for _, t := range open[:capTo(len(open), o.secondary)] {
			b.WriteString("- " + trackedLine(t) + "\n")
		}
	} else if len(open) > 0 && o.trackingOff {
		fmt.Fprintf(b, "When this merges, the tmbot service would open %s; `tmbot ci` opens none (tracking is a feature of the service):\n\n", plural(len(open), "tracking issue", "tracking issues"))
		for _, t := range open[:capTo(len(open), o.secondary)] {
			b.WriteString("- " + trackedLine(t) + "\n")
		}
	} else if len(open) > 0 {
		fmt.Fprintf(b, "When this merges, tmbot will open %s:\n\n", plural(len(open), "tracking issue", "tracking issues"))
		n := capTo(len(open), o.secondary)
		for _, t := range open[:n] {
			b.WriteString("- " + trackedLine(t) + "\n")
		}
		if more := len(open) - n; more > 0 {
			fmt.Fprintf(b, "- %d more not shown.\n", more)
		}
	}
	if len(closing) > 0 && o.trackingOff {
		closing = nil // nothing is tracked, so nothing is closed
	}
	if len(closing) > 0 {
		if len(open) > 0 {
			fmt.Fprintf(b, "\nIt will close %s:\n\n", plural(len(closing), "tracking issue", "tracking issues"))
		} else {
			fmt.Fprintf(b, "When this merges, tmbot will close %s:\n\n", plural(len(closing), "tracking issue", "tracking issues"))
		}
		n := capTo(len(closing), o.secondary)
		for _, t := range closing[:n] {
			b.WriteString("- **" + markdown.Text(t.Title, maxTitleRunes) + "** (" + markdown.Code(t.Mitigation, maxTitleRunes) + "): " + markdown.Text(orWord(t.Reason, "no longer tracked"), maxTitleRunes) + "\n")
		}
		if more := len(closing) - n; more > 0 {
			fmt.Fprintf(b, "- %d more not shown.\n", more)
		}
	}
	if len(people) > 0 {
		b.WriteString("\nIssue closed, model not updated: a person closed these tracking issues, but the model still plans the mitigation. If the work is done, set its `status: implemented`.\n\n")
		for _, t := range people[:capTo(len(people), o.secondary)] {
			b.WriteString("- " + trackedLine(t) + "\n")
		}
	}
}

func trackedLine(t Tracked) string {
	s := "**" + markdown.Text(t.Title, maxTitleRunes) + "** (" + markdown.Code(t.Mitigation, maxTitleRunes) + ", " + markdown.Text(orWord(t.Status, "planned"), maxTitleRunes) + ")"
	var parts []string
	if t.Owner != "" {
		parts = append(parts, "owner "+markdown.Code(t.Owner, maxTitleRunes)) // as code: no mention, no notification
	}
	if t.Due != "" {
		parts = append(parts, "due "+markdown.Text(t.Due, maxTitleRunes))
	}
	if len(t.Threats) > 0 {
		var ids []string
		for _, id := range t.Threats {
			ids = append(ids, markdown.Code(id, maxTitleRunes))
		}
		parts = append(parts, "for "+strings.Join(ids, ", "))
	}
	if len(parts) > 0 {
		s += ": " + strings.Join(parts, "; ")
	}
	if t.Issue != "" {
		s += " · " + t.Issue
		if t.IssueClosed {
			s += " (closed)"
		}
	}
	return s
}

// changesSentence counts the changes in one sentence.
func changesSentence(d *diff.Diff) string {
	ph := d.Summary.Phrases()
	if len(d.ModelFieldsChanged) > 0 {
		ph = append(ph, "model fields changed: "+markdown.Text(strings.Join(d.ModelFieldsChanged, ", "), maxMessageRunes))
	}
	if n := d.Summary.Lowered; n > 0 {
		ph = append(ph, plural(n, "risk lowered", "risks lowered"))
	}
	if n := d.Summary.Regressions; n > 0 {
		ph = append(ph, "⚠️ "+plural(n, "mitigation went back from implemented or verified", "mitigations went back from implemented or verified"))
	}
	if len(ph) == 0 {
		return "No other changes."
	}
	return "Other changes: " + strings.Join(ph, ", ") + "."
}

// changesInline is the most diff lines shown without collapsing them.
const changesInline = 8

func (m *ModelReport) writeChanges(b *strings.Builder) {
	d := m.Changes
	if d == nil || d.Empty() {
		return
	}
	b.WriteString("\n#### Other changes\n\n" + changesSentence(d) + "\n\n")
	lines := strings.TrimRight(d.Text(), "\n")
	n := strings.Count(lines, "\n") + 1
	if n <= changesInline {
		b.WriteString(markdown.Fence(lines, "diff"))
		return
	}
	fmt.Fprintf(b, "<details>\n<summary>All %d changes</summary>\n\n", n)
	b.WriteString(markdown.Fence(lines, "diff"))
	b.WriteString("\n</details>\n")
}

// writeHowTo writes, collapsed, how to settle a threat in the file.
func writeHowTo(b *strings.Builder, r *Report) {
	id := "THREAT-ID"
	for _, m := range r.Models {
		for _, t := range m.NewUnmitigated {
			if !t.Planned {
				id = t.ID
				break
			}
		}
		if id != "THREAT-ID" {
			break
		}
	}
	b.WriteString("\n<details>\n<summary>How to settle a threat in the model file</summary>\n\n")
	b.WriteString("Plan a mitigation (tmbot opens a tracking issue for it when the model lands on the default branch):\n\n")
	b.WriteString(markdown.Fence(fmt.Sprintf(`threats:
  %s:
    mitigations: [my-mitigation]
mitigations:
  my-mitigation:
    title: What will be done, in a few words
    status: planned
    owner: "@your-team"
    due: YYYY-MM-DD`, id), "yaml"))
	b.WriteString("\nOr accept the risk, with who accepts it, why, and until when:\n\n")
	b.WriteString(markdown.Fence(fmt.Sprintf(`threats:
  %s:
    status: accepted
    acceptance:
      by: "@your-team"
      reason: Why the risk is acceptable for now
      until: YYYY-MM-DD`, id), "yaml"))
	b.WriteString("\nOr, if it cannot happen in this system, `status: not_applicable` with a `reason`.\n\n</details>\n")
}

// ---- Markdown text helpers ----

// firstSentence is the first sentence of a message (up to a period
// followed by a space and a capital letter, outside double quotes), or the
// whole message when it has one sentence.
func firstSentence(msg string) string {
	msg = mdOneLine(msg, len(msg)+1)
	quoted := false
	rs := []rune(msg)
	for i := 0; i+2 < len(rs); i++ {
		switch {
		case rs[i] == '"':
			quoted = !quoted
		case !quoted && rs[i] == '.' && rs[i+1] == ' ' && unicode.IsUpper(rs[i+2]) && i >= 20:
			return string(rs[:i+1])
		}
	}
	return msg
}

// mdOneLine folds whitespace (newlines included) to single spaces and cuts s
// to at most n runes (n > 0), with an ellipsis.
func mdOneLine(s string, n int) string {
	return markdown.Cut(strings.Join(strings.Fields(s), " "), n)
}

func orWord(s, word string) string {
	if s == "" {
		return word
	}
	return s
}
