package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runMainEnv, set in a child of this test binary, makes it run main() with
// its arguments: `tmbot` as a real process, signals included.
const runMainEnv = "TMBOT_TEST_RUN_MAIN"

func init() {
	if os.Getenv(runMainEnv) == "1" {
		main()
	}
}

// slowPolicy is a comprehension of 10^11 steps that keeps no memory.
func slowPolicy() string {
	ten := "[0, 0, 0, 0, 0, 0, 0, 0, 0, 0]"
	loops := ""
	for _, v := range "abcdefghijk" {
		loops += " for " + string(v) + " in " + ten
	}
	return "input: _\nn: len([" + loops + " if a > 0 {a}])\nfindings: [if n > 0 {rule: \"slow\", severity: \"error\", message: \"never\"}]\n"
}

// policyRepo builds a repository whose main branch has the policy in
// .tmbot/policies/slow.cue (named by .tmbot.yaml) and the AlpinePay model,
// and whose branch feature changes the model.
func policyRepo(t *testing.T, policy string) string {
	t.Helper()
	dir := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	write := func(path, data string) {
		t.Helper()
		os.MkdirAll(filepath.Dir(filepath.Join(dir, path)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, path), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	model, err := os.ReadFile("../../examples/alpinepay/alpinepay.threatmodel.yaml")
	if err != nil {
		t.Fatal(err)
	}
	git("init", "-q", "-b", "main")
	write(".tmbot.yaml", "policies:\n  files: [.tmbot/policies/slow.cue]\n")
	write(".tmbot/policies/slow.cue", policy)
	write("threatmodels/alpinepay.threatmodel.yaml", string(model))
	git("add", "-A")
	git("commit", "-q", "-m", "base")
	git("checkout", "-q", "-b", "feature")
	write("threatmodels/alpinepay.threatmodel.yaml", strings.Replace(string(model), "AlpinePay", "AlpinePay 2", 1))
	git("commit", "-q", "-am", "head")
	return dir
}

// A repository's policy that would run for hours is stopped at the time
// budget of tmbot review --cue-timeout; the review blocks with a
// policy-error naming the file and the limit.
func TestReviewStopsARunawayPolicyAtItsBudget(t *testing.T) {
	repo := policyRepo(t, slowPolicy())
	code, out, errOut := tmbot(t, "review", "--repo", repo, "--format", "json", "--cue-timeout", "1s")
	var rep struct {
		Blocking bool
		Models   []struct {
			Findings []struct{ Rule, Severity, File, Message string }
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Models) != 1 {
		t.Fatalf("exit %d: %v\n%s\n%s", code, err, out, errOut)
	}
	var found bool
	for _, f := range rep.Models[0].Findings {
		if f.Rule == "policy-error" && f.File == ".tmbot/policies/slow.cue" && strings.Contains(f.Message, "time limit of 1s") {
			found = true
		}
	}
	if code != exitInvalid || !rep.Blocking || !found {
		t.Errorf("exit %d, blocking %v, want a policy-error naming .tmbot/policies/slow.cue and its time limit:\n%s", code, rep.Blocking, out)
	}
}

// tmbot review obeys SIGTERM (and Ctrl-C, the same path) while a
// repository's policy evaluates: it stops at once with exit status 2, and
// the evaluation's child process is killed, not left running.
func TestReviewStopsOnSIGTERMWhileAPolicyEvaluates(t *testing.T) {
	repo := policyRepo(t, slowPolicy())
	cmd := exec.Command(os.Args[0], "review", "--repo", repo)
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })

	// Wait until the policy evaluates: tmbot has its child process.
	var child int
	giveUp := time.After(60 * time.Second)
	for child == 0 {
		select {
		case err := <-done:
			t.Fatalf("tmbot review ended before a policy evaluated in a child process: %v\n%s", err, stderr.String())
		case <-giveUp:
			t.Fatalf("no policy evaluates in a child process of tmbot review\n%s", stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
		child = sandboxChildOf(cmd.Process.Pid)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("tmbot review still runs after SIGTERM\n%s", stderr.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != exitUsage || !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("exit %d, want %d and a word on stderr:\n%s", code, exitUsage, stderr.String())
	}
	if state := processState(child); state != "" && state != "Z" {
		t.Errorf("the policy's child process %d is still running (state %s)", child, state)
	}
}

// sandboxChildOf returns the pid of a child of parent started by the
// sandbox (its command line carries -test.run=^$), or 0.
func sandboxChildOf(parent int) int {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so read after
		// the last parenthesis.
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(fields) < 2 || fields[1] != strconv.Itoa(parent) {
			continue
		}
		if cmdline, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline"); bytes.Contains(cmdline, []byte("-test.run=^$")) {
			return pid
		}
	}
	return 0
}

// processState is the state letter of a process (R, S, Z…), or "" when it
// is gone.
func processState(pid int) string {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if len(fields) == 0 {
		return ""
	}
	return fields[0]
}
