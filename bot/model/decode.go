package model

import "strconv"

// decodeRoot starts a Model from the top level of a Node tree: version,
// system and extensions. The entries of the maps of ids are decoded one by
// one (decodeEntry) and added by the validator. Decoding is tolerant:
// values of the wrong shape (already reported by the shape check) are
// skipped, so that the semantic checks can still run on the rest.
func decodeRoot(root *Node) *Model {
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
	if v := root.Get("version"); v != nil && v.Kind == IntNode {
		n, _ := strconv.ParseInt(v.Str, 0, 64)
		m.Version = int(n)
	}
	if s := root.Get("system"); s != nil {
		m.System = System{ID: str(s.Get("id")), Name: str(s.Get("name")), Description: str(s.Get("description")),
			Owner: str(s.Get("owner")), Vendor: str(s.Get("vendor"))}
	}
	m.Extensions = anyMap(root.Get("extensions"))
	m.Boundaries, m.BoundaryOrder = decodeBoundaries(root.Get("boundaries"))
	return m
}

// fields looks up the values of a mapping by key in one pass: out[j] is
// the first value under the key that index maps to j (index returns -1 for
// keys it does not know), nil when absent, as n.Get would find it. It
// replaces one linear Get per field.
func fields(n *Node, index func(string) int, out []*Node) {
	for i, k := range n.Keys {
		if j := index(k); j >= 0 && out[j] == nil {
			out[j] = n.Values[i]
		}
	}
}

func componentField(k string) int {
	switch k {
	case "name":
		return 0
	case "kind":
		return 1
	case "layer":
		return 2
	case "description":
		return 3
	case "internet_facing":
		return 4
	case "data":
		return 5
	case "traits":
		return 6
	case "extensions":
		return 7
	}
	return -1
}

func decodeComponent(id string, pos Pos, n *Node, defaultLayer map[string]string) *Component {
	var f [8]*Node
	fields(n, componentField, f[:])
	c := &Component{ID: id, Pos: pos, Name: str(f[0]), Kind: str(f[1]), Layer: str(f[2]),
		Description: str(f[3]), InternetFacing: boolean(f[4]),
		Data: strs(f[5]), Traits: strs(f[6]), Extensions: anyMap(f[7])}
	if c.Layer == "" {
		c.Layer = defaultLayer[c.Kind]
	}
	return c
}

func assetField(k string) int {
	switch k {
	case "name":
		return 0
	case "classification":
		return 1
	case "description":
		return 2
	case "extensions":
		return 3
	}
	return -1
}

func decodeAsset(id string, pos Pos, n *Node) *Asset {
	var f [4]*Node
	fields(n, assetField, f[:])
	return &Asset{ID: id, Pos: pos, Name: str(f[0]), Classification: str(f[1]),
		Description: str(f[2]), Extensions: anyMap(f[3])}
}

func flowField(k string) int {
	switch k {
	case "from":
		return 0
	case "to":
		return 1
	case "description":
		return 2
	case "protocol":
		return 3
	case "data":
		return 4
	case "authenticated":
		return 5
	case "encrypted":
		return 6
	case "extensions":
		return 7
	case "kind":
		return 8
	case "bidirectional":
		return 9
	}
	return -1
}

func decodeFlow(id string, pos Pos, n *Node) *Flow {
	var f [10]*Node
	fields(n, flowField, f[:])
	return &Flow{ID: id, Pos: pos, From: str(f[0]), To: str(f[1]), Kind: str(f[8]),
		Description: str(f[2]), Protocol: str(f[3]), Data: strs(f[4]),
		Authenticated: triState(f[5]), Encrypted: triState(f[6]), Bidirectional: boolean(f[9]),
		Extensions: anyMap(f[7])}
}

// decodeBoundaries decodes the boundaries section (a mapping of ids), in
// document order; the first of a duplicated id wins.
func decodeBoundaries(n *Node) (map[string]*Boundary, []string) {
	out := map[string]*Boundary{}
	if n == nil || n.Kind != MapNode {
		return out, nil
	}
	var order []string
	for i, id := range n.Keys {
		v := n.Values[i]
		if v.Kind != MapNode || out[id] != nil {
			continue
		}
		b := &Boundary{ID: id, Pos: n.KeyPos[i], Name: str(v.Get("name")), Description: str(v.Get("description")),
			Trusted: true, Members: strs(v.Get("members")), Extensions: anyMap(v.Get("extensions"))}
		if t := triState(v.Get("trusted")); t != nil {
			b.Trusted = *t
		}
		out[id] = b
		order = append(order, id)
	}
	return out, order
}

func mitigationField(k string) int {
	switch k {
	case "title":
		return 0
	case "status":
		return 1
	case "description":
		return 2
	case "owner":
		return 3
	case "due":
		return 4
	case "issue":
		return 5
	case "controls":
		return 6
	case "extensions":
		return 7
	}
	return -1
}

func decodeMitigation(id string, pos Pos, n *Node) *Mitigation {
	var f [8]*Node
	fields(n, mitigationField, f[:])
	return &Mitigation{ID: id, Pos: pos, Title: str(f[0]), Status: str(f[1]),
		Description: str(f[2]), Owner: str(f[3]), Due: str(f[4]),
		Issue: str(f[5]), Controls: strs(f[6]), Extensions: anyMap(f[7])}
}

func threatField(k string) int {
	switch k {
	case "title":
		return 0
	case "description":
		return 1
	case "targets":
		return 2
	case "stride":
		return 3
	case "attack":
		return 4
	case "atlas":
		return 5
	case "owasp":
		return 6
	case "cwe":
		return 7
	case "capec":
		return 8
	case "kill_chain":
		return 9
	case "likelihood":
		return 10
	case "impact":
		return 11
	case "mitigations":
		return 12
	case "reason":
		return 13
	case "transferred_to":
		return 14
	case "extensions":
		return 15
	case "status":
		return 16
	case "acceptance":
		return 17
	case "covers":
		return 18
	}
	return -1
}

// decodeThreat decodes a threat; its status, when not written, is derived
// later from the model's mitigations.
func decodeThreat(id string, pos Pos, n *Node) *Threat {
	var f [19]*Node
	fields(n, threatField, f[:])
	t := &Threat{ID: id, Pos: pos, Title: str(f[0]), Description: str(f[1]),
		Targets: strs(f[2]), Stride: strs(f[3]), Attack: strs(f[4]),
		Atlas: strs(f[5]), OWASP: strs(f[6]), CWE: strs(f[7]), CAPEC: strs(f[8]),
		KillChain: strs(f[9]), Likelihood: Level(str(f[10])), Impact: Level(str(f[11])),
		Mitigations: strs(f[12]), Reason: str(f[13]), TransferredTo: str(f[14]),
		Extensions: anyMap(f[15]), Covers: strs(f[18]), StatusPos: pos}
	if s := f[16]; s != nil && s.Kind == StringNode {
		t.Status, t.StatusWritten, t.StatusPos = s.Str, true, s.Pos()
	}
	if a := f[17]; a != nil && a.Kind == MapNode {
		t.Acceptance = &Acceptance{By: str(a.Get("by")), Reason: str(a.Get("reason")), Until: str(a.Get("until")),
			Extensions: anyMap(a.Get("extensions"))}
	}
	t.Risk = RiskOf(t.Likelihood, t.Impact)
	return t
}

func str(n *Node) string {
	if n == nil || n.Kind != StringNode {
		return ""
	}
	return n.Str
}

func boolean(n *Node) bool { return n != nil && n.Kind == BoolNode && n.Str == "true" }

// triState is a boolean that may be absent: nil when the node is not a
// boolean (absent, or of the wrong shape, which the shape check reports).
func triState(n *Node) *bool {
	if n == nil || n.Kind != BoolNode {
		return nil
	}
	v := n.Str == "true"
	return &v
}

func strs(n *Node) []string {
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
func anyMap(n *Node) map[string]any {
	if n == nil || n.Kind != MapNode {
		return nil
	}
	v, _ := toAny(n).(map[string]any)
	return v
}

func toAny(n *Node) any {
	switch n.Kind {
	case MapNode:
		m := make(map[string]any, len(n.Keys))
		for i, k := range n.Keys {
			m[k] = toAny(n.Values[i])
		}
		return m
	case ListNode:
		l := make([]any, len(n.Items))
		for i, it := range n.Items {
			l[i] = toAny(it)
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
