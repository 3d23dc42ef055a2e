package config

import (
	"fmt"
	"github.com/tmbot/tmbot/bot/spell"
	"reflect"
	"regexp"
	"sort"
	"strings"
)

// yamlUnknown is how yaml.v3 names a key that no field takes (after Parse
// has taken off the "line N:" prefix).
var yamlUnknown = regexp.MustCompile(`^field (\S+) not found in type config\.(\w+)$`)

// unknownKeyMessage rewrites yaml.v3's message about an unknown key as
// one a person can act on: the key, the closest allowed key when one is
// close (a typo), and the keys allowed at that place. ok is false when
// msg is not about an unknown key.
func unknownKeyMessage(msg string) (string, bool) {
	m := yamlUnknown.FindStringSubmatch(msg)
	if m == nil {
		return "", false
	}
	key, allowed := m[1], keysOf(m[2])
	out := fmt.Sprintf("unknown key %q", key)
	if s := closest(key, allowed); s != "" {
		out += fmt.Sprintf(" (did you mean %q?)", s)
	}
	if len(allowed) > 0 {
		out += "; allowed keys here: " + strings.Join(allowed, ", ")
	}
	return out, true
}

// keysOf lists the YAML keys of the settings struct named typeName (one of
// Config's, found by walking its fields), sorted.
func keysOf(typeName string) []string {
	var found reflect.Type
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		if t.Kind() != reflect.Struct || found != nil {
			return
		}
		if t.Name() == typeName {
			found = t
			return
		}
		for i := 0; i < t.NumField(); i++ {
			walk(t.Field(i).Type)
		}
	}
	walk(reflect.TypeOf(Config{}))
	if found == nil {
		return nil
	}
	var keys []string
	for i := 0; i < found.NumField(); i++ {
		tag, _, _ := strings.Cut(found.Field(i).Tag.Get("yaml"), ",")
		if tag != "" && tag != "-" {
			keys = append(keys, tag)
		}
	}
	sort.Strings(keys)
	return keys
}

// closest is the allowed key nearest to key by edit distance, when it is
// near enough to be a typo (at most a third of its length, at least 2);
// empty otherwise.
func closest(key string, allowed []string) string {
	best, bestD := "", 1<<30
	for _, a := range allowed {
		if d := spell.Distance(strings.ToLower(key), a); d < bestD {
			best, bestD = a, d
		}
	}
	if bestD <= max(2, len(key)/3) {
		return best
	}
	return ""
}
