package policy

import (
	"slices"
	"strings"

	"github.com/tmbot/tmbot/bot/model"
)

// The conditions that keep classic-coverage to what the model states
// (issue 15's precision): who signed-in requests reach, what fetches from
// the web, which stores are worth restoring or name files from requests,
// and which outside parties the system relies on.

// actsForUsers runs once user_sign_in is known everywhere: what a part that
// people sign in to sends to acts for them, and so does what a gateway,
// proxy or network part passes such requests on to (it checks nothing
// itself; the request is still the signed-in person's).
func actsForUsers(m *model.Model, out map[string][]*model.Flow, facts map[string]set) {
	var queue []string
	for id, c := range m.Components {
		// only a server-side application serves people's requests (a
		// network part passes them on; a build server that deploys does
		// not act for the developers signed in to it)
		if servesUsers[c.Kind] && !outsideParty(c) && facts[id]["user_sign_in"] {
			queue = append(queue, id)
		}
	}
	seen := map[string]bool{}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		for _, f := range out[id] {
			to := m.Components[f.To]
			if to == nil || to.Kind == "user" || outsideParty(to) {
				continue
			}
			facts[f.To].add("acts_for_users")
			if passesOn(to) && !seen[f.To] {
				seen[f.To] = true
				queue = append(queue, f.To)
			}
		}
	}
}

// passesOn: a network part, or a part whose id or name says it is a
// gateway or proxy, which forwards requests to the services behind it.
func passesOn(c *model.Component) bool {
	return c.Kind == "network" || (servesUsers[c.Kind] && namesWord(c, gatewayWords))
}

// answersOwnData: a web app, API, service or other part whose id or name
// does not say it is a gateway or proxy (those pass on what the services
// behind them answer).
func answersOwnData(c *model.Component) bool {
	return servesUsers[c.Kind] && !namesWord(c, gatewayWords)
}

// webProtocols are the protocols of web requests.
var webProtocols = map[string]bool{"http": true, "https": true, "ws": true, "wss": true}

// fetches: the flow f out of a part to "to" is a web request that a request
// to the part could point elsewhere: a call to an outside party over the
// web (or over a protocol not stated), or, from a part the internet
// reaches, a web request to another part (an attacker who reaches the
// part could make it call what they cannot reach themselves). A call from
// an internal service to another internal service is not: nothing in the
// model says it fetches an address taken from a request.
func fetches(f *model.Flow, to *model.Component, exposed bool) bool {
	if to.Kind == "user" {
		return false
	}
	p := strings.ToLower(strings.TrimSpace(f.Protocol))
	if outsideParty(to) {
		return p == "" || webProtocols[p]
	}
	return exposed && webProtocols[p]
}

// attackerWords name an outside party that is the attacker (a malicious
// website, a hostile server), not a provider the system relies on.
var attackerWords = map[string]bool{
	"malicious": true, "attacker": true, "attackers": true, "adversary": true, "hostile": true, "rogue": true,
}

// throwawayWords name a store whose content is thrown away by design.
var throwawayWords = map[string]bool{
	"ephemeral": true, "temp": true, "temporary": true, "tmp": true, "scratch": true, "transient": true,
}

// worthRestoring: a database or storage holds data worth restoring: the
// model lists data it holds, not all of it stated public (public content
// is rebuilt from its source); its id or name does not say it is thrown
// away (ephemeral, temporary, scratch); and it is not a log store whose
// every asset a store not of logs also holds (kept) (a copy of data kept
// elsewhere). Audit logs, whose records are nowhere else, are worth it.
func worthRestoring(m *model.Model, c *model.Component, kept set) bool {
	if (c.Kind != "database" && c.Kind != "storage") || len(c.Data) == 0 || namesWord(c, throwawayWords) {
		return false
	}
	public := true
	for _, a := range c.Data {
		if as := m.Assets[a]; as == nil || as.Classification != "public" {
			public = false
		}
	}
	if public {
		return false
	}
	if !logStore(c) {
		return true
	}
	return slices.ContainsFunc(c.Data, func(a string) bool { return !kept[a] })
}

// browserStoreWords name a store kept in the user's browser (local
// storage, session storage, IndexedDB, cookies), which has keys, not file
// paths, and no access setting that could open it to others.
var browserStoreWords = map[string]bool{
	"browser": true, "localstorage": true, "sessionstorage": true, "indexeddb": true, "cookie": true, "cookies": true,
}

// appTakingInputUses: a web app, API, service or other part that takes
// untrusted input writes to the store or reads from it (it may build file
// names from requests). A CDN or load balancer in front of a bucket, or a
// pipeline that deploys to it, names no files from requests.
func appTakingInputUses(m *model.Model, in, out []*model.Flow, facts map[string]set) bool {
	uses := func(id string) bool {
		c := m.Components[id]
		return c != nil && servesUsers[c.Kind] && !outsideParty(c) && facts[id]["untrusted_input"]
	}
	for _, f := range in {
		if uses(f.From) {
			return true
		}
	}
	for _, f := range out {
		if uses(f.To) {
			return true
		}
	}
	return false
}

// assetsInStores lists the assets that some database or storage not of
// logs holds.
func assetsInStores(m *model.Model) set {
	held := set{}
	for _, o := range m.Components {
		if (o.Kind == "database" || o.Kind == "storage") && !logStore(o) {
			held.add(o.Data...)
		}
	}
	return held
}
