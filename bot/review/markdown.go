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
// one section per model file. The output depends only on the report (no
// time, sorted), so the bot can edit its comment only when this changes.
//
// The comment never exceeds MaxCommentLength characters: when it would,
// the least important parts go first (the diagram, the other changes, the
// suggestions and how-to), then the lists are cut with a note that says how
// many items are not shown.
func (r *Report) Markdown() string {
	o := mdOptions{diagram: true, changes: true, notices: true, howto: true, primary: -1, secondary: -1}
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
	// compact says once per section what would settle its threats,
	// rather than in full under each threat.
	compact bool
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

func (r *Report) markdown(o mdOptions) string {
	var b strings.Builder
	b.WriteString(Marker + "\n")
	b.WriteString(mdOneLine(r.Verdict, maxMessageRunes) + "\n")
	r.writeOverBudget(&b)
	if len(r.ConfigErrors) > 0 {
		b.WriteString("\n### Configuration errors\n\n")
		b.WriteString("The repository's threat-model configuration (read from the default branch) could not be used, so this review blocks until it is fixed there.\n\n")
		n := capTo(len(r.ConfigErrors), o.primary)
		for _, e := range r.ConfigErrors[:n] {
			loc := e.File
			if e.Line > 0 {
				loc += ":" + strconv.Itoa(e.Line)
			}
			fmt.Fprintf(&b, "- %s: %s\n", markdown.Code(loc, maxTitleRunes), markdown.Text(e.Message, maxMessageRunes))
		}
		if more := len(r.ConfigErrors) - n; more > 0 {
			fmt.Fprintf(&b, "- %d more configuration errors not shown.\n", more)
		}
	}
	if len(r.Models) == 0 {
		return b.String()
	}
	// A repository whose check does not block (blocking: false) still
	// sees its errors, named as such rather than as blocking.
	o.advisory = !r.Blocking
	threatBudget := o.primary // shared by every model's threat list
	for i := range r.Models {
		r.Models[i].markdown(&b, o, &threatBudget)
	}
	if o.howto && r.Summary.Unplanned > 0 {
		writeHowTo(&b, r)
	}
	b.WriteString("\n<sub>Run `tmbot review` in your clone to see this report before you push; `tmbot validate PATH` checks a model file.</sub>\n")
	return b.String()
}

// markdown writes one model file's section.
func (m *ModelReport) markdown(b *strings.Builder, o mdOptions, threatBudget *int) {
	b.WriteString("\n---\n\n### " + markdown.Code(m.Path, maxTitleRunes))
	if name := m.systemName(); name != "" {
		b.WriteString(" · " + markdown.Text(name, maxTitleRunes))
	}
	b.WriteString("\n\n")
	b.WriteString(m.statusLine(o.advisory) + "\n")

	if len(m.Errors) > 0 {
		b.WriteString("\n#### Validation errors\n\n")
		b.WriteString("The model does not follow the threat-model format, so it was not reviewed further: fix these, then push again. " + markdown.Code("tmbot validate "+m.Path, maxTitleRunes) + " shows the same list.\n\n")
		writeDiagnostics(b, m.Errors, capTo(len(m.Errors), o.primary), "errors")
	}

	switch {
	case m.Adoption != nil && m.Adoption.Baseline == "":
		m.writeAdoption(b, o)
	case m.Adoption != nil:
		if len(m.NewUnmitigated) > 0 {
			m.writeThreats(b, o, threatBudget)
		}
		m.writeAdoption(b, o)
	case len(m.NewUnmitigated) > 0:
		m.writeThreats(b, o, threatBudget)
	}

	// Findings about a listed threat are shown with it.
	listed := map[string]bool{}
	for _, t := range m.NewUnmitigated {
		listed[t.ID] = true
	}

	var problems, notices []policy.Finding
	for _, f := range m.Findings {
		switch {
		case f.Threat != "" && listed[f.Threat] && f.Severity != policy.Notice:
			continue
		case f.Severity == policy.Notice:
			notices = append(notices, f)
		default:
			problems = append(problems, f)
		}
	}
	if len(problems) > 0 {
		b.WriteString("\n#### Policy findings\n\n")
		n := capTo(len(problems), o.secondary)
		for _, f := range problems[:n] {
			b.WriteString("- " + severityIcon(f.Severity) + " " + markdown.Text(f.Message, maxMessageRunes) + " " + findingWhere(f, m.Path) + "\n")
		}
		if more := len(problems) - n; more > 0 {
			fmt.Fprintf(b, "- %d more findings not shown: run `tmbot review` locally for the full report.\n", more)
		}
	}
	if len(m.Warnings) > 0 {
		b.WriteString("\n#### Validation warnings\n\n")
		writeDiagnostics(b, m.Warnings, capTo(len(m.Warnings), o.secondary), "warnings")
	}
	if len(notices) > 0 {
		writeNotices(b, notices, o, m.Path)
	}
	m.writeTracking(b, o)
	if o.changes {
		m.writeChanges(b)
	} else if m.Changes != nil && !m.Changes.Empty() {
		b.WriteString("\n" + changesSentence(m.Changes) + "\n")
	}
	if o.diagram {
		if d := m.Diagram(DiagramMaxNodes); d != "" {
			b.WriteString("\n<details>\n<summary>Data-flow diagram of what changed</summary>\n\n")
			b.WriteString(markdown.Fence(d, "mermaid"))
			b.WriteString("\n" + diagramLegend + "\n\n</details>\n")
		}
	}
}

// systemName is the model's system name, or its id.
func (m *ModelReport) systemName() string {
	if m.slimmed {
		return m.name
	}
	for _, mm := range []*model.Model{m.head, m.base} {
		if mm != nil && mm.System.Name != "" {
			return mm.System.Name
		}
	}
	if m.headResult != nil && m.headResult.Model != nil && m.headResult.Model.System.Name != "" {
		return m.headResult.Model.System.Name
	}
	return m.System
}

// statusLine says in one line what happened to the file and what the review
// found in it.
func (m *ModelReport) statusLine(advisory bool) string {
	var parts []string
	switch m.Status {
	case "added":
		parts = append(parts, "New model file")
	case "removed":
		parts = append(parts, "Model file removed")
	case "renamed":
		parts = append(parts, "Renamed from "+markdown.Code(m.OldPath, maxTitleRunes))
	default:
		parts = append(parts, "Changed")
	}
	if !m.Valid {
		parts = append(parts, "❌ **invalid** ("+plural(len(m.Errors), "error", "errors")+")")
		return strings.Join(parts, " · ")
	}
	unplanned := 0
	for _, t := range m.NewUnmitigated {
		if !t.Planned {
			unplanned++
		}
	}
	switch {
	case len(m.NewUnmitigated) == 0:
		parts = append(parts, "no new open threats")
	case unplanned > 0:
		parts = append(parts, fmt.Sprintf("%s, %d without a plan", plural(len(m.NewUnmitigated), "new open threat", "new open threats"), unplanned))
	default:
		parts = append(parts, plural(len(m.NewUnmitigated), "new open threat", "new open threats")+", all planned")
	}
	var e, w, n int
	for _, f := range m.Findings {
		switch f.Severity {
		case policy.Error:
			e++
		case policy.Warning:
			w++
		case policy.Notice:
			n++
		}
	}
	w += len(m.Warnings)
	if e > 0 {
		if advisory {
			parts = append(parts, "❌ "+plural(e, "policy error", "policy errors")+" (not blocking in this repository)")
		} else {
			parts = append(parts, "❌ "+plural(e, "blocking finding", "blocking findings"))
		}
	}
	if w > 0 {
		parts = append(parts, "⚠️ "+plural(w, "warning", "warnings"))
	}
	if n > 0 {
		parts = append(parts, "💡 "+plural(n, "suggestion", "suggestions"))
	}
	if e == 0 && !m.Blocking {
		parts = append(parts, "does not block")
	}
	return strings.Join(parts, " · ")
}

func writeDiagnostics(b *strings.Builder, ds []model.Diagnostic, n int, what string) {
	for _, d := range ds[:n] {
		loc := fmt.Sprintf("%s:%d:%d", d.File, d.Line, d.Column)
		b.WriteString("- " + markdown.Code(loc, maxTitleRunes) + ": " + markdown.Text(d.Message, maxMessageRunes))
		if d.Field != "" && !strings.Contains(d.Message, d.Field) {
			b.WriteString(" (at " + markdown.Code(d.Field, maxTitleRunes) + ")")
		}
		b.WriteString("\n")
	}
	if more := len(ds) - n; more > 0 {
		fmt.Fprintf(b, "- %d more %s not shown: run `tmbot validate` locally for all of them.\n", more, what)
	}
}

// riskGroups are the headings threats are grouped under, highest first.
var riskGroups = []struct{ risk, heading string }{
	{"critical", "🔴 Critical"},
	{"high", "🟠 High"},
	{"medium", "🟡 Medium"},
	{"low", "⚪ Low"},
	{"", "Unrated"},
}

func (m *ModelReport) writeThreats(b *strings.Builder, o mdOptions, budget *int) {
	var unplanned, planned []NewThreat
	for _, t := range m.NewUnmitigated {
		if t.Planned {
			planned = append(planned, t)
		} else {
			unplanned = append(unplanned, t)
		}
	}
	shown := 0
	if len(unplanned) > 0 {
		b.WriteString("\n#### New threats without a decision\n\n")
		b.WriteString("These threats are new in this change (or their risk went up, or they were reopened), are open, and nothing is planned against them.")
		if o.compact {
			b.WriteString(" " + settleOptions)
		}
		b.WriteString("\n")
		shown += m.writeRiskGroups(b, o, unplanned, budget)
	}
	if len(planned) > 0 && *budget != 0 {
		b.WriteString("\n#### New open threats with a planned mitigation\n\n")
		b.WriteString("These threats are new in this change (or their risk went up, or they were reopened) and open; a mitigation is planned for each.\n")
		shown += m.writeRiskGroups(b, o, planned, budget)
	}
	if more := len(m.NewUnmitigated) - shown; more > 0 {
		b.WriteString("\n" + fmt.Sprintf(moreThreatsNote, more) + "\n")
	}
}

// writeRiskGroups writes threats grouped by risk, highest first, while the
// budget lasts (a negative budget is no limit); it returns how many it
// wrote.
func (m *ModelReport) writeRiskGroups(b *strings.Builder, o mdOptions, threats []NewThreat, budget *int) int {
	shown := 0
	for _, g := range riskGroups {
		var group []NewThreat
		for _, t := range threats {
			r := t.Risk
			if model.Risk(r).Rank() == 0 {
				r = ""
			}
			if r == g.risk {
				group = append(group, t)
			}
		}
		if len(group) == 0 {
			continue
		}
		if *budget == 0 {
			break
		}
		fmt.Fprintf(b, "\n**%s** (%d)\n\n", g.heading, len(group))
		for _, t := range group {
			if *budget == 0 {
				break
			}
			m.writeThreat(b, o, t)
			shown++
			if *budget > 0 {
				*budget--
			}
		}
	}
	return shown
}

func (m *ModelReport) writeThreat(b *strings.Builder, o mdOptions, t NewThreat) {
	var th *model.Threat
	if m.head != nil {
		th = m.head.Threats[t.ID]
	}
	b.WriteString("- " + markdown.Code(t.ID, maxTitleRunes) + " **" + markdown.Text(t.Title, maxTitleRunes) + "**\n")

	// Facts: risk, why it is new, plan.
	risk := orWord(t.Risk, "unrated") + " risk"
	if th != nil && th.Likelihood != "" && th.Impact != "" {
		risk += fmt.Sprintf(" (likelihood %s, impact %s)", th.Likelihood, th.Impact)
	}
	facts := []string{risk, m.whyNew(t)}
	if t.Planned {
		facts = append(facts, "mitigation planned")
	} else {
		facts = append(facts, "**no mitigation planned**")
	}
	if t.Line > 0 {
		facts = append(facts, "line "+strconv.Itoa(t.Line))
	}
	b.WriteString("  - " + strings.Join(facts, " · ") + "\n")

	if len(t.Mitigations) == 0 {
		b.WriteString("  - Mitigations: none\n")
	} else {
		var ms []string
		for _, mr := range t.Mitigations {
			ms = append(ms, markdown.Code(mr.ID, maxTitleRunes)+" "+markdown.Text(mr.Title, maxTitleRunes)+" ("+orWord(mr.Status, "no status")+")")
		}
		b.WriteString("  - Mitigations: " + strings.Join(ms, "; ") + "\n")
	}
	for _, f := range m.Findings {
		if f.Threat == t.ID && f.Severity != policy.Notice {
			verb := "Blocks the merge"
			if o.advisory {
				verb = "Policy error (not blocking in this repository)"
			}
			if f.Severity != policy.Error {
				verb = "Warning"
			}
			// The entry already says what would settle the threat: the
			// finding's first sentence says why it matters.
			b.WriteString("  - " + severityIcon(f.Severity) + " " + verb + ": " + markdown.Text(firstSentence(f.Message), maxMessageRunes) + " (" + markdown.Code(f.Rule, maxTitleRunes) + ")\n")
		}
	}
	if o.compact && !t.Planned {
		b.WriteString("  - To settle it: plan a mitigation, accept the risk, or mark it `not_applicable` (see above).\n")
	} else {
		b.WriteString("  - " + settleText(t, th) + "\n")
	}
	if refs := frameworkLinks(th); refs != "" {
		b.WriteString("  - References: " + refs + "\n")
	}
}

// whyNew says why a threat counts as new.
func (m *ModelReport) whyNew(t NewThreat) string {
	switch t.Change {
	case diff.NewRaised:
		if base := m.baseRisk(t.ID); base != "" {
			return "risk raised from " + base
		}
		return "risk raised"
	case diff.NewReopened:
		return "reopened"
	}
	return "new"
}

func (m *ModelReport) baseRisk(id string) string {
	if m.Changes == nil {
		return ""
	}
	for _, n := range m.Changes.New {
		if n.ID == id {
			return n.BaseRisk
		}
	}
	return ""
}

// settleText says in plain words what would settle a new open threat. th
// is the threat in the head, when known.
func settleText(t NewThreat, th *model.Threat) string {
	written := ""
	if th != nil && th.StatusWritten {
		written = " Its status is written as `open`, so change it to `mitigated` then (or remove the status line and tmbot derives it)."
	}
	if t.Planned {
		var planned, done []string
		for _, mr := range t.Mitigations {
			switch mr.Status {
			case model.MitigationPlanned, model.MitigationInProgress:
				planned = append(planned, markdown.Code(mr.ID, maxTitleRunes))
			case model.MitigationImplemented, model.MitigationVerified:
				done = append(done, markdown.Code(mr.ID, maxTitleRunes))
			}
		}
		switch {
		case len(planned) == 1:
			return "Nothing more is needed now: " + planned[0] + " will be tracked as an issue once this merges, and the threat is settled when its mitigations are implemented." + written
		case len(planned) > 1:
			return "Nothing more is needed now: " + strings.Join(planned, ", ") + " will each be tracked as an issue once this merges, and the threat is settled when its mitigations are implemented." + written
		case len(done) > 0:
			return "Its mitigation " + strings.Join(done, ", ") + " is done: set the threat's `status` to `mitigated`, or remove the status line and tmbot derives it."
		}
		return "A mitigation is planned; the threat is settled when its mitigations are implemented." + written
	}
	var proposed []string
	for _, mr := range t.Mitigations {
		if mr.Status == model.MitigationProposed {
			proposed = append(proposed, markdown.Code(mr.ID, maxTitleRunes))
		}
	}
	s := "To settle it, do one of these in the model file: "
	if len(proposed) > 0 {
		s += "move " + strings.Join(proposed, ", ") + " from `proposed` to `planned` (with an `owner` and a `due` date), or plan another mitigation; "
	} else {
		s += "plan a mitigation (one with status `planned`, an `owner` and a `due` date, listed in the threat's `mitigations`); "
	}
	return s + settleRest
}

// settleRest is how to settle an unplanned threat without a mitigation.
const settleRest = "or accept the risk (`status: accepted` with `acceptance: {by, reason, until}`: who accepts it, why, and until when); " +
	"or, if it cannot happen here, set `status: not_applicable` with a `reason`."

// settleOptions says once what settles any unplanned threat.
const settleOptions = "To settle one, do one of these in the model file: plan a mitigation (one with status `planned`, an `owner` and a `due` date, listed in the threat's `mitigations`); " + settleRest

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

// writeNotices writes the coverage suggestions, collapsed: each with the
// proposed threat in a YAML block ready to paste.
func writeNotices(b *strings.Builder, notices []policy.Finding, o mdOptions, modelPath string) {
	if !o.notices {
		fmt.Fprintf(b, "\n💡 %s not shown here: run `tmbot review` locally to see them.\n", plural(len(notices), "suggestion", "suggestions"))
		return
	}
	fmt.Fprintf(b, "\n<details>\n<summary>💡 %s (notices: nothing here blocks)</summary>\n\n", plural(len(notices), "suggestion", "suggestions"))
	n := capTo(len(notices), o.secondary)
	for _, f := range notices[:n] {
		b.WriteString(markdown.Text(f.Message, maxMessageRunes) + " " + findingWhere(f, modelPath) + "\n\n")
		if s := strings.TrimRight(f.Suggestion, " \t\n"); s != "" {
			if utf8.RuneCountInString(s) > maxSuggestionRunes {
				b.WriteString("(The suggested text is too long to show here: run `tmbot review` locally.)\n\n")
			} else {
				b.WriteString(markdown.Fence(s, "yaml") + "\n")
			}
		}
	}
	if more := len(notices) - n; more > 0 {
		fmt.Fprintf(b, "%d more suggestions not shown: run `tmbot review` locally for the full report.\n\n", more)
	}
	b.WriteString("</details>\n")
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
// to at most n runes, with an ellipsis.
func mdOneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimRight(string(r[:n-1]), " ") + "…"
}

func orWord(s, word string) string {
	if s == "" {
		return word
	}
	return s
}
