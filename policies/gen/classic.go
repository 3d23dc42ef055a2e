package main

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// classicEntry is an entry of classic.yaml: an Entry with its keywords
// beside it (the AI library keeps them in keywords.yaml).
type classicEntry struct {
	Entry    `yaml:",inline"`
	Keywords []string `yaml:"keywords"`
}

// classicKinds are the kinds an entry of the classic library may apply to:
// the classic component kinds of the format, and "flow".
var classicKinds = map[string]bool{
	"user": true, "web_app": true, "mobile_app": true, "api": true, "service": true, "database": true,
	"cache": true, "queue": true, "storage": true, "identity_provider": true, "secrets_store": true,
	"ci_cd": true, "third_party_service": true, "network": true, "other": true, "flow": true,
}

// loadClassic reads and checks the classic library (classic.yaml): the
// checks of every library, known kinds, keywords on every entry, and ids
// that no entry of the AI library uses.
func loadClassic(path string, ai *Library) (*Library, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raw struct {
		Version    int                  `yaml:"version"`
		Updated    string               `yaml:"updated"`
		Conditions map[string]yaml.Node `yaml:"conditions"`
		Entries    []classicEntry       `yaml:"entries"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	lib := &Library{Version: raw.Version, Updated: raw.Updated, Conditions: raw.Conditions}
	for _, ce := range raw.Entries {
		e := ce.Entry
		for _, k := range ce.Keywords {
			if k = strings.ToLower(strings.TrimSpace(k)); k != "" {
				e.Keywords = append(e.Keywords, k)
			}
		}
		lib.Entries = append(lib.Entries, e)
	}
	problems, _ := checkEntries(lib)
	taken := map[string]bool{}
	for _, e := range ai.Entries {
		taken[e.ID] = true
	}
	for _, e := range lib.Entries {
		if len(e.Keywords) == 0 {
			problems = append(problems, fmt.Sprintf("entry %s has no keywords", e.ID))
		}
		if taken[e.ID] {
			problems = append(problems, fmt.Sprintf("entry %s: the AI library has an entry with that id", e.ID))
		}
		if len(e.AppliesTo.Kinds) == 0 {
			problems = append(problems, fmt.Sprintf("entry %s: applies_to.kinds is empty", e.ID))
		}
		for _, k := range e.AppliesTo.Kinds {
			if !classicKinds[k] {
				problems = append(problems, fmt.Sprintf("entry %s: %q is not a classic kind or flow", e.ID, k))
			}
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("%s: the classic library fails its checks:\n  %s", path, strings.Join(problems, "\n  "))
	}
	for i := range lib.Entries {
		normalise(&lib.Entries[i])
	}
	return lib, nil
}
