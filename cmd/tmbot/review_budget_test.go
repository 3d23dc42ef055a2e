package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestReviewBudgetFlags: `tmbot review` refuses a branch over its budget
// (--max-files, --max-bytes), naming the limit and the exact size (a local
// repository tells sizes without reading the files), in every format; a
// bad value is a usage error.
func TestReviewBudgetFlags(t *testing.T) {
	repo := demoRepo(t, "unplanned")
	data, err := os.ReadFile(filepath.Join(repo, "threatmodels", "alpinepay.threatmodel.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := tmbot(t, "review", "--repo", repo, "--format", "json", "--max-bytes", "1KiB")
	var rep struct {
		Blocking   bool
		Models     []any
		OverBudget *struct {
			Limit       string
			Max, Actual int64
			AtLeast     bool `json:"at_least"`
			Message     string
		} `json:"over_budget"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("exit %d: %v\n%s\n%s", code, err, out, errOut)
	}
	if code != exitInvalid || !rep.Blocking || len(rep.Models) != 0 || rep.OverBudget == nil {
		t.Fatalf("exit %d, blocking %v, %d models, over budget %+v", code, rep.Blocking, len(rep.Models), rep.OverBudget)
	}
	base, err := gitShowSize(t, repo, "main:threatmodels/alpinepay.threatmodel.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ob := rep.OverBudget
	if ob.Limit != "max_bytes" || ob.Max != 1024 || ob.Actual != base+int64(len(data)) || ob.AtLeast ||
		!strings.Contains(ob.Message, "--max-bytes") {
		t.Errorf("over budget %+v, want max_bytes 1024, %d bytes exactly", ob, base+int64(len(data)))
	}
	code, md, _ := tmbot(t, "review", "--repo", repo, "--max-files", "0")
	if code != exitUsage {
		t.Errorf("--max-files 0: exit %d, want %d\n%s", code, exitUsage, md)
	}
	code, _, errOut = tmbot(t, "review", "--repo", repo, "--max-bytes", "lots")
	if code != exitUsage || !strings.Contains(errOut, "--max-bytes") {
		t.Errorf("--max-bytes lots: exit %d\n%s", code, errOut)
	}
	if code, md, _ = tmbot(t, "review", "--repo", repo, "--max-files", "1"); code != exitInvalid || strings.Contains(md, "Too large") {
		t.Errorf("within --max-files 1: exit %d\n%s", code, md)
	}
}

func gitShowSize(t *testing.T, repo, spec string) (int64, error) {
	t.Helper()
	out, err := exec.Command("git", "-C", repo, "cat-file", "-s", spec).Output()
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
}
