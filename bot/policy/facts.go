package policy

import (
	"slices"

	"github.com/tmbot/tmbot/bot/model"
)

// deriveFacts computes, for every component, the conditions of the AI threat
// library (policies/data.cue, from shared/reference/ai-threats) that hold
// for it: its declared traits, plus what its kind, its data and its flows
// show. The derivations follow the library's `conditions`; the ones the
// format cannot show (executes_code, generates_code, multimodal_input,
// drives_financial_actions) come from traits only.
//
// Facts follow the data through the parts in between (see carries): a
// prompt typed by a user reaches the model through the web app, the API
// gateway and the orchestrator, and documents from an index reach it
// through the orchestrator. Each propagation is one breadth-first walk
// over the flows, so the whole costs a few passes over the model, whatever
// its shape (BenchmarkDeriveFacts).
func deriveFacts(m *model.Model) map[string]set {
	facts, _ := deriveFactsCounted(m)
	return facts
}

// deriveFactsCounted is deriveFacts, also returning how many flows the
// propagation walks visited (a test bounds it).
func deriveFactsCounted(m *model.Model) (map[string]set, int) {
	in, out := flowIndex(m)
	kind := func(id string) string {
		if c := m.Components[id]; c != nil {
			return c.Kind
		}
		return ""
	}
	facing := func(id string) bool {
		c := m.Components[id]
		return c != nil && c.InternetFacing
	}
	sensitiveAssets := func(ids []string) bool {
		for _, a := range ids {
			if as := m.Assets[a]; as != nil && (as.Classification == "confidential" || as.Classification == "restricted") {
				return true
			}
		}
		return false
	}
	facts := map[string]set{}
	for id, c := range m.Components {
		s := set{}
		s.add(c.Traits...)
		if c.InternetFacing {
			s.add("internet_facing", "untrusted_input")
		}
		for _, f := range in[id] {
			from := kind(f.From)
			switch from {
			case "user", "third_party_service":
				s.add("untrusted_input")
			}
			if facing(f.From) {
				s.add("untrusted_input")
				if from == "web_app" || from == "mobile_app" || from == "api" {
					s.add("internet_facing")
				}
			}
			switch from {
			case "user", "web_app", "mobile_app", "api", "service":
				if c.Kind == "model" || c.Kind == "llm" {
					s.add("served_via_api")
				}
			}
			// What an outside party sends to a model, adapter, dataset or
			// tool makes it an artifact from outside; a pipeline, service
			// or app that receives from one is still our own (what it
			// receives is data, not its code).
			if from == "third_party_service" && artifactKind(c.Kind) {
				s.add("third_party_artifact")
			}
			if from == "agent" && c.Kind == "agent" {
				s.add("multi_agent")
			}
			if (c.Kind == "dataset" || c.Kind == "vector_store") && (from == "user" || from == "third_party_service" || facing(f.From)) {
				s.add("external_data_source")
			}
			if (from == "dataset" || from == "training_pipeline") && (c.Kind == "model" || c.Kind == "llm" || c.Kind == "model_registry") {
				s.add("trained_here")
			}
			if sensitiveAssets(f.Data) {
				s.add("sensitive_data")
			}
		}
		if c.Kind == "agent" || c.Kind == "tool" {
			s.add("has_tools")
		}
		for _, f := range out[id] {
			to := kind(f.To)
			if to == "tool" {
				s.add("has_tools")
			}
			if to == "third_party_service" && (c.Kind == "llm" || c.Kind == "embedding_model") {
				s.add("hosted_by_third_party")
			}
			if isModel(c.Kind) || c.Kind == "model" {
				if to != "user" && to != "guardrail" {
					s.add("output_consumed")
				}
				if to == "web_app" || to == "mobile_app" {
					s.add("output_rendered")
				}
				if isStore(to) {
					s.add("stores_conversations")
				}
			}
			if c.Kind == "tool" {
				switch to {
				case "database", "storage", "queue", "api", "service", "third_party_service", "web_app", "identity_provider":
					s.add("tool_has_side_effects")
				}
			}
			if c.Kind == "agent" {
				for _, back := range in[id] {
					if back.From == f.To {
						switch to {
						case "database", "cache", "storage", "vector_store":
							s.add("has_memory")
						}
					}
				}
			}
			if sensitiveAssets(f.Data) {
				s.add("sensitive_data")
			}
			switch c.Kind {
			case "dataset", "training_pipeline", "feature_store":
				switch to {
				case "training_pipeline", "model", "llm", "model_registry", "embedding_model":
					s.add("trained_here")
				}
			}
		}
		if sensitiveAssets(c.Data) {
			s.add("sensitive_data")
		}
		facts[id] = s
	}

	visits := propagate(m, in, out, facts)
	visits += feedbackLoops(m, in, out, facts)
	dependencyFacts(m, facts)
	classicFacts(m, in, out, facts)

	// Training data collected from outside reaches the pipeline that
	// trains on it; a model fed by a registry that was trained here was
	// trained here too.
	for id, c := range m.Components {
		for _, f := range in[id] {
			from := m.Components[f.From]
			if from == nil {
				continue
			}
			if c.Kind == "training_pipeline" {
				if ((from.Kind == "dataset" || from.Kind == "feature_store") && facts[f.From]["external_data_source"]) ||
					from.Kind == "user" || from.Kind == "third_party_service" || from.InternetFacing {
					facts[id].add("external_data_source")
				}
			}
			if (c.Kind == "model" || c.Kind == "llm") && from.Kind == "model_registry" && facts[f.From]["trained_here"] {
				facts[id].add("trained_here")
			}
		}
	}
	return facts, visits
}

// artifactKind: the kinds that are a model, an adapter, a dataset or a
// tool, which can come from outside (the trait third_party_artifact).
func artifactKind(kind string) bool {
	switch kind {
	case "model", "llm", "agent", "embedding_model", "model_registry", "dataset", "tool":
		return true
	}
	return false
}

// isModel: an llm or an agent, the kinds that take prompts.
func isModel(kind string) bool { return kind == "llm" || kind == "agent" }

// isStore: where a conversation can be kept.
func isStore(kind string) bool { return kind == "database" || kind == "storage" || kind == "cache" }

// outsideParty: a component run by someone else, a third-party service or
// a component hosted_by_third_party. A flow into it is a call out, not
// data entering the system.
func outsideParty(c *model.Component) bool {
	return c.Kind == "third_party_service" || slices.Contains(c.Traits, "hosted_by_third_party")
}

// carries says whether a component passes on what it receives: the
// non-AI parts between a user and a model (front ends, APIs, services,
// queues, caches, networks, parts of kind other) and the guardrails and
// prompt templates that wrap a prompt on its way. Stores, identity
// providers, secrets stores, CI/CD and models do not: what they send is
// their own (a store's content is retrieved content, see propagate). A
// part run by a third party does not carry data back into the system: what
// it returns is its own.
func carries(c *model.Component) bool {
	if c == nil || outsideParty(c) {
		return false
	}
	switch c.Kind {
	case "web_app", "mobile_app", "api", "service", "queue", "cache", "network", "other", "guardrail", "prompt_template":
		return true
	}
	return false
}

// contentSource: a component whose output placed into a prompt is
// retrieved content (documents, records, search hits, tool results, what
// an outside service returns). A web app is not one: what it sends to a
// model is what its user typed.
func contentSource(kind string) bool {
	switch kind {
	case "vector_store", "storage", "database", "feature_store", "tool", "third_party_service":
		return true
	}
	return false
}

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
	visits := 0
	// forward walks from the sources, through carriers, and calls reach
	// for every flow it follows.
	forward := func(sources []string, reach func(f *model.Flow)) {
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
			for _, f := range out[x] {
				visits++
				reach(f)
				if y := m.Components[f.To]; !seen[f.To] && carries(y) {
					seen[f.To] = true
					queue = append(queue, f.To)
				}
			}
		}
	}
	// backward marks the carriers from which a target (a component for
	// which is(kind) holds) is reachable through carriers.
	backward := func(is func(kind string) bool) map[string]bool {
		marked := map[string]bool{}
		var queue []string
		for id, c := range m.Components {
			if is(c.Kind) {
				queue = append(queue, id)
			}
		}
		for len(queue) > 0 {
			x := queue[0]
			queue = queue[1:]
			for _, f := range in[x] {
				visits++
				if c := m.Components[f.From]; !marked[f.From] && carries(c) {
					marked[f.From] = true
					queue = append(queue, f.From)
				}
			}
		}
		return marked
	}

	// Untrusted input.
	var sources []string
	for id, c := range m.Components {
		if c.InternetFacing || c.Kind == "user" || outsideParty(c) || slices.Contains(c.Traits, "untrusted_input") {
			sources = append(sources, id)
		}
	}
	forward(sources, func(f *model.Flow) {
		if s := facts[f.To]; s != nil {
			s.add("untrusted_input")
		}
	})

	// Retrieved content.
	sources = sources[:0]
	for id, c := range m.Components {
		if contentSource(c.Kind) {
			sources = append(sources, id)
			continue
		}
		if carries(c) {
			for _, f := range out[id] {
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
	forward(sources, func(f *model.Flow) { retrieved(f.To) })
	content := set{}
	for id, c := range m.Components {
		if c.Kind == "vector_store" {
			content.add(c.Data...)
		}
		if contentSource(c.Kind) && c.Kind != "third_party_service" {
			for _, f := range out[id] {
				content.add(f.Data...)
			}
		}
	}
	for id, c := range m.Components {
		if !isModel(c.Kind) {
			continue
		}
		for _, f := range in[id] {
			if slices.ContainsFunc(f.Data, func(a string) bool { return content[a] }) {
				retrieved(id)
			}
		}
	}

	// Where a model's output goes.
	toTool := backward(func(k string) bool { return k == "tool" })
	toApp := backward(func(k string) bool { return k == "web_app" || k == "mobile_app" })
	produced := map[string][]string{} // asset → the llms and agents whose output it is
	for id, c := range m.Components {
		if !isModel(c.Kind) {
			continue
		}
		for _, f := range out[id] {
			visits++
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
		for _, f := range in[id] {
			inputs.add(f.Data...)
		}
		for _, f := range out[id] {
			for _, a := range f.Data {
				if !inputs[a] && !slices.Contains(produced[a], id) {
					produced[a] = append(produced[a], id)
				}
			}
		}
	}
	if len(produced) > 0 {
		// The assets that web or mobile apps, and stores, hold or receive.
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

	// Data from outside that reaches a dataset or feature store.
	for id, c := range m.Components {
		if (c.Kind == "dataset" || c.Kind == "feature_store") && facts[id]["untrusted_input"] {
			facts[id].add("external_data_source")
		}
	}
	return visits
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
