package review

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/tmbot/tmbot/bot/diff"
	"github.com/tmbot/tmbot/bot/markdown"
	"github.com/tmbot/tmbot/bot/model"
)

// DiagramMaxNodes caps the data-flow diagram of a comment: past it a
// diagram is unreadable (and Mermaid slow to lay out), so the nodes that
// changed come first, then the ends of changed flows, then neighbours, and
// a note names how many were left out.
const DiagramMaxNodes = 60

// diagramLegend explains the diagram's marks; it goes under the diagram.
const diagramLegend = "Only what changed and its direct neighbours are drawn. Green: added · amber: changed · dashed arrow: flow removed · ⚠️ target of a new open threat."

// Diagram returns a Mermaid flowchart (the source, without the Markdown
// fence) of the part of the head model that changed: the components and
// flows added or changed, with their direct neighbours. Added elements have
// the class added, changed ones the class changed; removed components are
// left out and removed flows drawn dashed. Components and flows that a new
// open threat targets are marked ⚠️. It returns "" when the head is
// unknown (invalid or removed) or no component or flow changed. At most
// maxNodes components are drawn (no cap when maxNodes <= 0), plus a note
// node saying how many were left out.
//
// After a review, the diagram is the one drawn at DiagramMaxNodes when the
// file's review was done (its models are not kept: see slim.go).
func (m *ModelReport) Diagram(maxNodes int) string {
	if m.slimmed {
		return m.diagram
	}
	head, d := m.head, m.Changes
	if head == nil || d == nil {
		return ""
	}
	ch := diagramChangesOf(d, m.base)
	flows := flowsInOrder(head)
	ids, omitted := ch.nodes(head, flows, componentOrder(head), maxNodes)
	if len(ids) == 0 {
		return ""
	}
	return m.drawDiagram(head, ch, flows, ids, omitted)
}

// componentOrder is each component's place in the head's document order;
// components not in the order (a hand-built model) go last, sorted.
func componentOrder(head *model.Model) map[string]int {
	order := map[string]int{}
	for i, id := range head.ComponentOrder {
		if _, ok := order[id]; !ok && head.Components[id] != nil {
			order[id] = i
		}
	}
	var extra []string
	for id := range head.Components {
		if _, ok := order[id]; !ok {
			extra = append(extra, id)
		}
	}
	sort.Strings(extra)
	for _, id := range extra {
		order[id] = len(order)
	}
	return order
}

// diagramChanges is what a diff changed, as the diagram draws it.
type diagramChanges struct {
	comp    map[string]string // an added or changed component's change
	flow    map[string]string // an added or changed flow's change
	removed []*model.Flow     // the removed flows, as in base
}

// diagramChangesOf reads the changes to draw from the diff; removed flows
// come from base.
func diagramChangesOf(d *diff.Diff, base *model.Model) diagramChanges {
	ch := diagramChanges{comp: map[string]string{}, flow: map[string]string{}}
	for _, c := range d.Components {
		if c.Change == diff.Added || c.Change == diff.Changed {
			ch.comp[c.ID] = c.Change
		}
	}
	for _, f := range d.Flows {
		switch f.Change {
		case diff.Added, diff.Changed:
			ch.flow[f.ID] = f.Change
		case diff.Removed:
			if base != nil && base.Flows[f.ID] != nil {
				ch.removed = append(ch.removed, base.Flows[f.ID])
			}
		}
	}
	return ch
}

// nodes chooses the components to draw, in document order, and says how
// many were left out past maxNodes: first the changed ones, then the ends
// of changed flows, then the neighbours of changed components.
func (ch diagramChanges) nodes(head *model.Model, flows []*model.Flow, order map[string]int, maxNodes int) (ids []string, omitted int) {
	// Priority of each node to draw: 0 changed, 1 end of a changed flow,
	// 2 neighbour of a changed component.
	prio := map[string]int{}
	want := func(id string, p int) {
		if head.Components[id] == nil {
			return
		}
		if q, ok := prio[id]; !ok || p < q {
			prio[id] = p
		}
	}
	for id := range ch.comp {
		want(id, 0)
	}
	for _, f := range flows {
		if _, ok := ch.flow[f.ID]; ok {
			want(f.From, 1)
			want(f.To, 1)
		}
	}
	for _, f := range ch.removed {
		want(f.From, 1)
		want(f.To, 1)
	}
	for _, f := range flows {
		if _, ok := ch.comp[f.From]; ok {
			want(f.To, 2)
		}
		if _, ok := ch.comp[f.To]; ok {
			want(f.From, 2)
		}
	}
	if len(prio) == 0 {
		return nil, 0
	}
	ids = make([]string, 0, len(prio))
	for id := range prio {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		if prio[ids[i]] != prio[ids[j]] {
			return prio[ids[i]] < prio[ids[j]]
		}
		return order[ids[i]] < order[ids[j]]
	})
	if maxNodes > 0 && len(ids) > maxNodes {
		omitted = len(ids) - maxNodes
		ids = ids[:maxNodes]
	}
	sort.Slice(ids, func(i, j int) bool { return order[ids[i]] < order[ids[j]] })
	return ids, omitted
}

// drawDiagram writes the flowchart of the chosen components ids, the flows
// between them, and the classes and link styles of what changed.
func (m *ModelReport) drawDiagram(head *model.Model, ch diagramChanges, flows []*model.Flow, ids []string, omitted int) string {
	threatened := m.threatenedElements()
	node := map[string]string{}
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	var added, changed []string
	for i, id := range ids {
		n := "n" + strconv.Itoa(i+1)
		node[id] = n
		c := head.Components[id]
		label := orWord(c.Name, id)
		if threatened[id] {
			label = "⚠️ " + label
		}
		b.WriteString("  " + n + mermaidShape(c.Kind, mermaidLabel(label)) + "\n")
		switch ch.comp[id] {
		case diff.Added:
			added = append(added, n)
		case diff.Changed:
			changed = append(changed, n)
		}
	}
	if omitted > 0 {
		fmt.Fprintf(&b, "  more[\"%s\"]\n", mermaidLabel(fmt.Sprintf("… %d more components not shown", omitted)))
	}
	edge := 0
	var addedEdges, changedEdges []string
	for _, f := range flows {
		from, okf := node[f.From]
		to, okt := node[f.To]
		if !okf || !okt {
			continue
		}
		label := f.ID
		if threatened[f.ID] {
			label = "⚠️ " + label
		}
		fmt.Fprintf(&b, "  %s -->|\"%s\"| %s\n", from, mermaidLabel(label), to)
		switch ch.flow[f.ID] {
		case diff.Added:
			addedEdges = append(addedEdges, strconv.Itoa(edge))
		case diff.Changed:
			changedEdges = append(changedEdges, strconv.Itoa(edge))
		}
		edge++
	}
	for _, f := range ch.removed {
		from, okf := node[f.From]
		to, okt := node[f.To]
		if !okf || !okt {
			continue
		}
		fmt.Fprintf(&b, "  %s -.->|\"%s\"| %s\n", from, mermaidLabel("removed: "+f.ID), to)
		edge++
	}
	b.WriteString("  classDef added fill:#dafbe1,stroke:#1a7f37,color:#1f2328\n")
	b.WriteString("  classDef changed fill:#fff8c5,stroke:#9a6700,color:#1f2328\n")
	if len(added) > 0 {
		b.WriteString("  class " + strings.Join(added, ",") + " added\n")
	}
	if len(changed) > 0 {
		b.WriteString("  class " + strings.Join(changed, ",") + " changed\n")
	}
	if omitted > 0 {
		b.WriteString("  style more stroke-dasharray: 4 4\n")
	}
	if len(addedEdges) > 0 {
		b.WriteString("  linkStyle " + strings.Join(addedEdges, ",") + " stroke:#1a7f37,stroke-width:2px\n")
	}
	if len(changedEdges) > 0 {
		b.WriteString("  linkStyle " + strings.Join(changedEdges, ",") + " stroke:#9a6700,stroke-width:2px\n")
	}
	return b.String()
}

// flowsInOrder lists the head's flows in document order (flows missing
// from the order, in a hand-built model, last and sorted).
func flowsInOrder(m *model.Model) []*model.Flow {
	var out []*model.Flow
	seen := map[string]bool{}
	for _, id := range m.FlowOrder {
		if f := m.Flows[id]; f != nil && !seen[id] {
			seen[id] = true
			out = append(out, withID(f, id))
		}
	}
	var rest []string
	for id := range m.Flows {
		if !seen[id] {
			rest = append(rest, id)
		}
	}
	sort.Strings(rest)
	for _, id := range rest {
		out = append(out, withID(m.Flows[id], id))
	}
	return out
}

func withID(f *model.Flow, id string) *model.Flow {
	if f.ID == id {
		return f
	}
	c := *f
	c.ID = id
	return &c
}

// threatenedElements are the ids (components and flows) that a new open
// threat of the model targets.
func (m *ModelReport) threatenedElements() map[string]bool {
	out := map[string]bool{}
	if m.head == nil {
		return out
	}
	for _, n := range m.NewUnmitigated {
		if t := m.head.Threats[n.ID]; t != nil {
			for _, id := range t.Targets {
				out[id] = true
			}
		}
	}
	return out
}

// mermaidShape wraps a node label in the Mermaid shape for a component kind:
// stores as cylinders, people as stadiums, models and agents as hexagons,
// tools as subroutines, outside services as parallelograms, the rest as
// rectangles. label must already be escaped.
func mermaidShape(kind, label string) string {
	q := `"` + label + `"`
	switch kind {
	case "database", "cache", "storage", "vector_store", "feature_store", "dataset", "model_registry", "secrets_store":
		return "[(" + q + ")]"
	case "user":
		return "([" + q + "])"
	case "llm", "model", "embedding_model", "agent":
		return "{{" + q + "}}"
	case "tool", "guardrail", "prompt_template":
		return "[[" + q + "]]"
	case "third_party_service", "queue":
		return "[/" + q + "/]"
	}
	return "[" + q + "]"
}

// mermaidLabel is s as the text of a quoted Mermaid label: one line, at
// most 80 runes, with quotes, brackets and markup characters as entities.
func mermaidLabel(s string) string { return markdown.MermaidLabel(s, 80) }
