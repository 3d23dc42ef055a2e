package policy

import (
	"slices"
	"strings"

	"github.com/tmbot/tmbot/bot/diff"
)

// neighbourHops is how far from a changed element a component's view can
// change: a component's facts depend on its neighbours' kinds (one hop),
// and the facts of a training pipeline or a model on facts of the dataset
// or registry that feeds it, which depend on that one's neighbours (two).
const neighbourHops = 2

// narrow chooses what the change scope shows of both models: every
// element whose view could differ between base and head, and what the
// default policies look up from them. That is:
//
//   - components: those the diff names, the ends of flows it names, what
//     changed threats target (a flow's ends for a flow), the holders of
//     changed assets, the components whose trust boundary (or its trust)
//     differs, and their neighbours up to neighbourHops flows away;
//     those whose facts differ between base and head (facts follow the
//     data, so a change can reach far); plus both ends of every chosen
//     flow;
//   - flows: those the diff names, those changed threats target, those
//     carrying changed assets, and every flow into or out of a chosen
//     component;
//   - threats: those the diff names (both ids of a rename), every accepted
//     threat (its acceptance can expire on any day), the threats that use a
//     changed mitigation, and threats whose id starts with a chosen
//     component's id and a dash (the ids coverage drafts could collide
//     with);
//   - mitigations: those the diff names and those the chosen threats use.
//
// An element left out has the same view in base and head (or is not
// looked up by the defaults), so a policy that compares base with head
// finds the same on the narrow view as on the whole one
// (TestScopeChangeFindsWhatModelFinds). With no base or no head, or no
// diff, it returns nil: everything.
func narrow(bv, hv *viewer, d *diff.Diff) *selection {
	if bv == nil || hv == nil || d == nil {
		return nil
	}
	n := &narrowing{
		both:  []*viewer{bv, hv},
		s:     &selection{components: set{}, flows: set{}, threats: set{}, mitigations: set{}},
		seeds: set{},
	}
	n.seedElements(d)
	n.seedThreats(d)
	n.seeds.add(boundaryMoves(bv, hv)...)
	n.addNeighbours(bv, hv)
	n.addThreats()
	return n.s
}

// narrowing is narrow's work: the selection being built, and the seeds,
// the components whose neighbours it chooses too.
type narrowing struct {
	both  []*viewer // base and head
	s     *selection
	seeds set
}

// chooseFlow chooses a flow and seeds its ends in base and head.
func (n *narrowing) chooseFlow(fid string) {
	n.s.flows.add(fid)
	for _, v := range n.both {
		if f := v.m.Flows[fid]; f != nil {
			n.seeds.add(f.From, f.To)
		}
	}
}

// seedElements seeds the components the diff names, and chooses the flows
// it names and those carrying changed assets; the holders of changed
// assets are seeds too.
func (n *narrowing) seedElements(d *diff.Diff) {
	for _, c := range d.Components {
		n.seeds.add(c.ID)
	}
	for _, f := range d.Flows {
		n.chooseFlow(f.ID)
	}
	for _, a := range d.Assets {
		for _, v := range n.both {
			for id, c := range v.m.Components {
				if slices.Contains(c.Data, a.ID) {
					n.seeds.add(id)
				}
			}
			for id, f := range v.m.Flows {
				if slices.Contains(f.Data, a.ID) {
					n.chooseFlow(id)
				}
			}
		}
	}
}

// seedThreats chooses the threats the diff names (both ids of a rename)
// and what they target (a flow, or a component as a seed), the new
// threats, and the mitigations the diff names with the threats that use
// them.
func (n *narrowing) seedThreats(d *diff.Diff) {
	for _, t := range d.Threats {
		n.s.threats.add(t.ID)
		if t.From != "" {
			n.s.threats.add(t.From)
		}
		for _, v := range n.both {
			for _, id := range []string{t.ID, t.From} {
				th := v.m.Threats[id]
				if th == nil {
					continue
				}
				for _, target := range th.Targets {
					if v.m.Flows[target] != nil {
						n.chooseFlow(target)
					} else {
						n.seeds.add(target)
					}
				}
			}
		}
	}
	for _, nt := range d.New {
		n.s.threats.add(nt.ID)
	}
	for _, mc := range d.Mitigations {
		for _, id := range []string{mc.ID, mc.From} {
			if id == "" {
				continue
			}
			n.s.mitigations.add(id)
			for _, v := range n.both {
				n.s.threats.add(v.users[id]...)
			}
		}
	}
}

// addNeighbours chooses the seeds, the components whose facts differ
// between base and head, the seeds' neighbours up to neighbourHops flows
// away, every flow into or out of a chosen component, and both ends of
// every chosen flow.
func (n *narrowing) addNeighbours(bv, hv *viewer) {
	s := n.s
	// The neighbours of the seeds, hop by hop, over the flows of both.
	for c := range n.seeds {
		s.components.add(c)
	}
	// Facts follow the data along flows (propagate), so a change can alter
	// the facts of a component many flows away: those are chosen too.
	for id, hf := range hv.facts {
		if bf, ok := bv.facts[id]; ok && !sameSet(hf, bf) {
			s.components.add(id)
		}
	}
	frontier := n.seeds
	for range neighbourHops {
		next := set{}
		for c := range frontier {
			for _, v := range n.both {
				for _, fid := range v.flowsOf[c] {
					f := v.m.Flows[fid]
					for _, end := range []string{f.From, f.To} {
						if !s.components[end] {
							s.components.add(end)
							next.add(end)
						}
					}
				}
			}
		}
		frontier = next
	}
	for c := range s.components {
		for _, v := range n.both {
			s.flows.add(v.flowsOf[c]...)
		}
	}
	for fid := range s.flows {
		for _, v := range n.both {
			if f := v.m.Flows[fid]; f != nil {
				s.components.add(f.From, f.To)
			}
		}
	}
}

// addThreats chooses every accepted threat, the threats whose id a
// coverage draft for a chosen component could take, and the mitigations
// the chosen threats use.
func (n *narrowing) addThreats() {
	s := n.s
	for _, v := range n.both {
		for id, t := range v.m.Threats {
			if t.Status == "accepted" {
				s.threats.add(id)
				continue
			}
			// ids a coverage draft for a chosen component could take
			// (<component>-<library id>).
			for i := strings.IndexByte(id, '-'); i > 0; {
				if s.components[id[:i]] {
					s.threats.add(id)
					break
				}
				j := strings.IndexByte(id[i+1:], '-')
				if j < 0 {
					break
				}
				i += 1 + j
			}
		}
	}
	for tid := range s.threats {
		for _, v := range n.both {
			if t := v.m.Threats[tid]; t != nil {
				s.mitigations.add(t.Mitigations...)
			}
		}
	}
}

func sameSet(a, b set) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// boundaryMoves lists the components whose trust boundary, or whether it
// is trusted, differs between base and head: the flows into and out of
// them may cross differently.
func boundaryMoves(bv, hv *viewer) []string {
	trust := func(v *viewer, c string) (string, bool) {
		b := v.boundary[c]
		if bd := v.m.Boundaries[b]; bd != nil {
			return b, bd.Trusted
		}
		return b, false
	}
	var out []string
	for _, v := range []*viewer{bv, hv} {
		for c := range v.boundary {
			bb, bt := trust(bv, c)
			hb, ht := trust(hv, c)
			if bb != hb || bt != ht {
				out = append(out, c)
			}
		}
	}
	return out
}
