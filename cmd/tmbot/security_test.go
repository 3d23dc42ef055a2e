package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestHeadConfigDoesNotJudgeItself: a pull request that also rewrites
// .tmbot.yaml (blocking off, the blocking rule disabled) and adds a policy
// of its own is still judged by the base's configuration: the review of the
// unplanned demo change blocks as it does without those edits, and the new
// policy file does not run.
func TestHeadConfigDoesNotJudgeItself(t *testing.T) {
	repo := demoRepo(t, "unplanned")
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(repo, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(".tmbot.yaml", "blocking: false\npolicies:\n  disable: [unplanned-risk]\n  files: [.tmbot/silence.cue]\n")
	write(".tmbot/silence.cue", "findings: [{rule: \"head-policy-ran\", severity: \"notice\", message: \"the head's policy ran\"}]\n")
	cmd := exec.Command("git", "-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", "add", "-A")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git add: %v\n%s", err, out)
	}
	cmd = exec.Command("git", "-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", "commit", "-q", "-m", "loosen the rules")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git commit: %v\n%s", err, out)
	}
	code, out, errOut := tmbot(t, "review", "--repo", repo, "--format", "json", "--today", "2026-11-22")
	if code != exitInvalid {
		t.Fatalf("exit %d, want %d: the head's .tmbot.yaml judged its own request\n%s\n%s", code, exitInvalid, out, errOut)
	}
	if !strings.Contains(out, "assistant-prompt-injection") || !strings.Contains(out, `"unplanned-risk"`) {
		t.Errorf("the blocking finding of unplanned-risk is missing:\n%s", out)
	}
	if strings.Contains(out, "head-policy-ran") {
		t.Errorf("a policy added by the request ran:\n%s", out)
	}
}
