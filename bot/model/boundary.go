package model

// boundaries checks the trust boundaries: every member is a component of
// the model, and a component is in at most one boundary (boundaries do not
// nest). A second listing points at the member, naming where the first is.
func (c *semanticChecker) boundaries(n *Node, m *Model) {
	if n == nil || n.Kind != MapNode {
		return
	}
	type place struct {
		boundary string
		pos      Pos
	}
	first := map[string]place{}
	for i, id := range n.Keys {
		b := n.Values[i]
		if b.Kind != MapNode || n.Get(id) != b {
			continue // the shape check reports it, or a duplicate key
		}
		members := b.Get("members")
		if members == nil || members.Kind != ListNode {
			continue
		}
		p := (*path)(nil).child("boundaries").child(id).child("members")
		for j, it := range members.Items {
			if it.Kind != StringNode {
				continue
			}
			ip := p.child(indexText(j))
			if m.Flows[it.Str] != nil {
				c.add(it.Pos(), ip, "%q is a flow, but a boundary's members are components", it.Str)
				continue
			}
			if m.Components[it.Str] == nil {
				c.dangling(it.Str, it.Pos(), ip, "component", m.ComponentOrder, false)
				continue
			}
			prev, seen := first[it.Str]
			switch {
			case !seen:
				first[it.Str] = place{id, it.Pos()}
			case prev.boundary == id:
				c.add(it.Pos(), ip, "component %q is listed twice in boundary %q (first at line %d); remove one", it.Str, id, prev.pos.Line)
			default:
				c.add(it.Pos(), ip, "component %q is already in boundary %q at line %d: a component is in at most one trust boundary, and boundaries do not nest; remove it from one of them",
					it.Str, prev.boundary, prev.pos.Line)
			}
		}
	}
}
