package config

import (
	"strings"
	"testing"
)

func TestAdoptionBlocks(t *testing.T) {
	if Default().Adoption.Blocks != "high" {
		t.Errorf("default adoption.blocks: %q, want high", Default().Adoption.Blocks)
	}
	c, err := Parse(".tmbot.yaml", []byte("adoption:\n  blocks: none\n"))
	if err != nil || c.Adoption.Blocks != "none" {
		t.Fatalf("parsed %+v, %v", c, err)
	}
	_, err = Parse(".tmbot.yaml", []byte("adoption:\n  blocks: severe\n"))
	if err == nil || !strings.Contains(err.Error(), `adoption.blocks: "severe": allowed: critical|high|medium|none`) {
		t.Errorf("bad value: %v", err)
	}
}

// TestAdoptionBaseline: a full commit id is taken (in lower case); a
// date, a short id or anything else is refused, saying how to get one.
func TestAdoptionBaseline(t *testing.T) {
	if Default().Adoption.Baseline != "" {
		t.Errorf("default adoption.baseline: %q, want none", Default().Adoption.Baseline)
	}
	id := "0123456789ABCDEF0123456789abcdef01234567"
	c, err := Parse(".tmbot.yaml", []byte("adoption:\n  baseline: "+id+"\n"))
	if err != nil || c.Adoption.Baseline != strings.ToLower(id) {
		t.Fatalf("parsed %+v, %v", c, err)
	}
	long := strings.Repeat("ab", 32)
	if c, err := Parse(".tmbot.yaml", []byte("adoption: {baseline: "+long+"}\n")); err != nil || c.Adoption.Baseline != long {
		t.Errorf("a SHA-256 id: %+v, %v", c, err)
	}
	for _, bad := range []string{"2026-01-31", "0123456", id + "0", "main", strings.Repeat("g", 40)} {
		_, err := Parse(".tmbot.yaml", []byte("adoption:\n  baseline: \""+bad+"\"\n"))
		if err == nil || !strings.Contains(err.Error(), "adoption.baseline") || !strings.Contains(err.Error(), "git rev-list -1 --before=") {
			t.Errorf("%q: %v, want an error that says how to name a commit", bad, err)
		}
	}
}
