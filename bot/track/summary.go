package track

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tmbot/tmbot/bot/markdown"
	"github.com/tmbot/tmbot/bot/model"
)

// SummaryTitle is the title of the repository's tracking issue.
const SummaryTitle = "Threat model: open threats and planned mitigations"

// SummaryBody is the repository's tracking issue: the open threats of every
// model by risk, with the issues of their mitigations, and the models that
// are invalid. links maps a mitigation key to its issue reference (#12).
func SummaryBody(models []Model, links map[string]string) string {
	var b strings.Builder
	b.WriteString(SummaryMarker + "\n")
	b.WriteString("tmbot keeps this issue up to date from the threat models on the default branch.\n")
	sorted := append([]Model(nil), models...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Path < sorted[j].Path })
	if len(sorted) == 0 {
		b.WriteString("\nThis repository has no threat model yet.\n")
	}
	for _, f := range sorted {
		if f.Model == nil {
			fmt.Fprintf(&b, "\n### %s\n\n⚠️ This model is invalid, so its tracking is on hold: %s\n", markdown.Code(f.Path, maxIDRunes), markdown.Text(f.Invalid, maxDescRunes))
			continue
		}
		m := f.Model
		fmt.Fprintf(&b, "\n### %s (%s)\n\n", markdown.Text(m.System.Name, maxNameRunes), markdown.Code(f.Path, maxIDRunes))
		var open []*model.Threat
		for _, id := range m.ThreatOrder {
			if t := m.Threats[id]; t.Status == model.StatusOpen {
				open = append(open, t)
			}
		}
		if len(open) == 0 {
			b.WriteString("No open threats.\n")
			continue
		}
		sort.SliceStable(open, func(i, j int) bool { return open[i].Risk.Rank() > open[j].Risk.Rank() })
		b.WriteString("| risk | threat | mitigations |\n|---|---|---|\n")
		for _, t := range open {
			var mits []string
			for _, mid := range t.Mitigations {
				mit := m.Mitigations[mid]
				if mit == nil {
					continue
				}
				s := fmt.Sprintf("%s (%s)", markdown.CellCode(mid, maxIDRunes), markdown.Cell(mit.Status, maxIDRunes))
				if l := links[Key(m.System.ID, mid)]; l != "" {
					s += " " + l
				}
				mits = append(mits, s)
			}
			if len(mits) == 0 {
				mits = []string{"none"}
			}
			fmt.Fprintf(&b, "| %s | %s %s | %s |\n", markdown.Cell(string(t.Risk), maxIDRunes), markdown.CellCode(t.ID, maxIDRunes),
				markdown.Cell(t.Title, maxNameRunes), strings.Join(mits, ", "))
		}
	}
	return b.String()
}
