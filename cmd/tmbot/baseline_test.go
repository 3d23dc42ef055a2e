package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestReviewAppliesTheBaseBranchsBaseline: `tmbot review` reads the model
// at the baseline commit that the base branch's .tmbot.yaml names: a model
// restored as it was there is summarised, not blocking.
func TestReviewAppliesTheBaseBranchsBaseline(t *testing.T) {
	dir := t.TempDir()
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var m strings.Builder
	m.WriteString("version: 1\nsystem: {id: shop, name: Shop}\ncomponents:\n  web: {name: Web, kind: web_app}\nthreats:\n")
	for i := range 6 {
		fmt.Fprintf(&m, "  t%d: {title: Threat %d, targets: [web], likelihood: high, impact: high}\n", i, i)
	}
	git("init", "-q", "-b", "main")
	write("models/shop.threatmodel.yaml", m.String())
	git("add", "-A")
	git("commit", "-q", "-m", "the model as adopted")
	baseline := git("rev-parse", "HEAD")
	git("rm", "-q", "models/shop.threatmodel.yaml")
	write(".tmbot.yaml", "adoption:\n  baseline: "+baseline+"\n")
	git("add", "-A")
	git("commit", "-q", "-m", "set the baseline; the model goes for a while")
	git("checkout", "-q", "-b", "restore")
	write("models/shop.threatmodel.yaml", m.String())
	git("add", "-A")
	git("commit", "-q", "-m", "restore the model")

	code, out, errOut := tmbot(t, "review", "--repo", dir, "--base", "main", "--format", "json", "--today", "2026-11-22")
	if code != exitOK {
		t.Fatalf("exit %d, want %d: the restored model's threats are from the baseline\n%s\n%s", code, exitOK, out, errOut)
	}
	if !strings.Contains(out, `"adopted_threats"`) || !strings.Contains(out, `"baseline": "`+baseline+`"`) {
		t.Errorf("the JSON report has no adoption from the baseline:\n%s", out)
	}
}
