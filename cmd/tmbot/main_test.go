package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/policy"
)

func TestMain(m *testing.M) {
	model.RunCUEChildIfRequested()
	policy.RunChildIfRequested()
	os.Exit(m.Run())
}

// tmbot runs the command line in-process and returns its exit code and
// outputs.
func tmbot(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestValidateExamples(t *testing.T) {
	code, out, errOut := tmbot(t, "validate", "../../examples/")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
}

func TestValidateExitCodesAndFormats(t *testing.T) {
	broken := "../../bot/model/testdata/broken/enum.threatmodel.yaml"
	code, out, _ := tmbot(t, "validate", broken)
	if code != exitInvalid || !strings.HasPrefix(out, broken+":4:26: error: ") {
		t.Errorf("text: exit %d, output %q", code, out)
	}
	code, out, _ = tmbot(t, "validate", "--format", "json", broken)
	var rep struct {
		Valid       bool
		Diagnostics []model.Diagnostic
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != exitInvalid || rep.Valid || len(rep.Diagnostics) != 3 {
		t.Errorf("json: exit %d, %v, %+v", code, err, rep)
	} else if d := rep.Diagnostics[1]; d.Field != "threats.xss.likelihood" || d.Line != 8 || d.Column != 17 || d.File != broken {
		t.Errorf("json diagnostic %+v", d)
	}
	code, out, _ = tmbot(t, "validate", broken, "--format", "sarif")
	if code != exitInvalid || !strings.Contains(out, `"version": "2.1.0"`) || !strings.Contains(out, `"startLine": 8`) {
		t.Errorf("sarif: exit %d\n%s", code, out)
	}
	if code, _, errOut := tmbot(t, "validate", "no/such/file.yaml"); code != exitUsage || !strings.Contains(errOut, "no such file") {
		t.Errorf("missing file: exit %d %q", code, errOut)
	}
	if code, _, _ := tmbot(t, "validate", "--format", "xml", broken); code != exitUsage {
		t.Errorf("bad format: exit %d", code)
	}
	if code, _, _ := tmbot(t, "validate"); code != exitUsage {
		t.Errorf("no path: exit %d", code)
	}
}

func TestValidateFolderNamesFilesBelowIt(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "team", "svc")
	os.MkdirAll(sub, 0o755)
	os.WriteFile(filepath.Join(sub, "x.threatmodel.yaml"), []byte("version: 2\nsystem: {id: x, name: X}\n"), 0o644)
	os.WriteFile(filepath.Join(sub, "notes.yaml"), []byte("not: a model\n"), 0o644)
	code, out, _ := tmbot(t, "validate", dir)
	want := filepath.Join(dir, "team/svc/x.threatmodel.yaml") + ":1:10: error: "
	if code != exitInvalid || !strings.HasPrefix(out, want) || strings.Contains(out, "notes.yaml") {
		t.Errorf("exit %d, output %q, want prefix %q", code, out, want)
	}
}

func TestLimitsAreRefusedNamingTheLimit(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.threatmodel.yaml")
	os.WriteFile(big, bytes.Repeat([]byte("# padding\n"), 2<<20), 0o644) // 20 MiB
	code, out, _ := tmbot(t, "validate", big)
	if code != exitInvalid || !strings.Contains(out, "limit of 16777216 bytes") {
		t.Errorf("size: exit %d %q", code, out)
	}
	code, out, _ = tmbot(t, "validate", "--max-bytes", "100", "../../examples/alpinepay/alpinepay.threatmodel.yaml")
	if code != exitInvalid || !strings.Contains(out, "limit of 100 bytes") {
		t.Errorf("configured size: exit %d %q", code, out)
	}
	code, out, _ = tmbot(t, "validate", "--max-depth", "3", "../../examples/alpinepay/alpinepay.threatmodel.yaml")
	if code != exitInvalid || !strings.Contains(out, "limit of 3 levels") {
		t.Errorf("configured depth: exit %d %q", code, out)
	}
	// A comprehension of 10^11 steps that keeps no memory: only the time
	// budget stops it.
	ten := "[0, 0, 0, 0, 0, 0, 0, 0, 0, 0]"
	loops := ""
	for _, v := range "abcdefghijk" {
		loops += " for " + string(v) + " in " + ten
	}
	slow := filepath.Join(dir, "slow.threatmodel.cue")
	os.WriteFile(slow, []byte("version: 1\nx: len(["+loops+" if a > 0 {a}])\n"), 0o644)
	code, out, _ = tmbot(t, "validate", "--cue-timeout", "1s", slow)
	if code != exitInvalid || !strings.Contains(out, "time budget of 1s") {
		t.Errorf("cue time: exit %d %q", code, out)
	}
}

func TestInitWritesAModelThatValidates(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "svc.threatmodel.yaml")
	if code, _, errOut := tmbot(t, "init", "--id", "svc", "--output", path); code != exitOK {
		t.Fatalf("init: exit %d %s", code, errOut)
	}
	if code, out, _ := tmbot(t, "validate", path); code != exitOK {
		t.Fatalf("validate: exit %d %s", code, out)
	}
	if code, _, errOut := tmbot(t, "init", "--id", "svc", "--output", path); code != exitUsage || !strings.Contains(errOut, "already exists") {
		t.Errorf("second init: exit %d %q", code, errOut)
	}
}

func TestSchemaCommand(t *testing.T) {
	code, out, _ := tmbot(t, "schema", "--format", "jsonschema")
	var s map[string]any
	if code != exitOK || json.Unmarshal([]byte(out), &s) != nil || s["$schema"] == nil {
		t.Errorf("jsonschema: exit %d %.200s", code, out)
	}
	code, out, _ = tmbot(t, "schema")
	if code != exitOK || !strings.Contains(out, "#ThreatModel") {
		t.Errorf("cue: exit %d", code)
	}
}

// demoRepo builds the demo repository of examples/demo: main holds the
// AlpinePay model; the branch adds an LLM support assistant.
func demoRepo(t *testing.T, variant string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is needed for tmbot review")
	}
	dir := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	copyFile := func(from string) {
		data, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(dir, "threatmodels"), 0o755)
		os.WriteFile(filepath.Join(dir, "threatmodels", "alpinepay.threatmodel.yaml"), data, 0o644)
	}
	git("init", "-q", "-b", "main")
	copyFile("../../examples/alpinepay/alpinepay.threatmodel.yaml")
	git("add", "-A")
	git("commit", "-q", "-m", "base")
	git("checkout", "-q", "-b", "feature")
	copyFile("../../examples/demo/" + variant + "/alpinepay.threatmodel.yaml")
	git("commit", "-q", "-am", "head")
	return dir
}

type jsonReport struct {
	Blocking bool
	Models   []struct {
		Path           string
		Valid          bool
		NewUnmitigated []struct {
			ID, Risk string
			Planned  bool
		} `json:"new_unmitigated"`
		Findings []struct{ Rule, Severity, Component, Threat string }
		Tracking struct {
			WillOpen []struct{ Mitigation string } `json:"will_open"`
		}
	}
}

// TestReviewDemo is the review issue's test of done: on AlpinePay, a head
// that adds an LLM support assistant with a vector store and a
// prompt-injection threat with no mitigation blocks, naming the threat as
// new, high and unplanned, with a coverage notice for the vector store; the
// same head with a planned mitigation passes and says which tracking issue
// will open on merge.
func TestReviewDemo(t *testing.T) {
	repo := demoRepo(t, "unplanned")
	code, out, errOut := tmbot(t, "review", "--repo", repo, "--format", "json", "--today", "2026-11-22")
	var rep jsonReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("exit %d: %v\n%s\n%s", code, err, out, errOut)
	}
	if code != exitInvalid || !rep.Blocking || len(rep.Models) != 1 {
		t.Fatalf("unplanned: exit %d, blocking %v, %d models\n%s", code, rep.Blocking, len(rep.Models), errOut)
	}
	m := rep.Models[0]
	if m.Path != "threatmodels/alpinepay.threatmodel.yaml" || !m.Valid {
		t.Errorf("model %s valid %v", m.Path, m.Valid)
	}
	if len(m.NewUnmitigated) != 1 || m.NewUnmitigated[0].ID != "assistant-prompt-injection" ||
		m.NewUnmitigated[0].Risk != "high" || m.NewUnmitigated[0].Planned {
		t.Errorf("new unmitigated: %+v", m.NewUnmitigated)
	}
	var blocked, kbNotice bool
	for _, f := range m.Findings {
		blocked = blocked || (f.Severity == "error" && f.Threat == "assistant-prompt-injection")
		kbNotice = kbNotice || (f.Rule == "ai-coverage" && f.Severity == "notice" && f.Component == "support-kb")
	}
	if !blocked || !kbNotice {
		t.Errorf("findings (blocking error %v, vector-store notice %v): %+v", blocked, kbNotice, m.Findings)
	}
	code, md, _ := tmbot(t, "review", "--repo", repo, "--today", "2026-11-22")
	if code != exitInvalid || !strings.Contains(md, "assistant-prompt-injection") {
		t.Errorf("markdown: exit %d\n%s", code, md)
	}

	repo = demoRepo(t, "planned")
	code, out, errOut = tmbot(t, "review", "--repo", repo, "--format", "json", "--today", "2026-11-22")
	rep = jsonReport{}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != exitOK || rep.Blocking {
		t.Fatalf("planned: exit %d, %v, blocking %v\n%s", code, err, rep.Blocking, errOut)
	}
	m = rep.Models[0]
	if len(m.NewUnmitigated) != 1 || !m.NewUnmitigated[0].Planned {
		t.Errorf("planned new threat: %+v", m.NewUnmitigated)
	}
	if len(m.Tracking.WillOpen) != 1 || m.Tracking.WillOpen[0].Mitigation != "assistant-guardrail" {
		t.Errorf("will open: %+v", m.Tracking.WillOpen)
	}
	code, md, _ = tmbot(t, "review", "--repo", repo, "--today", "2026-11-22")
	if code != exitOK || !strings.Contains(md, "assistant-guardrail") {
		t.Errorf("planned markdown: exit %d\n%s", code, md)
	}
}
