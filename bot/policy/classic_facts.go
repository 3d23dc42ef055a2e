package policy

import (
	"slices"
	"strings"
	"unicode"

	"github.com/tmbot/tmbot/bot/model"
)

// classicFacts adds to facts the conditions of the classic threat library
// (policies/gen/classic.yaml) that hold for each component (flowFacts
// gives those of flows). Each follows only from what the model
// states or implies (a kind, a protocol, internet_facing, a stated
// authenticated or encrypted, a user's name); an unknown never makes one
// hold. It runs after propagate, whose untrusted_input it reads, and costs
// one pass over the flows.
func classicFacts(m *model.Model, in, out map[string][]*model.Flow, facts map[string]set) {
	// answers: a flow from a to b is the answer to a call from b (a flow
	// the other way exists).
	answers := func(a, b string) bool {
		for _, f := range out[b] {
			if f.To == a {
				return true
			}
		}
		return false
	}
	// exposed: what the internet reaches. An internet-facing part; what an
	// internet-facing user, a mobile app (on people's phones) or an outside
	// party sends to (an outside party's answer to our call is not a
	// visit); and what a network part that is exposed forwards to.
	exposed := map[string]bool{}
	var queue []string
	mark := func(id string) {
		if !exposed[id] && m.Components[id] != nil {
			exposed[id] = true
			queue = append(queue, id)
		}
	}
	for _, id := range m.ComponentOrder {
		c := m.Components[id]
		if c.InternetFacing {
			mark(id)
		}
		for _, f := range out[id] {
			to := m.Components[f.To]
			if to == nil || outsideParty(to) || to.Kind == "user" {
				continue
			}
			switch {
			case c.Kind == "user" && c.InternetFacing, c.Kind == "mobile_app":
				mark(f.To)
			case outsideParty(c) && !answers(id, f.To):
				mark(f.To)
			}
		}
	}
	for len(queue) > 0 {
		x := queue[0]
		queue = queue[1:]
		if m.Components[x].Kind != "network" {
			continue
		}
		for _, f := range out[x] {
			if to := m.Components[f.To]; to != nil && !outsideParty(to) && to.Kind != "user" {
				mark(f.To)
			}
		}
	}

	// privileged says, once per user, whether it is an administrator.
	admins := map[string]bool{}
	privileged := func(id string) bool {
		a, ok := admins[id]
		if !ok {
			a = privilegedUser(m.Components[id])
			admins[id] = a
		}
		return a
	}
	// userFlowsInto lists, once per network part, the flows into it from
	// users (nil for any other kind).
	viaNetwork := map[string][]*model.Flow{}
	userFlowsInto := func(id string) []*model.Flow {
		if c := m.Components[id]; c == nil || c.Kind != "network" {
			return nil
		}
		fs, ok := viaNetwork[id]
		if !ok {
			for _, g := range in[id] {
				if u := m.Components[g.From]; u != nil && u.Kind == "user" {
					fs = append(fs, g)
				}
			}
			viaNetwork[id] = fs
		}
		return fs
	}
	kept := assetsInStores(m)
	for id, c := range m.Components {
		s := facts[id]
		if exposed[id] {
			s.add("exposed_to_internet")
		}
		if len(c.Data) > 0 {
			s.add("holds_data")
		}
		if c.Kind == "storage" && !logStore(c) {
			s.add("holds_files")
		}
		// What it parses, when the team says so (traits): the flows show
		// some of it (a queue, RMI, SOAP), not an upload form or a pickle.
		for _, t := range c.Traits {
			if f, ok := traitFacts[t]; ok {
				s.add(f)
			}
		}
		if c.Kind == "identity_provider" && !onlyLDAP(in[id]) {
			s.add("issues_tokens")
		}
		// Who reaches it: users directly, or through network parts.
		for _, f := range in[id] {
			from := m.Components[f.From]
			if from == nil {
				continue
			}
			if from.Kind == "user" {
				s.add("direct_human_access", "human_users")
				if infrastructure(c.Kind) {
					s.add("admin_access")
				}
				reachedBy(s, f, privileged(f.From))
			}
			// A phone app is the user's side: people who sign in through it
			// sign in to what it calls.
			if from.Kind == "mobile_app" && model.Says(f.Authenticated, true) {
				s.add("human_users", "user_sign_in")
			}
			// Through a network part: a network part behind it is only
			// the path on (people administer what they reach, not each
			// load balancer they pass).
			for _, g := range userFlowsInto(f.From) {
				s.add("human_users")
				reachedBy(s, g, privileged(g.From) && c.Kind != "network")
			}
			p := strings.ToLower(f.Protocol)
			if from.Kind == "queue" || containsAny(p, "rmi", "iiop", "jrmp") {
				s.add("deserializes_input")
			}
			if strings.HasPrefix(p, "ldap") {
				s.add("ldap_queries")
			}
			if containsAny(p, "soap", "xml") {
				s.add("accepts_xml")
			}
		}
		for _, f := range out[id] {
			to := m.Components[f.To]
			if to == nil {
				continue
			}
			if fetches(f, to, exposed[id]) {
				s.add("calls_out_web")
			}
			if c.Kind == "ci_cd" && to.Kind != "ci_cd" && to.Kind != "user" && !outsideParty(to) {
				s.add("deploys")
			}
			if (to.Kind == "storage" || to.Kind == "database") && logStore(to) {
				s.add("writes_logs")
			}
		}
		if answersOwnData(c) {
			s.add("builds_answers")
		}
		if (c.Kind == "storage" || c.Kind == "database") && !namesWord(c, browserStoreWords) {
			s.add("server_side_store")
		}
		if c.Kind == "storage" && appTakingInputUses(m, in[id], out[id], facts) {
			s.add("app_file_access")
		}
		if worthRestoring(m, c, kept) {
			s.add("worth_restoring")
		}
		if outsideParty(c) && !namesWord(c, attackerWords) {
			s.add("relied_on")
		}
		if signsInWithKeptCredentials(m, out[id]) && !namesWord(c, functionWords) {
			s.add("holds_credentials")
		}
		if searchEngine(c) {
			s.add("search_engine")
		}
	}
	actsForUsers(m, out, facts)
	for _, s := range facts {
		if s["user_sign_in"] || s["acts_for_users"] {
			s.add("signed_in_requests")
		}
	}
}

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

// servesUsers are the kinds whose calls are made for the people signed in
// to them, from servers the back end may trust (a mobile app runs on the
// user's phone: what it calls must check the user's own token anyway).
var servesUsers = map[string]bool{"web_app": true, "api": true, "service": true, "other": true}

// credentialTargets are the kinds a part signs in to with credentials of
// its own (a stated authenticated flow to one of them).
var credentialTargets = map[string]bool{
	"database": true, "storage": true, "cache": true, "queue": true, "third_party_service": true,
}

// signsInWithKeptCredentials: some flow out of the part to a store, queue
// or outside service is stated authenticated, and no flow out reaches a
// secrets store (where it would fetch them).
func signsInWithKeptCredentials(m *model.Model, out []*model.Flow) bool {
	signs := false
	for _, f := range out {
		to := m.Components[f.To]
		if to == nil {
			continue
		}
		if to.Kind == "secrets_store" {
			return false
		}
		if model.Says(f.Authenticated, true) && (credentialTargets[to.Kind] || outsideParty(to)) {
			signs = true
		}
	}
	return signs
}

// gatewayWords name an API gateway or proxy, which passes on what the
// services behind it answer.
var gatewayWords = map[string]bool{"gateway": true, "proxy": true, "apigateway": true}

// functionWords name a cloud function, which the platform gives the
// credentials of its execution role (none kept in its configuration).
var functionWords = map[string]bool{"lambda": true, "function": true, "functions": true, "serverless": true, "faas": true}

// searchWords name a search engine or index.
var searchWords = map[string]bool{
	"search": true, "elasticsearch": true, "opensearch": true, "solr": true, "lucene": true,
	"meilisearch": true, "typesense": true,
}

// searchEngine: a database, service or other part whose id or name says
// it is a search engine.
func searchEngine(c *model.Component) bool {
	switch c.Kind {
	case "database", "service", "other":
		return namesWord(c, searchWords)
	}
	return false
}

// traitFacts: the traits that state a classic condition the flows cannot
// show, and the condition each states.
var traitFacts = map[string]string{
	"accepts_files": "accepts_files",
	"parses_xml":    "accepts_xml",
	"deserializes":  "deserializes_input",
}

// flowFacts returns the conditions of the classic threat library that
// hold for each flow: cleartext, unauthenticated (stated), internal_flow.
// A dependency, and a flow between two users (a person and the browser or
// device they use, both on the user's side), have none.
func flowFacts(m *model.Model) map[string]set {
	flows := make(map[string]set, len(m.Flows))
	for id, f := range m.Flows {
		s := set{}
		flows[id] = s
		if f.IsDependency() { // a library or artifact imported, not a network call
			continue
		}
		from, to := m.Components[f.From], m.Components[f.To]
		if from != nil && to != nil && from.Kind == "user" && to.Kind == "user" {
			continue // a person and their own browser or device: no connection of the system
		}
		if cleartext(f) {
			s.add("cleartext")
		}
		if statedUnauthenticated(f) {
			s.add("unauthenticated")
		}
		if from != nil && to != nil && inside(from) && inside(to) {
			s.add("internal_flow")
		}
	}
	return flows
}

// reachedBy adds what a flow from a user (f) says of the part it reaches:
// people sign in to it when the flow is stated authenticated, and
// administrators reach it when the user is one.
func reachedBy(s set, f *model.Flow, admin bool) {
	if model.Says(f.Authenticated, true) {
		s.add("user_sign_in")
	}
	if admin {
		s.add("admin_access")
	}
}

// inside: a part of the system that is neither internet-facing, a person,
// a phone app nor run by someone else.
func inside(c *model.Component) bool {
	return !c.InternetFacing && c.Kind != "user" && c.Kind != "mobile_app" && !outsideParty(c)
}

// infrastructure: the kinds a person reaching directly is administering
// (not a network part, which customers pass through, nor an identity
// provider, where everyone signs in).
func infrastructure(kind string) bool {
	switch kind {
	case "database", "storage", "cache", "queue", "secrets_store", "ci_cd":
		return true
	}
	return false
}

// privilegedWords name people with more rights than a customer.
var privilegedWords = map[string]bool{
	"admin": true, "admins": true, "administrator": true, "administrators": true, "sysadmin": true,
	"operator": true, "operators": true, "ops": true, "devops": true, "sre": true, "root": true,
	"superuser": true, "developer": true, "developers": true, "dev": true, "devs": true, "maintainer": true,
	"maintainers": true,
}

// privilegedUser: a user whose id or name says it is an administrator, an
// operator or a developer.
func privilegedUser(c *model.Component) bool { return namesWord(c, privilegedWords) }

// namesWord says whether a component's id or name has one of the words
// (whole words, in any case: "admin" is not in "badminton").
func namesWord(c *model.Component, words map[string]bool) bool {
	for _, text := range []string{c.ID, c.Name} {
		for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) }) {
			if words[w] {
				return true
			}
		}
	}
	return false
}

// cleartextProtocols carry data without encryption by definition; their
// encrypted variants (https, wss, ftps, ldaps, mqtts, amqps, ...) have
// other names.
var cleartextProtocols = map[string]bool{
	"http": true, "ws": true, "ftp": true, "tftp": true, "telnet": true, "ldap": true, "mqtt": true,
	"amqp": true, "rsh": true, "rlogin": true, "nfs": true,
	"snmp": true, "snmpv1": true, "snmpv2": true, "vnc": true,
}

// cleartext: the flow is stated unencrypted, or is not stated encrypted
// and its protocol has no encryption. An omitted encrypted (unknown) on a
// flow with no protocol, or another protocol, is not cleartext.
func cleartext(f *model.Flow) bool {
	if model.Says(f.Encrypted, false) {
		return true
	}
	return !model.Says(f.Encrypted, true) && cleartextProtocols[strings.ToLower(strings.TrimSpace(f.Protocol))]
}

// statedUnauthenticated: the model says authenticated: false (an omitted
// authenticated is unknown, not false).
func statedUnauthenticated(f *model.Flow) bool { return model.Says(f.Authenticated, false) }

// logWords name a store of logs, whose files the system writes itself.
var logWords = map[string]bool{"log": true, "logs": true, "logging": true, "audit": true, "trail": true, "telemetry": true}

// logStore: a storage whose id or name says it keeps logs.
func logStore(c *model.Component) bool { return namesWord(c, logWords) }

// onlyLDAP: every flow is LDAP (a directory that answers binds and
// lookups, not a sign-in service that issues tokens); false for none.
func onlyLDAP(flows []*model.Flow) bool {
	for _, f := range flows {
		if !strings.HasPrefix(strings.ToLower(f.Protocol), "ldap") {
			return false
		}
	}
	return len(flows) > 0
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}
