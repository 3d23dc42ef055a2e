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
	fs := &factScan{m: m, in: in, out: out}
	facts := map[string]set{}
	for id, c := range m.Components {
		s := set{}
		s.add(c.Traits...)
		if c.InternetFacing {
			s.add("internet_facing", "untrusted_input")
		}
		fs.inFacts(id, c, s)
		if c.Kind == "agent" || c.Kind == "tool" {
			s.add("has_tools")
		}
		fs.outFacts(id, c, s)
		if fs.sensitiveAssets(c.Data) {
			s.add("sensitive_data")
		}
		facts[id] = s
	}

	visits := propagate(m, in, out, facts)
	visits += feedbackLoops(m, in, out, facts)
	dependencyFacts(m, facts)
	classicFacts(m, in, out, facts)
	trainingFacts(m, in, facts)
	return facts, visits
}

// factScan reads one component's direct flows for deriveFacts.
type factScan struct {
	m       *model.Model
	in, out map[string][]*model.Flow
}

func (fs *factScan) kind(id string) string {
	if c := fs.m.Components[id]; c != nil {
		return c.Kind
	}
	return ""
}

func (fs *factScan) facing(id string) bool {
	c := fs.m.Components[id]
	return c != nil && c.InternetFacing
}

// sensitiveAssets: one of the assets is confidential or restricted.
func (fs *factScan) sensitiveAssets(ids []string) bool {
	for _, a := range ids {
		if as := fs.m.Assets[a]; as != nil && (as.Classification == "confidential" || as.Classification == "restricted") {
			return true
		}
	}
	return false
}

// inFacts: what the flows into the component say of it.
func (fs *factScan) inFacts(id string, c *model.Component, s set) {
	for _, f := range fs.in[id] {
		from := fs.kind(f.From)
		switch from {
		case "user", "third_party_service":
			s.add("untrusted_input")
		}
		if fs.facing(f.From) {
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
		if (c.Kind == "dataset" || c.Kind == "vector_store") && (from == "user" || from == "third_party_service" || fs.facing(f.From)) {
			s.add("external_data_source")
		}
		if (from == "dataset" || from == "training_pipeline") && (c.Kind == "model" || c.Kind == "llm" || c.Kind == "model_registry") {
			s.add("trained_here")
		}
		if fs.sensitiveAssets(f.Data) {
			s.add("sensitive_data")
		}
	}
}

// outFacts: what the flows out of the component say of it.
func (fs *factScan) outFacts(id string, c *model.Component, s set) {
	for _, f := range fs.out[id] {
		to := fs.kind(f.To)
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
			for _, back := range fs.in[id] {
				if back.From == f.To {
					switch to {
					case "database", "cache", "storage", "vector_store":
						s.add("has_memory")
					}
				}
			}
		}
		if fs.sensitiveAssets(f.Data) {
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
}

// trainingFacts runs after the walks: training data collected from outside
// reaches the pipeline that trains on it; a model fed by a registry that
// was trained here was trained here too.
func trainingFacts(m *model.Model, in map[string][]*model.Flow, facts map[string]set) {
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
