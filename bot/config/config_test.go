package config

import (
	"strings"
	"testing"
)

func TestDefaultsMatchModelFiles(t *testing.T) {
	c := Default()
	for p, want := range map[string]bool{
		"a.threatmodel.yaml":            true,
		"deep/er/x.threatmodel.json":    true,
		"x.threatmodel.cue":             true,
		"x.yaml":                        false,
		"threatmodel.yaml":              false,
		"docs/x.threatmodel.yaml.bak":   false,
		"vendor/acme/m.threatmodel.yml": true,
	} {
		if got := c.IsModel(p); got != want {
			t.Errorf("IsModel(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestParse(t *testing.T) {
	c, err := Parse(".tmbot.yaml", []byte("models: [\"security/*.yaml\"]\nblocking: false\npolicies:\n  disable: [ai-coverage]\n  severity: {stride-flows: notice}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Blocking || !c.IsModel("security/a.yaml") || c.IsModel("security/x/a.yaml") || c.Policies.Disable[0] != "ai-coverage" {
		t.Errorf("parsed %+v", c)
	}
	if !c.Tracking.Enabled || c.Tracking.Labels[0] != "threat-model" {
		t.Errorf("defaults lost: %+v", c.Tracking)
	}
}

func TestParseErrorsSayWhere(t *testing.T) {
	for src, want := range map[string]string{
		"blocking: true\nmodles: [x]\n":       `.tmbot.yaml:2: unknown key "modles" (did you mean "models"?); allowed keys here: adoption, blocking, drafts, limits, models, policies, tracking`,
		"policies:\n  disabel: [x]\n":         `.tmbot.yaml:2: unknown key "disabel" (did you mean "disable"?); allowed keys here: defaults, disable, files, severity`,
		"tracking:\n  colour: red\n":          `unknown key "colour"; allowed keys here: assign, enabled, labels, on_human_close, summary_issue`,
		"policies:\n  severity: {x: fatal}\n": `"fatal" is not a severity`,
		"blocking: [\n":                       ".tmbot.yaml:",
		"models: []\n":                        "give at least one pattern",
	} {
		_, err := Parse(".tmbot.yaml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want %q", src, err, want)
		}
	}
}
