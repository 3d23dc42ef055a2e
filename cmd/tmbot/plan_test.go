package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tmbot plan edits the file in place and it still validates; --dry-run
// prints instead; bad flags and JSON models exit 2 saying why.
func TestPlanCommand(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "td.threatmodel.yaml")
	if code, _, stderr := tmbot(t, "import", "--from", "threat-dragon", "../../bot/importer/testdata/threat-dragon/v2-threat-model.json", "-o", file); code != exitOK {
		t.Fatalf("import: %s", stderr)
	}
	before, _ := os.ReadFile(file)
	code, stdout, stderr := tmbot(t, "plan", file, "--owner", "@web/team", "--due", "2027-03-31", "--risk", "high", "--dry-run")
	if code != exitOK || !strings.Contains(stdout, `owner: "@web/team"`) || !strings.Contains(stderr, "status planned") {
		t.Fatalf("dry run: exit %d: %s", code, stderr)
	}
	if after, _ := os.ReadFile(file); string(after) != string(before) {
		t.Fatalf("--dry-run wrote the file")
	}
	if code, _, stderr := tmbot(t, "plan", file, "--owner", "@web/team", "--due", "2027-03-31"); code != exitOK || !strings.Contains(stderr, "wrote ") {
		t.Fatalf("plan: exit %d: %s", code, stderr)
	}
	after, _ := os.ReadFile(file)
	if !strings.HasPrefix(string(after), "# Imported from") || strings.Contains(string(after), "status: proposed") {
		t.Errorf("the file lost its header comment or kept a proposed mitigation")
	}
	if code, stdout, _ := tmbot(t, "validate", file); code != exitOK {
		t.Errorf("the planned model does not validate: %s", stdout)
	}
	if code, _, stderr := tmbot(t, "plan", file, "--owner", "@web/team", "--due", "2027-03-31"); code != exitOK || !strings.Contains(stderr, "nothing changed") {
		t.Errorf("second run: exit %d: %s", code, stderr)
	}
	js := filepath.Join(dir, "x.threatmodel.json")
	os.WriteFile(js, []byte(`{"version": 1, "system": {"id": "x", "name": "X"}}`), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"plan", file, "--due", "2027-03-31"}, "usage: tmbot plan"},
		{[]string{"plan", file, "--owner", "@a", "--due", "tomorrow"}, "YYYY-MM-DD"},
		{[]string{"plan", file, "--owner", "@a", "--due", "2027-03-31", "--risk", "severe"}, `--risk "severe"`},
		{[]string{"plan", js, "--owner", "@a", "--due", "2027-03-31"}, "YAML model files only"},
	} {
		if code, _, stderr := tmbot(t, c.args...); code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d: %s; want 2 saying %q", c.args, code, stderr, c.want)
		}
	}
}
