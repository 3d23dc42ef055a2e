package model

import (
	"bytes"
)

// composeYAML writes data without the entries that keep is false for, and
// returns the map from its lines back to data's.
func composeYAML(data []byte, lay *yamlLayout, skip func(s, e int) bool) ([]byte, *lineMap) {
	var out []byte
	lm := &lineMap{}
	pos, removed := 0, 0
	outLine := 1 // line of out at its end
	for si, s := range lay.sections {
		for ei, e := range s.entries {
			if !skip(si, ei) {
				continue
			}
			chunk := data[pos:e.start]
			out = append(out, chunk...)
			outLine += bytes.Count(chunk, []byte{'\n'})
			removed += e.lines
			lm.at = append(lm.at, outLine)
			lm.add = append(lm.add, removed)
			pos = e.end
		}
	}
	out = append(out, data[pos:]...)
	return out, lm
}

// lineMap maps lines of a composed file back: from line at[i] on, add[i]
// lines were removed before.
type lineMap struct {
	at, add []int
}

func (m *lineMap) orig(line int) int {
	// The last i with at[i] <= line.
	lo, hi := 0, len(m.at)
	for lo < hi {
		mid := (lo + hi) / 2
		if m.at[mid] <= line {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo == 0 {
		return line
	}
	return line + m.add[lo-1]
}

// shiftLines moves every line of a tree (without shared nodes) by m.
func shiftLines(n *Node, m *lineMap) {
	n.Line = m.orig(n.Line)
	for i := range n.KeyPos {
		n.KeyPos[i].Line = m.orig(n.KeyPos[i].Line)
	}
	for _, v := range n.Values {
		shiftLines(v, m)
	}
	for _, v := range n.Items {
		shiftLines(v, m)
	}
}

// loadYAMLEntries loads a YAML file entry by entry, through the entry
// cache, or returns nil when the file cannot be cut into entries (or the
// cut does not agree with the parse), for the caller to load it whole.
func (l *Loader) loadYAMLEntries(name string, data []byte) *Result {
	lay := scanYAML(data)
	if lay == nil {
		return nil
	}
	h := newEntryHasher()
	var keys []entryKey
	for _, s := range lay.sections {
		for _, e := range s.entries {
			keys = append(keys, h.key(YAML, s.name, data[e.start:e.end]))
		}
	}
	found := make([]*entryResult, len(keys))
	l.cache.getEntries(keys, found)
	hits := 0
	for _, f := range found {
		if f != nil {
			hits++
		}
	}
	index := func(si, ei int) int {
		i := ei
		for _, s := range lay.sections[:si] {
			i += len(s.entries)
		}
		return i
	}
	text, lm := data, (*lineMap)(nil)
	if hits > 0 {
		text, lm = composeYAML(data, lay, func(si, ei int) bool { return found[index(si, ei)] != nil })
	}
	root, err := parseYAML(text, l.limits)
	if err != nil {
		if hits == 0 {
			return parseFailure(name, err)
		}
		return nil // the positions of the error are the composed file's
	}
	if lm != nil {
		shiftLines(root, lm)
	}
	el := &entryLayout{hits: make(map[*Node]*entryResult, hits), keys: make(map[*Node]entryKey, len(keys)-hits)}
	if !l.matchYAMLLayout(root, lay, found, keys, el) {
		if hits == 0 {
			return l.validate(name, root, nil) // a plain parse; just nothing to cache
		}
		return nil
	}
	return l.validate(name, root, el)
}

// matchYAMLLayout checks that the parse agrees with the cut, and puts the
// cached entries back in their sections as placeholders.
func (l *Loader) matchYAMLLayout(root *Node, lay *yamlLayout, found []*entryResult, keys []entryKey, el *entryLayout) bool {
	if root.Kind != MapNode || len(root.Keys) != len(lay.top) {
		return false
	}
	for i, t := range lay.top {
		if root.Keys[i] != t.key || root.KeyPos[i].Line != t.line || root.KeyPos[i].Column != 1 {
			return false
		}
	}
	k := 0
	for _, s := range lay.sections {
		f := l.schema.Root.Field(s.name)
		if f == nil || f.Shape.Kind != MapShape {
			return false
		}
		val := root.Values[s.top]
		misses := 0
		for i := range s.entries {
			if found[k+i] == nil {
				misses++
			}
		}
		switch {
		case misses == 0 && val.Kind == NullNode:
		case misses > 0 && val.Kind == MapNode && len(val.Keys) == misses:
		default:
			return false
		}
		sec := &Node{Kind: MapNode, Line: s.entries[0].line, Column: s.entries[0].col,
			Keys: make([]string, len(s.entries)), KeyPos: make([]Pos, len(s.entries)), Values: make([]*Node, len(s.entries))}
		m := 0
		for i, e := range s.entries {
			sec.Keys[i] = e.id
			sec.KeyPos[i] = Pos{e.line, e.col}
			if er := found[k+i]; er != nil {
				ph := &Node{Kind: MapNode, Line: e.line, Column: e.col}
				el.hits[ph] = er
				sec.Values[i] = ph
				continue
			}
			if val.Keys[m] != e.id || val.KeyPos[m] != (Pos{e.line, e.col}) {
				return false
			}
			sec.Values[i] = val.Values[m]
			el.keys[val.Values[m]] = keys[k+i]
			m++
		}
		root.Values[s.top] = sec
		k += len(s.entries)
	}
	return true
}
