package importer

import (
	"strings"
	"unicode"
)

// kindWords maps words found in another tool's type or technology name to
// a tmbot component kind; the first match in this order wins.
var kindWords = []struct{ word, kind string }{
	{"vector", "vector_store"}, {"embedding", "embedding_model"},
	{"llm", "llm"}, {"agent", "agent"}, {"guardrail", "guardrail"},
	{"prompt", "prompt_template"}, {"model-registry", "model_registry"}, {"model_registry", "model_registry"},
	{"training", "training_pipeline"}, {"feature-store", "feature_store"}, {"dataset", "dataset"},
	{"notebook", "service"}, {"model", "model"},
	{"vault", "secrets_store"}, {"secret", "secrets_store"}, {"hsm", "secrets_store"},
	{"identity", "identity_provider"}, {"ldap", "identity_provider"}, {"idp", "identity_provider"},
	{"sso", "identity_provider"}, {"auth", "identity_provider"},
	{"build", "ci_cd"}, {"pipeline", "ci_cd"}, {"ci", "ci_cd"}, {"sourcecode", "ci_cd"}, {"repository", "ci_cd"},
	{"cache", "cache"}, {"redis", "cache"}, {"memcache", "cache"},
	{"queue", "queue"}, {"message", "queue"}, {"kafka", "queue"}, {"mq", "queue"},
	{"database", "database"}, {"sql", "database"}, {"db", "database"}, {"mongo", "database"}, {"store", "database"},
	{"file", "storage"}, {"blob", "storage"}, {"s3", "storage"}, {"bucket", "storage"}, {"storage", "storage"},
	{"browser", "web_app"}, {"web-client", "web_app"}, {"web client", "web_app"}, {"web", "web_app"},
	{"mobile", "mobile_app"}, {"android", "mobile_app"}, {"ios", "mobile_app"},
	{"api", "api"}, {"gateway", "api"},
	{"load-balancer", "network"}, {"load balancer", "network"}, {"firewall", "network"}, {"proxy", "network"},
	{"waf", "network"}, {"router", "network"}, {"network", "network"},
	{"user", "user"}, {"actor", "user"}, {"human", "user"}, {"customer", "user"}, {"admin", "user"},
	{"third", "third_party_service"}, {"external", "third_party_service"}, {"saas", "third_party_service"},
	{"server", "service"}, {"service", "service"}, {"process", "service"}, {"lambda", "service"}, {"function", "service"},
}

// guessKind finds a kind for a source type; ok is false when only the
// fallback "other" fits. A text that names the user's own browser or
// phone app (clientKind) gives the user's side, whatever the other words.
func guessKind(texts ...string) (string, bool) {
	for _, t := range texts {
		t = strings.ToLower(t)
		if t == "" {
			continue
		}
		if k, ok := clientKind(t); ok {
			return k, true
		}
		for _, kw := range kindWords {
			if containsWord(t, kw.word) {
				return kw.kind, true
			}
		}
	}
	return "other", false
}

// containsWord reports whether w occurs in s at word boundaries (letters
// and digits around it end a word).
func containsWord(s, w string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], w)
		if j < 0 {
			return false
		}
		j += i
		before := j == 0 || !isAlnum(s[j-1])
		after := j+len(w) == len(s) || !isAlnum(s[j+len(w)])
		if before && after {
			return true
		}
		i = j + 1
	}
}

func isAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// kind picks a kind from the source's words, reporting the choice.
func (b *builder) kind(where, sourceType string, texts ...string) string {
	k, ok := guessKind(append([]string{sourceType}, texts...)...)
	if ok {
		b.report.guess(GuessKind, where, "kind %s read from the source's type %q", k, firstNonEmpty(append([]string{sourceType}, texts...)...))
	} else {
		b.report.guess(GuessKind, where, "no kind fits the source's type %q; set to other: choose a kind", sourceType)
	}
	return k
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// A browser or a phone app drawn as a process is the program a person
// uses to reach the system, on the user's side: the format's kind user
// (a person, with the browser they use) or mobile_app (the app on people's
// phones), not a web app or service of the system, which would draw
// server-side threats (cross-site scripting, request forgery, SSRF).
//
// clientKind says so when a name is only about such a client: it has a
// browser word (browser, user agent, web client) and every other word is
// one that describes a person's device ("Web browser", "User's browser",
// "Customer web client"), or it names a phone app ("Mobile app", "iOS
// app", "Android client"). A name with any other word is about something
// else: a browser the system runs ("Isolated browser instance", "Headless
// browser"), a store in the browser ("Browser local storage"), a product
// ("Browser extension"), a back end ("Mobile backend API").
func clientKind(name string) (string, bool) {
	n := strings.ToLower(name)
	for _, p := range [][2]string{{"user agent", "useragent"}, {"user-agent", "useragent"},
		{"web client", "webclient"}, {"web-client", "webclient"}} {
		n = strings.ReplaceAll(n, p[0], p[1])
	}
	words := strings.FieldsFunc(n, func(r rune) bool { return !unicode.IsLetter(r) })
	only := func(vocab, needed map[string]bool) bool {
		has := false
		for _, w := range words {
			if !vocab[w] && !needed[w] {
				return false
			}
			has = has || needed[w]
		}
		return has
	}
	if only(deviceWords, browserWords) {
		return "user", true
	}
	mobile := false
	for i, w := range words {
		if phoneWords[w] || (w == "mobile" && i+1 < len(words) && appWords[words[i+1]]) {
			mobile = true
		}
	}
	if mobile && only(deviceWords, appWords) {
		return "mobile_app", true
	}
	return "", false
}

var (
	// browserWords name a person's browser.
	browserWords = map[string]bool{"browser": true, "browsers": true, "useragent": true, "webclient": true}
	// phoneWords name a phone's platform; "mobile" names one before an app word.
	phoneWords = map[string]bool{"ios": true, "android": true, "iphone": true, "ipad": true, "smartphone": true}
	appWords   = map[string]bool{"app": true, "apps": true, "application": true, "client": true}
	// deviceWords may stand beside them in the name of a person's own
	// browser or app.
	deviceWords = map[string]bool{
		"web": true, "user": true, "users": true, "s": true, "end": true, "customer": true, "customers": true,
		"the": true, "their": true, "own": true, "a": true, "of": true, "on": true, "or": true, "and": true,
		"client": true, "desktop": true, "device": true, "laptop": true, "pc": true, "workstation": true,
		"chrome": true, "firefox": true, "safari": true, "edge": true, "mobile": true, "phone": true,
		"ios": true, "android": true, "iphone": true, "ipad": true, "smartphone": true, "native": true,
	}
)
