package main

import (
	"bytes"
	"go.yaml.in/yaml/v3"
	"os"
	"path/filepath"
	"testing"
)

// The checked-in policies/data.cue must be what the generator makes from
// the library today.
func TestDataIsUpToDate(t *testing.T) {
	lib := "../../../shared/reference/ai-threats/library.yaml"
	if _, err := os.Stat(lib); err != nil {
		t.Skip("the AI threat library is not next to the repository:", err)
	}
	dir := t.TempDir()
	if err := run(lib, "keywords.yaml", "classic.yaml", filepath.Join(dir, "data.cue")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"data.cue", "library.go"} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join("..", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("policies/%s is stale: run go run ./policies/gen from the repository root", name)
		}
	}
}

// A library that breaks its own rules is refused, not converted.
func TestCheckRefusesABrokenLibrary(t *testing.T) {
	lib := &Library{
		Conditions: map[string]yaml.Node{"untrusted_input": {}},
		Entries: []Entry{
			{ID: "a", Title: "A", Description: "d", When: []string{"nope"}, CoreFor: []string{"llm"},
				Likelihood: "high", Impact: "high", CoveredIfAny: []string{"LLM01:2025"}},
			{ID: "a", Title: "", Likelihood: "huge", Impact: "high"},
		},
	}
	err := check(lib)
	if err == nil {
		t.Fatal("a broken library passed its checks")
	}
	for _, want := range []string{`unknown condition "nope"`, "duplicate id", "title and description", "likelihood and impact",
		"covered_if_any is empty", "core_for llm is not in applies_to.kinds", "by_kind has no llm"} {
		if !bytes.Contains([]byte(err.Error()), []byte(want)) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
}

// Every entry needs keywords, and every keyword id must be an entry.
func TestKeywordsChecked(t *testing.T) {
	lib := &Library{Entries: []Entry{{ID: "a"}, {ID: "b"}}}
	err := addKeywords(lib, map[string][]string{"a": {" Prompt Injection "}, "c": {"x"}})
	if err == nil {
		t.Fatal("keywords with a gap passed")
	}
	for _, want := range []string{"entry b has no keywords", "c is not an entry of the library"} {
		if !bytes.Contains([]byte(err.Error()), []byte(want)) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	if got := lib.Entries[0].Keywords; len(got) != 1 || got[0] != "prompt injection" {
		t.Errorf("keywords of a: %q", got)
	}
}
