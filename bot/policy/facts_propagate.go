package policy

import (
	"slices"

	"github.com/tmbot/tmbot/bot/model"
)

// propagate adds the facts that follow the data along flows through the
// parts that carry it (carries), each with one breadth-first walk over
// the flows, and returns the number of flows the walks visited:
//
//   - untrusted_input: from what an outsider can shape (an internet-facing
//     component, a user, a third party, a declared untrusted_input) to
//     every component it reaches through carriers;
//   - retrieves_content (and untrusted_input): an llm or agent that content
//     from a store, a tool or an outside service reaches through
//     carriers; a carrier that queries a vector store gets its results
//     back, so it counts as a source; and an llm or agent that receives an
//     asset that a vector store holds or that comes out of a store or tool;
//   - has_tools and output_rendered: an llm or agent whose output reaches
//     a tool, or a web or mobile app, through carriers (or whose output
//     asset a web or mobile app holds or receives);
//   - stores_conversations: an llm or agent whose output asset a database,
//     storage or cache holds or receives, and that store; a store that an
//     llm or agent writes to directly;
//   - external_data_source: a dataset or feature store that data an
//     outsider shaped reaches.
func propagate(m *model.Model, in, out map[string][]*model.Flow, facts map[string]set) int {
	w := &walker{m: m, in: in, out: out}
	w.untrustedInput(facts)
	w.retrievedContent(facts)
	w.modelOutputs(facts)
	// Data from outside that reaches a dataset or feature store.
	for id, c := range m.Components {
		if (c.Kind == "dataset" || c.Kind == "feature_store") && facts[id]["untrusted_input"] {
			facts[id].add("external_data_source")
		}
	}
	return w.visits
}

// walker walks the flows through the parts that carry data, counting the
// flows it visits.
type walker struct {
	m       *model.Model
	in, out map[string][]*model.Flow
	visits  int
}

// forward walks from the sources, through carriers, and calls reach for
// every flow it follows.
func (w *walker) forward(sources []string, reach func(f *model.Flow)) {
	seen := map[string]bool{}
	queue := make([]string, 0, len(sources))
	for _, s := range sources {
		if !seen[s] {
			seen[s] = true
			queue = append(queue, s)
		}
	}
	for len(queue) > 0 {
		x := queue[0]
		queue = queue[1:]
		for _, f := range w.out[x] {
			w.visits++
			reach(f)
			if y := w.m.Components[f.To]; !seen[f.To] && carries(y) {
				seen[f.To] = true
				queue = append(queue, f.To)
			}
		}
	}
}

// backward marks the carriers from which a target (a component for which
// is(kind) holds) is reachable through carriers.
func (w *walker) backward(is func(kind string) bool) map[string]bool {
	marked := map[string]bool{}
	var queue []string
	for id, c := range w.m.Components {
		if is(c.Kind) {
			queue = append(queue, id)
		}
	}
	for len(queue) > 0 {
		x := queue[0]
		queue = queue[1:]
		for _, f := range w.in[x] {
			w.visits++
			if c := w.m.Components[f.From]; !marked[f.From] && carries(c) {
				marked[f.From] = true
				queue = append(queue, f.From)
			}
		}
	}
	return marked
}

// untrustedInput: from what an outsider can shape to every component it
// reaches through carriers.
func (w *walker) untrustedInput(facts map[string]set) {
	var sources []string
	for id, c := range w.m.Components {
		if c.InternetFacing || c.Kind == "user" || outsideParty(c) || slices.Contains(c.Traits, "untrusted_input") {
			sources = append(sources, id)
		}
	}
	w.forward(sources, func(f *model.Flow) {
		if s := facts[f.To]; s != nil {
			s.add("untrusted_input")
		}
	})
}

// retrievedContent: an llm or agent that content from a store, a tool or
// an outside service reaches (through carriers, or as an asset that a
// vector store holds or that comes out of a store or tool).
func (w *walker) retrievedContent(facts map[string]set) {
	m := w.m
	var sources []string
	for id, c := range m.Components {
		if contentSource(c.Kind) {
			sources = append(sources, id)
			continue
		}
		if carries(c) {
			for _, f := range w.out[id] {
				if kind := m.Components[f.To]; kind != nil && kind.Kind == "vector_store" {
					sources = append(sources, id)
					break
				}
			}
		}
	}
	retrieved := func(id string) {
		if c := m.Components[id]; c != nil && isModel(c.Kind) {
			facts[id].add("retrieves_content", "untrusted_input")
		}
	}
	w.forward(sources, func(f *model.Flow) { retrieved(f.To) })
	content := set{}
	for id, c := range m.Components {
		if c.Kind == "vector_store" {
			content.add(c.Data...)
		}
		if contentSource(c.Kind) && c.Kind != "third_party_service" {
			for _, f := range w.out[id] {
				content.add(f.Data...)
			}
		}
	}
	for id, c := range m.Components {
		if !isModel(c.Kind) {
			continue
		}
		for _, f := range w.in[id] {
			if slices.ContainsFunc(f.Data, func(a string) bool { return content[a] }) {
				retrieved(id)
			}
		}
	}
}

// modelOutputs: where a model's output goes (has_tools, output_rendered,
// stores_conversations), through carriers and as the assets it produces.
func (w *walker) modelOutputs(facts map[string]set) {
	m := w.m
	toTool := w.backward(func(k string) bool { return k == "tool" })
	toApp := w.backward(func(k string) bool { return k == "web_app" || k == "mobile_app" })
	produced := map[string][]string{} // asset → the llms and agents whose output it is
	for id, c := range m.Components {
		if !isModel(c.Kind) {
			continue
		}
		for _, f := range w.out[id] {
			w.visits++
			to := m.Components[f.To]
			if to == nil {
				continue
			}
			if to.Kind == "tool" || toTool[f.To] {
				facts[id].add("has_tools")
			}
			if to.Kind == "web_app" || to.Kind == "mobile_app" || toApp[f.To] {
				facts[id].add("output_rendered")
			}
			if isStore(to.Kind) {
				facts[f.To].add("stores_conversations")
			}
		}
		inputs := set{}
		for _, f := range w.in[id] {
			inputs.add(f.Data...)
		}
		for _, f := range w.out[id] {
			for _, a := range f.Data {
				if !inputs[a] && !slices.Contains(produced[a], id) {
					produced[a] = append(produced[a], id)
				}
			}
		}
	}
	if len(produced) > 0 {
		producedAssets(m, w.in, produced, facts)
	}
}

// producedAssets: an llm or agent whose output asset a web or mobile app,
// or a store, holds or receives has its output rendered or stores
// conversations; so does that store.
func producedAssets(m *model.Model, in map[string][]*model.Flow, produced map[string][]string, facts map[string]set) {
	apps, stores := set{}, set{}
	for id, c := range m.Components {
		var held set
		switch {
		case c.Kind == "web_app" || c.Kind == "mobile_app":
			held = apps
		case isStore(c.Kind):
			held = stores
		default:
			continue
		}
		held.add(c.Data...)
		for _, f := range in[id] {
			held.add(f.Data...)
		}
	}
	for a, ps := range produced {
		for _, p := range ps {
			if apps[a] {
				facts[p].add("output_rendered")
			}
			if stores[a] {
				facts[p].add("stores_conversations")
			}
		}
	}
	for id, c := range m.Components {
		if !isStore(c.Kind) {
			continue
		}
		keeps := slices.ContainsFunc(c.Data, func(a string) bool { return produced[a] != nil })
		for _, f := range in[id] {
			keeps = keeps || slices.ContainsFunc(f.Data, func(a string) bool { return produced[a] != nil })
		}
		if keeps {
			facts[id].add("stores_conversations")
		}
	}
}

// feedbackLoops adds retrained_from_feedback to a dataset or training
// pipeline that what a model produced flows back into: a flow into it
// from a part that runs or takes the output of a model (an llm, agent or
// model, or a part loading one from a model registry), from a part that
// output reaches through carriers, or from a store one of those writes to
// (outcomes kept for training). Data collected elsewhere (a scraper, an
// engineer's notebook, a partner's feed) is not feedback. It returns the
// number of flows visited.
func feedbackLoops(m *model.Model, in, out map[string][]*model.Flow, facts map[string]set) int {
	visits := 0
	reached := map[string]bool{}
	var queue []string
	for id, c := range m.Components {
		switch c.Kind {
		case "llm", "agent", "model", "model_registry":
		default:
			continue
		}
		for _, f := range out[id] {
			visits++
			if to := m.Components[f.To]; to != nil && !reached[f.To] && (carries(to) || isStore(to.Kind)) {
				reached[f.To] = true
				queue = append(queue, f.To)
			}
		}
	}
	for len(queue) > 0 {
		x := queue[0]
		queue = queue[1:]
		if !carries(m.Components[x]) {
			continue // a store: what it keeps is fed back, but it passes nothing on
		}
		for _, f := range out[x] {
			visits++
			if to := m.Components[f.To]; to != nil && !reached[f.To] && (carries(to) || isStore(to.Kind)) {
				reached[f.To] = true
				queue = append(queue, f.To)
			}
		}
	}
	for id, c := range m.Components {
		if c.Kind != "dataset" && c.Kind != "training_pipeline" {
			continue
		}
		for _, f := range in[id] {
			visits++
			if reached[f.From] {
				facts[id].add("retrained_from_feedback")
				break
			}
		}
	}
	return visits
}
