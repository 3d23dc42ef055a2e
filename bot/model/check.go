package model

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/tmbot/tmbot/bot/catalog"
	"github.com/tmbot/tmbot/policies"
)

// semanticChecker applies the rules that relate several values: the shared
// component/flow id space, references, what a status needs, real dates and
// catalog ids. The checks of one entry work on its Node (entry.go's
// compute); the checks between entries on the entries' results and the
// decoded Model (entry.go's semantic).
type semanticChecker struct {
	shapeChecker
	cat *catalog.Catalog
	// catMemo remembers the catalog's answer for each id of this load.
	catMemo map[catalogKey]catalog.Result
}

type catalogKey struct {
	kind catalog.Kind
	id   string
}

func (c *semanticChecker) warn(pos Pos, p *path, format string, args ...any) {
	c.diags = append(c.diags, Diagnostic{Line: pos.Line, Column: pos.Column, Severity: SeverityWarning,
		Field: p.String(), Message: fmt.Sprintf(format, args...)})
}

// idSpace reports an id used by both a component and a flow, at whichever
// of the two comes second in the document.
func (c *semanticChecker) idSpace(root *Node) {
	comps, flows := root.Get("components"), root.Get("flows")
	if comps == nil || flows == nil || comps.Kind != MapNode || flows.Kind != MapNode {
		return
	}
	for i, id := range flows.Keys {
		if comps.Get(id) == nil {
			continue
		}
		fpos, cpos := flows.KeyPos[i], comps.KeyPosOf(id)
		second, first, kind := fpos, cpos, "flows"
		if before(fpos, cpos) {
			second, first, kind = cpos, fpos, "components"
		}
		other := "component"
		if kind == "components" {
			other = "flow"
		}
		c.add(second, (*path)(nil).child(kind).child(id),
			"id %q is already used by a %s at line %d: components and flows share one id space, so give one of them another id",
			id, other, first.Line)
	}
}

func before(a, b Pos) bool { return a.Line < b.Line || (a.Line == b.Line && a.Column < b.Column) }

// refs checks that every id an entry refers to (in one of its lists, or
// in a flow's from and to) names something that exists.
// The path of a dangling one is section.id.field.index.
func (c *semanticChecker) refs(refs []ref, delta int, field refField, secName, id, what string, known func() []string, exists func(string) bool) {
	for _, r := range refs {
		if r.field != field || exists(r.id) {
			continue
		}
		p := (*path)(nil).child(secName).child(id).child(r.field.String()).child(indexText(int(r.index)))
		c.dangling(r.id, Pos{r.pos.Line + delta, r.pos.Column}, p, what, known(), false)
	}
}

func article(word string) string {
	if strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

func (c *semanticChecker) dangling(id string, pos Pos, p *path, what string, known []string, isFlow bool) {
	msg := fmt.Sprintf("%q is not %s %s defined in this model", id, article(what), what)
	if isFlow {
		msg = fmt.Sprintf("%q is a flow, but a flow goes from a component to a component", id)
	} else if sug := closest(id, known); sug != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", sug)
	} else if len(known) == 0 {
		msg += fmt.Sprintf("; define it first")
	} else if len(known) <= 12 {
		sorted := append([]string{}, known...)
		sort.Strings(sorted)
		msg += "; defined: " + strings.Join(sorted, ", ")
	}
	c.add(pos, p, "%s", msg)
}

// status checks what a written status needs, at the status line.
func (c *semanticChecker) status(n *Node, p *path, idPos Pos) {
	s := n.Get("status")
	if s == nil || s.Kind != StringNode {
		return
	}
	has := func(k string) bool {
		v := n.Get(k)
		return v != nil && v.Kind == StringNode && strings.TrimSpace(v.Str) != ""
	}
	sp := p.child("status")
	switch s.Str {
	case StatusAccepted:
		a := n.Get("acceptance")
		if a == nil || a.Kind != MapNode {
			c.add(s.Pos(), sp, "status accepted needs acceptance: {by, reason, until}: who accepted the risk, why, and until when (YYYY-MM-DD)")
			return
		}
		var lacks []string
		for _, k := range []string{"by", "reason", "until"} {
			if v := a.Get(k); v == nil || v.Kind != StringNode || strings.TrimSpace(v.Str) == "" {
				lacks = append(lacks, k)
			}
		}
		if len(lacks) > 0 {
			c.add(s.Pos(), sp, "status accepted needs acceptance.%s: an accepted risk says who accepted it (by), why (reason) and until when (until, YYYY-MM-DD)",
				strings.Join(lacks, ", acceptance."))
		}
	case StatusNotApplicable:
		if !has("reason") {
			c.add(s.Pos(), sp, "status not_applicable needs a reason: say why this threat cannot happen here")
		}
	case StatusTransferred:
		var lacks []string
		if !has("reason") {
			lacks = append(lacks, "reason")
		}
		if !has("transferred_to") {
			lacks = append(lacks, "transferred_to")
		}
		if len(lacks) > 0 {
			c.add(s.Pos(), sp, "status transferred needs %s: say why, and who carries the risk now (transferred_to)", strings.Join(lacks, " and "))
		}
	}
}

var datePattern = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

// date checks that a YYYY-MM-DD value is a real calendar date.
func (c *semanticChecker) date(v *Node, p *path) {
	if v == nil || v.Kind != StringNode || !c.match(datePattern, v.Str) {
		return // the shape check reports a date that is not written YYYY-MM-DD
	}
	if _, err := time.Parse(time.DateOnly, v.Str); err != nil {
		c.add(v.Pos(), p, "%q is not a real date: expected YYYY-MM-DD, such as 2027-06-30", v.Str)
	}
}

// libraryIDs checks that every id of a threat's covers list names an entry
// of tmbot's threat libraries (AI and classic).
func (c *semanticChecker) libraryIDs(list *Node, p *path) {
	if list == nil || list.Kind != ListNode {
		return
	}
	for i, it := range list.Items {
		if it.Kind == StringNode && !policies.IsLibraryEntry(it.Str) {
			c.add(it.Pos(), p.child(indexText(i)), "%q is not an entry of tmbot's threat libraries: covers lists library entry ids, such as llm-direct-prompt-injection or database-injection (the suggestions of the ai-coverage and classic-coverage rules start with the element's id, a dash and the entry id)", it.Str)
		}
	}
}

func (c *semanticChecker) catalogIDs(list *Node, p *path, kind catalog.Kind) {
	if list == nil || list.Kind != ListNode {
		return
	}
	for i, it := range list.Items {
		if it.Kind != StringNode {
			continue
		}
		k := catalogKey{kind, it.Str}
		r, ok := c.catMemo[k]
		if !ok {
			r = c.cat.Check(kind, it.Str)
			if c.catMemo == nil {
				c.catMemo = map[catalogKey]catalog.Result{}
			}
			c.catMemo[k] = r
		}
		switch {
		case r.Error != "":
			c.add(it.Pos(), p.child(indexText(i)), "%s", r.Error)
		case r.Warning != "":
			c.warn(it.Pos(), p.child(indexText(i)), "%s", r.Warning)
		}
	}
}
