package policy

import (
	"slices"
	"strings"

	"github.com/tmbot/tmbot/policies"
)

// coverage returns what the threats ids cover for an element of a kind
// ("flow" for a flow): every framework id and STRIDE category they name,
// the library entries they list in covers, and the entries that apply to
// the kind that they match by meaning (a shared STRIDE category and one of
// the entry's keywords); and the entries whose keywords they use without
// sharing a STRIDE category (probably about it), with those threats.
func (v *viewer) coverage(ids []string, kind string) ([]string, map[string][]string) {
	m := v.m
	covered := set{}
	for _, tid := range ids {
		t := m.Threats[tid]
		covered.add(threatIDs(t)...)
		covered.add(t.Stride...)
		covered.add(t.Covers...)
	}
	probably := map[string][]string{}
	for _, e := range v.libraryFor(kind) {
		if covered[e.ID] {
			continue
		}
		var maybe []string
		for _, tid := range ids {
			if !v.matches(tid)[e.index] {
				continue
			}
			if slices.ContainsFunc(m.Threats[tid].Stride, func(s string) bool { return slices.Contains(e.Stride, s) }) {
				covered.add(e.ID)
				maybe = nil
				break
			}
			maybe = append(maybe, tid)
		}
		if len(maybe) > 0 {
			probably[e.ID] = maybe
		}
	}
	if kind == "flow" {
		// A flow's view lists only what the flow entries look at: the
		// threats on its ends are counted for it, and copying everything
		// they name into every flow would make the input of every policy
		// large for nothing.
		v.loadLibrary()
		for id := range covered {
			if !v.forFlows[id] {
				delete(covered, id)
			}
		}
	}
	return covered.sorted(), probably
}

// libraryEntry is an entry of the AI threat library and its place in
// policies.Library().
type libraryEntry struct {
	policies.LibraryEntry
	index int
}

// libraryFor returns the entries of the AI threat library that apply to
// a component kind.
func (v *viewer) libraryFor(kind string) []libraryEntry {
	v.loadLibrary()
	return v.library[kind]
}

func (v *viewer) loadLibrary() {
	if v.library != nil {
		return
	}
	v.library = map[string][]libraryEntry{}
	v.forFlows = set{}
	v.all = policies.Library()
	for i, e := range v.all {
		for _, k := range e.Kinds {
			v.library[k] = append(v.library[k], libraryEntry{e, i})
			if k == "flow" {
				v.forFlows.add(e.ID)
				v.forFlows.add(e.CoveredIfAny...)
			}
		}
	}
}

// maxMatchText bounds how much of a threat's description is searched for
// keywords: plain words say what a threat is about early, and a hostile
// file with huge descriptions must not make every view search them all.
const maxMatchText = 4096

// matches says, for every entry of the library (in library order),
// whether the threat's title or description uses one of its keywords;
// it is worked out once per threat.
func (v *viewer) matches(tid string) []bool {
	if r, ok := v.matched[tid]; ok {
		return r
	}
	v.loadLibrary()
	t := v.m.Threats[tid]
	desc := t.Description
	if len(desc) > maxMatchText {
		desc = desc[:maxMatchText]
	}
	text := strings.ToLower(t.Title + "\n" + desc)
	r := make([]bool, len(v.all))
	for i, e := range v.all {
		r[i] = matchesAny(text, e.Keywords)
	}
	if v.matched == nil {
		v.matched = map[string][]bool{}
	}
	v.matched[tid] = r
	return r
}

// matchesAny says whether text contains one of the keywords at the start
// of a word ("exfiltrat" matches "exfiltrates"; "rce" does not match
// "source").
func matchesAny(text string, keywords []string) bool {
	for _, k := range keywords {
		for from := 0; from < len(text); {
			i := strings.Index(text[from:], k)
			if i < 0 {
				break
			}
			i += from
			if i == 0 || !isWordByte(text[i-1]) {
				return true
			}
			from = i + 1
		}
	}
	return false
}

func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '_' || b >= 0x80
}
