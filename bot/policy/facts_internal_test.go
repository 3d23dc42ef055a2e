package policy

import (
	"fmt"
	"testing"

	"github.com/tmbot/tmbot/bot/model"
)

// bigModel builds a model of n components for the propagation walks: a
// tenth are users and internet-facing front ends, most are services that
// carry data, a tenth are LLMs and agents, and the rest stores and tools,
// with about fanout flows out of each component to components further on
// (so that data from the front reaches every model through long chains
// of services), and every model's output going back into services.
func bigModel(n, fanout int) *model.Model {
	m := &model.Model{Components: map[string]*model.Component{}, Flows: map[string]*model.Flow{}, Assets: map[string]*model.Asset{}}
	kinds := []string{"user", "web_app", "service", "service", "api", "queue", "llm", "agent", "vector_store", "tool", "database", "service"}
	for i := range n {
		id := fmt.Sprintf("c%d", i)
		c := &model.Component{ID: id, Name: id, Kind: kinds[i%len(kinds)], InternetFacing: i%len(kinds) == 1}
		m.Components[id] = c
		m.ComponentOrder = append(m.ComponentOrder, id)
	}
	m.Assets["a"] = &model.Asset{ID: "a", Name: "a", Classification: "confidential"}
	for i := range n {
		for j := 1; j <= fanout; j++ {
			to := (i*7 + j*13) % n
			if to == i {
				continue
			}
			id := fmt.Sprintf("f%d-%d", i, j)
			m.Flows[id] = &model.Flow{ID: id, From: fmt.Sprintf("c%d", i), To: fmt.Sprintf("c%d", to), Data: []string{"a"}}
			m.FlowOrder = append(m.FlowOrder, id)
		}
	}
	return m
}

// The propagation walks stay linear in the flows: each walk follows a
// flow at most once, whatever the number of models, sources and chains.
func TestDeriveFactsLinear(t *testing.T) {
	for _, n := range []int{100, 1000, 10000} {
		m := bigModel(n, 4)
		facts, visits := deriveFactsCounted(m)
		if limit := 5 * len(m.Flows); visits > limit {
			t.Errorf("%d components, %d flows: the walks visited %d flows, want at most %d", n, len(m.Flows), visits, limit)
		}
		// And they did propagate: some model far from the front takes
		// untrusted input.
		reached := 0
		for id, c := range m.Components {
			if c.Kind == "llm" && facts[id]["untrusted_input"] {
				reached++
			}
		}
		if reached == 0 {
			t.Errorf("%d components: no LLM takes untrusted input", n)
		}
	}
}

// BenchmarkDeriveFacts: the facts of a model of 10,000 components and
// 40,000 flows.
func BenchmarkDeriveFacts(b *testing.B) {
	m := bigModel(10000, 4)
	b.ReportAllocs()
	for b.Loop() {
		deriveFacts(m)
	}
}
