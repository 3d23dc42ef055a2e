package main

import (
	"bytes"
	"context"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tmbot/tmbot/bot/model"
)

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}} {
		code, out, _ := tmbot(t, args...)
		if code != exitOK || !strings.HasPrefix(out, "tmbot ") || !strings.Contains(out, "go1.") {
			t.Errorf("%v: exit %d, %q", args, code, out)
		}
	}
	if code, _, _ := tmbot(t, "version", "extra"); code != exitUsage {
		t.Errorf("version with an argument: exit %d, want 2", code)
	}
}

// tmbot help CMD and tmbot CMD -h print that command's usage on standard
// output and exit 0, for every command; an unknown one is a usage error.
func TestHelpForEveryCommand(t *testing.T) {
	for _, c := range commands() {
		for _, args := range [][]string{{"help", c.name}, {c.name, "-h"}, {c.name, "--help"}, {c.name, "x", "--help"}} {
			code, out, errOut := tmbot(t, args...)
			if code != exitOK || !strings.HasPrefix(out, "usage: tmbot "+c.name) {
				t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
			}
		}
	}
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		if code, out, _ := tmbot(t, args...); code != exitOK || !strings.Contains(out, "validate") {
			t.Errorf("%v: exit %d, %q", args, code, out)
		}
	}
	if code, _, _ := tmbot(t, "help", "nonsense"); code != exitUsage {
		t.Errorf("help nonsense: exit %d, want 2", code)
	}
	if code, _, _ := tmbot(t); code != exitUsage {
		t.Errorf("no command: exit %d, want 2", code)
	}
	// After --, -h is an argument like any other.
	if code, _, _ := tmbot(t, "validate", "--", "-h"); code != exitUsage {
		t.Errorf("validate -- -h: exit %d, want 2 (no such file)", code)
	}
}

func TestCompletion(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish"} {
		code, out, _ := tmbot(t, "completion", sh)
		if code != exitOK {
			t.Fatalf("completion %s: exit %d", sh, code)
		}
		for _, c := range commands() {
			if !strings.Contains(out, c.name) {
				t.Errorf("completion %s does not name %s", sh, c.name)
			}
		}
		if !strings.Contains(out, "stdin-name") || !strings.Contains(out, "cue-timeout") {
			t.Errorf("completion %s lacks validate's flags", sh)
		}
	}
	if code, _, _ := tmbot(t, "completion", "tcsh"); code != exitUsage {
		t.Errorf("completion tcsh: exit %d, want 2", code)
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash here: the script is not run")
	}
	_, script, _ := tmbot(t, "completion", "bash")
	for _, c := range []struct{ words, want string }{
		{"tmbot rev", "review"},
		{"tmbot validate --std", "--stdin-name"},
		{"tmbot import -", "-o"},
		{"tmbot completion f", "fish"},
	} {
		words := strings.Fields(c.words)
		if strings.HasSuffix(c.words, " ") {
			words = append(words, "")
		}
		prog := script + "\nCOMP_WORDS=(" + strings.Join(words, " ") + "); COMP_CWORD=" + itoa(len(words)-1) + "; _tmbot; echo \"${COMPREPLY[@]}\"\n"
		out, err := exec.Command(bash, "-c", prog).CombinedOutput()
		if err != nil || !slices.Contains(strings.Fields(string(out)), c.want) {
			t.Errorf("%q completes to %q (%v), want %s", c.words, out, err, c.want)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func validateStdin(t *testing.T, input string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := validateMain(context.Background(), args, strings.NewReader(input), &out, &errb)
	return code, out.String(), errb.String()
}

func TestValidateStandardInput(t *testing.T) {
	_, starter, _ := tmbot(t, "init", "--id", "svc", "--output", "-")
	if code, _, errOut := validateStdin(t, starter, "-"); code != exitOK {
		t.Fatalf("a valid model on stdin: exit %d, %s", code, errOut)
	}
	broken := strings.Replace(starter, "likelihood: medium", "likelihood: sometimes", 1)
	code, out, _ := validateStdin(t, broken, "-")
	if code != exitInvalid || !strings.HasPrefix(out, "-:") {
		t.Errorf("an invalid model on stdin: exit %d, %q", code, out)
	}
	code, out, _ = validateStdin(t, broken, "--stdin-name", "svc.threatmodel.yaml", "-")
	if code != exitInvalid || !strings.HasPrefix(out, "svc.threatmodel.yaml:") {
		t.Errorf("--stdin-name: exit %d, %q", code, out)
	}
	// JSON by the name's extension.
	code, out, _ = validateStdin(t, `{"version": 1, "system": {"id": "a", "name": "A"}}`, "--stdin-name", "a.threatmodel.json", "-")
	if code != exitOK {
		t.Errorf("JSON on stdin: exit %d, %q", code, out)
	}
	// Bounded: a little past the limit is read, and refused by its size.
	code, out, _ = validateStdin(t, starter, "--max-bytes", "100", "-")
	if code != exitInvalid || !strings.Contains(out, "larger than the limit of 100 bytes") {
		t.Errorf("over the limit: exit %d, %q", code, out)
	}
	if code, _, errOut := validateStdin(t, starter, "-", "-"); code != exitUsage || !strings.Contains(errOut, "once") {
		t.Errorf("- twice: exit %d, %q", code, errOut)
	}
}

// tmbot init --name writes a model that validates, and whose system name
// reads back as given, whatever characters the name holds.
func TestInitNameAnyCharacters(t *testing.T) {
	for _, name := range initNames {
		checkInitName(t, name)
	}
}

var initNames = []string{
	"AlpinePay", "Pay: the API", "pay # not a comment", `"quoted"`, "'single'", "line one\nline two",
	"tab\there", "crlf\r\nend", "ünïcödé 支付 💳", "- dash", "? question", "&anchor", "*alias", "!tag", "%percent",
	"@at", "`tick`", "{flow: map}", "[a, b]", "|", ">", "---", "...", "null", "true", "1e3", "0x1F",
	"  padded  ", "\u2028sep\u2029", "nel\u0085x", "bom\ufeffx", "back\\slash", "\x00nul", "bell\a",
	"a very long name " + strings.Repeat("x", 2000),
}

func checkInitName(t *testing.T, name string) {
	t.Helper()
	code, out, errOut := tmbot(t, "init", "--id", "svc", "--name", name, "--output", "-")
	if code != exitOK {
		t.Fatalf("init --name %q: exit %d, %s", name, code, errOut)
	}
	loader, err := model.NewLoader(model.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	res := loader.Load(context.Background(), "svc.threatmodel.yaml", []byte(out))
	if !res.Valid {
		t.Fatalf("init --name %q wrote an invalid model: %v\n%s", name, res.Diagnostics, out)
	}
	want := strings.ToValidUTF8(name, "\ufffd")
	if res.Model.System.Name != want {
		t.Fatalf("init --name %q: the name reads back as %q", name, res.Model.System.Name)
	}
}

func FuzzInitName(f *testing.F) {
	for _, n := range initNames {
		f.Add(n)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if name == "" || !utf8.ValidString(name) {
			t.Skip()
		}
		checkInitName(t, name)
	})
}
