package deploytest

import (
	"bufio"
	"bytes"
	"debug/elf"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// instruction is one Dockerfile instruction, its continuation lines joined.
type instruction struct {
	Line  int
	Cmd   string // upper case: FROM, RUN, ...
	Args  string
	Stage int // -1 before the first FROM
}

// parseDockerfile reads the instructions: comment lines dropped (also
// inside a continuation, as Docker does), lines ending in a backslash
// joined.
func parseDockerfile(t testing.TB, data []byte) []instruction {
	t.Helper()
	var out []instruction
	stage := -1
	var cur strings.Builder
	start := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if cur.Len() == 0 {
			start = n
		}
		if cont, ok := strings.CutSuffix(line, `\`); ok {
			cur.WriteString(cont + " ")
			continue
		}
		cur.WriteString(line)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		cmd = strings.ToUpper(cmd)
		if cmd == "FROM" {
			stage++
		}
		out = append(out, instruction{Line: start, Cmd: cmd, Args: strings.TrimSpace(args), Stage: stage})
		cur.Reset()
	}
	if cur.Len() > 0 {
		t.Errorf("Dockerfile ends in a continuation line")
	}
	return out
}

func stageOf(ins []instruction, stage int, cmd string) []instruction {
	var out []instruction
	for _, in := range ins {
		if in.Stage == stage && in.Cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

// TestDockerfile lints deploy/Dockerfile's essentials: a Go builder that
// makes a static binary of the packages that exist, with the Go version of
// go.mod, and a minimal non-root final image with the volume, the port and
// the entrypoint the deploy files rely on.
func TestDockerfile(t *testing.T) {
	ins := parseDockerfile(t, readRepoFile(t, "deploy/Dockerfile"))
	froms := stageOf(ins, 0, "FROM")
	last := ins[len(ins)-1].Stage
	if len(froms) != 1 || last < 1 {
		t.Fatalf("want a multi-stage build (a builder and a final image), have %d stages", last+1)
	}

	// The builder: golang at go.mod's Go version.
	goMod := string(readRepoFile(t, "go.mod"))
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(goMod)
	if m == nil {
		t.Fatal("no go directive in go.mod")
	}
	var goVersion string
	for _, a := range stageOf(ins, -1, "ARG") {
		if v, ok := strings.CutPrefix(a.Args, "GO_VERSION="); ok {
			goVersion = v
		}
	}
	if goVersion != m[1] {
		t.Errorf("ARG GO_VERSION=%q; go.mod says go %s", goVersion, m[1])
	}
	if f := froms[0].Args; !regexp.MustCompile(`^(--platform=\S+ )?golang:\$\{GO_VERSION\}\S* AS build$`).MatchString(f) {
		t.Errorf("line %d: FROM %s: want golang:${GO_VERSION} AS build", froms[0].Line, f)
	}
	var build string
	for _, r := range stageOf(ins, 0, "RUN") {
		if strings.Contains(r.Args, "go build") {
			build = r.Args
		}
	}
	if !strings.Contains(build, "CGO_ENABLED=0") {
		t.Errorf("the go build does not set CGO_ENABLED=0: %q", build)
	}
	var pkgs []string
	for _, f := range strings.Fields(build[strings.Index(build, "go build"):]) {
		if strings.HasPrefix(f, "./") && !strings.HasSuffix(f, "/") {
			pkgs = append(pkgs, f)
		}
	}
	if !slices.Equal(pkgs, []string{"./cmd/tmbot", "./deploy/healthcheck"}) {
		t.Errorf("the build makes %v, want ./cmd/tmbot and ./deploy/healthcheck", pkgs)
	}

	// Without cgo, every package the image's binaries need still builds:
	// none is cgo-only (SQLite is modernc.org/sqlite, pure Go).
	cmd := exec.Command("go", append([]string{"list", "-e", "-deps", "-f",
		`{{if .Error}}{{.ImportPath}}: {{.Error}}{{"\n"}}{{end}}{{range .DepsErrors}}{{.}}{{"\n"}}{{end}}`}, pkgs...)...)
	cmd.Dir = root(t)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("CGO_ENABLED=0 go list %v: %v\n%s", pkgs, err, out)
	}

	// The final image.
	fin := func(c string) []instruction { return stageOf(ins, last, c) }
	if f := fin("FROM")[0].Args; !strings.HasPrefix(f, "gcr.io/distroless/static") {
		t.Errorf("final image %q: want distroless static (CA certificates, no shell)", f)
	}
	users := fin("USER")
	if len(users) != 1 {
		t.Fatalf("the final stage has %d USER lines, want one", len(users))
	}
	uid, _, _ := strings.Cut(users[0].Args, ":")
	if n, err := strconv.Atoi(uid); err != nil || n != nonRootUID {
		t.Errorf("USER %s: want the numeric non-root %d (Kubernetes can check runAsNonRoot only on a number)", users[0].Args, nonRootUID)
	}
	want := map[string]string{
		"EXPOSE":     "8080",
		"VOLUME":     `["/var/lib/tmbot"]`,
		"ENTRYPOINT": `["/usr/local/bin/tmbot"]`,
		"CMD":        `["serve"]`,
	}
	for c, w := range want {
		got := fin(c)
		if len(got) != 1 || got[0].Args != w {
			t.Errorf("final stage %s: have %v, want %s", c, got, w)
		}
	}
	for _, c := range []string{"ENTRYPOINT", "CMD"} {
		var v []string
		if g := fin(c); len(g) == 1 && json.Unmarshal([]byte(g[0].Args), &v) != nil {
			t.Errorf("%s should be in JSON (exec) form: SIGTERM must reach tmbot, not a shell", c)
		}
	}
	env := ""
	for _, e := range fin("ENV") {
		env += " " + e.Args
	}
	if !strings.Contains(env, "TMBOT_DATABASE=sqlite:/var/lib/tmbot/") {
		t.Errorf("final ENV %q: the SQLite file should default to the volume", env)
	}
	copies := 0
	for _, c := range fin("COPY") {
		if strings.Contains(c.Args, "--from=build") {
			copies++
		}
	}
	if copies == 0 {
		t.Error("the final stage copies nothing from the builder")
	}
	for _, in := range ins {
		if in.Cmd == "ADD" {
			t.Errorf("line %d: use COPY, not ADD", in.Line)
		}
	}
}

// TestDockerignore: .dockerignore keeps out of the build context nothing
// that `go build ./cmd/tmbot` needs (its packages' Go and embedded files).
func TestDockerignore(t *testing.T) {
	var patterns []string
	for _, l := range strings.Split(string(readRepoFile(t, ".dockerignore")), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			if strings.HasPrefix(l, "!") {
				t.Fatalf(".dockerignore: this test does not understand exceptions (%s)", l)
			}
			patterns = append(patterns, strings.TrimPrefix(l, "/"))
		}
	}
	for _, must := range []string{".git", "deploy/.env", "**/*.pem"} {
		if !slices.Contains(patterns, must) {
			t.Errorf(".dockerignore should keep out %s", must)
		}
	}
	cmd := exec.Command("go", "list", "-deps", "-f", `{{if not .Standard}}{{.Dir}}{{range .GoFiles}} {{.}}{{end}}{{range .EmbedFiles}} {{.}}{{end}}{{end}}`,
		"./cmd/tmbot", "./deploy/healthcheck")
	cmd.Dir = root(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	needed := []string{"go.mod", "go.sum"}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		rel, err := filepath.Rel(root(t), f[0])
		if err != nil || strings.HasPrefix(rel, "..") {
			continue // a module dependency, downloaded in the image
		}
		for _, name := range f[1:] {
			needed = append(needed, filepath.ToSlash(filepath.Join(rel, name)))
		}
	}
	if len(needed) < 20 {
		t.Fatalf("go list found only %v", needed)
	}
	for _, p := range needed {
		for _, pat := range patterns {
			if ignored(pat, p) {
				t.Errorf(".dockerignore pattern %q keeps %s out of the image build", pat, p)
			}
		}
	}
}

// ignored reports whether a .dockerignore pattern excludes p: the pattern
// matches p or one of its parent folders; a leading **/ matches any depth.
func ignored(pattern, p string) bool {
	parts := strings.Split(p, "/")
	for i := 1; i <= len(parts); i++ {
		prefix := strings.Join(parts[:i], "/")
		if ok, _ := filepath.Match(pattern, prefix); ok {
			return true
		}
		if rest, ok := strings.CutPrefix(pattern, "**/"); ok {
			for j := 0; j < i; j++ {
				if ok, _ := filepath.Match(rest, strings.Join(parts[j:i], "/")); ok {
					return true
				}
			}
		}
	}
	return false
}

func TestIgnored(t *testing.T) {
	for _, c := range []struct {
		pattern, path string
		want          bool
	}{
		{".git", ".git/config", true},
		{"docs", "docs/format.md", true},
		{"docs", "bot/docs.go", false},
		{"**/*.pem", "deploy/key.pem", true},
		{"**/*.pem", "key.pem", true},
		{"deploy/helm", "deploy/healthcheck/main.go", false},
		{"tmbot", "cmd/tmbot/main.go", false},
	} {
		if got := ignored(c.pattern, c.path); got != c.want {
			t.Errorf("ignored(%q, %q) = %v", c.pattern, c.path, got)
		}
	}
}

// TestHealthcheck builds tmbot-healthcheck as the Dockerfile does (static,
// no cgo) and runs it against a server that is ready and one that is not.
func TestHealthcheck(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "tmbot-healthcheck")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, "./deploy/healthcheck")
	cmd.Dir = root(t)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("the binary is dynamically linked: it would not run on distroless/static")
		}
	}
	f.Close()

	var ready atomic.Bool
	ready.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			http.NotFound(w, r)
		} else if !ready.Load() {
			http.Error(w, "starting", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	_, port, _ := strings.Cut(strings.TrimPrefix(srv.URL, "http://"), ":")
	run := func(addr string, args ...string) (int, string) {
		c := exec.Command(bin, args...)
		c.Env = []string{"TMBOT_ADDR=" + addr}
		out, err := c.CombinedOutput()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), string(out)
		} else if err != nil {
			t.Fatal(err)
		}
		return 0, string(out)
	}
	if code, out := run(":" + port); code != 0 {
		t.Errorf("ready server, TMBOT_ADDR=:%s: exit %d: %s", port, code, out)
	}
	if code, out := run("", srv.URL+"/readyz"); code != 0 {
		t.Errorf("ready server by URL: exit %d: %s", code, out)
	}
	ready.Store(false)
	if code, out := run(":" + port); code != 1 || !strings.Contains(out, "503") {
		t.Errorf("server not ready: exit %d: %s", code, out)
	}
	srv.Close()
	if code, _ := run(":" + port); code != 1 {
		t.Errorf("no server: exit %d", code)
	}
}
