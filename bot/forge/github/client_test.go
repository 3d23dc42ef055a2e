package github_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tmbot/tmbot/bot/forge"
	ghforge "github.com/tmbot/tmbot/bot/forge/github"
	"github.com/tmbot/tmbot/bot/forge/github/githubtest"
	"github.com/tmbot/tmbot/bot/forge/retry"
	"github.com/tmbot/tmbot/bot/policy"
	"github.com/tmbot/tmbot/bot/review"
)

const appID = 4242

func commit(name string) string {
	s := sha1.Sum([]byte(name))
	return hex.EncodeToString(s[:])
}

type fixture struct {
	srv  *githubtest.Server
	app  *ghforge.App
	c    *ghforge.Client
	repo forge.Repo
	errs []error // every error seen, for the secret check
	// retry is the App's policy: by default it retries without waiting.
	retry *retry.Policy
}

// noWait retries as the default policy does, without waiting.
func noWait() *retry.Policy { return &retry.Policy{Sleep: func(time.Duration) {}} }

func setup(t *testing.T) *fixture {
	t.Helper()
	srv := githubtest.New(t, appID)
	srv.AddInstallation(1, "alpine")
	repo := srv.AddRepo(1, "alpine/pay", "main")
	f := &fixture{srv: srv, repo: repo, retry: noWait()}
	f.app = f.newApp(t, srv.URL())
	f.c = f.client(t, f.app, 1)
	return f
}

func (f *fixture) newApp(t *testing.T, base string) *ghforge.App {
	t.Helper()
	app, err := ghforge.NewApp(ghforge.AppConfig{AppID: appID, PrivateKey: f.srv.PrivateKeyPEM(), BaseURL: base,
		HTTPClient: &http.Client{Timeout: 10 * time.Second}, Retry: f.retry})
	if err != nil {
		t.Fatal(err)
	}
	return app
}

func (f *fixture) client(t *testing.T, app *ghforge.App, inst int64) *ghforge.Client {
	t.Helper()
	c, err := app.Client(inst)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// seen keeps an error for the secret check and returns it.
func (f *fixture) seen(err error) error {
	if err != nil {
		f.errs = append(f.errs, err)
	}
	return err
}

func (f *fixture) pull(t *testing.T, n int, files ...githubtest.PullFile) *forge.PullRequest {
	t.Helper()
	f.srv.AddPull("alpine/pay", githubtest.Pull{Number: n, Title: "Add a model", Author: "dev",
		BaseSHA: commit("base"), HeadSHA: commit(fmt.Sprintf("head%d", n)), Files: files})
	return &forge.PullRequest{Repo: f.repo, Number: n, BaseSHA: commit("base"), HeadSHA: commit(fmt.Sprintf("head%d", n)), State: "open"}
}

// noSecrets checks that no error says a token, a JWT or a part of the key.
func (f *fixture) noSecrets(t *testing.T) {
	t.Helper()
	secrets := f.srv.Secrets()
	if len(secrets) == 0 {
		t.Fatal("the server issued no token: nothing was checked")
	}
	block, _ := pem.Decode(f.srv.PrivateKeyPEM())
	keyText := string(pem.EncodeToMemory(block))
	var keyLines []string
	for _, l := range strings.Split(keyText, "\n") {
		if len(l) > 20 && !strings.HasPrefix(l, "-----") {
			keyLines = append(keyLines, l[:20])
		}
	}
	for _, err := range f.errs {
		msg := err.Error()
		t.Logf("error: %s", msg)
		for _, s := range secrets {
			if strings.Contains(msg, s) || (len(s) > 16 && strings.Contains(msg, s[len(s)-16:])) {
				t.Errorf("error %q carries a secret", msg)
			}
		}
		for _, l := range keyLines {
			if strings.Contains(msg, l) {
				t.Errorf("error %q carries part of the key", msg)
			}
		}
		for _, w := range []string{"ghs_", "Bearer", "eyJ", "PRIVATE KEY"} {
			if strings.Contains(msg, w) {
				t.Errorf("error %q carries %q", msg, w)
			}
		}
	}
}

func countPaths(reqs []githubtest.Request, method, contains string) int {
	n := 0
	for _, r := range reqs {
		if r.Method == method && strings.Contains(r.Path, contains) {
			n++
		}
	}
	return n
}

func TestTokenFlowAndPullRequest(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.srv.AddRepo(0, "vendor/pay", "main")
	f.srv.AddPull("alpine/pay", githubtest.Pull{Number: 3, Title: "Vendor model", Author: "vendor-dev",
		BaseRef: "main", BaseSHA: commit("base"), HeadSHA: commit("fork-head"), HeadRepo: "vendor/pay", Draft: true})
	pr, err := f.c.PullRequest(ctx, f.repo, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := forge.PullRequest{Repo: f.repo, Number: 3, Title: "Vendor model", BaseRef: "main", BaseSHA: commit("base"),
		HeadSHA: commit("fork-head"), HeadRepo: "vendor/pay", Draft: true, State: "open", Author: "vendor-dev"}
	if *pr != want {
		t.Errorf("pull request\n got %+v\nwant %+v", *pr, want)
	}
	if _, err := f.c.PullRequest(ctx, f.repo, 3); err != nil {
		t.Fatal(err)
	}
	reqs := f.srv.Requests()
	if n := countPaths(reqs, "POST", "/access_tokens"); n != 1 {
		t.Errorf("%d token requests for two calls, want 1", n)
	}
	if f.c.Calls() != 2 {
		t.Errorf("Calls() = %d, want 2", f.c.Calls())
	}
	if c2, _ := f.app.Client(1); c2 != f.c {
		t.Error("the App made a second client for the same installation")
	}
	rem, reset := f.c.RateRemaining()
	if rem != 4998 || reset.Before(time.Now()) {
		t.Errorf("RateRemaining() = %d, %v", rem, reset)
	}

	// A merged pull request reads as merged.
	f.srv.AddPull("alpine/pay", githubtest.Pull{Number: 4, BaseSHA: commit("base"), HeadSHA: commit("h4"), State: "merged"})
	if pr, err := f.c.PullRequest(ctx, f.repo, 4); err != nil || pr.State != "merged" {
		t.Errorf("merged: %+v, %v", pr, err)
	}
}

func TestInstallationCannotReadAnother(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.srv.AddInstallation(2, "globex")
	other := f.srv.AddRepo(2, "globex/secret", "main")
	f.srv.PutFile("globex/secret", commit("g"), "model.threatmodel.yaml", []byte("secret: yes"))
	f.srv.AddPull("globex/secret", githubtest.Pull{Number: 1, BaseSHA: commit("g"), HeadSHA: commit("g2")})

	// Installation 1's client asked for installation 2's repository (as a
	// confused job might): nothing comes back.
	other.Installation = 1
	if _, err := f.c.PullRequest(ctx, other, 1); f.seen(err) == nil {
		t.Fatal("installation 1 read installation 2's pull request")
	} else if !errors.Is(err, forge.ErrGone) {
		t.Errorf("want ErrGone (the repository is not there for this installation), got %v", err)
	}
	data, found, err := f.c.ReadFile(ctx, other, commit("g"), "model.threatmodel.yaml")
	if found || len(data) > 0 {
		t.Fatalf("installation 1 read installation 2's file: %q, %v", data, err)
	}
	for _, r := range f.srv.Requests() {
		if strings.Contains(r.Path, "globex") && r.Status != 404 {
			t.Errorf("%s %s answered %d", r.Method, r.Path, r.Status)
		}
	}
	// And installation 2's own client can.
	c2 := f.client(t, f.app, 2)
	other.Installation = 2
	if _, found, err := c2.ReadFile(ctx, other, commit("g"), "model.threatmodel.yaml"); err != nil || !found {
		t.Errorf("installation 2: %v %v", found, err)
	}
	f.noSecrets(t)
}

func TestBadCredentials(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(other)})
	app, err := ghforge.NewApp(ghforge.AppConfig{AppID: appID, PrivateKey: pemKey, BaseURL: f.srv.URL()})
	if err != nil {
		t.Fatal(err)
	}
	c := f.client(t, app, 1)
	_, err = c.PullRequest(ctx, f.repo, 1)
	if f.seen(err) == nil || errors.Is(err, forge.ErrGone) || errors.Is(err, forge.ErrNotFound) {
		t.Fatalf("a JWT signed with the wrong key: %v", err)
	}
	if !strings.Contains(err.Error(), "credentials") {
		t.Errorf("error does not say what is wrong: %v", err)
	}
	// A key given with escaped line breaks, as in an environment variable.
	if _, err := ghforge.NewApp(ghforge.AppConfig{AppID: appID, PrivateKey: []byte(strings.ReplaceAll(string(f.srv.PrivateKeyPEM()), "\n", `\n`))}); err != nil {
		t.Errorf("escaped key: %v", err)
	}
	for _, bad := range []ghforge.AppConfig{
		{AppID: 0, PrivateKey: f.srv.PrivateKeyPEM()},
		{AppID: appID, PrivateKey: []byte("not a key")},
		{AppID: appID, PrivateKey: []byte("-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----\n")},
		{AppID: appID, PrivateKey: f.srv.PrivateKeyPEM(), BaseURL: "ftp://example.com"},
		{AppID: appID, PrivateKey: f.srv.PrivateKeyPEM(), BaseURL: "https://user:hunter2@example.com/api/v3"},
	} {
		_, err := ghforge.NewApp(bad)
		if f.seen(err) == nil {
			t.Errorf("NewApp accepted %+v", bad.BaseURL)
		} else if strings.Contains(err.Error(), "MIIB") || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("NewApp error quotes a secret: %v", err)
		}
	}
	f.noSecrets(t)
}

func TestChangedFilesPaginates(t *testing.T) {
	f := setup(t)
	var files []githubtest.PullFile
	for i := range 250 {
		pf := githubtest.PullFile{Path: fmt.Sprintf("models/m%03d.threatmodel.yaml", i)}
		switch i {
		case 7:
			pf.Status, pf.OldPath = "renamed", "old/m007.threatmodel.yaml"
		case 8:
			pf.Status = "removed"
		case 9:
			pf.Status = "added"
		}
		files = append(files, pf)
	}
	pr := f.pull(t, 12, files...)
	got, err := f.c.ChangedFiles(context.Background(), pr)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 250 {
		t.Fatalf("%d files, want 250", len(got))
	}
	for i, fc := range got {
		if fc.Path != files[i].Path {
			t.Fatalf("file %d is %s, want %s", i, fc.Path, files[i].Path)
		}
	}
	if got[7] != (review.FileChange{Path: "models/m007.threatmodel.yaml", OldPath: "old/m007.threatmodel.yaml", Status: review.FileRenamed}) ||
		got[8] != (review.FileChange{Path: "models/m008.threatmodel.yaml", Status: review.FileRemoved}) ||
		got[9].Status != review.FileAdded || got[10].Status != review.FileModified {
		t.Errorf("renamed/removed/added/modified: %+v %+v %+v %+v", got[7], got[8], got[9], got[10])
	}
	if f.c.Calls() != 3 {
		t.Errorf("%d calls for 250 files, want 3 (per_page=100)", f.c.Calls())
	}
	for _, r := range f.srv.Requests() {
		if strings.Contains(r.Path, "/files") && !strings.Contains(r.Query, "per_page=100") {
			t.Errorf("request without per_page=100: %s?%s", r.Path, r.Query)
		}
	}
}

func TestListOpenPullRequests(t *testing.T) {
	f := setup(t)
	for n := 1; n <= 130; n++ {
		state := "open"
		if n%10 == 0 {
			state = "closed"
		}
		f.srv.AddPull("alpine/pay", githubtest.Pull{Number: n, BaseSHA: commit("base"), HeadSHA: commit(fmt.Sprint("h", n)), State: state})
	}
	prs, err := f.c.ListOpenPullRequests(context.Background(), f.repo)
	if err != nil {
		t.Fatal(err)
	}
	if len(prs) != 117 {
		t.Errorf("%d open pull requests, want 117", len(prs))
	}
	for _, p := range prs {
		if p.State != "open" || p.HeadSHA != commit(fmt.Sprint("h", p.Number)) || p.Repo.Key() != f.repo.Key() {
			t.Errorf("%+v", p)
		}
	}
	if f.c.Calls() != 2 {
		t.Errorf("%d calls, want 2", f.c.Calls())
	}
}

func TestReadFileForkThroughBase(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.srv.AddRepo(0, "vendor/pay", "main")
	f.srv.PutFile("alpine/pay", commit("base"), "m.threatmodel.yaml", []byte("base version"))
	f.srv.PutFile("vendor/pay", commit("fork-head"), "m.threatmodel.yaml", []byte("fork version"))
	f.srv.AddPull("alpine/pay", githubtest.Pull{Number: 5, BaseSHA: commit("base"), HeadSHA: commit("fork-head"), HeadRepo: "vendor/pay"})
	pr, err := f.c.PullRequest(ctx, f.repo, 5)
	if err != nil {
		t.Fatal(err)
	}
	data, found, err := f.c.ReadFile(ctx, pr.Repo, pr.HeadSHA, "m.threatmodel.yaml")
	if err != nil || !found || string(data) != "fork version" {
		t.Fatalf("head through the base repository: %q %v %v", data, found, err)
	}
	data, found, err = f.c.ReadFile(ctx, pr.Repo, pr.BaseSHA, "m.threatmodel.yaml")
	if err != nil || !found || string(data) != "base version" {
		t.Fatalf("base: %q %v %v", data, found, err)
	}
	for _, r := range f.srv.Requests() {
		if strings.Contains(r.Path, "vendor") {
			t.Errorf("read the fork directly: %s %s", r.Method, r.Path)
		}
	}
	// The fork itself is not the installation's.
	fork := forge.Repo{Forge: "github", Installation: 1, Owner: "vendor", Name: "pay"}
	if data, found, _ := f.c.ReadFile(ctx, fork, commit("fork-head"), "m.threatmodel.yaml"); found || data != nil {
		t.Errorf("read the fork that the App is not installed on")
	}
}

func TestReadFileCache(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.srv.PutFile("alpine/pay", commit("base"), ".tmbot.yaml", []byte("blocking: true\n"))
	f.srv.PutFile("alpine/pay", commit("base"), "dir/with space.yaml", []byte("spaced"))
	f.srv.SetBranch("alpine/pay", "main", commit("base"))
	for range 3 {
		data, found, err := f.c.ReadFile(ctx, f.repo, commit("base"), ".tmbot.yaml")
		if err != nil || !found || string(data) != "blocking: true\n" {
			t.Fatalf("%q %v %v", data, found, err)
		}
		data[0] = 'X' // the caller's copy: the cache is not changed
		if _, found, err := f.c.ReadFile(ctx, f.repo, commit("base"), "absent.yaml"); err != nil || found {
			t.Fatalf("absent: %v %v", found, err)
		}
	}
	if f.c.Calls() != 2 {
		t.Errorf("%d calls for 3 reads each of a file and of an absent file, want 2", f.c.Calls())
	}
	if data, found, err := f.c.ReadFile(ctx, f.repo, commit("base"), "dir/with space.yaml"); err != nil || !found || string(data) != "spaced" {
		t.Errorf("escaped path: %q %v %v", data, found, err)
	}
	// A branch moves: what is read at a branch name is not cached.
	before := f.c.Calls()
	for range 2 {
		if _, found, err := f.c.ReadFile(ctx, f.repo, "main", ".tmbot.yaml"); err != nil || !found {
			t.Fatal(found, err)
		}
	}
	if f.c.Calls()-before != 2 {
		t.Errorf("reads at a branch were cached")
	}
	// So is a branch whose name looks like an abbreviated commit id.
	f.srv.SetBranch("alpine/pay", "deadbeef", commit("base"))
	before = f.c.Calls()
	for range 2 {
		if _, found, err := f.c.ReadFile(ctx, f.repo, "deadbeef", ".tmbot.yaml"); err != nil || !found {
			t.Fatal(found, err)
		}
	}
	if f.c.Calls()-before != 2 {
		t.Errorf("reads at the branch deadbeef were cached")
	}
	// A commit that is not there is an error, not an absent file.
	_, found, err := f.c.ReadFile(ctx, f.repo, commit("nowhere"), ".tmbot.yaml")
	if f.seen(err) == nil || found || !errors.Is(err, forge.ErrNotFound) {
		t.Errorf("unknown commit: %v %v", found, err)
	}
	// Another installation's client has its own cache.
	f.srv.AddInstallation(2, "globex")
	c2 := f.client(t, f.app, 2)
	r2 := f.repo
	r2.Installation = 2
	if _, found, _ := c2.ReadFile(ctx, r2, commit("base"), ".tmbot.yaml"); found {
		t.Error("installation 2 got installation 1's cached file")
	}
	f.noSecrets(t)
}

func TestComments(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	pr := f.pull(t, 9)
	for i := range 140 {
		f.srv.AddComment("alpine/pay", 9, "dev", fmt.Sprint("comment ", i))
	}
	c, err := f.c.CreateComment(ctx, pr, "## Threat model review\n")
	if err != nil {
		t.Fatal(err)
	}
	if c.Author != f.srv.BotLogin() || c.ID == 0 {
		t.Errorf("created %+v", c)
	}
	before := f.c.Calls()
	cs, err := f.c.ListComments(ctx, pr)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 141 || cs[140].ID != c.ID || cs[0].Body != "comment 0" || cs[0].Author != "dev" {
		t.Errorf("%d comments; last %+v", len(cs), cs[len(cs)-1])
	}
	if n := f.c.Calls() - before; n != 2 {
		t.Errorf("%d calls to list 141 comments, want 2", n)
	}
	if err := f.c.UpdateComment(ctx, pr, c.ID, "edited"); err != nil {
		t.Fatal(err)
	}
	if got := f.srv.Comments("alpine/pay", 9); got[len(got)-1].Body != "edited" {
		t.Errorf("not edited: %+v", got[len(got)-1])
	}
	if err := f.seen(f.c.UpdateComment(ctx, pr, 999999, "x")); !errors.Is(err, forge.ErrNotFound) || errors.Is(err, forge.ErrGone) {
		t.Errorf("missing comment: %v", err)
	}
	f.noSecrets(t)
}

func TestCanWrite(t *testing.T) {
	f := setup(t)
	for user, want := range map[string]bool{"ada": true, "bob": true, "cy": true, "dee": false, "eve": false, "fay": false, "stranger": false} {
		perm := map[string]string{"ada": "admin", "bob": "maintain", "cy": "write", "dee": "triage", "eve": "read", "fay": "none"}[user]
		if perm != "" {
			f.srv.SetPermission("alpine/pay", user, perm)
		}
		got, err := f.c.CanWrite(context.Background(), f.repo, user)
		if err != nil || got != want {
			t.Errorf("CanWrite(%s, %s) = %v, %v; want %v", user, perm, got, err, want)
		}
	}
}

func findings(n int) []review.CheckFinding {
	var out []review.CheckFinding
	for i := range n {
		out = append(out, review.CheckFinding{Rule: "r", Path: "m.threatmodel.yaml", StartLine: i + 1, EndLine: i + 1,
			Severity: policy.Warning, Title: fmt.Sprint("finding ", i), Message: "plain words"})
	}
	return out
}

func TestSetCheckOneRunPerHead(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	pr := f.pull(t, 21)
	ok := forge.Check{Conclusion: forge.ConclusionOK, Title: "No new threats", Summary: review.CheckSummary{Intro: "Nothing to do."}}

	if err := f.c.SetCheck(ctx, pr, ok); err != nil {
		t.Fatal(err)
	}
	runs := f.srv.CheckRuns("alpine/pay", pr.HeadSHA)
	if len(runs) != 1 || runs[0].Name != forge.CheckName || runs[0].Status != "completed" || runs[0].Conclusion != "success" ||
		runs[0].Title != ok.Title || runs[0].Summary != ok.Summary.Intro || runs[0].AppID != appID {
		t.Fatalf("runs %+v", runs)
	}
	if f.c.Calls() != 2 || f.srv.Writes() != 1 {
		t.Errorf("first check: %d calls, %d writes; want 2 (find, create), 1", f.c.Calls(), f.srv.Writes())
	}

	// The same check again writes nothing.
	f.srv.ResetCounts()
	before := f.c.Calls()
	if err := f.c.SetCheck(ctx, pr, ok); err != nil {
		t.Fatal(err)
	}
	if f.c.Calls() != before || f.srv.Writes() != 0 {
		t.Errorf("an unchanged check cost %d calls", f.c.Calls()-before)
	}

	// A new result updates the run in place: 120 annotations in 3 requests.
	fail := forge.Check{Conclusion: forge.ConclusionBlock, Title: "2 new threats", Summary: review.CheckSummary{Intro: "Fix them."}, Findings: findings(120)}
	if err := f.c.SetCheck(ctx, pr, fail); err != nil {
		t.Fatal(err)
	}
	runs = f.srv.CheckRuns("alpine/pay", pr.HeadSHA)
	if len(runs) != 1 {
		t.Fatalf("%d runs, want 1", len(runs))
	}
	r := runs[0]
	if r.Conclusion != "failure" || r.Title != fail.Title || len(r.Annotations) != 120 || r.Annotations[119].StartLine != 120 {
		t.Errorf("run %+v (%d annotations)", r.Title, len(r.Annotations))
	}
	if f.c.Calls()-before != 3 || f.srv.Writes() != 3 || countPaths(f.srv.Requests(), "PATCH", "/check-runs/") != 3 {
		t.Errorf("120 annotations: %d calls, %d writes; want 3 PATCHes", f.c.Calls()-before, f.srv.Writes())
	}

	// A new head with 120 annotations: find, create with 50, two updates.
	pr2 := f.pull(t, 22)
	f.srv.ResetCounts()
	before = f.c.Calls()
	if err := f.c.SetCheck(ctx, pr2, fail); err != nil {
		t.Fatal(err)
	}
	reqs := f.srv.Requests()
	if f.c.Calls()-before != 4 || countPaths(reqs, "POST", "/check-runs") != 1 || countPaths(reqs, "PATCH", "/check-runs/") != 2 {
		t.Errorf("new head, 120 annotations: %d calls %v", f.c.Calls()-before, reqs)
	}
	if runs := f.srv.CheckRuns("alpine/pay", pr2.HeadSHA); len(runs) != 1 || len(runs[0].Annotations) != 120 || runs[0].Requests != 3 {
		t.Errorf("runs %+v", runs)
	}
}

func TestSetCheckAfterRestart(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	pr := f.pull(t, 30)
	chk := forge.Check{Conclusion: forge.ConclusionBlock, Title: "1 new threat", Summary: review.CheckSummary{Intro: "s"}, Findings: findings(60)}
	if err := f.c.SetCheck(ctx, pr, chk); err != nil {
		t.Fatal(err)
	}
	// Another App, as after a restart: it finds the run.
	app2 := f.newApp(t, f.srv.URL())
	c2 := f.client(t, app2, 1)
	f.srv.ResetCounts()
	if err := c2.SetCheck(ctx, pr, chk); err != nil {
		t.Fatal(err)
	}
	if c2.Calls() != 1 || f.srv.Writes() != 0 {
		t.Errorf("unchanged check after a restart: %d calls, %d writes; want 1 (find), 0", c2.Calls(), f.srv.Writes())
	}
	chk.Conclusion, chk.Findings = forge.ConclusionOK, nil
	app3 := f.newApp(t, f.srv.URL())
	c3 := f.client(t, app3, 1)
	if err := c3.SetCheck(ctx, pr, chk); err != nil {
		t.Fatal(err)
	}
	runs := f.srv.CheckRuns("alpine/pay", pr.HeadSHA)
	if len(runs) != 1 || runs[0].Conclusion != "success" {
		t.Fatalf("after restart: %+v", runs)
	}
	if c3.Calls() != 2 {
		t.Errorf("changed check after a restart: %d calls, want 2 (find, update)", c3.Calls())
	}
}

func TestSetCheckIgnoresAnotherAppsRun(t *testing.T) {
	f := setup(t)
	pr := f.pull(t, 31)
	f.srv.AddCheckRun("alpine/pay", githubtest.CheckRun{AppID: 15368, Name: forge.CheckName, HeadSHA: pr.HeadSHA,
		Status: "completed", Conclusion: "success", Title: "theirs", Summary: "theirs"})
	if err := f.c.SetCheck(context.Background(), pr, forge.Check{Conclusion: "failure", Title: "ours", Summary: review.CheckSummary{Intro: "ours"}}); err != nil {
		t.Fatal(err)
	}
	runs := f.srv.CheckRuns("alpine/pay", pr.HeadSHA)
	if len(runs) != 2 || runs[0].Title != "theirs" || runs[1].Title != "ours" || runs[1].AppID != appID {
		t.Errorf("runs %+v", runs)
	}
}

func TestSetCheckConcurrent(t *testing.T) {
	f := setup(t)
	pr := f.pull(t, 40)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			chk := forge.Check{Conclusion: forge.ConclusionOK, Title: "t", Summary: review.CheckSummary{Intro: fmt.Sprint("s", i%2)}}
			if err := f.c.SetCheck(context.Background(), pr, chk); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if runs := f.srv.CheckRuns("alpine/pay", pr.HeadSHA); len(runs) != 1 {
		t.Errorf("%d runs after concurrent checks, want 1", len(runs))
	}
}

func TestPrimaryRateLimit(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.pull(t, 1)
	f.srv.SetRateLimitRemaining(0)
	_, err := f.c.PullRequest(ctx, f.repo, 1)
	var rl *forge.RateLimitError
	if !errors.As(f.seen(err), &rl) {
		t.Fatalf("want a RateLimitError, got %v", err)
	}
	if !rl.Until.Equal(f.srv.RateLimitReset()) {
		t.Errorf("Until %v, want the reset %v", rl.Until, f.srv.RateLimitReset())
	}
	if d, ok := forge.RetryAfter(err, time.Now()); !ok || d < 50*time.Minute {
		t.Errorf("RetryAfter %v %v", d, ok)
	}
	rem, reset := f.c.RateRemaining()
	if rem != 0 || !reset.Equal(f.srv.RateLimitReset()) {
		t.Errorf("RateRemaining %d %v", rem, reset)
	}
	// Until the reset, no call is made at all.
	calls := f.c.Calls()
	_, _, err = f.c.ReadFile(ctx, f.repo, commit("base"), "x.yaml")
	if !errors.As(f.seen(err), &rl) || f.c.Calls() != calls {
		t.Errorf("during the limit: %v, %d calls", err, f.c.Calls()-calls)
	}
	f.noSecrets(t)
}

func TestSecondaryRateLimit(t *testing.T) {
	for _, status := range []int{403, 429} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			f := setup(t)
			pr := f.pull(t, 1)
			f.srv.FailNext(1, status, map[string]string{"Retry-After": "30"})
			start := time.Now()
			_, err := f.c.ListComments(context.Background(), pr)
			var rl *forge.RateLimitError
			if !errors.As(f.seen(err), &rl) {
				t.Fatalf("want a RateLimitError, got %v", err)
			}
			if rl.Until.Before(start.Add(29*time.Second)) || rl.Until.After(time.Now().Add(31*time.Second)) {
				t.Errorf("Until %v, want in 30s", rl.Until.Sub(start))
			}
			f.noSecrets(t)
		})
	}
	// A 429 that says nothing more waits a minute.
	f := setup(t)
	pr := f.pull(t, 1)
	f.srv.FailNext(1, 429, map[string]string{"X-RateLimit-Reset": ""})
	_, err := f.c.ListComments(context.Background(), pr)
	if d, ok := forge.RetryAfter(err, time.Now()); !ok || d < 30*time.Second {
		t.Errorf("bare 429: %v %v", d, err)
	}
}

func TestErrorMapping(t *testing.T) {
	ctx := context.Background()
	t.Run("404 is ErrNotFound", func(t *testing.T) {
		f := setup(t)
		_, err := f.c.PullRequest(ctx, f.repo, 999)
		if !errors.Is(f.seen(err), forge.ErrNotFound) || errors.Is(err, forge.ErrGone) {
			t.Errorf("%v", err)
		}
		if !strings.Contains(err.Error(), "alpine/pay#999") {
			t.Errorf("error does not say what was being done: %v", err)
		}
		f.noSecrets(t)
	})
	t.Run("a deleted repository is ErrGone", func(t *testing.T) {
		f := setup(t)
		pr := f.pull(t, 1)
		if _, err := f.c.ListComments(ctx, pr); err != nil {
			t.Fatal(err)
		}
		f.srv.RemoveRepo("alpine/pay")
		if err := f.seen(f.c.SetCheck(ctx, pr, forge.Check{Conclusion: "success", Title: "t", Summary: review.CheckSummary{Intro: "s"}})); !errors.Is(err, forge.ErrGone) {
			t.Errorf("%v", err)
		}
		if _, err := f.c.ChangedFiles(ctx, pr); !errors.Is(f.seen(err), forge.ErrGone) {
			t.Errorf("%v", err)
		}
		f.noSecrets(t)
	})
	t.Run("an uninstalled App is ErrGone", func(t *testing.T) {
		f := setup(t)
		f.srv.RemoveInstallation(1)
		_, err := f.c.ListOpenPullRequests(ctx, f.repo)
		if !errors.Is(f.seen(err), forge.ErrGone) {
			t.Errorf("%v", err)
		}
		f.noSecrets(t)
	})
	t.Run("a suspended installation is ErrGone", func(t *testing.T) {
		f := setup(t)
		f.pull(t, 1)
		if _, err := f.c.PullRequest(ctx, f.repo, 1); err != nil {
			t.Fatal(err)
		}
		f.srv.SuspendInstallation(1, true)
		_, err := f.c.PullRequest(ctx, f.repo, 1)
		if !errors.Is(f.seen(err), forge.ErrGone) {
			t.Errorf("with a token: %v", err)
		}
		app2 := f.newApp(t, f.srv.URL())
		_, err = f.client(t, app2, 1).PullRequest(ctx, f.repo, 1)
		if !errors.Is(f.seen(err), forge.ErrGone) {
			t.Errorf("getting a token: %v", err)
		}
		f.noSecrets(t)
	})
	t.Run("410 is ErrGone", func(t *testing.T) {
		f := setup(t)
		pr := f.pull(t, 1)
		f.srv.FailNext(1, 410, nil)
		if _, err := f.c.ListComments(ctx, pr); !errors.Is(f.seen(err), forge.ErrGone) {
			t.Errorf("%v", err)
		}
		f.noSecrets(t)
	})
	t.Run("5xx is an ordinary error", func(t *testing.T) {
		f := setup(t)
		pr := f.pull(t, 1)
		// Each call is tried 1+retries times before its error is seen.
		f.srv.FailNext(1+retry.DefaultMaxRetries, 502, nil)
		_, err := f.c.ChangedFiles(ctx, pr)
		var e *ghforge.Error
		if !errors.As(f.seen(err), &e) || e.Status != 502 || errors.Is(err, forge.ErrNotFound) || errors.Is(err, forge.ErrGone) {
			t.Errorf("%v", err)
		}
		if _, ok := forge.RetryAfter(err, time.Now()); ok {
			t.Errorf("a 502 is not a rate limit")
		}
		// The next try works.
		if _, err := f.c.ChangedFiles(ctx, pr); err != nil {
			t.Error(err)
		}
		f.noSecrets(t)
	})
	t.Run("a time-out is an ordinary error", func(t *testing.T) {
		f := setup(t)
		pr := f.pull(t, 1)
		cctx, cancel := context.WithTimeout(ctx, time.Nanosecond)
		defer cancel()
		time.Sleep(time.Millisecond)
		_, err := f.c.ChangedFiles(cctx, pr)
		if f.seen(err) == nil || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%v", err)
		}
		if _, err := f.c.ChangedFiles(ctx, pr); err != nil {
			t.Error(err)
		}
		f.noSecrets(t)
	})
	t.Run("a revoked token is replaced", func(t *testing.T) {
		f := setup(t)
		pr := f.pull(t, 1)
		if _, err := f.c.ListComments(ctx, pr); err != nil {
			t.Fatal(err)
		}
		f.srv.ExpireTokens()
		if _, err := f.c.CreateComment(ctx, pr, "body"); err != nil {
			t.Fatalf("after the token was revoked: %v", err)
		}
		if n := countPaths(f.srv.Requests(), "POST", "/access_tokens"); n != 2 {
			t.Errorf("%d token requests, want 2", n)
		}
		if cs := f.srv.Comments("alpine/pay", 1); len(cs) != 1 || cs[0].Body != "body" {
			t.Errorf("comments %+v", cs)
		}
	})
}

func TestRandomFailuresMapCleanly(t *testing.T) {
	f := setup(t)
	f.retry = &retry.Off
	f.app = f.newApp(t, f.srv.URL())
	f.c = f.client(t, f.app, 1)
	ctx := context.Background()
	pr := f.pull(t, 1)
	f.srv.PutFile("alpine/pay", commit("base"), "a.yaml", []byte("a"))
	f.srv.SetFailureRate(0.4, 500, 502, 503)
	okCount := 0
	for range 30 {
		_, err := f.c.ListComments(ctx, pr)
		if err == nil {
			okCount++
			continue
		}
		var e *ghforge.Error
		if !errors.As(f.seen(err), &e) || e.Status < 500 || errors.Is(err, forge.ErrNotFound) || errors.Is(err, forge.ErrGone) {
			t.Errorf("unexpected error %v", err)
		}
	}
	if okCount == 0 || okCount == 30 {
		t.Errorf("%d of 30 succeeded", okCount)
	}
	f.srv.SetFailureRate(0)
	f.noSecrets(t)
}

func TestEnterpriseBaseURL(t *testing.T) {
	for _, slash := range []string{"", "/"} {
		t.Run("slash="+slash, func(t *testing.T) {
			f := setup(t)
			f.srv.SetPathPrefix("/api/v3")
			base := strings.TrimSuffix(f.srv.URL(), "/") + slash
			app := f.newApp(t, base)
			if !strings.HasSuffix(app.BaseURL(), "/api/v3/") {
				t.Errorf("BaseURL %s", app.BaseURL())
			}
			c := f.client(t, app, 1)
			f.srv.PutFile("alpine/pay", commit("base"), "m.yaml", []byte("m"))
			pr := f.pull(t, 2, githubtest.PullFile{Path: "m.yaml"})
			if _, err := c.PullRequest(context.Background(), f.repo, 2); err != nil {
				t.Fatal(err)
			}
			if files, err := c.ChangedFiles(context.Background(), pr); err != nil || len(files) != 1 {
				t.Fatal(files, err)
			}
			if data, found, err := c.ReadFile(context.Background(), f.repo, commit("base"), "m.yaml"); err != nil || !found || string(data) != "m" {
				t.Fatal(data, found, err)
			}
			if err := c.SetCheck(context.Background(), pr, forge.Check{Conclusion: "success", Title: "t", Summary: review.CheckSummary{Intro: "s"}}); err != nil {
				t.Fatal(err)
			}
			for _, r := range f.srv.Requests() {
				if !strings.HasPrefix(r.Path, "/api/v3/") || r.Status >= 400 {
					t.Errorf("%s %s → %d", r.Method, r.Path, r.Status)
				}
			}
		})
	}
}

// TestReviewCallCounts plays the calls of a review job for a pull request
// that changes F model files (and some other files), the first time, on a
// redelivery, and after a push, and checks the API economy.
func TestReviewCallCounts(t *testing.T) {
	const F = 3
	f := setup(t)
	ctx := context.Background()
	f.srv.PutFile("alpine/pay", commit("base"), ".tmbot.yaml", []byte("blocking: true\n"))
	var files []githubtest.PullFile
	for i := range F {
		p := fmt.Sprintf("models/m%d.threatmodel.yaml", i)
		f.srv.PutFile("alpine/pay", commit("base"), p, []byte("base"))
		f.srv.PutFile("alpine/pay", commit("head1"), p, []byte("head"))
		f.srv.PutFile("alpine/pay", commit("head2"), p, []byte("head2"))
		files = append(files, githubtest.PullFile{Path: p})
	}
	files = append(files, githubtest.PullFile{Path: "README.md"}, githubtest.PullFile{Path: "src/main.go"})
	pr := f.pull(t, 1, files...)

	job := func(pr *forge.PullRequest, commentID int64, body string) (int64, int64) {
		t.Helper()
		before := f.c.Calls()
		if _, _, err := f.c.ReadFile(ctx, pr.Repo, pr.BaseSHA, ".tmbot.yaml"); err != nil {
			t.Fatal(err)
		}
		changed, err := f.c.ChangedFiles(ctx, pr)
		if err != nil {
			t.Fatal(err)
		}
		for _, fc := range changed {
			if !strings.HasSuffix(fc.Path, ".threatmodel.yaml") {
				continue
			}
			for _, sha := range []string{pr.BaseSHA, pr.HeadSHA} {
				if _, _, err := f.c.ReadFile(ctx, pr.Repo, sha, fc.Path); err != nil {
					t.Fatal(err)
				}
			}
		}
		cs, err := f.c.ListComments(ctx, pr)
		if err != nil {
			t.Fatal(err)
		}
		var mine *forge.Comment
		for i := range cs {
			if cs[i].ID == commentID {
				mine = &cs[i]
			}
		}
		switch {
		case mine == nil:
			c, err := f.c.CreateComment(ctx, pr, body)
			if err != nil {
				t.Fatal(err)
			}
			commentID = c.ID
		case mine.Body != body:
			if err := f.c.UpdateComment(ctx, pr, commentID, body); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.c.SetCheck(ctx, pr, forge.Check{Conclusion: "failure", Title: "t", Summary: review.CheckSummary{Intro: body}, Findings: findings(10)}); err != nil {
			t.Fatal(err)
		}
		return commentID, f.c.Calls() - before
	}
	id, first := job(pr, 0, "review 1")
	if first != 2*F+6 {
		t.Errorf("first review: %d calls, want 2F+6 = %d", first, 2*F+6)
	}
	f.srv.ResetCounts()
	_, again := job(pr, id, "review 1")
	if again != 2 || f.srv.Writes() != 0 {
		t.Errorf("redelivery: %d calls, %d writes; want 2 (files, comments), 0", again, f.srv.Writes())
	}
	pr2 := *pr
	pr2.HeadSHA = commit("head2")
	f.srv.AddPull("alpine/pay", githubtest.Pull{Number: 1, BaseSHA: commit("base"), HeadSHA: commit("head2"), Files: files})
	_, push := job(&pr2, id, "review 2")
	if push != F+5 {
		t.Errorf("after a push: %d calls, want F+5 = %d", push, F+5)
	}
	t.Logf("F=%d model files: first review %d calls, redelivery %d, after a push %d", F, first, again, push)
}

// TestRetriesInPlace: a read that meets a 502 is sent again at once and
// succeeds; a create (POST) that meets one is not sent again (GitHub may
// have made the comment before it failed: the caller looks first), and
// an edit (PATCH, which sets a state) is.
func TestRetriesInPlace(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	pr := f.pull(t, 1)
	calls := f.c.Calls()
	f.srv.FailNext(2, 502, nil)
	if _, err := f.c.ListComments(ctx, pr); err != nil {
		t.Fatalf("a read after two 502s: %v", err)
	}
	if n := f.c.Calls() - calls; n != 3 {
		t.Errorf("%d calls, want 3", n)
	}
	f.srv.FailNext(1, 502, nil)
	if _, err := f.c.CreateComment(ctx, pr, "body"); err == nil {
		t.Fatal("a create that met a 502 was sent again")
	}
	if cs := f.srv.Comments("alpine/pay", 1); len(cs) != 0 {
		t.Fatalf("comments %+v", cs)
	}
	c, err := f.c.CreateComment(ctx, pr, "body")
	if err != nil {
		t.Fatal(err)
	}
	f.srv.FailNext(1, 503, nil)
	if err := f.c.UpdateComment(ctx, pr, c.ID, "edited"); err != nil {
		t.Fatalf("an edit after a 503: %v", err)
	}
	if cs := f.srv.Comments("alpine/pay", 1); len(cs) != 1 || cs[0].Body != "edited" {
		t.Errorf("comments %+v", cs)
	}
	f.noSecrets(t)
}

// failTokens answers the first n token requests with 502, as a proxy in
// front of a failing GitHub would; every other request goes through.
type failTokens struct {
	mu sync.Mutex
	n  int
}

func (f *failTokens) RoundTrip(req *http.Request) (*http.Response, error) {
	f.mu.Lock()
	fail := f.n > 0 && strings.HasSuffix(req.URL.Path, "/access_tokens")
	if fail {
		f.n--
	}
	f.mu.Unlock()
	if fail {
		return &http.Response{StatusCode: 502, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(`{"message":"Server Error"}`)), Request: req}, nil
	}
	return http.DefaultTransport.RoundTrip(req)
}

// TestTokenRequestRetried: an installation token whose creation meets a
// 502 is asked for again in place, and the call goes through, a create
// included (which the call's own retries would not send again).
func TestTokenRequestRetried(t *testing.T) {
	f := setup(t)
	ft := &failTokens{n: 2}
	app, err := ghforge.NewApp(ghforge.AppConfig{AppID: appID, PrivateKey: f.srv.PrivateKeyPEM(), BaseURL: f.srv.URL(),
		HTTPClient: &http.Client{Transport: ft, Timeout: 10 * time.Second}, Retry: noWait()})
	if err != nil {
		t.Fatal(err)
	}
	c := f.client(t, app, 1)
	pr := f.pull(t, 1)
	if _, err := c.CreateComment(context.Background(), pr, "body"); err != nil {
		t.Fatalf("after two failed token requests: %v", err)
	}
	if cs := f.srv.Comments("alpine/pay", 1); len(cs) != 1 {
		t.Errorf("%d comments", len(cs))
	}
	if ft.n != 0 {
		t.Errorf("%d failures left", ft.n)
	}
}
