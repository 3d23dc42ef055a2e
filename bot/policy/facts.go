package policy

import "github.com/tmbot/tmbot/bot/model"

// deriveFacts computes, for every component, the conditions of the AI threat
// library (policies/data.cue, from shared/reference/ai-threats) that hold
// for it: its declared traits, plus what its kind, its data and its flows
// show. The derivations follow the library's `conditions`; the ones the
// format cannot show (executes_code, generates_code, multimodal_input,
// drives_financial_actions) come from traits only.
func deriveFacts(m *model.Model) map[string]set {
	in := map[string][]*model.Flow{}
	out := map[string][]*model.Flow{}
	for _, id := range m.FlowOrder {
		f := m.Flows[id]
		out[f.From] = append(out[f.From], f)
		in[f.To] = append(in[f.To], f)
	}
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
	isAI := func(k string) bool { return k == "llm" || k == "agent" }
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
			if isAI(c.Kind) {
				switch from {
				case "vector_store", "storage", "database", "third_party_service", "web_app", "feature_store", "tool":
					s.add("retrieves_content", "untrusted_input")
				}
			}
			switch from {
			case "user", "web_app", "mobile_app", "api", "service":
				if c.Kind == "model" || c.Kind == "llm" {
					s.add("served_via_api")
				}
			}
			if from == "third_party_service" {
				s.add("third_party_artifact")
			}
			if from == "agent" && c.Kind == "agent" {
				s.add("multi_agent")
			}
			if (c.Kind == "dataset" || c.Kind == "vector_store") && (from == "user" || from == "third_party_service" || facing(f.From)) {
				s.add("external_data_source")
			}
			if c.Kind == "dataset" || c.Kind == "training_pipeline" {
				switch from {
				case "web_app", "api", "service", "database", "feature_store", "user":
					s.add("retrained_from_feedback")
				}
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
			if isAI(c.Kind) || c.Kind == "model" {
				if to != "user" && to != "guardrail" {
					s.add("output_consumed")
				}
				if to == "web_app" || to == "mobile_app" {
					s.add("output_rendered")
				}
				if to == "database" || to == "storage" || to == "cache" {
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
	return facts
}
