package importer

import (
	"fmt"
	"sort"
)

func str(m map[string]any, k string) string {
	switch v := m[k].(type) {
	case string:
		return v
	case float64:
		return fmt.Sprint(v)
	case bool:
		return fmt.Sprint(v)
	}
	return ""
}

func num(m map[string]any, k string) (float64, bool) {
	v, ok := m[k].(float64)
	return v, ok
}

func boolean(m map[string]any, k string) bool { v, _ := m[k].(bool); return v }

// stated is a flag that the source either states or leaves unsaid: a
// boolean under k is stated, anything else (absent) is unknown (nil).
func stated(m map[string]any, k string) *bool {
	v, ok := m[k].(bool)
	if !ok {
		return nil
	}
	return &v
}

// ifTrue is a checkbox of a source that cannot tell "no" from "not
// considered": checked is true, unchecked is unknown (nil).
func ifTrue(v bool) *bool {
	if !v {
		return nil
	}
	return &v
}

// flag is a flag the source states either way.
func flag(v bool) *bool { return &v }

func obj(m map[string]any, k string) map[string]any { v, _ := m[k].(map[string]any); return v }

func list(m map[string]any, k string) []any { v, _ := m[k].([]any); return v }

func objs(m map[string]any, k string) []map[string]any {
	var out []map[string]any
	for _, e := range list(m, k) {
		if o, ok := e.(map[string]any); ok {
			out = append(out, o)
		}
	}
	return out
}

func strs(m map[string]any, k string) []string {
	var out []string
	switch v := m[k].(type) {
	case string:
		if v != "" {
			out = append(out, v)
		}
	case []any:
		for _, e := range v {
			if s, ok := e.(string); ok && s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// rest returns a copy of m without the keys given.
func rest(m map[string]any, drop ...string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	for _, k := range drop {
		delete(out, k)
	}
	return out
}

// sortedKeys returns the keys of a generic map in order.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func appendUnique(list []string, s string) []string {
	for _, e := range list {
		if e == s {
			return list
		}
	}
	return append(list, s)
}
