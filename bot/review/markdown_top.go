package review

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tmbot/tmbot/bot/markdown"
	"github.com/tmbot/tmbot/bot/policy"
)

// The layout of the comment
//
// A blocking review starts with what blocks, across every model file
// (validation errors, threats and findings that fail the check), then says
// once what settles a threat, then one section per model file with the
// rest. A passing review is short: the verdict, one line per model file,
// and every detail collapsed (at most passingLines lines show). Each
// threat's title is written once; what settles a threat is said once per
// comment; warnings of one kind are grouped into one line; suggestions are
// grouped under their element, at most suggestionsPerElement each; what
// the request did not change is counted, not listed (preexisting.go).

// passingModels is how many model files a passing review names in its
// visible part, so that it stays within passingLines lines.
const passingModels = 5

// passingLines is the most lines a passing review shows with its details
// collapsed (issue 17).
const passingLines = 15

// mdWriter is one rendering's state.
type mdWriter struct {
	b strings.Builder
	o mdOptions
	// threatBudget is shared by every threat list of the comment (o.primary).
	threatBudget int
	// settleSaid: what settles an unplanned threat was said already.
	settleSaid, plannedSaid bool
	// shown counts the threats written per model path.
	shown map[string]int
}

func (r *Report) markdown(o mdOptions) string {
	w := &mdWriter{o: o, threatBudget: o.primary, shown: map[string]int{}}
	b := &w.b
	b.WriteString(Marker + "\n")
	b.WriteString(mdOneLine(r.Verdict, maxMessageRunes) + "\n")
	r.writeOverBudget(b)
	if len(r.ConfigErrors) > 0 {
		b.WriteString("\n### Configuration errors\n\n")
		b.WriteString("The repository's threat-model configuration (read from the default branch) could not be used, so this review blocks until it is fixed there.\n\n")
		n := capTo(len(r.ConfigErrors), o.primary)
		for _, e := range r.ConfigErrors[:n] {
			loc := e.File
			if e.Line > 0 {
				loc += ":" + strconv.Itoa(e.Line)
			}
			fmt.Fprintf(b, "- %s: %s\n", markdown.Code(loc, maxTitleRunes), markdown.Text(e.Message, maxMessageRunes))
		}
		if more := len(r.ConfigErrors) - n; more > 0 {
			fmt.Fprintf(b, "- %d more configuration errors not shown.\n", more)
		}
	}
	if len(r.NewConfigErrors) > 0 {
		b.WriteString("\n### The new configuration\n\n")
		b.WriteString("This change edits the repository's threat-model configuration. This review used the base branch's configuration, as every review does; the new one takes over when this merges, and it has errors: fix them before merging (`tmbot validate .tmbot.yaml` checks it).\n\n")
		for _, e := range r.NewConfigErrors[:capTo(len(r.NewConfigErrors), o.primary)] {
			loc := e.File
			if e.Line > 0 {
				loc += ":" + strconv.Itoa(e.Line)
			}
			fmt.Fprintf(b, "- %s: %s\n", markdown.Code(loc, maxTitleRunes), markdown.Text(e.Message, maxMessageRunes))
		}
	}
	if len(r.Models) == 0 {
		return b.String()
	}
	// A repository whose check does not block (blocking: false) still
	// sees its errors, named as such rather than as blocking.
	w.o.advisory = r.nonBlocking
	if r.Blocking {
		r.writeBlocking(w)
		for i := range r.Models {
			r.Models[i].markdown(w, r)
		}
		if o.howto && r.Summary.Unplanned > 0 {
			writeHowTo(b, r)
		}
	} else {
		b.WriteString("\n")
		n := min(len(r.Models), passingModels)
		for i := range r.Models[:n] {
			m := &r.Models[i]
			b.WriteString("- " + m.heading() + ": " + m.statusLine(r) + "\n")
		}
		if more := len(r.Models) - n; more > 0 {
			fmt.Fprintf(b, "- %d more %s (in the details).\n", more, orWord2(more, "model file", "model files"))
		}
		b.WriteString("\n<details>\n<summary>Details</summary>\n")
		for i := range r.Models {
			r.Models[i].markdown(w, r)
		}
		if o.howto && r.Summary.Unplanned > 0 {
			writeHowTo(b, r)
		}
		b.WriteString("\n</details>\n")
	}
	b.WriteString("\n<sub>Run `tmbot review` in your clone to see this report before you push; `tmbot validate PATH` checks a model file.</sub>\n")
	return b.String()
}

// heading names a model file: its path and its system's name.
func (m *ModelReport) heading() string {
	s := markdown.Code(m.Path, maxTitleRunes)
	if name := m.systemName(); name != "" {
		s += " · " + markdown.Text(name, maxTitleRunes)
	}
	return s
}

// blocks says whether a finding fails the check.
func (r *Report) blocks(f policy.Finding) bool {
	return f.Severity == policy.Error && (!r.nonBlocking || f.Mandatory || f.Rule == policy.RulePolicyError)
}

// blockingThreats are the new open threats of a model that a finding
// blocks (not those an adoption summarises).
func (r *Report) blockingThreats(m *ModelReport) map[string]bool {
	out := map[string]bool{}
	listed := map[string]bool{}
	for _, t := range m.NewUnmitigated {
		listed[t.ID] = true
	}
	for _, f := range m.Findings {
		if f.Threat != "" && listed[f.Threat] && r.blocks(f) && !m.inAdoption(f.Threat) {
			out[f.Threat] = true
		}
	}
	return out
}

// writeBlocking writes what fails the check, first, across every model
// file: validation errors, the threats a finding blocks, other blocking
// findings, and a new model that needs owners and dates.
func (r *Report) writeBlocking(w *mdWriter) {
	b := &w.b
	any := false
	for i := range r.Models {
		m := &r.Models[i]
		bt := r.blockingThreats(m)
		var threats []NewThreat
		for _, t := range m.NewUnmitigated {
			if bt[t.ID] {
				threats = append(threats, t)
			}
		}
		var fs []policy.Finding
		for _, f := range m.Findings {
			if r.blocks(f) && !(f.Threat != "" && bt[f.Threat]) && !(f.Rule == ruleUnplannedRisk && m.inAdoption(f.Threat)) {
				fs = append(fs, f)
			}
		}
		adoption := m.Adoption != nil && m.Adoption.NeedsPlans > 0 && !w.o.advisory
		if len(m.Errors) == 0 && len(threats) == 0 && len(fs) == 0 && !adoption {
			continue
		}
		if !any {
			b.WriteString("\n### ❌ What blocks the merge\n")
			any = true
		}
		b.WriteString("\n**" + m.heading() + "**\n\n")
		if len(m.Errors) > 0 {
			b.WriteString("The model does not follow the threat-model format, so it was not reviewed further: fix these, then push again (" + markdown.Code("tmbot validate "+m.Path, maxTitleRunes) + " shows the same list).\n\n")
			writeDiagnostics(b, m.Errors, capTo(len(m.Errors), w.o.primary), "errors")
		}
		if adoption {
			fmt.Fprintf(b, "- ❌ Needs owners and dates: %s of risk %s or higher in this new model %s no plan; the command in its section below plans them all.\n",
				plural(m.Adoption.NeedsPlans, "threat", "threats"), m.Adoption.Blocks, orWord2(m.Adoption.NeedsPlans, "has", "have"))
		}
		if len(threats) > 0 {
			w.settle(false)
			for _, t := range threats {
				if w.threatBudget == 0 {
					break
				}
				m.writeThreat(w, r, t)
				w.took(m.Path)
			}
		}
		n := capTo(len(fs), w.o.primary)
		for _, f := range fs[:n] {
			b.WriteString("- ❌ " + markdown.Text(f.Message, maxMessageRunes) + " " + findingWhere(f, m.Path) + "\n")
		}
		if more := len(fs) - n; more > 0 {
			fmt.Fprintf(b, "- %d more blocking findings not shown: run `tmbot review` locally for the full report.\n", more)
		}
	}
}

// took counts one threat written for a model, against the budget.
func (w *mdWriter) took(path string) {
	w.shown[path]++
	if w.threatBudget > 0 {
		w.threatBudget--
	}
}

// settle says once per comment what settles an unplanned threat.
func (w *mdWriter) settle(blank bool) {
	if w.settleSaid {
		return
	}
	w.settleSaid = true
	if blank {
		w.b.WriteString("\n")
	}
	w.b.WriteString(settleOptions + "\n\n")
}
