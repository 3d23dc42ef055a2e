package review

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tmbot/tmbot/bot/markdown"
	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/policy"
)

// suggestionsPerElement is the noise budget: the comment shows at most this
// many suggestions for one element (the rest are counted; the JSON report
// has them all). Issue 15: "at most three suggestions per element in the
// comment (the rest counted, in JSON), grouped under the element,
// collapsed".
const suggestionsPerElement = 3

// maxPlaces is how many places one grouped warning line lists; the rest
// are counted.
const maxPlaces = 20

// placesList joins places, at most maxPlaces of them, and counts the rest.
func placesList(places []string) string {
	if len(places) <= maxPlaces {
		return strings.Join(places, ", ")
	}
	return strings.Join(places[:maxPlaces], ", ") + fmt.Sprintf(" and %d more", len(places)-maxPlaces)
}

// writeWarnings writes the warnings that do not block (and the errors of
// a repository whose check does not block), grouped: the same validation
// message on several fields is one line that lists the places, and so are
// several findings of one rule.
func writeWarnings(b *strings.Builder, o mdOptions, path string, problems []policy.Finding, warnings []model.Diagnostic) {
	if len(problems) == 0 && len(warnings) == 0 {
		return
	}
	b.WriteString("\n#### Warnings\n\n")
	lines := 0
	// Policy findings, one line per rule and severity.
	var order []string
	byRule := map[string][]policy.Finding{}
	for _, f := range problems {
		k := f.Severity + "\x00" + f.Rule
		if _, ok := byRule[k]; !ok {
			order = append(order, k)
		}
		byRule[k] = append(byRule[k], f)
	}
	limit := o.secondary
	for _, k := range order {
		if limit >= 0 && lines >= limit {
			break
		}
		fs := byRule[k]
		f := fs[0]
		b.WriteString("- " + severityIcon(f.Severity) + " " + markdown.Text(f.Message, maxMessageRunes) + " " + findingWhere(f, path))
		if len(fs) > 1 {
			same := true
			for _, g := range fs[1:] {
				same = same && g.Message == f.Message
			}
			var places []string
			for _, g := range fs[1:] {
				places = append(places, findingPlace(g))
			}
			if same {
				b.WriteString(" The same on " + placesList(places) + ".")
			} else {
				b.WriteString(" Likewise for " + placesList(places) + ".")
			}
		}
		b.WriteString("\n")
		lines++
	}
	// Validation warnings, one line per message.
	var morder []string
	byMsg := map[string][]model.Diagnostic{}
	for _, d := range warnings {
		if _, ok := byMsg[d.Message]; !ok {
			morder = append(morder, d.Message)
		}
		byMsg[d.Message] = append(byMsg[d.Message], d)
	}
	for _, msg := range morder {
		if limit >= 0 && lines >= limit {
			break
		}
		ds := byMsg[msg]
		var places []string
		for _, d := range ds {
			p := "line " + strconv.Itoa(d.Line)
			if d.Field != "" && !strings.Contains(msg, d.Field) {
				p = markdown.Code(d.Field, maxTitleRunes) + " " + p
			}
			places = append(places, p)
		}
		b.WriteString("- ⚠️ " + markdown.Text(msg, maxMessageRunes) + " (at " + placesList(places) + ")\n")
		lines++
	}
	if more := len(order) + len(morder) - lines; more > 0 {
		fmt.Fprintf(b, "- %d more kinds of warning not shown: run `tmbot review` locally for the full report.\n", more)
	}
}

// findingPlace names where a finding is: its element and line.
func findingPlace(f policy.Finding) string {
	kind, id := findingElement(f)
	s := ""
	if id != "" {
		s = kind + " " + markdown.Code(id, maxTitleRunes)
	}
	if f.Line > 0 {
		if s != "" {
			s += " "
		}
		s += "(line " + strconv.Itoa(f.Line) + ")"
	}
	return orWord(s, "the model")
}

// findingElement is the element a finding is about: its kind and id.
func findingElement(f policy.Finding) (kind, id string) {
	// A suggestion is about the element its draft targets, even when it
	// also names the threat that probably covers it.
	if f.Suggestion != "" {
		if f.Flow != "" {
			return "flow", f.Flow
		}
		if f.Component != "" {
			return "component", f.Component
		}
	}
	for _, x := range []struct{ what, id string }{{"threat", f.Threat}, {"mitigation", f.Mitigation}, {"flow", f.Flow}, {"component", f.Component}} {
		if x.id != "" {
			return x.what, x.id
		}
	}
	return "", ""
}

// writeSuggestions writes the suggestions (notices), collapsed, grouped
// under the element they are about, at most suggestionsPerElement each,
// each with its draft ready to paste.
func writeSuggestions(b *strings.Builder, o mdOptions, path string, notices []policy.Finding) {
	if !o.notices {
		fmt.Fprintf(b, "\n💡 %s not shown here: run `tmbot review` locally to see them.\n", plural(len(notices), "suggestion", "suggestions"))
		return
	}
	type group struct {
		kind, id string
		line     int
		fs       []policy.Finding
	}
	var groups []*group
	byKey := map[string]*group{}
	for _, f := range notices {
		kind, id := findingElement(f)
		k := kind + "\x00" + id
		g := byKey[k]
		if g == nil {
			g = &group{kind: kind, id: id, line: f.Line}
			byKey[k] = g
			groups = append(groups, g)
		}
		g.fs = append(g.fs, f)
	}
	fmt.Fprintf(b, "\n<details>\n<summary>💡 %s (nothing here blocks)</summary>\n\n", plural(len(notices), "suggestion", "suggestions"))
	b.WriteString("Threats a reviewer would expect here, each drafted ready to paste under `threats:` (adjust the likelihood and impact). If one does not apply, paste it with `status: not_applicable` and a `reason`. At most " +
		strconv.Itoa(suggestionsPerElement) + " are shown per part of the model; the JSON report (`tmbot review --format json`) has them all.\n")
	perElement := suggestionsPerElement
	if o.secondary >= 0 {
		perElement = min(perElement, o.secondary)
	}
	for _, g := range groups {
		head := "The model"
		if g.id != "" {
			head = strings.ToUpper(g.kind[:1]) + g.kind[1:] + " " + markdown.Code(g.id, maxTitleRunes)
		}
		if g.line > 0 {
			head += " (line " + strconv.Itoa(g.line) + ")"
		}
		fmt.Fprintf(b, "\n**%s**: %s\n", head, plural(len(g.fs), "suggestion", "suggestions"))
		n := min(len(g.fs), perElement)
		for _, f := range g.fs[:n] {
			b.WriteString("\n- " + suggestionLine(f) + "\n")
			if s := strings.TrimRight(f.Suggestion, " \t\n"); s != "" {
				if utf8.RuneCountInString(s) > maxSuggestionRunes {
					b.WriteString("\n  (The draft is too long to show here: run `tmbot review` locally.)\n")
				} else {
					b.WriteString("\n" + indent(markdown.Fence(s, "yaml"), "  "))
				}
			}
		}
		if more := len(g.fs) - n; more > 0 {
			fmt.Fprintf(b, "\n%d more %s for %s in the JSON report.\n", more, orWord2(more, "suggestion", "suggestions"), orWord(markdown.Code(g.id, maxTitleRunes), "the model"))
		}
	}
	b.WriteString("\n</details>\n")
}

// suggestionLine says what a suggestion is about in one line: the draft's
// title, why it applies (from the finding's message), and its rule.
func suggestionLine(f policy.Finding) string {
	title := draftTitle(f.Suggestion)
	why := ""
	if _, rest, ok := strings.Cut(f.Message, "has no threat about "); ok {
		if w, _, ok := strings.Cut(rest, ": "); ok && utf8.RuneCountInString(w) < 300 {
			why = w
		}
	}
	if title == "" {
		return markdown.Text(firstSentence(f.Message), maxMessageRunes) + " (" + markdown.Code(f.Rule, maxTitleRunes) + ")"
	}
	s := "**" + markdown.Text(title, maxTitleRunes) + "**"
	if why != "" {
		s += ": " + markdown.Text(why, maxTitleRunes)
	}
	return s + " (" + markdown.Code(f.Rule, maxTitleRunes) + ")"
}

// draftTitle reads the title of a suggested threat (the first "title:"
// line of the draft), unquoting it.
func draftTitle(s string) string {
	for _, l := range strings.Split(s, "\n") {
		t, ok := strings.CutPrefix(strings.TrimSpace(l), "title:")
		if !ok {
			continue
		}
		t = strings.TrimSpace(t)
		if u, err := strconv.Unquote(t); err == nil {
			return u
		}
		return strings.Trim(t, `'`)
	}
	return ""
}

// indent prefixes every non-empty line of s.
func indent(s, prefix string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}
