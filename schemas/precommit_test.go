package schemas

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// hook is the part of a pre-commit hook definition that tmbot relies on.
type hook struct {
	ID       string `yaml:"id"`
	Name     string `yaml:"name"`
	Entry    string `yaml:"entry"`
	Language string `yaml:"language"`
	Files    string `yaml:"files"`
}

// TestPreCommitHook reads the repository's .pre-commit-hooks.yaml and
// checks that its pattern picks the example models and .tmbot.yaml and
// nothing else, and that its entry is a real tmbot command: built from
// cmd/tmbot (as pre-commit's golang language does), it passes the example
// models and fails a broken one.
func TestPreCommitHook(t *testing.T) {
	raw, err := os.ReadFile("../.pre-commit-hooks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var hooks []hook
	if err := yaml.Unmarshal(raw, &hooks); err != nil {
		t.Fatalf(".pre-commit-hooks.yaml: %v", err)
	}
	if len(hooks) != 1 {
		t.Fatalf(".pre-commit-hooks.yaml: %d hooks, want 1", len(hooks))
	}
	h := hooks[0]
	if h.ID != "tmbot-validate" || h.Name == "" || h.Language != "golang" {
		t.Errorf("hook %+v: want id tmbot-validate, a name, language golang", h)
	}
	re, err := regexp.Compile(h.Files)
	if err != nil {
		t.Fatalf("files %q: %v", h.Files, err)
	}
	var examples []string
	err = filepath.WalkDir("../examples", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(d.Name(), ".threatmodel.") {
			examples = append(examples, filepath.ToSlash(strings.TrimPrefix(p, "../")))
		}
		return err
	})
	if err != nil || len(examples) < 4 {
		t.Fatalf("examples: %v (found %d)", err, len(examples))
	}
	for _, p := range append([]string{".tmbot.yaml", "team/.tmbot.yaml", "a.threatmodel.yml"}, examples...) {
		if !re.MatchString(p) {
			t.Errorf("files %q does not match %s", h.Files, p)
		}
	}
	for _, p := range []string{"README.md", "x.tmbot.yaml", ".tmbot.yaml.bak", "threatmodel.yaml", "a.threatmodel.yaml.orig", "deploy/values.yaml"} {
		if re.MatchString(p) {
			t.Errorf("files %q matches %s", h.Files, p)
		}
	}

	args := strings.Fields(h.Entry)
	if len(args) < 2 || args[0] != "tmbot" {
		t.Fatalf("entry %q: want tmbot and a subcommand", h.Entry)
	}
	if testing.Short() {
		t.Skip("-short: not building tmbot")
	}
	bin := filepath.Join(t.TempDir(), "tmbot")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/tmbot").CombinedOutput(); err != nil {
		t.Fatalf("go build ../cmd/tmbot: %v\n%s", err, out)
	}
	run := func(files ...string) (int, string) {
		cmd := exec.Command(bin, append(args[1:], files...)...)
		cmd.Dir = ".."
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode(), string(out)
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, string(out)
	}
	if code, out := run(examples...); code != 0 {
		t.Errorf("%s %v: exit %d, want 0\n%s", h.Entry, examples, code, out)
	}
	if code, out := run("bot/model/testdata/broken/enum.threatmodel.yaml"); code != 1 {
		t.Errorf("%s on a broken model: exit %d, want 1\n%s", h.Entry, code, out)
	}
}
