package policy

import (
	"testing"

	"github.com/tmbot/tmbot/bot/model"
)

// The conditions that keep classic-coverage to what the model states
// (issue 15's precision): each test below is one condition.

func wantFacts(t *testing.T, facts map[string]set, fact string, want map[string]bool) {
	t.Helper()
	for id, w := range want {
		if got := facts[id][fact]; got != w {
			t.Errorf("%s %s = %v, want %v", id, fact, got, w)
		}
	}
}

// calls_out_web (server-side request forgery): a web call to an outside
// party (protocol web or not stated), or a web call out of a part the
// internet reaches; not a call between internal services, nor a call to
// an outside party over another protocol.
func TestFetchesFromTheWeb(t *testing.T) {
	m := tiny([]string{"front:web_app:facing", "back:service", "erp:service", "node:service", "chain:third_party_service",
		"bank:third_party_service", "pay:service", "u:user"},
		[]string{"front>back:https", "back>erp:HTTP", "node>chain", "pay>bank:amqp", "u>front:https"})
	wantFacts(t, deriveFacts(m), "calls_out_web", map[string]bool{
		"front": true, "back": false, "node": true, "pay": false, "u": false,
	})
}

// worth_restoring (backups): a store that holds data not all public, not
// named throw-away, and not a log store copying what another store keeps.
func TestWorthRestoring(t *testing.T) {
	m := tiny([]string{"db:database", "site:storage", "tmp:storage", "logs:storage", "audit:storage", "cache:cache", "empty:database"}, nil)
	m.Components["tmp"].Name = "Ephemeral container storage"
	m.Components["logs"].Name = "Application logs"
	m.Components["audit"].Name = "Audit trail"
	m.Assets["pii"] = &model.Asset{ID: "pii", Classification: "confidential"}
	m.Assets["page"] = &model.Asset{ID: "page", Classification: "public"}
	m.Assets["record"] = &model.Asset{ID: "record"} // no classification: not stated public
	m.Components["db"].Data = []string{"pii"}
	m.Components["site"].Data = []string{"page"}
	m.Components["tmp"].Data = []string{"pii"}
	m.Components["logs"].Data = []string{"pii"}
	m.Components["audit"].Data = []string{"pii", "record"}
	m.Components["cache"].Data = []string{"pii"}
	wantFacts(t, deriveFacts(m), "worth_restoring", map[string]bool{
		"db": true, "site": false, "tmp": false, "logs": false, "audit": true, "cache": false, "empty": false,
	})
}

// signed_in_requests and builds_answers (broken access control): a part
// people sign in to, and what their requests reach through a gateway;
// the gateway itself passes on what the service behind answers, and what
// the service behind sends on is its own call.
func TestSignedInRequestsThroughGateway(t *testing.T) {
	yes := true
	m := tiny([]string{"u:user", "web:web_app", "gw:api", "orch:service", "db:database", "open:web_app"},
		[]string{"u>web", "web>gw", "gw>orch", "orch>db", "u>open"})
	m.Components["gw"].Name = "API Gateway"
	m.Flows["u-web"].Authenticated = &yes
	facts := deriveFacts(m)
	wantFacts(t, facts, "signed_in_requests", map[string]bool{"web": true, "gw": true, "orch": true, "open": false})
	wantFacts(t, facts, "acts_for_users", map[string]bool{"gw": true, "orch": true, "db": false, "web": false})
	wantFacts(t, facts, "builds_answers", map[string]bool{"web": true, "gw": false, "orch": true, "db": false})
}

// admin_access: an administrator reaches the part they send to and what
// a network part passes them on to, but a network part behind another is
// only the path.
func TestAdminThroughNetworkParts(t *testing.T) {
	m := tiny([]string{"developer:user", "vpn:network", "lb:network", "app:web_app"},
		[]string{"developer>vpn", "vpn>lb", "vpn>app"})
	wantFacts(t, deriveFacts(m), "admin_access", map[string]bool{"vpn": true, "lb": false, "app": true})
}

// relied_on (breach or outage of a provider): not an outside party the
// model names as the attacker.
func TestReliedOn(t *testing.T) {
	m := tiny([]string{"pay:third_party_service", "evil:third_party_service", "svc:service"}, nil)
	m.Components["evil"].Name = "Malicious website operator"
	wantFacts(t, deriveFacts(m), "relied_on", map[string]bool{"pay": true, "evil": false, "svc": false})
}

// server_side_store and app_file_access (path traversal, a store opened
// by a wrong setting): a store in the user's browser is neither; a bucket
// that only a CDN reads and a pipeline writes names no files from
// requests.
func TestStoresAppsNameFilesIn(t *testing.T) {
	m := tiny([]string{"u:user", "cdn:network:facing", "site:storage", "ci:ci_cd", "app:web_app:facing", "local:storage",
		"svc:service", "files:storage"},
		[]string{"u>cdn", "cdn>site", "ci>site", "app>local", "u>app", "app>svc", "svc>files"})
	m.Components["local"].Name = "Browser local storage"
	facts := deriveFacts(m)
	wantFacts(t, facts, "server_side_store", map[string]bool{"site": true, "local": false, "files": true, "svc": false})
	wantFacts(t, facts, "app_file_access", map[string]bool{"site": false, "local": true, "files": true})
}

// A flow between two users (a person and the browser they use) is no
// connection of the system: no flow facts, even over HTTP.
func TestFlowBetweenUsers(t *testing.T) {
	m := tiny([]string{"person:user", "browser:user", "site:web_app"}, []string{"person>browser:HTTP", "browser>site:HTTP"})
	ff := flowFacts(m)
	if len(ff["person-browser"]) != 0 || !ff["browser-site"]["cleartext"] {
		t.Errorf("person>browser %v, browser>site %v", ff["person-browser"], ff["browser-site"])
	}
}

// user_sign_in through a phone app: an authenticated flow from a mobile
// app is people signing in to what it calls; an unstated one says nothing.
func TestSignInThroughPhoneApp(t *testing.T) {
	yes := true
	m := tiny([]string{"app:mobile_app", "api:api", "other:api"}, []string{"app>api", "app>other"})
	m.Flows["app-api"].Authenticated = &yes
	facts := deriveFacts(m)
	wantFacts(t, facts, "user_sign_in", map[string]bool{"api": true, "other": false})
	wantFacts(t, facts, "signed_in_requests", map[string]bool{"api": true, "other": false})
}
