package policy_test

import (
	"slices"
	"testing"
)

// factsOf returns the derived facts of a component of a model (YAML).
func factsOf(t *testing.T, src, component string) []string {
	t.Helper()
	in := input(t, nil, load(t, src), today)
	c, ok := in.Head.Components[component]
	if !ok {
		t.Fatalf("no component %s", component)
	}
	return c.Facts
}

// rag is the common RAG layout: a customer, an internet-facing web app, an
// internal API gateway, an orchestrator, an index and an LLM, with extra
// components and flows.
func rag(components, flows string) string {
	return shop{
		components: "  gateway: {name: API gateway, kind: api}\n  orchestrator: {name: Orchestrator, kind: service}\n" +
			"  kb: {name: Index, kind: vector_store, data: [docs]}\n  chat: {name: Assistant, kind: llm}\n" + components,
		assets: "  docs: {name: Help articles, classification: internal}\n  answer: {name: Answer, classification: internal}\n",
		flows: "  to-gateway: {from: web, to: gateway, authenticated: true, encrypted: true}\n" +
			"  to-orchestrator: {from: gateway, to: orchestrator, authenticated: true, encrypted: true}\n" + flows,
	}.String()
}

const ask = "  ask: {from: orchestrator, to: chat, authenticated: true, encrypted: true}\n"

func TestFactsFollowTheData(t *testing.T) {
	cases := []struct {
		name, components, flows string
		component               string
		has, hasNot             []string
	}{
		{"a prompt typed by a user reaches the LLM through the web app, gateway and orchestrator",
			"", ask, "chat", []string{"untrusted_input"}, []string{"retrieves_content"}},
		{"documents from the index reach the LLM through the orchestrator",
			"", ask + "  search: {from: kb, to: orchestrator, authenticated: true, encrypted: true}\n",
			"chat", []string{"retrieves_content"}, nil},
		{"an orchestrator that queries the index gets documents back",
			"", ask + "  search: {from: orchestrator, to: kb, authenticated: true, encrypted: true}\n",
			"chat", []string{"retrieves_content"}, nil},
		{"an asset the index holds, carried into the LLM, is retrieved content",
			"  prep: {name: Prompt builder, kind: service}\n",
			"  build: {from: prep, to: chat, data: [docs], authenticated: true, encrypted: true}\n",
			"chat", []string{"retrieves_content"}, nil},
		{"a web app sending to the LLM is not retrieved content",
			"", "  direct: {from: web, to: chat, authenticated: true, encrypted: true}\n",
			"chat", []string{"untrusted_input"}, []string{"retrieves_content"}},
		{"nothing passes through a store: internal data is not untrusted input",
			"  jobs: {name: Batch jobs, kind: service}\n  ledger: {name: Ledger, kind: secrets_store}\n",
			"  keys: {from: ledger, to: jobs, authenticated: true, encrypted: true}\n  run: {from: jobs, to: chat, authenticated: true, encrypted: true}\n",
			"chat", nil, []string{"untrusted_input", "retrieves_content"}},
		{"nothing passes through the identity provider",
			"  sso: {name: SSO, kind: identity_provider}\n  jobs: {name: Batch jobs, kind: service}\n",
			"  login: {from: web, to: sso, authenticated: true, encrypted: true}\n  token: {from: sso, to: jobs, authenticated: true, encrypted: true}\n" +
				"  run: {from: jobs, to: chat, authenticated: true, encrypted: true}\n",
			"chat", nil, []string{"untrusted_input"}},
		{"the LLM's output reaches a tool through the orchestrator",
			"  search-tool: {name: Web search tool, kind: tool}\n",
			ask + "  plan: {from: chat, to: orchestrator, authenticated: true, encrypted: true}\n" +
				"  call: {from: orchestrator, to: search-tool, authenticated: true, encrypted: true}\n",
			"chat", []string{"has_tools"}, nil},
		{"the LLM's output reaches the web app through the orchestrator and gateway",
			"", ask + "  reply: {from: chat, to: orchestrator, authenticated: true, encrypted: true}\n" +
				"  reply-up: {from: orchestrator, to: gateway, authenticated: true, encrypted: true}\n" +
				"  reply-web: {from: gateway, to: web, authenticated: true, encrypted: true}\n",
			"chat", []string{"output_rendered"}, nil},
		{"an answer asset that reaches the web app is rendered output",
			"", ask + "  reply: {from: chat, to: orchestrator, data: [answer], authenticated: true, encrypted: true}\n" +
				"  show: {from: gateway, to: web, data: [answer], authenticated: true, encrypted: true}\n",
			"chat", []string{"output_rendered"}, []string{"stores_conversations"}},
		{"an answer asset a store holds: the LLM's conversations are stored",
			"  history: {name: Chat history, kind: database, data: [answer]}\n",
			ask + "  reply: {from: chat, to: orchestrator, data: [answer], authenticated: true, encrypted: true}\n",
			"chat", []string{"stores_conversations"}, []string{"output_rendered"}},
		{"a store that holds the LLM's answers stores conversations",
			"  history: {name: Chat history, kind: database, data: [answer]}\n",
			ask + "  reply: {from: chat, to: orchestrator, data: [answer], authenticated: true, encrypted: true}\n",
			"history", []string{"stores_conversations"}, nil},
		{"what users type reaches a dataset through services: outside data",
			"  corpus: {name: Feedback corpus, kind: dataset}\n",
			"  collect: {from: orchestrator, to: corpus, authenticated: true, encrypted: true}\n",
			"corpus", []string{"external_data_source"}, nil},
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

// The RAG layout gets the two prompt injections on its LLM.
func TestAICoverageRAGLayout(t *testing.T) {
	head := rag("", ask+"  search: {from: orchestrator, to: kb, authenticated: true, encrypted: true}\n")
	got := gaps(t, review(t, "", head), "chat")
	for _, want := range []string{directInjection, indirectInjection} {
		if !slices.Contains(got, want) {
			t.Errorf("gaps of chat %v lack %s", got, want)
		}
	}
}

func TestStrideFlowsWhatIsNotAnEntry(t *testing.T) {
	cases := []struct {
		name, components, flows string
		want                    bool
	}{
		{"a call out to a hosted model", "  hosted: {name: Hosted model, kind: llm, traits: [hosted_by_third_party]}\n",
			"  f1: {from: web, to: hosted, authenticated: false, encrypted: true}\n", false},
		{"a login to the identity provider", "  sso: {name: SSO, kind: identity_provider}\n",
			"  f1: {from: web, to: sso, authenticated: false, encrypted: true}\n", false},
		{"a response back to a mobile app", "  gw: {name: Gateway, kind: api, internet_facing: true}\n  app: {name: App, kind: mobile_app}\n",
			"  f1: {from: gw, to: app, authenticated: false, encrypted: true}\n", false},
		{"a response back to the web app that asked", "  gw: {name: Gateway, kind: api, internet_facing: true}\n  spa: {name: Browser app, kind: web_app}\n",
			"  f1: {from: gw, to: spa, authenticated: false, encrypted: true}\n  f2: {from: spa, to: gw, authenticated: true}\n", false},
		{"a push to a web app that never asked", "  gw: {name: Gateway, kind: api, internet_facing: true}\n  spa: {name: Browser app, kind: web_app}\n",
			"  f1: {from: gw, to: spa, authenticated: false, encrypted: true}\n", true},
		{"what a hosted model returns enters the system", "  hosted: {name: Hosted model, kind: llm, traits: [hosted_by_third_party]}\n",
			"  f1: {from: hosted, to: orders, authenticated: false, encrypted: true}\n", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			head := shop{components: c.components, flows: c.flows}.String()
			got := about(only(review(t, "", head), ruleStride), "f1")
			if (len(got) > 0) != c.want {
				t.Errorf("want a warning: %v; got:\n%s", c.want, dump(got))
			}
			if c.want {
				mustContain(t, "message", got[0].Message, "without authentication")
			}
		})
	}
}

// The assistant helper's comment used to say that a flow from a web app
// into an LLM counts as retrieved content; it no longer does.
func TestAICoverageWebAppIsNotRetrieval(t *testing.T) {
	head := shop{components: "  chat: {name: Assistant, kind: llm}\n",
		flows: "  f1: {from: web, to: chat, authenticated: true, encrypted: true}\n"}.String()
	if got := gaps(t, review(t, "", head), "chat"); slices.Contains(got, indirectInjection) {
		t.Errorf("gaps %v: a prompt from the web app is not retrieved content", got)
	}
}
