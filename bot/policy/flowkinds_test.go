package policy_test

import (
	"slices"
	"testing"
)

// Facts follow a bidirectional flow both ways, and never a dependency.
func TestFactsBidirectionalAndDependency(t *testing.T) {
	cases := []struct {
		name, components, flows string
		component               string
		has, hasNot             []string
	}{
		{"a bidirectional flow brings the user's prompt to the LLM",
			"", "  talk: {from: chat, to: orchestrator, bidirectional: true, authenticated: true, encrypted: true}\n",
			"chat", []string{"untrusted_input", "served_via_api"}, nil},
		{"one way from the LLM, no prompt reaches it",
			"", "  talk: {from: chat, to: orchestrator, authenticated: true, encrypted: true}\n",
			"chat", nil, []string{"untrusted_input"}},
		{"a bidirectional flow to the index brings documents back",
			"", ask + "  rag: {from: chat, to: kb, bidirectional: true, authenticated: true, encrypted: true}\n",
			"chat", []string{"retrieves_content"}, nil},
		{"a library imported from outside is a supply-chain fact, not untrusted input",
			"  sdk: {name: Vendor SDK, kind: third_party_service}\n  jobs: {name: Batch jobs, kind: service}\n",
			"  uses-sdk: {from: sdk, to: jobs, kind: dependency}\n  run: {from: jobs, to: chat, authenticated: true, encrypted: true}\n",
			"jobs", []string{"imports_dependency", "third_party_artifact"}, []string{"untrusted_input"}},
		{"what a dependency imports does not flow on to the LLM",
			"  sdk: {name: Vendor SDK, kind: third_party_service}\n  jobs: {name: Batch jobs, kind: service}\n",
			"  uses-sdk: {from: sdk, to: jobs, kind: dependency}\n  run: {from: jobs, to: chat, authenticated: true, encrypted: true}\n",
			"chat", nil, []string{"untrusted_input", "imports_dependency"}},
		{"a model pulled from a public hub",
			"  base: {name: Open base model, kind: model, traits: [third_party_artifact]}\n",
			"  weights: {from: base, to: chat, kind: dependency}\n",
			"chat", []string{"imports_dependency", "third_party_artifact"}, []string{"trained_here", "served_via_api"}},
		{"an in-house library",
			"  lib: {name: Shared library, kind: other}\n",
			"  uses-lib: {from: lib, to: orchestrator, kind: dependency}\n",
			"orchestrator", []string{"imports_dependency"}, []string{"third_party_artifact"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := factsOf(t, rag(c.components, c.flows), c.component)
			for _, f := range c.has {
				if !slices.Contains(got, f) {
					t.Errorf("facts of %s %v lack %s", c.component, got, f)
				}
			}
			for _, f := range c.hasNot {
				if slices.Contains(got, f) {
					t.Errorf("facts of %s %v have %s", c.component, got, f)
				}
			}
		})
	}
}

// The input shows rule authors the boundaries, each component's boundary
// and each flow's crossing.
func TestInputBoundaries(t *testing.T) {
	src := shop{
		assets: "  orders: {name: Orders}\n",
		flows: "  f1: {from: web, to: orders, bidirectional: true}\n  f2: {from: orders, to: db, kind: dependency}\n" +
			"  f3: {from: orders, to: db, encrypted: false}\n",
		threats:    "  t1: {title: Orders leak, targets: [pii], likelihood: low, impact: low}\n  t2: {title: Orders changed, targets: [orders], likelihood: low, impact: low}\n",
		boundaries: "  net: {name: Internet, trusted: false, members: [customer, web]}\n  core: {name: Core, members: [orders, db]}\n",
	}.String()
	in := input(t, nil, load(t, src), today)
	h := in.Head
	if b := h.Boundaries["net"]; b.Trusted || !slices.Equal(b.Members, []string{"customer", "web"}) {
		t.Errorf("boundary net: %+v", b)
	}
	if c := h.Components["web"]; c.Boundary != "net" || c.Trusted == nil || *c.Trusted {
		t.Errorf("web: boundary %q trusted %v", c.Boundary, c.Trusted)
	}
	f1, f2, f3 := h.Flows["f1"], h.Flows["f2"], h.Flows["f3"]
	if !f1.CrossesBoundary || !f1.EntersTrusted || f1.FromBoundary != "net" || f1.ToBoundary != "core" || !f1.Bidirectional || f1.Authenticated != nil {
		t.Errorf("f1: %+v", f1)
	}
	if f2.Kind != "dependency" || f2.CrossesBoundary || f2.EntersInternal {
		t.Errorf("f2: %+v", f2)
	}
	if f3.Kind != "data" || f3.CrossesBoundary || f3.Encrypted == nil || *f3.Encrypted {
		t.Errorf("f3: %+v", f3)
	}
	if got := h.Assets["pii"].Threats; !slices.Equal(got, []string{"t1"}) {
		t.Errorf("threats on asset pii: %v", got)
	}
	// An id that names a component and an asset means the component.
	if got := h.Assets["orders"].Threats; len(got) != 0 {
		t.Errorf("threats on asset orders: %v, want none (the component orders wins)", got)
	}
	if got := h.Components["orders"].Threats; !slices.Contains(got, "t2") {
		t.Errorf("threats on component orders: %v", got)
	}
}
