package model

import (
	"slices"

	"github.com/tmbot/tmbot/bot/catalog"
)

// Validation is compositional: the top level of a file is checked as a
// whole, and each entry of the five maps of ids (a component, an asset, a
// flow, a threat, a mitigation) on its own, into an entryResult. What links
// entries (references, the shared id space of components and flows,
// duplicate ids, statuses derived from mitigations) is checked afterwards
// from the entryResults. An entryResult depends only on the entry's own text
// (and the Loader's schema, catalog and limits), so the Loader can keep it
// by a hash of that text and reuse it when the same entry turns up again,
// at whatever line (see cache.go).

// section names one of the maps of ids.
type section uint8

// The sections, in the order the model decodes them.
const (
	noSection section = iota
	componentsSection
	assetsSection
	flowsSection
	mitigationsSection
	threatsSection
	numSections
)

func sectionOf(key string) section {
	switch key {
	case "components":
		return componentsSection
	case "assets":
		return assetsSection
	case "flows":
		return flowsSection
	case "mitigations":
		return mitigationsSection
	case "threats":
		return threatsSection
	}
	return noSection
}

// refField is where an entry refers to other entries.
type refField uint8

const (
	refData refField = iota
	refFrom
	refTo
	refTargets
	refMitigations
)

func (f refField) String() string {
	switch f {
	case refData:
		return "data"
	case refFrom:
		return "from"
	case refTo:
		return "to"
	case refTargets:
		return "targets"
	}
	return "mitigations"
}

// ref is an id an entry refers to, checked once the whole model is known.
type ref struct {
	field refField
	index int32 // in the list; unused for from and to
	id    string
	pos   Pos
}

// entryResult is what checking and decoding one entry found on its own.
// Positions are as of when the entry's key was at line base; a result is
// immutable once made, and used at another line by shifting its lines.
type entryResult struct {
	base int
	// shape holds the diagnostics of the shape check of the key and the
	// value; local those of the semantic checks that need only the entry
	// (dates, what a status needs, catalog ids).
	shape, local []Diagnostic
	refs         []ref
	// isMap: the value is a mapping, so the entry is decoded and checked
	// further (the others only have shape diagnostics).
	isMap bool
	// cacheable: nothing in the result names a line (a duplicate key's
	// message does), so it may be reused at another line.
	cacheable bool
	// size estimates the memory the result holds, for the cache's budget.
	size int

	component  *Component
	asset      *Asset
	flow       *Flow
	threat     *Threat
	mitigation *Mitigation
}

// entryLayout tells validate about entries that were not parsed because the
// cache knew them, and under which keys to keep the results of those that
// were parsed.
type entryLayout struct {
	// hits maps the placeholder Node of an entry that was not parsed to
	// its cached result.
	hits map[*Node]*entryResult
	// keys maps the value Node of a parsed entry to its cache key.
	keys map[*Node]entryKey
}

// sectionState is a section as the model sees it: the first occurrence of
// its key at the top level, when a mapping.
type sectionState struct {
	node    *Node
	results []*entryResult
}

type validator struct {
	l  *Loader
	sc semanticChecker // the diagnostics of the file
	ec semanticChecker // scratch, for one entry at a time
	// sections by kind.
	sections [numSections]sectionState
	// puts are the results to keep in the cache.
	puts []entryPut
}

type entryPut struct {
	key entryKey
	res *entryResult
}

// validate checks a Node tree: shape, then the rules between values. el may
// be nil (every entry was parsed, none is to be cached).
func (l *Loader) validate(name string, root *Node, el *entryLayout) *Result {
	v := &validator{l: l}
	v.sc.cat, v.ec.cat = l.catalog, l.catalog
	v.sc.fast, v.ec.fast = l.fast, l.fast
	v.ec.catMemo = map[catalogKey]catalog.Result{}
	m := v.run(root, el)
	m.Path = name
	res := &Result{Model: m, Diagnostics: v.sc.diags, Valid: true}
	for i := range res.Diagnostics {
		res.Diagnostics[i].File = name
		if res.Diagnostics[i].Severity == SeverityError {
			res.Valid = false
		}
	}
	SortDiagnostics(res.Diagnostics)
	if len(v.puts) > 0 && l.cache != nil {
		l.cache.putEntries(v.puts)
	}
	return res
}

func (v *validator) run(root *Node, el *entryLayout) *Model {
	s := v.l.schema.Root
	sc := &v.sc
	if root == nil || root.Kind != MapNode || s.Kind != StructShape {
		sc.check(root, s, Pos{1, 1})
		return decodeRoot(root)
	}
	// The shape of the top level, as shapeChecker.check does it, with the
	// maps of ids entry by entry.
	sc.checkDuplicates(root)
	for i, k := range root.Keys {
		f := s.Field(k)
		if f == nil {
			sc.unknownKey(root.KeyPos[i], k, s)
			continue
		}
		val := root.Values[i]
		if sec := sectionOf(k); sec != noSection && f.Shape.Kind == MapShape && val.Kind == MapNode {
			sc.push(k)
			sc.checkDuplicates(val)
			results := make([]*entryResult, len(val.Keys))
			for j, id := range val.Keys {
				er := v.entry(sec, k, id, val.KeyPos[j], val.Values[j], f.Shape, el)
				results[j] = er
				sc.diags = appendShifted(sc.diags, er.shape, val.KeyPos[j].Line-er.base)
			}
			sc.pop()
			if root.Get(k) == val {
				v.sections[sec] = sectionState{node: val, results: results}
			}
			continue
		}
		sc.push(k)
		sc.check(val, f.Shape, root.KeyPos[i])
		sc.pop()
	}
	for _, f := range s.Fields {
		if f.Required && root.Get(f.Name) == nil {
			sc.missing(Pos{1, 1}, f)
		}
	}

	m := decodeRoot(root)
	v.decode(m)
	v.semantic(root, m)
	return m
}

// appendShifted appends ds with their lines moved by delta.
func appendShifted(to, ds []Diagnostic, delta int) []Diagnostic {
	for _, d := range ds {
		d.Line += delta
		to = append(to, d)
	}
	return to
}

// entry returns the result of one entry: from the cache when the parse
// skipped it, computed otherwise (and then kept for the cache if it may).
func (v *validator) entry(sec section, secName, id string, keyPos Pos, n *Node, shape *Shape, el *entryLayout) *entryResult {
	if el != nil {
		if er := el.hits[n]; er != nil {
			return er
		}
	}
	er := v.compute(sec, secName, id, keyPos, n, shape)
	if el != nil && er.cacheable {
		if key, ok := el.keys[n]; ok {
			er.size += 2 * key.size
			v.puts = append(v.puts, entryPut{key, er})
		}
	}
	return er
}

// compute checks and decodes one entry of a map of ids whose shape is
// shape, in the order the checks of a whole file make them.
func (v *validator) compute(sec section, secName, id string, keyPos Pos, n *Node, shape *Shape) *entryResult {
	ec := &v.ec
	ec.diags, ec.dups = ec.diags[:0], 0
	ec.stack = append(ec.stack[:0], secName, id)
	if !ec.match(shape.KeyRe, id) {
		ec.add(keyPos, ec.here(), "%q is not a valid id: expected %s", id, idExpect)
	}
	ec.check(n, shape.Elem, keyPos)
	er := &entryResult{base: keyPos.Line, size: 256}
	if len(ec.diags) > 0 {
		er.shape = slices.Clone(ec.diags)
	}
	er.cacheable = ec.dups == 0
	if n.Kind != MapNode {
		return er
	}
	er.isMap = true
	ec.diags = ec.diags[:0]
	p := (*path)(nil).child(secName).child(id)
	switch sec {
	case componentsSection:
		er.component = decodeComponent(id, keyPos, n, v.l.schema.DefaultLayer)
		er.refs = listRefs(er.refs, n.Get("data"), refData)
	case assetsSection:
		er.asset = decodeAsset(id, keyPos, n)
	case flowsSection:
		er.flow = decodeFlow(id, keyPos, n)
		if x := n.Get("from"); x != nil && x.Kind == StringNode {
			er.refs = append(er.refs, ref{field: refFrom, id: x.Str, pos: x.Pos()})
		}
		if x := n.Get("to"); x != nil && x.Kind == StringNode {
			er.refs = append(er.refs, ref{field: refTo, id: x.Str, pos: x.Pos()})
		}
		er.refs = listRefs(er.refs, n.Get("data"), refData)
	case mitigationsSection:
		er.mitigation = decodeMitigation(id, keyPos, n)
		ec.date(n.Get("due"), p.child("due"))
	case threatsSection:
		t := decodeThreat(id, keyPos, n)
		er.threat = t
		er.refs = listRefs(er.refs, n.Get("targets"), refTargets)
		er.refs = listRefs(er.refs, n.Get("mitigations"), refMitigations)
		ec.status(n, p, keyPos)
		if a := n.Get("acceptance"); a != nil && a.Kind == MapNode {
			ec.date(a.Get("until"), p.child("acceptance").child("until"))
		}
		if ec.cat != nil {
			ec.catalogIDs(n.Get("attack"), p.child("attack"), catalog.ATTACK)
			ec.catalogIDs(n.Get("atlas"), p.child("atlas"), catalog.ATLAS)
			ec.catalogIDs(n.Get("owasp"), p.child("owasp"), catalog.OWASP)
			ec.catalogIDs(n.Get("cwe"), p.child("cwe"), catalog.CWE)
			ec.catalogIDs(n.Get("capec"), p.child("capec"), catalog.CAPEC)
		}
		ec.libraryIDs(n.Get("covers"), p.child("covers"))
	}
	if len(ec.diags) > 0 {
		er.local = slices.Clone(ec.diags)
	}
	er.size += len(er.refs)*48 + (len(er.shape)+len(er.local))*160
	return er
}

// listRefs appends the string items of a list as references.
func listRefs(to []ref, list *Node, field refField) []ref {
	if list == nil || list.Kind != ListNode {
		return to
	}
	for i, it := range list.Items {
		if it.Kind == StringNode {
			to = append(to, ref{field: field, index: int32(i), id: it.Str, pos: it.Pos()})
		}
	}
	return to
}

// decode adds the entries to the model: the first of a duplicated id wins.
// Each entry's value is copied, with its lines shifted, from its result
// (which the cache may share), into one block per section.
func (v *validator) decode(m *Model) {
	if st := v.sections[componentsSection]; st.node != nil {
		m.Components, m.ComponentOrder = decodeSection(st, func(er *entryResult) *Component { return er.component },
			func(c *Component, d int) { c.Pos.Line += d })
	}
	if st := v.sections[assetsSection]; st.node != nil {
		m.Assets, m.AssetOrder = decodeSection(st, func(er *entryResult) *Asset { return er.asset },
			func(a *Asset, d int) { a.Pos.Line += d })
	}
	if st := v.sections[flowsSection]; st.node != nil {
		m.Flows, m.FlowOrder = decodeSection(st, func(er *entryResult) *Flow { return er.flow },
			func(f *Flow, d int) { f.Pos.Line += d })
	}
	if st := v.sections[mitigationsSection]; st.node != nil {
		m.Mitigations, m.MitigationOrder = decodeSection(st, func(er *entryResult) *Mitigation { return er.mitigation },
			func(mi *Mitigation, d int) { mi.Pos.Line += d })
	}
	if st := v.sections[threatsSection]; st.node != nil {
		m.Threats, m.ThreatOrder = decodeSection(st, func(er *entryResult) *Threat { return er.threat },
			func(t *Threat, d int) { t.Pos.Line += d; t.StatusPos.Line += d })
		for _, id := range m.ThreatOrder {
			if t := m.Threats[id]; !t.StatusWritten {
				t.Status = DeriveStatus(t.Mitigations, m.Mitigations)
			}
		}
	}
}

// decodeSection copies one section's entries into one block, in file
// order; shift moves an entry's lines by d (from where its result was
// checked to where the entry stands). The order is nil when empty, as when
// nothing was appended.
func decodeSection[T any](st sectionState, entry func(*entryResult) *T, shift func(e *T, d int)) (map[string]*T, []string) {
	block := make([]T, len(st.results))
	byID := make(map[string]*T, len(st.results))
	order := make([]string, 0, len(st.results))
	for j, er := range st.results {
		id := st.node.Keys[j]
		if !er.isMap || byID[id] != nil {
			continue
		}
		e := &block[j]
		*e = *entry(er)
		shift(e, st.node.KeyPos[j].Line-er.base)
		byID[id] = e
		order = append(order, id)
	}
	if len(order) == 0 {
		order = nil
	}
	return byID, order
}

// semantic applies the rules that relate entries, and adds the entries'
// own semantic diagnostics, in the order a walk of the file finds them.
func (v *validator) semantic(root *Node, m *Model) {
	sc := &v.sc
	sc.idSpace(root)
	sc.boundaries(root.Get("boundaries"), m)
	assetIDs := func() []string { return m.AssetOrder }
	assetExists := func(s string) bool { return m.Assets[s] != nil }
	if st := v.sections[componentsSection]; st.node != nil {
		for j, er := range st.results {
			if !er.isMap || len(er.refs) == 0 {
				continue
			}
			sc.refs(er.refs, st.node.KeyPos[j].Line-er.base, refData, "components", st.node.Keys[j], "asset", assetIDs, assetExists)
		}
	}
	if st := v.sections[flowsSection]; st.node != nil {
		for j, er := range st.results {
			if !er.isMap || len(er.refs) == 0 {
				continue
			}
			d := st.node.KeyPos[j].Line - er.base
			for _, r := range er.refs {
				if (r.field == refFrom || r.field == refTo) && m.Components[r.id] == nil {
					p := (*path)(nil).child("flows").child(st.node.Keys[j]).child(r.field.String())
					sc.dangling(r.id, Pos{r.pos.Line + d, r.pos.Column}, p, "component", m.ComponentOrder, m.Flows[r.id] != nil)
				}
			}
			sc.refs(er.refs, d, refData, "flows", st.node.Keys[j], "asset", assetIDs, assetExists)
		}
	}
	if st := v.sections[mitigationsSection]; st.node != nil {
		for j, er := range st.results {
			if er.isMap {
				sc.diags = appendShifted(sc.diags, er.local, st.node.KeyPos[j].Line-er.base)
			}
		}
	}
	if st := v.sections[threatsSection]; st.node != nil {
		var targets []string
		targetIDs := func() []string {
			if targets == nil {
				targets = append(append(append([]string{}, m.ComponentOrder...), m.FlowOrder...), m.AssetOrder...)
			}
			return targets
		}
		targetExists := func(s string) bool { return m.Components[s] != nil || m.Flows[s] != nil || m.Assets[s] != nil }
		mitigationIDs := func() []string { return m.MitigationOrder }
		mitigationExists := func(s string) bool { return m.Mitigations[s] != nil }
		for j, er := range st.results {
			if !er.isMap {
				continue
			}
			d := st.node.KeyPos[j].Line - er.base
			if len(er.refs) > 0 {
				id := st.node.Keys[j]
				sc.refs(er.refs, d, refTargets, "threats", id, "component, flow or asset", targetIDs, targetExists)
				sc.refs(er.refs, d, refMitigations, "threats", id, "mitigation", mitigationIDs, mitigationExists)
			}
			sc.diags = appendShifted(sc.diags, er.local, d)
		}
	}
}

// isSection reports whether a top-level key is one of the maps of ids
// whose entries are checked one by one.
func (l *Loader) isSection(key string) bool {
	if sectionOf(key) == noSection {
		return false
	}
	f := l.schema.Root.Field(key)
	return f != nil && f.Shape.Kind == MapShape
}
