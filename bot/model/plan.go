package model

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// PlanOptions say whose the open threats become and by when.
type PlanOptions struct {
	Owner string // team or user handle, such as @org/team
	Due   string // YYYY-MM-DD
	// MinRisk limits the plan to open threats of this risk or higher;
	// empty plans every open threat.
	MinRisk Risk
}

// PlanChange is one change Plan made, for the person to read.
type PlanChange struct {
	Threat     string
	Mitigation string
	What       string // "owner @x", "due 2027-03-31", "status planned", "new mitigation"
}

// ErrPlanOnlyYAML is returned for a model file Plan cannot edit in place.
var ErrPlanOnlyYAML = errors.New("tmbot plan edits YAML model files only")

var (
	planDate  = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	planIDBad = regexp.MustCompile(`[^a-z0-9._-]+`)
)

// Plan gives the open threats of a model an owner and a due date, editing
// the file's text in place so that its comments and layout stay as they
// were. For each open threat (of MinRisk or higher) every mitigation that
// is proposed, planned or in progress gets the owner and the due date
// where it has none, and a proposed one becomes planned; a threat with no
// such mitigation gets a new planned mitigation that says to plan one.
// m is the loaded, valid model of src; name tells the syntax.
func Plan(name string, src []byte, m *Model, opts PlanOptions) ([]byte, []PlanChange, error) {
	if SyntaxOf(name) != YAML {
		return nil, nil, ErrPlanOnlyYAML
	}
	if err := checkPlanOptions(opts); err != nil {
		return nil, nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, nil, fmt.Errorf("%s: expected a mapping at the top", name)
	}
	root := doc.Content[0]
	p := &planner{src: src, opts: opts, nl: "\n"}
	if bytes.Contains(src, []byte("\r\n")) {
		p.nl = "\r\n" // keep the file's line endings
	}
	var newMits []string // ids of mitigations to add, in threat order
	newFor := map[string]string{}
	done := map[string]bool{}
	for _, tid := range m.ThreatOrder {
		t := m.Threats[tid]
		if !t.Unmitigated() || (opts.MinRisk != "" && t.Risk.Rank() < opts.MinRisk.Rank()) {
			continue
		}
		plannable := 0
		for _, mid := range t.Mitigations {
			mit := m.Mitigations[mid]
			if mit == nil {
				continue
			}
			switch mit.Status {
			case MitigationProposed, MitigationPlanned, MitigationInProgress:
			default:
				continue
			}
			plannable++
			if done[mid] {
				continue
			}
			done[mid] = true
			node := yamlLookup(root, "mitigations", mid)
			if node == nil {
				return nil, nil, fmt.Errorf("%s: mitigation %q is not written in the file (is it made by an anchor?)", name, mid)
			}
			if err := p.fillMitigation(tid, mid, node, mit); err != nil {
				return nil, nil, fmt.Errorf("%s: mitigation %q: %w", name, mid, err)
			}
		}
		if plannable == 0 {
			id := newMitigationID(tid, m)
			for m.Mitigations[id] != nil || newFor[id] != "" {
				id += "-plan"
			}
			newFor[id] = tid
			newMits = append(newMits, id)
			node := yamlLookup(root, "threats", tid)
			if node == nil {
				return nil, nil, fmt.Errorf("%s: threat %q is not written in the file", name, tid)
			}
			if err := p.linkMitigation(node, id); err != nil {
				return nil, nil, fmt.Errorf("%s: threat %q: %w", name, tid, err)
			}
			p.changes = append(p.changes, PlanChange{Threat: tid, Mitigation: id, What: "new mitigation"})
		}
	}
	if len(newMits) > 0 {
		if err := p.addMitigations(root, newMits, newFor, m); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return p.apply(), p.changes, nil
}

func checkPlanOptions(o PlanOptions) error {
	if o.Owner == "" || strings.TrimSpace(o.Owner) != o.Owner {
		return fmt.Errorf("owner %q: give a team or user handle, such as @org/team", o.Owner)
	}
	for _, r := range o.Owner {
		if unicode.IsControl(r) {
			return fmt.Errorf("owner %q: a handle has no control characters", o.Owner)
		}
	}
	if _, err := time.Parse(time.DateOnly, o.Due); err != nil || !planDate.MatchString(o.Due) {
		return fmt.Errorf("due %q: expected a date YYYY-MM-DD", o.Due)
	}
	switch o.MinRisk {
	case "", RiskLow, RiskMedium, RiskHigh, RiskCritical:
	default:
		return fmt.Errorf("risk %q: expected low, medium, high or critical", o.MinRisk)
	}
	return nil
}

func newMitigationID(threat string, m *Model) string {
	id := "plan-" + strings.Trim(planIDBad.ReplaceAllString(strings.ToLower(threat), "-"), "-")
	if len(id) > 60 {
		id = strings.TrimRight(id[:60], "-._")
	}
	return id
}

// planner collects text edits and applies them last to first.
type planner struct {
	src     []byte
	nl      string // the file's line ending
	opts    PlanOptions
	edits   []planEdit
	changes []PlanChange
}

type planEdit struct {
	off, del int
	text     string
	seq      int // keeps insertions at one offset in the order made
}

func (p *planner) add(off, del int, text string) {
	p.edits = append(p.edits, planEdit{off, del, text, len(p.edits)})
}

func (p *planner) apply() []byte {
	sort.SliceStable(p.edits, func(i, j int) bool {
		if p.edits[i].off != p.edits[j].off {
			return p.edits[i].off > p.edits[j].off
		}
		return p.edits[i].seq > p.edits[j].seq
	})
	out := append([]byte{}, p.src...)
	for _, e := range p.edits {
		out = append(out[:e.off], append([]byte(e.text), out[e.off+e.del:]...)...)
	}
	return out
}

// offset is the byte offset of a 1-based line and column (in characters).
func (p *planner) offset(line, col int) int {
	off := 0
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(p.src[off:], '\n')
		if i < 0 {
			return len(p.src)
		}
		off += i + 1
	}
	for c := 1; c < col && off < len(p.src); c++ {
		_, size := utf8.DecodeRune(p.src[off:])
		off += size
	}
	return off
}

// scalarEnd is the offset just past a single-line scalar written at off.
func (p *planner) scalarEnd(off int) int {
	src := p.src
	end := off
	if end < len(src) && (src[end] == '"' || src[end] == '\'') {
		q := src[end]
		end++
		for end < len(src) && src[end] != q {
			if src[end] == '\\' && q == '"' {
				end++
			}
			end++
		}
		return min(end+1, len(src))
	}
	for end < len(src) && !bytes.ContainsRune([]byte("\r\n,}]#"), rune(src[end])) {
		end++
	}
	for end > off && (src[end-1] == ' ' || src[end-1] == '\t') {
		end--
	}
	return end
}

// lineEnd is the offset of the newline that ends the line holding off
// (or the end of the file).
func (p *planner) lineEnd(off int) int {
	if i := bytes.IndexByte(p.src[off:], '\n'); i >= 0 {
		if i > 0 && p.src[off+i-1] == '\r' {
			return off + i - 1
		}
		return off + i
	}
	return len(p.src)
}

// yamlQuote writes s as a YAML double-quoted string.
func yamlQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// pairs returns the key and value nodes of a mapping.
func pairs(n *yaml.Node) (keys, values []*yaml.Node) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		keys, values = append(keys, n.Content[i]), append(values, n.Content[i+1])
	}
	return keys, values
}

func child(n *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	keys, values := pairs(n)
	for i, k := range keys {
		if k.Value == key {
			return k, values[i]
		}
	}
	return nil, nil
}

// insertAfter adds key: value entries to a mapping after the entry whose
// key is anchor (its value must be a one-line scalar), in the mapping's
// style.
func (p *planner) insertAfter(n *yaml.Node, anchor string, entries [][2]string) error {
	k, v := child(n, anchor)
	if k == nil || v.Kind != yaml.ScalarNode || v.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return fmt.Errorf("no one-line %s to write after", anchor)
	}
	vEnd := p.scalarEnd(p.offset(v.Line, v.Column))
	var b strings.Builder
	if n.Style&yaml.FlowStyle != 0 {
		for _, e := range entries {
			fmt.Fprintf(&b, ", %s: %s", e[0], e[1])
		}
		p.add(vEnd, 0, b.String())
		return nil
	}
	indent := strings.Repeat(" ", k.Column-1)
	for _, e := range entries {
		fmt.Fprintf(&b, "%s%s%s: %s", p.nl, indent, e[0], e[1])
	}
	p.add(p.lineEnd(vEnd), 0, b.String())
	return nil
}

// fillMitigation writes the owner and due date where the mitigation has
// none, and makes a proposed one planned.
func (p *planner) fillMitigation(tid, mid string, n *yaml.Node, mit *Mitigation) error {
	if n.Kind != yaml.MappingNode {
		return errors.New("not a mapping")
	}
	var add [][2]string
	for _, f := range []struct{ key, have, value, text string }{
		{"owner", mit.Owner, yamlQuote(p.opts.Owner), "owner " + p.opts.Owner},
		{"due", mit.Due, p.opts.Due, "due " + p.opts.Due},
	} {
		if f.have != "" {
			continue
		}
		if _, v := child(n, f.key); v != nil {
			if v.Kind != yaml.ScalarNode {
				return fmt.Errorf("%s is not a plain value", f.key)
			}
			off := p.offset(v.Line, v.Column)
			p.add(off, p.scalarEnd(off)-off, f.value)
		} else {
			add = append(add, [2]string{f.key, f.value})
		}
		p.changes = append(p.changes, PlanChange{Threat: tid, Mitigation: mid, What: f.text})
	}
	if mit.Status == MitigationProposed {
		_, v := child(n, "status")
		if v == nil || v.Kind != yaml.ScalarNode {
			return errors.New("no status to change")
		}
		off := p.offset(v.Line, v.Column)
		p.add(off, p.scalarEnd(off)-off, MitigationPlanned)
		p.changes = append(p.changes, PlanChange{Threat: tid, Mitigation: mid, What: "status planned"})
	}
	if len(add) > 0 {
		return p.insertAfter(n, "status", add)
	}
	return nil
}

// linkMitigation adds a mitigation id to a threat's mitigations list,
// writing the list when the threat has none.
func (p *planner) linkMitigation(n *yaml.Node, id string) error {
	if n.Kind != yaml.MappingNode {
		return errors.New("not a mapping")
	}
	k, list := child(n, "mitigations")
	if list == nil {
		return p.insertAfter(n, "impact", [][2]string{{"mitigations", "[" + id + "]"}})
	}
	if list.Kind != yaml.SequenceNode {
		return errors.New("mitigations is not a list")
	}
	if list.Style&yaml.FlowStyle != 0 {
		// Insert before the closing bracket of [a, b].
		open := p.offset(list.Line, list.Column)
		closeAt := bytes.IndexByte(p.src[open:], ']')
		if closeAt < 0 {
			return errors.New("mitigations list has no closing bracket")
		}
		text := id
		if len(list.Content) > 0 {
			text = ", " + id
		}
		end := open + closeAt
		for end > open && (p.src[end-1] == ' ' || p.src[end-1] == '\n' || p.src[end-1] == '\r') {
			end--
		}
		p.add(end, 0, text)
		return nil
	}
	if len(list.Content) == 0 {
		return errors.New("mitigations is an empty block list")
	}
	last := list.Content[len(list.Content)-1]
	first := list.Content[0]
	dash := strings.Repeat(" ", max(first.Column-3, k.Column-1))
	p.add(p.lineEnd(p.offset(last.Line, last.Column)), 0, p.nl+dash+"- "+id)
	return nil
}

// addMitigations writes the new mitigations: at the end of the file when
// mitigations is the last section (or absent), else before its first
// entry.
func (p *planner) addMitigations(root *yaml.Node, ids []string, threatOf map[string]string, m *Model) error {
	k, sec := child(root, "mitigations")
	keyIndent, childIndent := "  ", "    "
	if sec != nil {
		if sec.Kind != yaml.MappingNode || (sec.Style&yaml.FlowStyle != 0) {
			return errors.New("the mitigations section is not a block mapping; add the mitigations by hand")
		}
		if len(sec.Content) > 0 {
			keyIndent = strings.Repeat(" ", sec.Content[0].Column-1)
			if v := sec.Content[1]; v.Kind == yaml.MappingNode && v.Style&yaml.FlowStyle == 0 && len(v.Content) > 0 {
				childIndent = strings.Repeat(" ", v.Content[0].Column-1)
			} else {
				childIndent = keyIndent + "  "
			}
		}
	}
	var b strings.Builder
	for _, id := range ids {
		t := m.Threats[threatOf[id]]
		title := "Decide and plan the mitigation of: " + t.Title
		if r := []rune(title); len(r) > 200 {
			title = string(r[:197]) + "..."
		}
		fmt.Fprintf(&b, "%s%s:\n", keyIndent, id)
		fmt.Fprintf(&b, "%stitle: %s\n", childIndent, yamlQuote(title))
		fmt.Fprintf(&b, "%sstatus: %s\n", childIndent, MitigationPlanned)
		fmt.Fprintf(&b, "%sowner: %s\n", childIndent, yamlQuote(p.opts.Owner))
		fmt.Fprintf(&b, "%sdue: %s\n", childIndent, p.opts.Due)
	}
	text := strings.ReplaceAll(b.String(), "\n", p.nl)
	lastKey := root.Content[len(root.Content)-2]
	switch {
	case sec == nil:
		p.add(len(p.src), 0, p.eofNewline()+"mitigations:"+p.nl+text)
	case lastKey == k || len(sec.Content) == 0:
		if len(sec.Content) == 0 && lastKey != k {
			return errors.New("the mitigations section is empty and not last; add the mitigations by hand")
		}
		if len(sec.Content) == 0 && (sec.Tag != "!!null" || sec.Line == k.Line && sec.Value != "") {
			return errors.New("the mitigations section is written as an empty value; add the mitigations by hand")
		}
		p.add(len(p.src), 0, p.eofNewline()+text)
	default:
		first := sec.Content[0]
		p.add(p.offset(first.Line, 1), 0, text)
	}
	return nil
}

func (p *planner) eofNewline() string {
	if len(p.src) > 0 && p.src[len(p.src)-1] != '\n' {
		return p.nl
	}
	return ""
}
