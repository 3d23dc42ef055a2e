package review

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tmbot/tmbot/bot/diff"
	"github.com/tmbot/tmbot/bot/markdown"
	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/policy"
)

// markdown writes one model file's section: what does not block (what
// blocks is written first, by writeBlocking).
func (m *ModelReport) markdown(w *mdWriter, r *Report) {
	b, o := &w.b, w.o
	if !m.Valid {
		return // its errors are listed first, with what blocks
	}
	b.WriteString("\n---\n\n### " + m.heading() + "\n")
	if r.Blocking {
		b.WriteString("\n" + m.statusLine(r) + "\n")
	}
	bt := r.blockingThreats(m)
	switch {
	case m.Adoption != nil && m.Adoption.Baseline == "":
		m.writeAdoption(b, o)
	case m.Adoption != nil:
		// Adopted from a baseline: the threats new since it are listed,
		// the adopted ones summarised.
		m.writeThreats(w, r, bt)
		m.writeAdoption(b, o)
	default:
		m.writeThreats(w, r, bt)
	}
	// Findings about a listed threat are shown with it; what blocks is
	// shown first; what the request did not change is counted.
	listed := map[string]bool{}
	for _, t := range m.NewUnmitigated {
		listed[t.ID] = true
	}
	var problems, notices []policy.Finding
	pre := 0
	for _, f := range m.Findings {
		switch {
		case r.blocks(f):
			continue
		case f.Severity != policy.Notice && f.Threat != "" && listed[f.Threat]:
			continue
		case f.Severity == policy.Notice && f.Threat != "" && listed[f.Threat] && m.inAdoption(f.Threat):
			continue
		case !shownInComment(f):
			pre++
		case f.Severity == policy.Notice:
			notices = append(notices, f)
		default:
			problems = append(problems, f)
		}
	}
	var warnings []model.Diagnostic
	for _, d := range m.Warnings {
		if shownDiag(d) {
			warnings = append(warnings, d)
		} else {
			pre++
		}
	}
	writeWarnings(b, o, m.Path, problems, warnings)
	if pre > 0 {
		fmt.Fprintf(b, "\n%s on parts of the model this change does not touch %s not listed here (%s in the JSON report, marked `pre_existing`).\n",
			plural(pre, "warning or suggestion", "warnings and suggestions"), orWord2(pre, "is", "are"), orWord2(pre, "it is", "they are"))
	}
	if len(notices) > 0 {
		writeSuggestions(b, o, m.Path, notices)
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
// found in it (what the comment lists: pre-existing warnings and
// suggestions are not counted).
func (m *ModelReport) statusLine(r *Report) string {
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
		switch {
		case f.Severity == policy.Error:
			e++
		case !shownInComment(f):
		case f.Severity == policy.Warning:
			w++
		case f.Severity == policy.Notice:
			n++
		}
	}
	for _, d := range m.Warnings {
		if shownDiag(d) {
			w++
		}
	}
	if e > 0 {
		if r.nonBlocking {
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

// writeThreats writes the new open threats that do not block: those with
// no plan, then those with one.
func (m *ModelReport) writeThreats(w *mdWriter, r *Report, blocking map[string]bool) {
	b := &w.b
	var unplanned, planned []NewThreat
	for _, t := range m.NewUnmitigated {
		switch {
		case blocking[t.ID]:
		case t.Planned:
			planned = append(planned, t)
		default:
			unplanned = append(unplanned, t)
		}
	}
	if len(unplanned) > 0 && w.threatBudget != 0 {
		b.WriteString("\n#### New threats without a decision\n\n")
		b.WriteString("These threats are new in this change (or their risk went up, or they were reopened), are open, and nothing is planned against them.\n")
		w.settle(true)
		m.writeRiskGroups(w, r, unplanned)
	}
	if len(planned) > 0 && w.threatBudget != 0 {
		b.WriteString("\n#### New open threats with a planned mitigation\n\n")
		b.WriteString("These threats are new in this change (or their risk went up, or they were reopened) and open; a mitigation is planned for each.")
		if !w.plannedSaid {
			w.plannedSaid = true
			b.WriteString(" Nothing more is needed now: each planned mitigation is tracked as an issue once this merges, and a threat is settled when its mitigations are implemented.")
		}
		b.WriteString("\n")
		m.writeRiskGroups(w, r, planned)
	}
	if more := len(m.NewUnmitigated) - w.shown[m.Path]; more > 0 {
		b.WriteString("\n" + fmt.Sprintf(moreThreatsNote, more) + "\n")
	}
}

// writeRiskGroups writes threats grouped by risk, highest first, while the
// budget lasts (a negative budget is no limit).
func (m *ModelReport) writeRiskGroups(w *mdWriter, r *Report, threats []NewThreat) {
	for _, g := range riskGroups {
		var group []NewThreat
		for _, t := range threats {
			risk := t.Risk
			if model.Risk(risk).Rank() == 0 {
				risk = ""
			}
			if risk == g.risk {
				group = append(group, t)
			}
		}
		if len(group) == 0 {
			continue
		}
		if w.threatBudget == 0 {
			break
		}
		fmt.Fprintf(&w.b, "\n**%s** (%d)\n\n", g.heading, len(group))
		for _, t := range group {
			if w.threatBudget == 0 {
				break
			}
			m.writeThreat(w, r, t)
			w.took(m.Path)
		}
	}
}

// writeThreat writes one new open threat: its id and title (the only
// place its title appears), the facts, its mitigations, the findings about
// it, what is particular to settling it, and its framework ids.
func (m *ModelReport) writeThreat(w *mdWriter, r *Report, t NewThreat) {
	b := &w.b
	var th *model.Threat
	if m.head != nil {
		th = m.head.Threats[t.ID]
	}
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
	b.WriteString("- " + markdown.Code(t.ID, maxTitleRunes) + " **" + markdown.Text(t.Title, maxTitleRunes) + "** · " + strings.Join(facts, " · ") + "\n")
	if len(t.Mitigations) > 0 {
		var ms []string
		for _, mr := range t.Mitigations {
			ms = append(ms, markdown.Code(mr.ID, maxTitleRunes)+" "+markdown.Text(mr.Title, maxTitleRunes)+" ("+orWord(mr.Status, "no status")+")")
		}
		b.WriteString("  - Mitigations: " + strings.Join(ms, "; ") + "\n")
	}
	for _, f := range m.Findings {
		if f.Threat != t.ID || f.Severity == policy.Notice {
			continue
		}
		verb := "Warning"
		switch {
		case r.blocks(f):
			verb = "Blocks the merge"
		case f.Severity == policy.Error:
			verb = "Policy error (not blocking in this repository)"
		}
		msg := withoutTitle(firstSentence(f.Message), t.Title, t.ID)
		b.WriteString("  - " + severityIcon(f.Severity) + " " + verb + " (" + markdown.Code(f.Rule, maxTitleRunes) + "): " + markdown.Text(msg, maxMessageRunes) + "\n")
	}
	if s := settleParticular(t, th); s != "" {
		b.WriteString("  - " + s + "\n")
	}
	if refs := frameworkLinks(th); refs != "" && !w.o.compact {
		b.WriteString("  - References: " + refs + "\n")
	}
}

// withoutTitle takes a threat's title out of a message about it (the
// entry names it already): `"Title" (id)` becomes "this threat".
func withoutTitle(msg, title, id string) string {
	quoted := `"` + strings.TrimSpace(title) + `" (` + id + `)`
	if strings.Contains(msg, quoted) {
		return strings.Replace(msg, quoted, "("+id+")", 1)
	}
	return msg
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

// settleParticular says what is particular to settling one threat: what
// the comment says once for all (settleOptions, and that planned
// mitigations are tracked) is not repeated. th is the threat in the head,
// when known.
func settleParticular(t NewThreat, th *model.Threat) string {
	written := th != nil && th.StatusWritten
	var proposed, done []string
	for _, mr := range t.Mitigations {
		switch mr.Status {
		case model.MitigationProposed:
			proposed = append(proposed, markdown.Code(mr.ID, maxTitleRunes))
		case model.MitigationImplemented, model.MitigationVerified:
			done = append(done, markdown.Code(mr.ID, maxTitleRunes))
		}
	}
	switch {
	case !t.Planned && len(proposed) > 0:
		return "For this one: move " + strings.Join(proposed, ", ") + " from `proposed` to `planned` (with an `owner` and a `due` date), or plan another mitigation."
	case t.Planned && len(done) > 0 && len(done) == len(t.Mitigations):
		return "Its mitigation " + strings.Join(done, ", ") + " is done: set the threat's `status` to `mitigated`, or remove the status line and tmbot derives it."
	case t.Planned && written:
		return "Its status is written as `open`: change it to `mitigated` once its mitigations are implemented (or remove the status line and tmbot derives it)."
	}
	return ""
}

// settleOptions says once what settles any unplanned threat.
const settleOptions = "To settle a threat without a plan, do one of these in the model file: plan a mitigation (one with status `planned`, an `owner` and a `due` date, listed in the threat's `mitigations`); " +
	"or accept the risk (`status: accepted` with `acceptance: {by, reason, until}`: who accepts it, why, and until when); " +
	"or, if it cannot happen here, set `status: not_applicable` with a `reason`."
