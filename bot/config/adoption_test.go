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
