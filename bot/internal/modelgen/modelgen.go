// Package modelgen writes large, valid threat models for benchmarks and
// load tests: n threats over n/10 components and flows, with mitigations,
// assets and framework ids, in YAML, JSON or CUE. Only tests and
// benchmarks use it, so it is internal to bot/; it imports nothing of the
// project, so any package's tests may use it.
package modelgen

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Options shape a generated model.
type Options struct {
	Threats int
	// Change alters one threat (index 0) so that a base and a head differ
	// in one place: its likelihood becomes high and its title changes.
	Change bool
}

var levels = []string{"low", "medium", "high"}
var mitStatus = []string{"planned", "in_progress", "implemented", "verified", "proposed"}

// Model returns the generated model as plain Go data (maps and slices).
func Model(o Options) map[string]any {
	n := o.Threats
	nc := max(2, n/10)
	components := map[string]any{}
	flows := map[string]any{}
	for i := 0; i < nc; i++ {
		components[fmt.Sprintf("component-%d", i)] = map[string]any{
			"name": fmt.Sprintf("Component %d", i), "kind": []string{"web_app", "api", "service", "database"}[i%4],
			"internet_facing": i%5 == 0, "data": []any{fmt.Sprintf("asset-%d", i%20)},
			"description": "A part of the generated system that handles requests.",
		}
		flows[fmt.Sprintf("flow-%d", i)] = map[string]any{
			"from": fmt.Sprintf("component-%d", i), "to": fmt.Sprintf("component-%d", (i+1)%nc),
			"data": []any{fmt.Sprintf("asset-%d", i%20)}, "authenticated": true, "encrypted": true, "protocol": "HTTPS",
		}
	}
	assets := map[string]any{}
	for i := 0; i < 20; i++ {
		assets[fmt.Sprintf("asset-%d", i)] = map[string]any{"name": fmt.Sprintf("Asset %d", i),
			"classification": []string{"public", "internal", "confidential", "restricted"}[i%4]}
	}
	threats := map[string]any{}
	mitigations := map[string]any{}
	for i := 0; i < n; i++ {
		mid := fmt.Sprintf("mitigation-%d", i)
		mitigations[mid] = map[string]any{
			"title": fmt.Sprintf("Control number %d that reduces the threat", i), "status": mitStatus[i%len(mitStatus)],
			"owner": "@example/team", "due": "2027-01-31", "controls": []any{"NIST-800-53:AC-3"},
		}
		t := map[string]any{
			"title":       fmt.Sprintf("Attacker abuses weakness %d to reach customer data", i),
			"description": "Someone outside the company sends crafted requests and reads data they should not see.",
			"targets":     []any{fmt.Sprintf("component-%d", i%nc), fmt.Sprintf("flow-%d", i%nc)},
			"stride":      []any{"tampering", "information_disclosure"},
			"attack":      []any{"T1190"},
			"cwe":         []any{"CWE-89"},
			"capec":       []any{"CAPEC-66"},
			"owasp":       []any{"LLM01:2025"},
			"atlas":       []any{"AML.T0051"},
			"kill_chain":  []any{"exploitation"},
			"likelihood":  levels[i%3],
			"impact":      levels[(i/3)%3],
			"mitigations": []any{mid},
		}
		if i == 0 && o.Change {
			t["likelihood"] = "high"
			t["title"] = "Attacker abuses weakness 0 in a new way"
		}
		threats[fmt.Sprintf("threat-%d", i)] = t
	}
	return map[string]any{
		"version":    1,
		"system":     map[string]any{"id": "generated", "name": "Generated system", "owner": "@example/team"},
		"components": components, "assets": assets, "flows": flows, "threats": threats, "mitigations": mitigations,
	}
}

// JSON returns the generated model as indented JSON.
func JSON(o Options) []byte {
	b, err := json.MarshalIndent(Model(o), "", "  ")
	if err != nil {
		panic(err)
	}
	return b
}

// YAML returns the generated model as block-style YAML, written by hand so
// that this package needs no YAML library.
func YAML(o Options) []byte {
	var b strings.Builder
	writeYAML(&b, Model(o), 0)
	return []byte(b.String())
}

func writeYAML(b *strings.Builder, v any, indent int) {
	pad := strings.Repeat("  ", indent)
	switch x := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(x) {
			switch val := x[k].(type) {
			case map[string]any:
				fmt.Fprintf(b, "%s%s:\n", pad, k)
				writeYAML(b, val, indent+1)
			case []any:
				fmt.Fprintf(b, "%s%s: ", pad, k)
				writeList(b, val)
			default:
				fmt.Fprintf(b, "%s%s: %s\n", pad, k, scalar(val))
			}
		}
	}
}

// writeList writes a list of scalars on one line, as YAML and CUE both
// read it: ["a", "b"].
func writeList(b *strings.Builder, items []any) {
	b.WriteString("[")
	for i, it := range items {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(scalar(it))
	}
	b.WriteString("]\n")
}

func scalar(v any) string {
	switch x := v.(type) {
	case string:
		b, _ := json.Marshal(x)
		return string(b)
	default:
		return fmt.Sprint(x)
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys) // stable output

	return keys
}

// CUE returns the generated model as plain-data CUE, in the layout that
// `cue fmt` gives (tabs, a struct per entry, lists on one line); keys that
// are not identifiers (ids with a dash) are quoted.
func CUE(o Options) []byte {
	var b strings.Builder
	writeCUE(&b, Model(o), 0)
	return []byte(b.String())
}

func writeCUE(b *strings.Builder, m map[string]any, indent int) {
	pad := strings.Repeat("\t", indent)
	for _, k := range sortedKeys(m) {
		fmt.Fprintf(b, "%s%s: ", pad, cueLabel(k))
		switch val := m[k].(type) {
		case map[string]any:
			b.WriteString("{\n")
			writeCUE(b, val, indent+1)
			b.WriteString(pad + "}\n")
		case []any:
			writeList(b, val)
		default:
			b.WriteString(scalar(val) + "\n")
		}
	}
}

// cueLabel quotes a key unless it is a plain identifier.
func cueLabel(k string) string {
	for i, r := range k {
		if !(r == '_' && i > 0 || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' && i > 0) {
			return scalar(k)
		}
	}
	if k == "" {
		return `""`
	}
	return k
}
