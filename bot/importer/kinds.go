package importer

import "strings"

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
// fallback "other" fits.
func guessKind(texts ...string) (string, bool) {
	for _, t := range texts {
		t = strings.ToLower(t)
		if t == "" {
			continue
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
