package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `tmbot validate .tmbot.yaml` validates a configuration file as the bot
// reads it: an unknown key is an error at its line and column, with a
// did-you-mean; a good file passes.
func TestValidateConfigFile(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, ".tmbot.yaml")
	if err := os.WriteFile(cfg, []byte("blocking: true\npolicies:\n  disabel: [stride-flows]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := tmbot(t, "validate", cfg)
	want := cfg + `:3:3: error: unknown key "disabel" (did you mean "disable"?)`
	if code != exitInvalid || !strings.HasPrefix(out, want) {
		t.Fatalf("exit %d, out %q (%s), want %q", code, out, errOut, want)
	}
	code, out, _ = tmbot(t, "validate", "--format", "json", cfg)
	if code != exitInvalid || !strings.Contains(out, `"valid": false`) || !strings.Contains(out, `"line": 3`) {
		t.Errorf("json: exit %d:\n%s", code, out)
	}
	if err := os.WriteFile(cfg, []byte("blocking: true\npolicies:\n  disable: [stride-flows]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := tmbot(t, "validate", cfg); code != exitOK || out != "" {
		t.Errorf("a good configuration: exit %d, %q %q", code, out, errOut)
	}
}
