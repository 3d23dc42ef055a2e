package model

import "strconv"

// decode builds a Model from a Node tree. It is tolerant: values of the
// wrong shape (already reported by the shape check) are skipped, so that
// the semantic checks can still run on the rest.
func decode(root *Node, defaultLayer map[string]string) *Model {
	m := &Model{
		Components:  map[string]*Component{},
		Assets:      map[string]*Asset{},
		Flows:       map[string]*Flow{},
		Threats:     map[string]*Threat{},
		Mitigations: map[string]*Mitigation{},
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
	eachEntry(root.Get("components"), func(id string, pos Pos, n *Node) {
		if _, dup := m.Components[id]; dup {
			return
		}
		c := &Component{ID: id, Pos: pos, Name: str(n.Get("name")), Kind: str(n.Get("kind")), Layer: str(n.Get("layer")),
			Description: str(n.Get("description")), InternetFacing: boolean(n.Get("internet_facing")),
			Data: strs(n.Get("data")), Traits: strs(n.Get("traits")), Extensions: anyMap(n.Get("extensions"))}
		if c.Layer == "" {
			c.Layer = defaultLayer[c.Kind]
		}
		m.Components[id] = c
		m.ComponentOrder = append(m.ComponentOrder, id)
	})
	eachEntry(root.Get("assets"), func(id string, pos Pos, n *Node) {
		if _, dup := m.Assets[id]; dup {
			return
		}
		m.Assets[id] = &Asset{ID: id, Pos: pos, Name: str(n.Get("name")), Classification: str(n.Get("classification")),
			Description: str(n.Get("description")), Extensions: anyMap(n.Get("extensions"))}
		m.AssetOrder = append(m.AssetOrder, id)
	})
	eachEntry(root.Get("flows"), func(id string, pos Pos, n *Node) {
		if _, dup := m.Flows[id]; dup {
			return
		}
		m.Flows[id] = &Flow{ID: id, Pos: pos, From: str(n.Get("from")), To: str(n.Get("to")),
			Description: str(n.Get("description")), Protocol: str(n.Get("protocol")), Data: strs(n.Get("data")),
			Authenticated: boolean(n.Get("authenticated")), Encrypted: boolean(n.Get("encrypted")),
			Extensions: anyMap(n.Get("extensions"))}
		m.FlowOrder = append(m.FlowOrder, id)
	})
	eachEntry(root.Get("mitigations"), func(id string, pos Pos, n *Node) {
		if _, dup := m.Mitigations[id]; dup {
			return
		}
		m.Mitigations[id] = &Mitigation{ID: id, Pos: pos, Title: str(n.Get("title")), Status: str(n.Get("status")),
			Description: str(n.Get("description")), Owner: str(n.Get("owner")), Due: str(n.Get("due")),
			Issue: str(n.Get("issue")), Controls: strs(n.Get("controls")), Extensions: anyMap(n.Get("extensions"))}
		m.MitigationOrder = append(m.MitigationOrder, id)
	})
	eachEntry(root.Get("threats"), func(id string, pos Pos, n *Node) {
		if _, dup := m.Threats[id]; dup {
			return
		}
		t := &Threat{ID: id, Pos: pos, Title: str(n.Get("title")), Description: str(n.Get("description")),
			Targets: strs(n.Get("targets")), Stride: strs(n.Get("stride")), Attack: strs(n.Get("attack")),
			Atlas: strs(n.Get("atlas")), OWASP: strs(n.Get("owasp")), CWE: strs(n.Get("cwe")), CAPEC: strs(n.Get("capec")),
			KillChain: strs(n.Get("kill_chain")), Likelihood: Level(str(n.Get("likelihood"))), Impact: Level(str(n.Get("impact"))),
			Mitigations: strs(n.Get("mitigations")), Reason: str(n.Get("reason")), TransferredTo: str(n.Get("transferred_to")),
			Extensions: anyMap(n.Get("extensions")), StatusPos: pos}
		if s := n.Get("status"); s != nil && s.Kind == StringNode {
			t.Status, t.StatusWritten, t.StatusPos = s.Str, true, s.Pos()
		}
		if a := n.Get("acceptance"); a != nil && a.Kind == MapNode {
			t.Acceptance = &Acceptance{By: str(a.Get("by")), Reason: str(a.Get("reason")), Until: str(a.Get("until")),
				Extensions: anyMap(a.Get("extensions"))}
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

func eachEntry(n *Node, f func(id string, pos Pos, v *Node)) {
	if n == nil || n.Kind != MapNode {
		return
	}
	for i, k := range n.Keys {
		if n.Values[i].Kind == MapNode {
			f(k, n.KeyPos[i], n.Values[i])
		}
	}
}

func str(n *Node) string {
	if n == nil || n.Kind != StringNode {
		return ""
	}
	return n.Str
}

func boolean(n *Node) bool { return n != nil && n.Kind == BoolNode && n.Str == "true" }

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
