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
	out := filepath.Join(t.TempDir(), "data.cue")
	if err := run(lib, out); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../data.cue")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("policies/data.cue is stale: run go run ./policies/gen from the repository root")
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
