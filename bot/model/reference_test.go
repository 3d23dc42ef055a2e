package model

// This file keeps the loader as it was before the performance work (commit
// e9df988): the reference that the cached and compositional loader must
// agree with, diagnostic for diagnostic and model for model.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/tmbot/tmbot/bot/catalog"
	"github.com/tmbot/tmbot/policies"
)

// refLoad is Loader.Load as it was.
func refLoad(l *Loader, name string, data []byte) *Result {
	res := &Result{}
	fail := func(line, col int, msg string) *Result {
		res.Diagnostics = []Diagnostic{{File: name, Line: line, Column: col, Severity: SeverityError, Message: msg}}
		return res
	}
	if int64(len(data)) > l.limits.MaxBytes {
		return fail(1, 1, fmt.Sprintf("the file is larger than the limit of %d bytes (%s) for a model file; split the model",
			l.limits.MaxBytes, sizeText(l.limits.MaxBytes)))
	}
	var root *Node
	var err error
	switch SyntaxOf(name) {
	case JSON:
		root, err = refParseJSON(data, l.limits)
	default:
		root, err = refParseYAML(data, l.limits)
	}
	if err != nil {
		var se *SyntaxError
		var le *LimitError
		switch {
		case errors.As(err, &se):
			return fail(se.Line, se.Column, se.Msg)
		case errors.As(err, &le):
			return fail(max(le.Line, 1), max(le.Col, 1), le.Msg)
		default:
			return fail(1, 1, err.Error())
		}
	}
	return refValidate(l, name, root)
}

func refValidate(l *Loader, name string, root *Node) *Result {
	sc := &refSemanticChecker{cat: l.catalog}
	sc.check(root, l.schema.Root, Pos{1, 1})
	m := refDecode(root, l.schema.DefaultLayer)
	m.Path = name
	sc.m = m
	sc.run(root)
	res := &Result{Model: m, Diagnostics: sc.diags, Valid: true}
	for i := range res.Diagnostics {
		res.Diagnostics[i].File = name
		if res.Diagnostics[i].Severity == SeverityError {
			res.Valid = false
		}
	}
	SortDiagnostics(res.Diagnostics)
	return res
}

var _ = bytes.NewReader
var _ = sort.Strings
var _ = strings.Contains
var _ = utf8.RuneCount
var _ = json.Unmarshal
var _ = strconv.Itoa
var _ = yaml.Node{}
var _ catalog.Kind

// refSemanticChecker applies the rules that relate several values: the shared
// component/flow id space, references, what a status needs, real dates and
// catalog ids. It works on the Node tree for positions and on the decoded
// Model for lookups.
type refSemanticChecker struct {
	shapeChecker
	m   *Model
	cat *catalog.Catalog
}

func (c *refSemanticChecker) warn(pos Pos, p *path, format string, args ...any) {
	c.diags = append(c.diags, Diagnostic{Line: pos.Line, Column: pos.Column, Severity: SeverityWarning,
		Field: p.String(), Message: fmt.Sprintf(format, args...)})
}

func (c *refSemanticChecker) run(root *Node) {
	if root == nil || root.Kind != MapNode {
		return
	}
	c.idSpace(root)
	// Boundaries are newer than this reference: it uses the loader's check.
	bc := &semanticChecker{}
	bc.boundaries(root.Get("boundaries"), c.m)
	c.diags = append(c.diags, bc.diags...)
	components := (*path)(nil).child("components")
	refEachEntry(root.Get("components"), func(id string, _ Pos, n *Node) {
		p := components.child(id)
		c.refs(n.Get("data"), p.child("data"), "asset", c.assetIDs(), func(s string) bool { return c.m.Assets[s] != nil })
	})
	flows := (*path)(nil).child("flows")
	refEachEntry(root.Get("flows"), func(id string, _ Pos, n *Node) {
		p := flows.child(id)
		for _, end := range []string{"from", "to"} {
			if v := n.Get(end); v != nil && v.Kind == StringNode && c.m.Components[v.Str] == nil {
				c.dangling(v, p.child(end), "component", c.m.ComponentOrder, c.m.Flows[v.Str] != nil)
			}
		}
		c.refs(n.Get("data"), p.child("data"), "asset", c.assetIDs(), func(s string) bool { return c.m.Assets[s] != nil })
	})
	mitigations := (*path)(nil).child("mitigations")
	refEachEntry(root.Get("mitigations"), func(id string, _ Pos, n *Node) {
		c.date(n.Get("due"), mitigations.child(id).child("due"))
	})
	threats := (*path)(nil).child("threats")
	targets := append(append(append([]string{}, c.m.ComponentOrder...), c.m.FlowOrder...), c.m.AssetOrder...)
	refEachEntry(root.Get("threats"), func(id string, pos Pos, n *Node) {
		p := threats.child(id)
		c.refs(n.Get("targets"), p.child("targets"), "component, flow or asset", targets,
			func(s string) bool { return c.m.Components[s] != nil || c.m.Flows[s] != nil || c.m.Assets[s] != nil })
		c.refs(n.Get("mitigations"), p.child("mitigations"), "mitigation", c.m.MitigationOrder,
			func(s string) bool { return c.m.Mitigations[s] != nil })
		c.status(n, p, pos)
		if a := n.Get("acceptance"); a != nil && a.Kind == MapNode {
			c.date(a.Get("until"), p.child("acceptance").child("until"))
		}
		if c.cat != nil {
			c.catalogIDs(n.Get("attack"), p.child("attack"), catalog.ATTACK)
			c.catalogIDs(n.Get("atlas"), p.child("atlas"), catalog.ATLAS)
			c.catalogIDs(n.Get("owasp"), p.child("owasp"), catalog.OWASP)
			c.catalogIDs(n.Get("cwe"), p.child("cwe"), catalog.CWE)
			c.catalogIDs(n.Get("capec"), p.child("capec"), catalog.CAPEC)
		}
		c.libraryIDs(n.Get("covers"), p.child("covers"))
	})
}

func (c *refSemanticChecker) assetIDs() []string { return c.m.AssetOrder }

// idSpace reports an id used by both a component and a flow, at whichever
// of the two comes second in the document.
func (c *refSemanticChecker) idSpace(root *Node) {
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
		if ref_before(fpos, cpos) {
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

func ref_before(a, b Pos) bool { return a.Line < b.Line || (a.Line == b.Line && a.Column < b.Column) }

// refs checks that every id in a list names something that exists.
func (c *refSemanticChecker) refs(list *Node, p *path, what string, known []string, exists func(string) bool) {
	if list == nil || list.Kind != ListNode {
		return
	}
	for i, it := range list.Items {
		if it.Kind == StringNode && !exists(it.Str) {
			c.dangling(it, p.child(fmt.Sprint(i)), what, known, false)
		}
	}
}

func ref_article(word string) string {
	if strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

func (c *refSemanticChecker) dangling(v *Node, p *path, what string, known []string, isFlow bool) {
	msg := fmt.Sprintf("%q is not %s %s defined in this model", v.Str, ref_article(what), what)
	if isFlow {
		msg = fmt.Sprintf("%q is a flow, but a flow goes from a component to a component", v.Str)
	} else if sug := closest(v.Str, known); sug != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", sug)
	} else if len(known) == 0 {
		msg += fmt.Sprintf("; define it first")
	} else if len(known) <= 12 {
		sorted := append([]string{}, known...)
		sort.Strings(sorted)
		msg += "; defined: " + strings.Join(sorted, ", ")
	}
	c.add(v.Pos(), p, "%s", msg)
}

// status checks what a written status needs, at the status line.
func (c *refSemanticChecker) status(n *Node, p *path, idPos Pos) {
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

// date checks that a YYYY-MM-DD value is a real calendar date.
func (c *refSemanticChecker) date(v *Node, p *path) {
	if v == nil || v.Kind != StringNode || !datePattern.MatchString(v.Str) {
		return // the shape check reports a date that is not written YYYY-MM-DD
	}
	if _, err := time.Parse(time.DateOnly, v.Str); err != nil {
		c.add(v.Pos(), p, "%q is not a real date: expected YYYY-MM-DD, such as 2027-06-30", v.Str)
	}
}

func (c *refSemanticChecker) catalogIDs(list *Node, p *path, kind catalog.Kind) {
	if list == nil || list.Kind != ListNode {
		return
	}
	for i, it := range list.Items {
		if it.Kind != StringNode {
			continue
		}
		r := c.cat.Check(kind, it.Str)
		switch {
		case r.Error != "":
			c.add(it.Pos(), p.child(fmt.Sprint(i)), "%s", r.Error)
		case r.Warning != "":
			c.warn(it.Pos(), p.child(fmt.Sprint(i)), "%s", r.Warning)
		}
	}
}

func (c *refSemanticChecker) libraryIDs(list *Node, p *path) {
	if list == nil || list.Kind != ListNode {
		return
	}
	for i, it := range list.Items {
		if it.Kind == StringNode && !policies.IsLibraryEntry(it.Str) {
			c.add(it.Pos(), p.child(fmt.Sprint(i)), "%q is not an entry of tmbot's threat libraries: covers lists library entry ids, such as llm-direct-prompt-injection or database-injection (the suggestions of the ai-coverage and classic-coverage rules start with the element's id, a dash and the entry id)", it.Str)
		}
	}
}

// decode builds a Model from a Node tree. It is tolerant: values of the
// wrong shape (already reported by the shape check) are skipped, so that
// the semantic checks can still run on the rest.
func refDecode(root *Node, defaultLayer map[string]string) *Model {
	m := &Model{
		Components:  map[string]*Component{},
		Assets:      map[string]*Asset{},
		Flows:       map[string]*Flow{},
		Threats:     map[string]*Threat{},
		Mitigations: map[string]*Mitigation{},
		Boundaries:  map[string]*Boundary{},
	}
	if root == nil || root.Kind != MapNode {
		return m
	}
	m.Boundaries, m.BoundaryOrder = decodeBoundaries(root.Get("boundaries"))
	if v := root.Get("version"); v != nil && v.Kind == IntNode {
		n, _ := strconv.ParseInt(v.Str, 0, 64)
		m.Version = int(n)
	}
	if s := root.Get("system"); s != nil {
		m.System = System{ID: ref_str(s.Get("id")), Name: ref_str(s.Get("name")), Description: ref_str(s.Get("description")),
			Owner: ref_str(s.Get("owner")), Vendor: ref_str(s.Get("vendor"))}
	}
	m.Extensions = ref_anyMap(root.Get("extensions"))
	refEachEntry(root.Get("components"), func(id string, pos Pos, n *Node) {
		if _, dup := m.Components[id]; dup {
			return
		}
		c := &Component{ID: id, Pos: pos, Name: ref_str(n.Get("name")), Kind: ref_str(n.Get("kind")), Layer: ref_str(n.Get("layer")),
			Description: ref_str(n.Get("description")), InternetFacing: ref_boolean(n.Get("internet_facing")),
			Data: ref_strs(n.Get("data")), Traits: ref_strs(n.Get("traits")), Extensions: ref_anyMap(n.Get("extensions"))}
		if c.Layer == "" {
			c.Layer = defaultLayer[c.Kind]
		}
		m.Components[id] = c
		m.ComponentOrder = append(m.ComponentOrder, id)
	})
	refEachEntry(root.Get("assets"), func(id string, pos Pos, n *Node) {
		if _, dup := m.Assets[id]; dup {
			return
		}
		m.Assets[id] = &Asset{ID: id, Pos: pos, Name: ref_str(n.Get("name")), Classification: ref_str(n.Get("classification")),
			Description: ref_str(n.Get("description")), Extensions: ref_anyMap(n.Get("extensions"))}
		m.AssetOrder = append(m.AssetOrder, id)
	})
	refEachEntry(root.Get("flows"), func(id string, pos Pos, n *Node) {
		if _, dup := m.Flows[id]; dup {
			return
		}
		m.Flows[id] = &Flow{ID: id, Pos: pos, From: ref_str(n.Get("from")), To: ref_str(n.Get("to")),
			Description: ref_str(n.Get("description")), Protocol: ref_str(n.Get("protocol")), Data: ref_strs(n.Get("data")),
			Authenticated: triState(n.Get("authenticated")), Encrypted: triState(n.Get("encrypted")),
			Kind: ref_str(n.Get("kind")), Bidirectional: ref_boolean(n.Get("bidirectional")),
			Extensions: ref_anyMap(n.Get("extensions"))}
		m.FlowOrder = append(m.FlowOrder, id)
	})
	refEachEntry(root.Get("mitigations"), func(id string, pos Pos, n *Node) {
		if _, dup := m.Mitigations[id]; dup {
			return
		}
		m.Mitigations[id] = &Mitigation{ID: id, Pos: pos, Title: ref_str(n.Get("title")), Status: ref_str(n.Get("status")),
			Description: ref_str(n.Get("description")), Owner: ref_str(n.Get("owner")), Due: ref_str(n.Get("due")),
			Issue: ref_str(n.Get("issue")), Controls: ref_strs(n.Get("controls")), Extensions: ref_anyMap(n.Get("extensions"))}
		m.MitigationOrder = append(m.MitigationOrder, id)
	})
	refEachEntry(root.Get("threats"), func(id string, pos Pos, n *Node) {
		if _, dup := m.Threats[id]; dup {
			return
		}
		t := &Threat{ID: id, Pos: pos, Title: ref_str(n.Get("title")), Description: ref_str(n.Get("description")),
			Targets: ref_strs(n.Get("targets")), Stride: ref_strs(n.Get("stride")), Attack: ref_strs(n.Get("attack")),
			Atlas: ref_strs(n.Get("atlas")), OWASP: ref_strs(n.Get("owasp")), CWE: ref_strs(n.Get("cwe")), CAPEC: ref_strs(n.Get("capec")),
			KillChain: ref_strs(n.Get("kill_chain")), Covers: ref_strs(n.Get("covers")), Likelihood: Level(ref_str(n.Get("likelihood"))), Impact: Level(ref_str(n.Get("impact"))),
			Mitigations: ref_strs(n.Get("mitigations")), Reason: ref_str(n.Get("reason")), TransferredTo: ref_str(n.Get("transferred_to")),
			Extensions: ref_anyMap(n.Get("extensions")), StatusPos: pos}
		if s := n.Get("status"); s != nil && s.Kind == StringNode {
			t.Status, t.StatusWritten, t.StatusPos = s.Str, true, s.Pos()
		}
		if a := n.Get("acceptance"); a != nil && a.Kind == MapNode {
			t.Acceptance = &Acceptance{By: ref_str(a.Get("by")), Reason: ref_str(a.Get("reason")), Until: ref_str(a.Get("until")),
				Extensions: ref_anyMap(a.Get("extensions"))}
		}
		t.Risk = RiskOf(t.Likelihood, t.Impact)
		m.Threats[id] = t
		m.ThreatOrder = append(m.ThreatOrder, id)
	})
	for _, t := range m.Threats {
		if !t.StatusWritten {
			t.Status = DeriveStatus(t.Mitigations, m.Mitigations)
		}
	}
	return m
}

func refEachEntry(n *Node, f func(id string, pos Pos, v *Node)) {
	if n == nil || n.Kind != MapNode {
		return
	}
	for i, k := range n.Keys {
		if n.Values[i].Kind == MapNode {
			f(k, n.KeyPos[i], n.Values[i])
		}
	}
}

func ref_str(n *Node) string {
	if n == nil || n.Kind != StringNode {
		return ""
	}
	return n.Str
}

func ref_boolean(n *Node) bool { return n != nil && n.Kind == BoolNode && n.Str == "true" }

func ref_strs(n *Node) []string {
	if n == nil || n.Kind != ListNode || len(n.Items) == 0 {
		return nil
	}
	out := make([]string, 0, len(n.Items))
	for _, it := range n.Items {
		if it.Kind == StringNode {
			out = append(out, it.Str)
		}
	}
	return out
}

// anyMap turns an extensions mapping into plain Go values.
func ref_anyMap(n *Node) map[string]any {
	if n == nil || n.Kind != MapNode {
		return nil
	}
	v, _ := ref_toAny(n).(map[string]any)
	return v
}

func ref_toAny(n *Node) any {
	switch n.Kind {
	case MapNode:
		m := make(map[string]any, len(n.Keys))
		for i, k := range n.Keys {
			m[k] = ref_toAny(n.Values[i])
		}
		return m
	case ListNode:
		l := make([]any, len(n.Items))
		for i, it := range n.Items {
			l[i] = ref_toAny(it)
		}
		return l
	case BoolNode:
		return n.Str == "true"
	case IntNode:
		if v, err := strconv.ParseInt(n.Str, 0, 64); err == nil {
			return v
		}
		return n.Str
	case FloatNode:
		if v, err := strconv.ParseFloat(n.Str, 64); err == nil {
			return v
		}
		return n.Str
	case NullNode:
		return nil
	}
	return n.Str
}

// yamlErrLine finds "line N:" in the errors of gopkg.in/yaml.v3.

// parseYAML reads one YAML document into a Node tree, expanding aliases
// within lim.MaxAliasNodes and refusing nesting deeper than lim.MaxDepth.
func refParseYAML(data []byte, lim Limits) (*Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &SyntaxError{Line: 1, Column: 1, Msg: "the file is empty: a threat model needs at least version and system"}
		}
		return nil, yamlError(data, err, lim)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &SyntaxError{Line: extra.Line, Column: extra.Column, Msg: "a second YAML document: a model file holds exactly one document (remove the ---)"}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, &SyntaxError{Line: 1, Column: 1, Msg: "the file is empty: a threat model needs at least version and system"}
	}
	c := &refYAMLConverter{lim: lim, memo: map[*yaml.Node]*refAliasInfo{}}
	return c.convert(doc.Content[0], 1)
}

// lineText returns line n (1-based) of data.

type refAliasInfo struct {
	node  *Node
	size  int // nodes in the expanded subtree
	depth int // depth of the subtree, itself 1
}

type refYAMLConverter struct {
	lim       Limits
	expanded  int // nodes produced by alias expansion so far
	nodes     int // nodes this converter produced, aliases counted expanded
	deepest   int // the deepest level it reached
	memo      map[*yaml.Node]*refAliasInfo
	resolving map[*yaml.Node]bool
}

func (c *refYAMLConverter) convert(y *yaml.Node, depth int) (*Node, error) {
	if y.Kind == yaml.AliasNode {
		return c.alias(y, depth)
	}
	if (y.Kind == yaml.MappingNode || y.Kind == yaml.SequenceNode) && depth > c.lim.MaxDepth {
		return nil, c.depthError(y.Line, y.Column)
	}
	n := &Node{Line: y.Line, Column: y.Column}
	c.nodes++
	if (y.Kind == yaml.MappingNode || y.Kind == yaml.SequenceNode) && depth > c.deepest {
		c.deepest = depth
	}
	switch y.Kind {
	case yaml.ScalarNode:
		n.Str = y.Value
		switch y.ShortTag() {
		case "!!null":
			n.Kind = NullNode
		case "!!bool":
			n.Kind = BoolNode
			n.Str = strings.ToLower(y.Value)
		case "!!int":
			n.Kind = IntNode
		case "!!float":
			n.Kind = FloatNode
		default: // !!str, !!timestamp (dates are strings here), !!binary, custom tags
			n.Kind = StringNode
		}
	case yaml.SequenceNode:
		n.Kind = ListNode
		n.Items = make([]*Node, 0, len(y.Content))
		for _, item := range y.Content {
			v, err := c.convert(item, depth+1)
			if err != nil {
				return nil, err
			}
			n.Items = append(n.Items, v)
		}
	case yaml.MappingNode:
		n.Kind = MapNode
		entries := len(y.Content) / 2
		n.Keys = make([]string, 0, entries)
		n.KeyPos = make([]Pos, 0, entries)
		n.Values = make([]*Node, 0, entries)
		for i := 0; i+1 < len(y.Content); i += 2 {
			k, vy := y.Content[i], y.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
				if err := c.merge(n, vy, depth); err != nil {
					return nil, err
				}
				continue
			}
			if k.Kind != yaml.ScalarNode {
				return nil, &SyntaxError{Line: k.Line, Column: k.Column, Msg: "a mapping key must be plain text, not a list or a mapping"}
			}
			v, err := c.convert(vy, depth+1)
			if err != nil {
				return nil, err
			}
			n.Keys = append(n.Keys, k.Value)
			n.KeyPos = append(n.KeyPos, Pos{k.Line, k.Column})
			n.Values = append(n.Values, v)
		}
	default:
		return nil, &SyntaxError{Line: y.Line, Column: y.Column, Msg: "unexpected YAML node"}
	}
	return n, nil
}

// merge applies a YAML merge key (<<: *anchor or a list of them): keys the
// mapping does not write itself are taken from the merged mappings.
func (c *refYAMLConverter) merge(n *Node, vy *yaml.Node, depth int) error {
	sources := []*yaml.Node{vy}
	if vy.Kind == yaml.SequenceNode {
		sources = vy.Content
	}
	for _, s := range sources {
		m, err := c.convert(s, depth)
		if err != nil {
			return err
		}
		if m.Kind != MapNode {
			return &SyntaxError{Line: s.Line, Column: s.Column, Msg: "a merge key (<<) must name a mapping"}
		}
		for i, k := range m.Keys {
			if n.Get(k) == nil {
				n.Keys = append(n.Keys, k)
				n.KeyPos = append(n.KeyPos, m.KeyPos[i])
				n.Values = append(n.Values, m.Values[i])
			}
		}
	}
	return nil
}

// alias expands an alias by sharing the anchor's converted subtree (Nodes
// are never modified after loading), counting the nodes it stands for so
// that an alias bomb is refused before it costs anything.
func (c *refYAMLConverter) alias(y *yaml.Node, depth int) (*Node, error) {
	target := y.Alias
	info := c.memo[target]
	if info == nil {
		if c.resolving == nil {
			c.resolving = map[*yaml.Node]bool{}
		}
		if c.resolving[target] {
			return nil, &SyntaxError{Line: y.Line, Column: y.Column, Msg: "an alias refers to the mapping or list that contains it"}
		}
		c.resolving[target] = true
		// Convert the anchor as if at depth 1 to learn its own depth.
		sub := &refYAMLConverter{lim: c.lim, memo: c.memo, resolving: c.resolving, expanded: c.expanded}
		sub.lim.MaxDepth = c.lim.MaxDepth - depth + 1
		n, err := sub.convert(target, 1)
		delete(c.resolving, target)
		c.expanded = sub.expanded
		if err != nil {
			var le *LimitError
			if errors.As(err, &le) && le.Limit == "depth" {
				return nil, c.depthError(y.Line, y.Column)
			}
			return nil, err
		}
		info = &refAliasInfo{node: n, size: sub.nodes, depth: sub.deepest}
		c.memo[target] = info
	}
	if depth+info.depth-1 > c.lim.MaxDepth {
		return nil, c.depthError(y.Line, y.Column)
	}
	c.expanded += info.size
	c.nodes += info.size
	if d := depth + info.depth - 1; d > c.deepest {
		c.deepest = d
	}
	if c.expanded > c.lim.MaxAliasNodes {
		return nil, &LimitError{Limit: "aliases", Line: y.Line, Col: y.Column,
			Msg: fmt.Sprintf("YAML aliases expand to more than the limit of %d nodes (an alias bomb?)", c.lim.MaxAliasNodes)}
	}
	return info.node, nil
}

func (c *refYAMLConverter) depthError(line, col int) error {
	return &LimitError{Limit: "depth", Line: line, Col: col,
		Msg: fmt.Sprintf("the file is nested deeper than the limit of %d levels", c.lim.MaxDepth)}
}

// parseJSON reads a JSON document into a Node tree. encoding/json keeps no
// positions, so this is a small strict parser of RFC 8259 that does; string
// escapes are decoded by encoding/json.
func refParseJSON(data []byte, lim Limits) (*Node, error) {
	p := &refJSONParser{data: data, line: 1, col: 1, lim: lim}
	if len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF {
		p.off, p.lineStart, p.colOff = 3, 3, 3 // byte-order mark
	}
	p.space()
	if p.off >= len(p.data) {
		return nil, &SyntaxError{Line: 1, Column: 1, Msg: "the file is empty: a threat model needs at least version and system"}
	}
	n, err := p.value(1)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.off < len(p.data) {
		return nil, p.errorf("invalid JSON: unexpected %s after the end of the document", p.what())
	}
	return n, nil
}

type refJSONParser struct {
	data      []byte
	off       int
	line      int
	lineStart int
	// the column of colOff on the current line, to count runes once
	colOff, col int
	lim         Limits
}

func (p *refJSONParser) pos() Pos {
	if p.colOff < p.lineStart || p.colOff > p.off {
		p.colOff, p.col = p.lineStart, 1
	}
	p.col += utf8.RuneCount(p.data[p.colOff:p.off])
	p.colOff = p.off
	return Pos{p.line, p.col}
}

func (p *refJSONParser) errorf(format string, args ...any) error {
	pos := p.pos()
	return &SyntaxError{Line: pos.Line, Column: pos.Column, Msg: fmt.Sprintf(format, args...)}
}

func (p *refJSONParser) what() string {
	if p.off >= len(p.data) {
		return "end of file"
	}
	r, _ := utf8.DecodeRune(p.data[p.off:])
	return fmt.Sprintf("%q", r)
}

func (p *refJSONParser) space() {
	for p.off < len(p.data) {
		switch p.data[p.off] {
		case ' ', '\t', '\r':
			p.off++
		case '\n':
			p.off++
			p.line++
			p.lineStart = p.off
		default:
			return
		}
	}
}

func (p *refJSONParser) value(depth int) (*Node, error) {
	pos := p.pos()
	n := &Node{Line: pos.Line, Column: pos.Column}
	if p.off >= len(p.data) {
		return nil, p.errorf("invalid JSON: unexpected end of file, expected a value")
	}
	switch c := p.data[p.off]; {
	case c == '{':
		if depth > p.lim.MaxDepth {
			return nil, p.depthError()
		}
		return n, p.object(n, depth)
	case c == '[':
		if depth > p.lim.MaxDepth {
			return nil, p.depthError()
		}
		return n, p.array(n, depth)
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		n.Kind, n.Str = StringNode, s
	case c == '-' || (c >= '0' && c <= '9'):
		return n, p.number(n)
	default:
		for _, lit := range []struct {
			text string
			kind NodeKind
		}{{"true", BoolNode}, {"false", BoolNode}, {"null", NullNode}} {
			if len(p.data)-p.off >= len(lit.text) && string(p.data[p.off:p.off+len(lit.text)]) == lit.text {
				p.off += len(lit.text)
				n.Kind, n.Str = lit.kind, lit.text
				return n, nil
			}
		}
		return nil, p.errorf("invalid JSON: unexpected %s, expected a value", p.what())
	}
	return n, nil
}

func (p *refJSONParser) depthError() error {
	pos := p.pos()
	return &LimitError{Limit: "depth", Line: pos.Line, Col: pos.Column,
		Msg: fmt.Sprintf("the file is nested deeper than the limit of %d levels", p.lim.MaxDepth)}
}

func (p *refJSONParser) object(n *Node, depth int) error {
	n.Kind = MapNode
	p.off++ // {
	p.space()
	if p.off < len(p.data) && p.data[p.off] == '}' {
		p.off++
		return nil
	}
	for {
		p.space()
		if p.off >= len(p.data) || p.data[p.off] != '"' {
			return p.errorf("invalid JSON: unexpected %s, expected a key in double quotes", p.what())
		}
		kpos := p.pos()
		k, err := p.str()
		if err != nil {
			return err
		}
		p.space()
		if p.off >= len(p.data) || p.data[p.off] != ':' {
			return p.errorf("invalid JSON: unexpected %s, expected ':' after the key", p.what())
		}
		p.off++
		p.space()
		v, err := p.value(depth + 1)
		if err != nil {
			return err
		}
		n.Keys = append(n.Keys, k)
		n.KeyPos = append(n.KeyPos, kpos)
		n.Values = append(n.Values, v)
		p.space()
		if p.off >= len(p.data) {
			return p.errorf("invalid JSON: unexpected end of file, expected ',' or '}'")
		}
		switch p.data[p.off] {
		case ',':
			p.off++
		case '}':
			p.off++
			return nil
		default:
			return p.errorf("invalid JSON: unexpected %s, expected ',' or '}'", p.what())
		}
	}
}

func (p *refJSONParser) array(n *Node, depth int) error {
	n.Kind = ListNode
	p.off++ // [
	p.space()
	if p.off < len(p.data) && p.data[p.off] == ']' {
		p.off++
		return nil
	}
	for {
		p.space()
		v, err := p.value(depth + 1)
		if err != nil {
			return err
		}
		n.Items = append(n.Items, v)
		p.space()
		if p.off >= len(p.data) {
			return p.errorf("invalid JSON: unexpected end of file, expected ',' or ']'")
		}
		switch p.data[p.off] {
		case ',':
			p.off++
		case ']':
			p.off++
			return nil
		default:
			return p.errorf("invalid JSON: unexpected %s, expected ',' or ']'", p.what())
		}
	}
}

// str reads a string at p.off (which is '"').
func (p *refJSONParser) str() (string, error) {
	start := p.off
	p.off++
	escaped := false
	for p.off < len(p.data) {
		c := p.data[p.off]
		switch {
		case c == '"':
			p.off++
			raw := p.data[start:p.off]
			if !escaped && utf8.Valid(raw) {
				return string(raw[1 : len(raw)-1]), nil
			}
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				p.off = start
				return "", p.errorf("invalid JSON string: %v", err)
			}
			return s, nil
		case c == '\\':
			escaped = true
			p.off += 2
		case c < 0x20:
			return "", p.errorf("invalid JSON: a control character in a string (write \\n for a new line)")
		default:
			p.off++
		}
	}
	p.off = start
	return "", p.errorf("invalid JSON: a string that never ends")
}

func (p *refJSONParser) number(n *Node) error {
	start := p.off
	isFloat := false
	if p.data[p.off] == '-' {
		p.off++
	}
	digits := func() int {
		s := p.off
		for p.off < len(p.data) && p.data[p.off] >= '0' && p.data[p.off] <= '9' {
			p.off++
		}
		return p.off - s
	}
	if d := digits(); d == 0 || (d > 1 && p.data[p.off-d] == '0') {
		p.off = start
		return p.errorf("invalid JSON number")
	}
	if p.off < len(p.data) && p.data[p.off] == '.' {
		p.off++
		isFloat = true
		if digits() == 0 {
			p.off = start
			return p.errorf("invalid JSON number")
		}
	}
	if p.off < len(p.data) && (p.data[p.off] == 'e' || p.data[p.off] == 'E') {
		p.off++
		isFloat = true
		if p.off < len(p.data) && (p.data[p.off] == '+' || p.data[p.off] == '-') {
			p.off++
		}
		if digits() == 0 {
			p.off = start
			return p.errorf("invalid JSON number")
		}
	}
	n.Str = string(p.data[start:p.off])
	n.Kind = IntNode
	if isFloat {
		n.Kind = FloatNode
	}
	return nil
}
