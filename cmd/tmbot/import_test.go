package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tmbot import writes a model that validates, with the report on standard
// error or, with --report, as JSON; tmbot export writes OTM that imports
// back; bad usage and bad input exit 2 with a message saying what.
func TestImportAndExportCommands(t *testing.T) {
	dir := t.TempDir()
	src := "../../bot/importer/testdata/threagile/threagile-example-model.yaml"
	out := filepath.Join(dir, "shop.threatmodel.yaml")
	code, _, stderr := tmbot(t, "import", "--from", "threagile", src, "-o", out)
	if code != exitOK {
		t.Fatalf("import: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "14 components") || !strings.Contains(stderr, "guesses to check") || !strings.Contains(stderr, "restricted→confidential") {
		t.Errorf("text report: %s", stderr)
	}
	if code, stdout, stderr := tmbot(t, "validate", out); code != exitOK {
		t.Fatalf("validate the import: exit %d: %s %s", code, stdout, stderr)
	}
	report := filepath.Join(dir, "report.json")
	code, stdout, stderr := tmbot(t, "import", "--from", "threagile", "--accept-until", "2027-01-31", "--report", report, src)
	if code != exitOK || !strings.HasPrefix(stdout, "# Imported from") || !strings.Contains(stdout, "\nversion: 1\n") || stderr != "" {
		t.Fatalf("import to stdout: exit %d: %s", code, stderr)
	}
	var rep struct {
		Format  string
		Counts  struct{ Threats int }
		Guesses []struct{ Kind, Where, Message string }
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil || rep.Format != "threagile" || rep.Counts.Threats != 2 || len(rep.Guesses) == 0 {
		t.Errorf("JSON report: %v %+v", err, rep)
	}
	otm := filepath.Join(dir, "shop.otm.json")
	if code, _, stderr := tmbot(t, "export", "--to", "otm", out, "-o", otm); code != exitOK {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	back := filepath.Join(dir, "back.threatmodel.yaml")
	code, _, stderr = tmbot(t, "import", "--from", "otm", otm, "-o", back)
	if code != exitOK || strings.Contains(stderr, "guesses to check") {
		t.Fatalf("re-import: exit %d: %s", code, stderr)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"import", "--from", "visio", src}, `--from "visio": expected one of otm, threagile`},
		{[]string{"import", src}, "usage: tmbot import"},
		{[]string{"import", "--from", "pytm", filepath.Join(dir, "missing.json")}, "missing.json"},
		{[]string{"import", "--from", "pytm", src}, "read JSON"},
		{[]string{"import", "--from", "threagile", "--accept-until", "soon", src}, "YYYY-MM-DD"},
		{[]string{"export", "--to", "xmi", out}, `--to "xmi"`},
	} {
		code, _, stderr := tmbot(t, c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 saying %q", c.args, code, stderr, c.want)
		}
	}
	bad := filepath.Join(dir, "bad.threatmodel.yaml")
	os.WriteFile(bad, []byte("version: 1\n"), 0o644)
	if code, _, stderr := tmbot(t, "export", "--to", "otm", bad); code != exitInvalid || !strings.Contains(stderr, "not valid") {
		t.Errorf("export of an invalid model: exit %d: %s", code, stderr)
	}
}
