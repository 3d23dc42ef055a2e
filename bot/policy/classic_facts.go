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
	sc := &classicScan{m: m, in: in, out: out, facts: facts, exposed: exposedToInternet(m, out),
		admins: map[string]bool{}, viaNetwork: map[string][]*model.Flow{}, kept: assetsInStores(m)}
	for id, c := range m.Components {
		s := facts[id]
		sc.ownFacts(id, c, s)
		sc.reachedFacts(id, c, s)
		sc.outgoingFacts(id, c, s)
	}
	actsForUsers(m, out, facts)
	for _, s := range facts {
		if s["user_sign_in"] || s["acts_for_users"] {
			s.add("signed_in_requests")
		}
	}
}

// classicScan holds what classicFacts computes once for the whole model.
type classicScan struct {
	m          *model.Model
	in, out    map[string][]*model.Flow
	facts      map[string]set
	exposed    map[string]bool          // what the internet reaches
	admins     map[string]bool          // user id → an administrator (privileged)
	viaNetwork map[string][]*model.Flow // network part → the flows into it from users
	kept       set                      // assets some store not of logs holds
}

// exposedToInternet says what the internet reaches: an internet-facing
// part; what an internet-facing user, a mobile app (on people's phones) or
// an outside party sends to (an outside party's answer to our call, a
// flow back to a part that calls it, is not a visit); and what a network
// part that is exposed forwards to.
func exposedToInternet(m *model.Model, out map[string][]*model.Flow) map[string]bool {
	answers := func(a, b string) bool {
		return slices.ContainsFunc(out[b], func(f *model.Flow) bool { return f.To == a })
	}
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
	return exposed
}

// privileged says, once per user, whether it is an administrator.
func (sc *classicScan) privileged(id string) bool {
	a, ok := sc.admins[id]
	if !ok {
		a = privilegedUser(sc.m.Components[id])
		sc.admins[id] = a
	}
	return a
}

// userFlowsInto lists, once per network part, the flows into it from
// users (nil for any other kind).
func (sc *classicScan) userFlowsInto(id string) []*model.Flow {
	if c := sc.m.Components[id]; c == nil || c.Kind != "network" {
		return nil
	}
	fs, ok := sc.viaNetwork[id]
	if !ok {
		for _, g := range sc.in[id] {
			if u := sc.m.Components[g.From]; u != nil && u.Kind == "user" {
				fs = append(fs, g)
			}
		}
		sc.viaNetwork[id] = fs
	}
	return fs
}

// ownFacts: what the part's kind, name, data and traits say, and its
// place in the model (exposed, the stores beside it).
func (sc *classicScan) ownFacts(id string, c *model.Component, s set) {
	m := sc.m
	if sc.exposed[id] {
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
	if c.Kind == "identity_provider" && !onlyLDAP(sc.in[id]) {
		s.add("issues_tokens")
	}
	if answersOwnData(c) {
		s.add("builds_answers")
	}
	if (c.Kind == "storage" || c.Kind == "database") && !namesWord(c, browserStoreWords) {
		s.add("server_side_store")
	}
	if c.Kind == "storage" && appTakingInputUses(m, sc.in[id], sc.out[id], sc.facts) {
		s.add("app_file_access")
	}
	if worthRestoring(m, c, sc.kept) {
		s.add("worth_restoring")
	}
	if outsideParty(c) && !namesWord(c, attackerWords) {
		s.add("relied_on")
	}
	if signsInWithKeptCredentials(m, sc.out[id]) && !namesWord(c, functionWords) {
		s.add("holds_credentials")
	}
	if searchEngine(c) {
		s.add("search_engine")
	}
}

// reachedFacts: who reaches the part (users directly, through their phone
// app, or through network parts) and what the protocols in say it parses.
func (sc *classicScan) reachedFacts(id string, c *model.Component, s set) {
	for _, f := range sc.in[id] {
		from := sc.m.Components[f.From]
		if from == nil {
			continue
		}
		if from.Kind == "user" {
			s.add("direct_human_access", "human_users")
			if infrastructure(c.Kind) {
				s.add("admin_access")
			}
			reachedBy(s, f, sc.privileged(f.From))
		}
		// A phone app is the user's side: people who sign in through it
		// sign in to what it calls.
		if from.Kind == "mobile_app" && model.Says(f.Authenticated, true) {
			s.add("human_users", "user_sign_in")
		}
		// Through a network part: a network part behind it is only the
		// path on (people administer what they reach, not each load
		// balancer they pass).
		for _, g := range sc.userFlowsInto(f.From) {
			s.add("human_users")
			reachedBy(s, g, sc.privileged(g.From) && c.Kind != "network")
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
}

// outgoingFacts: what the part's flows out say it does (fetches from the
// web, deploys, writes logs).
func (sc *classicScan) outgoingFacts(id string, c *model.Component, s set) {
	for _, f := range sc.out[id] {
		to := sc.m.Components[f.To]
		if to == nil {
			continue
		}
		if fetches(f, to, sc.exposed[id]) {
			s.add("calls_out_web")
		}
		if c.Kind == "ci_cd" && to.Kind != "ci_cd" && to.Kind != "user" && !outsideParty(to) {
			s.add("deploys")
		}
		if (to.Kind == "storage" || to.Kind == "database") && logStore(to) {
			s.add("writes_logs")
		}
	}
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
		if encryptedProtocol(f) {
			s.add("encrypted_protocol")
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

// encryptedProtocols encrypt by definition: a flow over one that leaves
// encrypted unsaid is not asked about it (stride-flows).
var encryptedProtocols = map[string]bool{
	"https": true, "wss": true, "tls": true, "mtls": true, "dtls": true, "ssh": true, "sftp": true, "scp": true,
	"ftps": true, "ldaps": true, "mqtts": true, "amqps": true, "smtps": true, "imaps": true, "pop3s": true,
	"ipsec": true, "wireguard": true,
}

// encryptedProtocol: the flow does not state encrypted: false and its
// protocol encrypts by definition.
func encryptedProtocol(f *model.Flow) bool {
	return !model.Says(f.Encrypted, false) && encryptedProtocols[strings.ToLower(strings.TrimSpace(f.Protocol))]
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
