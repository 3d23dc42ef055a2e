package policy

import "github.com/tmbot/tmbot/bot/model"

// boundaryFacts fills a flow's trust-boundary fields: the boundaries of its
// ends, whether it crosses from one to another (or, in a model that draws
// no boundaries, enters the system from outside), and whether it goes from
// an untrusted boundary into a trusted one. A dependency is not a network
// call: it crosses nothing.
func (v *viewer) boundaryFacts(f *model.Flow, fv *FlowView) {
	m := v.m
	fv.FromBoundary, fv.ToBoundary = v.boundary[f.From], v.boundary[f.To]
	if f.IsDependency() {
		return
	}
	if len(m.Boundaries) == 0 {
		fv.CrossesBoundary = fv.EntersInternal
		return
	}
	fv.CrossesBoundary = fv.FromBoundary != fv.ToBoundary
	enters := func(from, to string) bool {
		a, b := m.Boundaries[from], m.Boundaries[to]
		return a != nil && b != nil && !a.Trusted && b.Trusted
	}
	fv.EntersTrusted = enters(fv.FromBoundary, fv.ToBoundary) ||
		(f.Bidirectional && enters(fv.ToBoundary, fv.FromBoundary))
}

// reversed is a flow the other way, for the second direction of a
// bidirectional flow.
func reversed(f *model.Flow) *model.Flow {
	r := *f
	r.From, r.To = f.To, f.From
	return &r
}
