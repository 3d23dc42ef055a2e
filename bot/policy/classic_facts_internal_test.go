package policy

import (
	"testing"

	"github.com/tmbot/tmbot/bot/model"
)

// tiny builds a model from components "id:kind[:facing]" and flows
// "from>to[:protocol]".
func tiny(comps []string, flows []string) *model.Model {
	m := &model.Model{Components: map[string]*model.Component{}, Flows: map[string]*model.Flow{}, Assets: map[string]*model.Asset{}}
	for _, c := range comps {
		parts := splitAll(c, ':')
		x := &model.Component{ID: parts[0], Name: parts[0], Kind: parts[1], InternetFacing: len(parts) > 2}
		m.Components[x.ID] = x
		m.ComponentOrder = append(m.ComponentOrder, x.ID)
	}
	for _, f := range flows {
		ends, proto, _ := cut(f, ':')
		from, to, _ := cut(ends, '>')
		id := from + "-" + to
		m.Flows[id] = &model.Flow{ID: id, From: from, To: to, Protocol: proto}
		m.FlowOrder = append(m.FlowOrder, id)
	}
	return m
}

func cut(s string, sep byte) (string, string, bool) {
	for i := range len(s) {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func splitAll(s string, sep byte) []string {
	var out []string
	for {
		a, b, ok := cut(s, sep)
		out = append(out, a)
		if !ok {
			return out
		}
		s = b
	}
}

// What the internet reaches: an internet-facing part, what an
// internet-facing user or a phone app sends to, what an outside party
// calls (not its answer to our call), and what an exposed network part
// forwards to; nothing further.
func TestExposedToInternet(t *testing.T) {
	m := tiny([]string{"u:user:facing", "lb:network", "web:web_app", "db:database", "phone:mobile_app", "api:service",
		"pay:third_party_service", "hook:service", "svc:service", "llm:third_party_service", "orch:service"},
		[]string{"u>lb", "lb>web", "web>db", "phone>api", "pay>hook", "orch>llm", "llm>orch", "svc>db"})
	facts := deriveFacts(m)
	for id, want := range map[string]bool{"lb": true, "web": true, "db": false, "api": true, "hook": true, "orch": false, "svc": false} {
		if got := facts[id]["exposed_to_internet"]; got != want {
			t.Errorf("%s exposed_to_internet = %v, want %v", id, got, want)
		}
	}
}

// Administrators are users so named (whole words only), or any user
// straight into infrastructure; a customer through a load balancer is not.
func TestAdminAccess(t *testing.T) {
	m := tiny([]string{"backend-admin-client:user", "badminton-fan:user", "customer:user", "ops:user", "lb:network",
		"erp:service", "shop:web_app", "db:database", "portal:web_app", "vpn:network"},
		[]string{"backend-admin-client>erp", "badminton-fan>shop", "customer>lb", "lb>shop", "customer>db", "ops>vpn", "vpn>portal"})
	facts := deriveFacts(m)
	for id, want := range map[string]bool{"erp": true, "shop": false, "db": true, "lb": false, "portal": true} {
		if got := facts[id]["admin_access"]; got != want {
			t.Errorf("%s admin_access = %v, want %v", id, got, want)
		}
	}
	if !facts["db"]["direct_human_access"] || !facts["erp"]["direct_human_access"] || facts["portal"]["direct_human_access"] {
		t.Errorf("direct_human_access: db %v erp %v portal %v", facts["db"]["direct_human_access"], facts["erp"]["direct_human_access"], facts["portal"]["direct_human_access"])
	}
}

// Protocols say what they carry: a queue or RMI makes a deserialiser,
// LDAP a directory, SOAP an XML parser; http out of a part the internet
// reaches a fetcher; a build server that sends to the running system
// deploys.
func TestProtocolFacts(t *testing.T) {
	m := tiny([]string{"q:queue", "w:service", "r:service", "d:identity_provider", "x:service", "a:api:facing", "ci:ci_cd", "repo:ci_cd"},
		[]string{"q>w", "a>r:RMI", "a>d:ldaps", "a>x:SOAP", "a>w:https", "ci>a:ssh", "ci>repo:ssh"})
	facts := deriveFacts(m)
	checks := []struct {
		id, fact string
		want     bool
	}{
		{"w", "deserializes_input", true}, {"r", "deserializes_input", true}, {"x", "deserializes_input", false},
		{"d", "ldap_queries", true}, {"x", "accepts_xml", true}, {"a", "calls_out_web", true}, {"w", "calls_out_web", false},
		{"ci", "deploys", true}, {"repo", "deploys", false}, {"d", "issues_tokens", false},
	}
	for _, c := range checks {
		if got := facts[c.id][c.fact]; got != c.want {
			t.Errorf("%s %s = %v, want %v", c.id, c.fact, got, c.want)
		}
	}
	// A directory that is also a sign-in service issues tokens.
	m.Flows["x-d"] = &model.Flow{ID: "x-d", From: "x", To: "d", Protocol: "https"}
	m.FlowOrder = append(m.FlowOrder, "x-d")
	if !deriveFacts(m)["d"]["issues_tokens"] {
		t.Error("an identity provider with an https flow in does not issue tokens")
	}
}

// A flow is cleartext when it is stated unencrypted, or when its protocol
// has no encryption and it is not stated encrypted; an unknown is not. It
// is unauthenticated only when stated so. A dependency is no call at all.
func TestFlowFacts(t *testing.T) {
	yes, no := true, false
	m := tiny([]string{"a:service", "b:service", "u:user"}, []string{"a>b:HTTP", "b>a:https", "u>a:ftp"})
	m.Flows["u-a"].Encrypted = &yes
	m.Flows["x"] = &model.Flow{ID: "x", From: "a", To: "b"}                                               // unknown
	m.Flows["y"] = &model.Flow{ID: "y", From: "a", To: "b", Encrypted: &no, Authenticated: &no}           // stated false
	m.Flows["z"] = &model.Flow{ID: "z", From: "a", To: "b", Protocol: "http", Kind: model.FlowDependency} // not a call
	ff := flowFacts(m)
	for id, want := range map[string]bool{"a-b": true, "b-a": false, "u-a": false, "x": false, "y": true, "z": false} {
		if ff[id]["cleartext"] != want {
			t.Errorf("%s cleartext = %v, want %v", id, ff[id]["cleartext"], want)
		}
	}
	if !ff["y"]["unauthenticated"] || ff["x"]["unauthenticated"] || ff["a-b"]["unauthenticated"] {
		t.Errorf("unauthenticated only when stated: %v", ff)
	}
	if !ff["a-b"]["internal_flow"] || ff["u-a"]["internal_flow"] || ff["z"]["internal_flow"] {
		t.Errorf("internal_flow: %v", ff)
	}
}
