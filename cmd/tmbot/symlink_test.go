package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// secretOutside writes, outside any folder a test validates, a file whose
// content tmbot would quote in a diagnostic (an unknown key), and returns
// its path.
func secretOutside(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(p, []byte("TOPSECRET_TOKEN: hunter2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestValidateDoesNotFollowLinksOutOfTheFolder: a folder (a fork's
// checkout in CI, say) holds model files that are symbolic links to files
// elsewhere on the machine. tmbot validate FOLDER does not read them: it
// warns, naming each link, and validates the rest; a link that stays in
// the folder is validated as the file it leads to.
func TestValidateDoesNotFollowLinksOutOfTheFolder(t *testing.T) {
	secret := secretOutside(t)
	dir := filepath.Join(t.TempDir(), "models")
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile("../../examples/alpinepay/alpinepay.threatmodel.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "good.threatmodel.yaml"), good, 0o644); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{
		"absolute.threatmodel.yaml":     secret,
		"sub/relative.threatmodel.yaml": filepath.Join("..", "..", "..", filepath.Base(filepath.Dir(secret)), "secret.txt"),
		"inside.threatmodel.yaml":       "good.threatmodel.yaml",
	} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	// The relative link must really lead to the secret, or the test proves
	// nothing.
	if b, err := os.ReadFile(filepath.Join(dir, "sub/relative.threatmodel.yaml")); err != nil || !strings.Contains(string(b), "TOPSECRET") {
		t.Fatalf("the relative link does not reach the secret: %v", err)
	}

	for _, format := range []string{"text", "json", "sarif"} {
		code, out, errOut := tmbot(t, "validate", "--format", format, dir)
		if strings.Contains(out+errOut, "TOPSECRET") || strings.Contains(out+errOut, "hunter2") {
			t.Errorf("--format %s: the output quotes a file outside the folder:\n%s\n%s", format, out, errOut)
		}
		for _, link := range []string{"absolute.threatmodel.yaml", "sub/relative.threatmodel.yaml"} {
			if want := "skipping " + filepath.Join(dir, link) + ": it is a symbolic link that leads outside"; !strings.Contains(errOut, want) {
				t.Errorf("--format %s: no warning naming %s; stderr:\n%s", format, link, errOut)
			}
		}
		if code != exitOK {
			t.Errorf("--format %s: exit %d, want %d (the files in the folder are valid)\n%s", format, code, exitOK, errOut)
		}
		if format == "json" && !strings.Contains(out, "inside.threatmodel.yaml") {
			t.Errorf("the link that stays in the folder was not validated:\n%s", out)
		}
	}

	// A file named on the command line is read as given: the user chose it.
	if code, _, _ := tmbot(t, "validate", filepath.Join(dir, "inside.threatmodel.yaml")); code != exitOK {
		t.Errorf("validate of a link named on the command line: exit %d", code)
	}
}

// TestReviewReadsLinksAsGitStoresThem: a model file committed as a
// symbolic link to a file outside the repository is read as git stores it
// (the link's target path), never followed: the review does not quote the
// file it points to.
func TestReviewReadsLinksAsGitStoresThem(t *testing.T) {
	secret := secretOutside(t)
	dir := demoRepo(t, "unplanned")
	if err := os.Symlink(secret, filepath.Join(dir, "threatmodels", "linked.threatmodel.yaml")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("git", "-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false",
		"add", "-A")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git add: %v\n%s", err, out)
	}
	cmd = exec.Command("git", "-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false",
		"commit", "-q", "-m", "a link")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git commit: %v\n%s", err, out)
	}
	for _, format := range []string{"markdown", "json", "sarif"} {
		_, out, errOut := tmbot(t, "review", "--repo", dir, "--base", "main", "--format", format)
		if strings.Contains(out+errOut, "TOPSECRET") || strings.Contains(out+errOut, "hunter2") {
			t.Errorf("--format %s: the review quotes the file the link points to:\n%s\n%s", format, out, errOut)
		}
		if !strings.Contains(out, "linked.threatmodel.yaml") {
			t.Errorf("--format %s: the linked model is not in the review:\n%s", format, out)
		}
	}
}
