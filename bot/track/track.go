// Package track keeps every planned mitigation of a real threat tracked by
// exactly one issue: from the models on the default branch it works out
// which mitigations need an issue and what each issue should say, and plans
// the changes that bring the forge's issues in line (open, update, close
// with a reason, reopen, or comment once when a person closed an issue the
// model still plans).
//
// It is pure: no forge calls and no database. bot/jobs carries the plan
// out. It imports bot/model (which mitigations are tracked:
// Model.TrackedMitigations), bot/markdown (the issues' text) and the forge
// types only.
package track

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/markdown"
	"github.com/tmbot/tmbot/bot/model"
)

// Mitigation is a mitigation that needs an issue, with what the issue says.
type Mitigation struct {
	// Key is "system/mitigation": with the repository, it identifies the
	// issue, even after the model file moves.
	Key        string
	System     string
	ID         string
	Title      string
	Status     string
	Owner      string
	Due        string
	File       string
	Line       int
	Risk       model.Risk
	Threats    []ThreatRef
	Content    string // hash of what identifies the mitigation, for renames
	Desc       string
	SystemName string
}

// ThreatRef is a threat a mitigation addresses.
type ThreatRef struct {
	ID, Title string
	Risk      model.Risk
}

// Model is a model file on the default branch.
type Model struct {
	Path  string
	Model *model.Model // nil when invalid
	// Invalid is the first error of an invalid model.
	Invalid string
}

// Key joins a system id and a mitigation id.
func Key(system, mitigation string) string { return system + "/" + mitigation }

// Wanted lists the mitigations that need an issue: planned or in_progress,
// addressing at least one open threat, in every valid model.
func Wanted(models []Model) map[string]Mitigation {
	out := map[string]Mitigation{}
	for _, f := range models {
		m := f.Model
		if m == nil {
			continue
		}
		for mid, threats := range m.TrackedMitigations() {
			mit := m.Mitigations[mid]
			w := Mitigation{Key: Key(m.System.ID, mid), System: m.System.ID, SystemName: m.System.Name, ID: mid,
				Title: mit.Title, Status: mit.Status, Owner: mit.Owner, Due: mit.Due, File: f.Path, Line: mit.Pos.Line,
				Desc: mit.Description, Content: contentHash(mit)}
			for _, tid := range threats {
				t := m.Threats[tid]
				w.Threats = append(w.Threats, ThreatRef{ID: tid, Title: t.Title, Risk: t.Risk})
				if t.Risk.Rank() > w.Risk.Rank() {
					w.Risk = t.Risk
				}
			}
			sort.Slice(w.Threats, func(i, j int) bool {
				if a, b := w.Threats[i].Risk.Rank(), w.Threats[j].Risk.Rank(); a != b {
					return a > b
				}
				return w.Threats[i].ID < w.Threats[j].ID
			})
			out[w.Key] = w
		}
	}
	return out
}

// contentHash identifies a mitigation by what it says, not by its id, so
// that a renamed mitigation keeps its issue.
func contentHash(m *model.Mitigation) string {
	h := sha256.Sum256([]byte(strings.Join([]string{strings.TrimSpace(m.Title), strings.TrimSpace(m.Description),
		strings.TrimSpace(m.Owner), m.Due}, "\x00")))
	return hex.EncodeToString(h[:8])
}

// marker is the hidden line by which the bot finds a mitigation's issue.
var markerRe = regexp.MustCompile(regexp.QuoteMeta(forge.TrackingMarkerPrefix) + `mitigation key="([^"]+)" -->`)

// Marker is the hidden marker of a mitigation's issue.
func Marker(key string) string {
	return fmt.Sprintf(`%smitigation key="%s" -->`, forge.TrackingMarkerPrefix, key)
}

// KeyOf finds the key in an issue body.
func KeyOf(body string) (string, bool) {
	m := markerRe.FindStringSubmatch(body)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// SummaryMarker marks the repository's tracking issue.
const SummaryMarker = forge.TrackingMarkerPrefix + "summary -->"

// Title is s as an issue title: plain text on one line, mentioning no one,
// invisible characters marked, cut to what the forge allows with an
// ellipsis.
func Title(s string) string { return markdown.Title(s, forge.MaxIssueTitle) }

// Settings shape the issues.
type Settings struct {
	Labels []string // every tracking issue; risk:<level> is added
	// Assign maps a mitigation owner to an assignable login, or "".
	Assign func(owner string) string
}

// Caps on user text in an issue body.
const (
	maxNameRunes = 200
	maxDescRunes = 4000
	maxIDRunes   = 200
)

// Spec is what a mitigation's issue should be. The owner is mentioned only
// when the forge confirmed the handle (Settings.Assign gave a login for
// it); otherwise it is written as code, which notifies no one.
func Spec(m Mitigation, s Settings) forge.IssueSpec {
	var login string
	if s.Assign != nil {
		login = s.Assign(m.Owner)
	}
	code := func(v string) string { return markdown.Code(v, maxIDRunes) }
	var b strings.Builder
	b.WriteString(Marker(m.Key) + "\n")
	fmt.Fprintf(&b, "tmbot tracks this mitigation of the threat model **%s** (%s).\n\n", markdown.Text(m.SystemName, maxNameRunes), code(m.System))
	fmt.Fprintf(&b, "**What to do:** %s\n\n", markdown.Text(m.Title, maxNameRunes))
	if d := markdown.Paragraph(m.Desc, maxDescRunes); d != "" {
		b.WriteString(d + "\n\n")
	}
	cellCode := func(v string) string { return markdown.CellCode(v, maxIDRunes) }
	fmt.Fprintf(&b, "| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| Mitigation | %s in %s line %d |\n", cellCode(m.ID), cellCode(m.File), m.Line)
	fmt.Fprintf(&b, "| Status in the model | %s |\n", markdown.Cell(m.Status, maxIDRunes))
	if m.Owner != "" {
		owner := cellCode(m.Owner)
		if login != "" {
			owner = markdown.Mention(login)
		}
		fmt.Fprintf(&b, "| Owner | %s |\n", owner)
	}
	if m.Due != "" {
		fmt.Fprintf(&b, "| Due | %s |\n", markdown.Cell(m.Due, maxIDRunes))
	}
	fmt.Fprintf(&b, "| Highest risk addressed | %s |\n\n", markdown.Cell(string(m.Risk), maxIDRunes))
	b.WriteString("**Threats it addresses:**\n\n")
	for _, t := range m.Threats {
		fmt.Fprintf(&b, "- %s %s (%s risk)\n", code(t.ID), markdown.Text(t.Title, maxNameRunes), markdown.Text(string(t.Risk), maxIDRunes))
	}
	fmt.Fprintf(&b, "\nWhen it is done, set `status: implemented` (or `verified`) for %s in %s; tmbot closes this issue when that change lands on the default branch.\n", code(m.ID), code(m.File))
	spec := forge.IssueSpec{Title: Title(m.Title), Body: b.String(), Due: m.Due}
	spec.Labels = append(append([]string{}, s.Labels...), "risk:"+string(m.Risk))
	if login != "" {
		spec.Assignees = []string{login}
	}
	return spec
}

// Same reports whether an issue already says what spec says.
func Same(i forge.Issue, spec forge.IssueSpec) bool {
	return i.Title == spec.Title && strings.TrimSpace(i.Body) == strings.TrimSpace(spec.Body) &&
		sameSet(i.Labels, spec.Labels) && sameSet(i.Assignees, spec.Assignees)
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, x := range a {
		seen[strings.ToLower(x)]++
	}
	for _, x := range b {
		seen[strings.ToLower(x)]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}
