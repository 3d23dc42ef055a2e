package diff

import (
	"strconv"
	"strings"
)

// Text renders the diff for `tmbot diff --format text`, one change a line:
//
//	~ model: system.name
//	+ threat prompt-injection (high, open)
//	~ threat sql-injection: risk medium → high
//	~ threat xss: status mitigated → open (reopened); mitigations removed: csp
//	> threat old-id renamed to new-id
//	- threat retired-threat
//	+ mitigation waf (planned)
//	~ mitigation mfa: status implemented → planned (regression)
//	> mitigation old-waf renamed to waf
//	- mitigation legacy-waf
//	+ component gateway
//	~ flow admin-login: encrypted
//	- asset old-data
//
// Sections come in the order model, threats, mitigations, components,
// flows, assets; within a section, the order of the Diff. An empty diff
// renders as "no changes\n".
func (d *Diff) Text() string {
	if d.Empty() {
		return "no changes\n"
	}
	var b strings.Builder
	if len(d.ModelFieldsChanged) > 0 {
		b.WriteString("~ model: " + strings.Join(d.ModelFieldsChanged, ", ") + "\n")
	}
	for _, t := range d.Threats {
		b.WriteString(threatLine(t))
		b.WriteByte('\n')
	}
	for _, m := range d.Mitigations {
		b.WriteString(mitigationLine(m))
		b.WriteByte('\n')
	}
	elements := func(kind string, list []ElementChange) {
		for _, e := range list {
			switch e.Change {
			case Added:
				b.WriteString("+ " + kind + " " + e.ID)
			case Removed:
				b.WriteString("- " + kind + " " + e.ID)
			default:
				b.WriteString("~ " + kind + " " + e.ID + ": " + strings.Join(e.FieldsChanged, ", "))
			}
			b.WriteByte('\n')
		}
	}
	elements("component", d.Components)
	elements("flow", d.Flows)
	elements("asset", d.Assets)
	return b.String()
}

func threatLine(t ThreatChange) string {
	switch t.Change {
	case Added:
		return "+ threat " + t.ID + " (" + orUnknown(t.Risk) + ", " + orUnknown(t.Status) + ")"
	case Removed:
		return "- threat " + t.ID
	}
	var parts []string
	shown := map[string]bool{"mitigations": true}
	if t.Risk != t.BaseRisk {
		parts = append(parts, "risk "+orUnknown(t.BaseRisk)+" → "+orUnknown(t.Risk))
		// The risk explains a change of likelihood or impact.
		shown["likelihood"], shown["impact"] = true, true
	}
	if t.StatusFrom != "" || t.StatusTo != "" {
		s := "status " + orUnknown(t.StatusFrom) + " → " + orUnknown(t.StatusTo)
		if t.Reopened {
			s += " (reopened)"
		}
		parts = append(parts, s)
		shown["status"] = true
	}
	if len(t.MitigationsAdded) > 0 {
		parts = append(parts, "mitigations added: "+strings.Join(t.MitigationsAdded, ", "))
	}
	if len(t.MitigationsRemoved) > 0 {
		parts = append(parts, "mitigations removed: "+strings.Join(t.MitigationsRemoved, ", "))
	}
	var other []string
	for _, f := range t.FieldsChanged {
		if !shown[f] {
			other = append(other, f)
		}
	}
	if len(other) > 0 {
		parts = append(parts, "changed: "+strings.Join(other, ", "))
	}
	if t.Change == Renamed {
		line := "> threat " + t.From + " renamed to " + t.ID
		if len(parts) > 0 {
			line += "; " + strings.Join(parts, "; ")
		}
		return line
	}
	return "~ threat " + t.ID + ": " + strings.Join(parts, "; ")
}

func mitigationLine(m MitigationChange) string {
	switch m.Change {
	case Added:
		return "+ mitigation " + m.ID + " (" + orUnknown(m.Status) + ")"
	case Removed:
		return "- mitigation " + m.ID
	case Renamed:
		return "> mitigation " + m.From + " renamed to " + m.ID
	}
	var parts []string
	if m.StatusFrom != "" || m.StatusTo != "" {
		s := "status " + orUnknown(m.StatusFrom) + " → " + orUnknown(m.StatusTo)
		if m.Regression {
			s += " (regression)"
		}
		parts = append(parts, s)
	}
	var other []string
	for _, f := range m.FieldsChanged {
		if f != "status" {
			other = append(other, f)
		}
	}
	if len(other) > 0 {
		parts = append(parts, "changed: "+strings.Join(other, ", "))
	}
	return "~ mitigation " + m.ID + ": " + strings.Join(parts, "; ")
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// Phrases names the counted changes in plain words, e.g. ["1 threat
// added", "2 mitigations changed"], kinds in the order threats,
// mitigations, components, flows, assets; changes in the order added,
// changed, renamed, removed. Zero counts are left out.
func (s Summary) Phrases() []string {
	var out []string
	kind := func(one, many string, c Counts) {
		for _, x := range []struct {
			n    int
			verb string
		}{{c.Added, "added"}, {c.Changed, "changed"}, {c.Renamed, "renamed"}, {c.Removed, "removed"}} {
			switch {
			case x.n == 1:
				out = append(out, "1 "+one+" "+x.verb)
			case x.n > 1:
				out = append(out, strconv.Itoa(x.n)+" "+many+" "+x.verb)
			}
		}
	}
	kind("threat", "threats", s.Threats)
	kind("mitigation", "mitigations", s.Mitigations)
	kind("component", "components", s.Components)
	kind("flow", "flows", s.Flows)
	kind("asset", "assets", s.Assets)
	return out
}

// Markdown renders the diff for `tmbot diff --format markdown`: the counts
// in words, then the lines of Text in a diff block (shown in colour by
// GitHub and GitLab).
func (d *Diff) Markdown() string {
	var b strings.Builder
	title := d.Path
	if title == "" {
		title = "threat model"
	}
	b.WriteString("### Changes to " + title + "\n\n")
	if d.Empty() {
		b.WriteString("No changes.\n")
		return b.String()
	}
	if p := d.Summary.Phrases(); len(p) > 0 {
		b.WriteString(strings.Join(p, ", ") + ".\n\n")
	}
	b.WriteString("```diff\n" + d.Text() + "```\n")
	return b.String()
}
