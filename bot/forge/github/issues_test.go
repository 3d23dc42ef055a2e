package github_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tmbot/tmbot/bot/forge"
	ghforge "github.com/tmbot/tmbot/bot/forge/github"
	"github.com/tmbot/tmbot/bot/forge/github/githubtest"
)

// calls runs fn and returns the API calls it made.
func (f *fixture) calls(t *testing.T, fn func() error) int64 {
	t.Helper()
	before := f.c.Calls()
	if err := fn(); err != nil {
		t.Fatal(err)
	}
	return f.c.Calls() - before
}

func TestIssueRoundTrip(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.srv.SetPermission("alpine/pay", "ada", "write")
	f.srv.SetPermission("alpine/pay", "bob", "read")
	f.pull(t, 1) // issues and pull requests share the numbers

	var created *forge.Issue
	if n := f.calls(t, func() (err error) {
		created, err = f.c.CreateIssue(ctx, f.repo, forge.IssueSpec{Title: "Mitigate M-1: rate-limit logins",
			Body: "Planned in models/pay.yaml", Labels: []string{"tmbot", "mitigation"}, Assignees: []string{"ada"}, Due: "2030-01-01"})
		return err
	}); n != 1 {
		t.Errorf("CreateIssue: %d calls, want 1", n)
	}
	if created.Number != 2 || created.State != "open" || created.Title != "Mitigate M-1: rate-limit logins" ||
		created.Body != "Planned in models/pay.yaml" || !slices.Equal(created.Labels, []string{"tmbot", "mitigation"}) ||
		!slices.Equal(created.Assignees, []string{"ada"}) || created.URL != "https://github.com/alpine/pay/issues/2" {
		t.Errorf("created %+v", created)
	}
	if got := f.srv.Labels("alpine/pay"); !slices.Equal(got, []string{"mitigation", "tmbot"}) {
		t.Errorf("labels of the repository %v: the missing ones are created", got)
	}
	is, _ := f.srv.Issue("alpine/pay", 2)
	if is.User != f.srv.BotLogin() {
		t.Errorf("opened by %q", is.User)
	}

	// Update replaces title, body, labels and assignees.
	if n := f.calls(t, func() error {
		return f.c.UpdateIssue(ctx, f.repo, 2, forge.IssueSpec{Title: "Mitigate M-1", Body: "new body", Labels: []string{"tmbot"},
			Assignees: []string{"bob"}})
	}); n != 1 {
		t.Errorf("UpdateIssue: %d calls", n)
	}
	is, _ = f.srv.Issue("alpine/pay", 2)
	if is.Title != "Mitigate M-1" || is.Body != "new body" || !slices.Equal(is.Labels, []string{"tmbot"}) || !slices.Equal(is.Assignees, []string{"bob"}) {
		t.Errorf("after update %+v", is)
	}
	// No assignees, no labels: emptied.
	if err := f.c.UpdateIssue(ctx, f.repo, 2, forge.IssueSpec{Title: "Mitigate M-1", Body: "new body"}); err != nil {
		t.Fatal(err)
	}
	if is, _ = f.srv.Issue("alpine/pay", 2); len(is.Labels) != 0 || len(is.Assignees) != 0 {
		t.Errorf("not emptied: %+v", is)
	}
	if err := f.c.UpdateIssue(ctx, f.repo, 2, forge.IssueSpec{Title: "Mitigate M-1", Body: "new body", Labels: []string{"tmbot"}}); err != nil {
		t.Fatal(err)
	}

	// Close (both reasons), reopen.
	for _, reason := range []string{forge.ReasonCompleted, forge.ReasonNotPlanned} {
		if n := f.calls(t, func() error { return f.c.CloseIssue(ctx, f.repo, 2, reason) }); n != 1 {
			t.Errorf("CloseIssue: %d calls", n)
		}
		is, _ = f.srv.Issue("alpine/pay", 2)
		if is.State != "closed" || is.StateReason != reason || is.ClosedBy != f.srv.BotLogin() {
			t.Errorf("closed as %s: %+v", reason, is)
		}
		got, err := f.c.ListIssues(ctx, f.repo, "tmbot")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].State != "closed" || got[0].StateReason != reason || got[0].ClosedBy != "" {
			t.Errorf("listed %+v (ClosedBy is not in GitHub's list)", got)
		}
		if n := f.calls(t, func() error { return f.c.ReopenIssue(ctx, f.repo, 2) }); n != 1 {
			t.Errorf("ReopenIssue: %d calls", n)
		}
		is, _ = f.srv.Issue("alpine/pay", 2)
		if is.State != "open" || is.StateReason != "reopened" || is.ClosedBy != "" {
			t.Errorf("reopened: %+v", is)
		}
	}

	// Comment.
	if n := f.calls(t, func() error { return f.c.CommentOnIssue(ctx, f.repo, 2, "The model no longer plans this.") }); n != 1 {
		t.Errorf("CommentOnIssue: %d calls", n)
	}
	cs := f.srv.IssueComments("alpine/pay", 2)
	if len(cs) != 1 || cs[0].Body != "The model no longer plans this." || cs[0].User != f.srv.BotLogin() {
		t.Errorf("comments %+v", cs)
	}
	if is, _ = f.srv.Issue("alpine/pay", 2); is.Comments != 1 {
		t.Errorf("comment count %d", is.Comments)
	}
	// A person closes it in the UI: listed as closed, not planned.
	f.srv.CloseIssueAs("alpine/pay", 2, "ada", "not_planned")
	got, err := f.c.ListIssues(ctx, f.repo, "tmbot")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Number != 2 || got[0].State != "closed" || got[0].StateReason != forge.ReasonNotPlanned ||
		got[0].Title != "Mitigate M-1" || got[0].Body != "new body" || got[0].URL != "https://github.com/alpine/pay/issues/2" {
		t.Errorf("listed %+v", got)
	}
	if is, _ = f.srv.Issue("alpine/pay", 2); is.ClosedBy != "ada" {
		t.Errorf("closed by %q", is.ClosedBy)
	}
	f.noSecrets(t)
}

func TestIssueTitleCut(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	for _, tc := range []struct {
		in   string
		want string
	}{
		{strings.Repeat("a", 255), strings.Repeat("a", 255)},
		{strings.Repeat("a", 256), strings.Repeat("a", 254) + "…"},
		{strings.Repeat("é", 300), strings.Repeat("é", 254) + "…"},
	} {
		if got := forge.CutIssueTitle(tc.in); got != tc.want {
			t.Errorf("CutIssueTitle(%d runes) = %d runes", utf8.RuneCountInString(tc.in), utf8.RuneCountInString(got))
		}
		is, err := f.c.CreateIssue(ctx, f.repo, forge.IssueSpec{Title: tc.in})
		if err != nil {
			t.Fatal(err)
		}
		stored, _ := f.srv.Issue("alpine/pay", is.Number)
		if stored.Title != tc.want || is.Title != tc.want || utf8.RuneCountInString(stored.Title) > forge.MaxIssueTitle {
			t.Errorf("title of %d runes stored as %d runes", utf8.RuneCountInString(tc.in), utf8.RuneCountInString(stored.Title))
		}
		if err := f.c.UpdateIssue(ctx, f.repo, is.Number, forge.IssueSpec{Title: tc.in + "x"}); err != nil {
			t.Fatal(err)
		}
		if stored, _ = f.srv.Issue("alpine/pay", is.Number); utf8.RuneCountInString(stored.Title) > forge.MaxIssueTitle {
			t.Errorf("updated title %d runes", utf8.RuneCountInString(stored.Title))
		}
	}
	// No title: refused without a call.
	before := f.c.Calls()
	if _, err := f.c.CreateIssue(ctx, f.repo, forge.IssueSpec{Title: "  "}); err == nil {
		t.Error("an issue without a title was created")
	}
	if err := f.c.CloseIssue(ctx, f.repo, 1, "duplicate"); err == nil {
		t.Error("closed as duplicate")
	}
	if f.c.Calls() != before {
		t.Errorf("%d calls for refused requests", f.c.Calls()-before)
	}
}

func TestListIssuesPaginatesAndSkipsPulls(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	for i := 1; i <= 5; i++ {
		f.pull(t, i)
	}
	f.srv.SetLabels("alpine/pay", 2, "tmbot")
	f.srv.SetLabels("alpine/pay", 4, "tmbot", "x")
	want := map[int]bool{}
	for i := range 240 {
		labels := []string{"tmbot"}
		switch i % 4 {
		case 1:
			labels = []string{"bug"}
		case 2:
			labels = append(labels, "mitigation")
		}
		n := f.srv.AddIssue("alpine/pay", githubtest.Issue{Title: fmt.Sprint("issue ", i), Labels: labels, User: "dev"})
		if i%4 != 1 {
			want[n] = true
		}
		if i%10 == 0 {
			f.srv.CloseIssueAs("alpine/pay", n, "dev", "completed")
		}
	}
	var got []forge.Issue
	n := f.calls(t, func() (err error) {
		got, err = f.c.ListIssues(ctx, f.repo, "tmbot")
		return err
	})
	// 180 issues and 2 pull requests carry the label: 2 pages.
	if n != 2 {
		t.Errorf("%d calls, want 2", n)
	}
	if len(got) != len(want) {
		t.Fatalf("%d issues, want %d", len(got), len(want))
	}
	closed := 0
	for i, is := range got {
		if !want[is.Number] {
			t.Errorf("unexpected #%d %v", is.Number, is.Labels)
		}
		if i > 0 && got[i-1].Number >= is.Number {
			t.Errorf("not oldest first: #%d after #%d", is.Number, got[i-1].Number)
		}
		if !slices.Contains(is.Labels, "tmbot") {
			t.Errorf("#%d labels %v", is.Number, is.Labels)
		}
		if is.State == "closed" {
			closed++
			if is.StateReason != "completed" {
				t.Errorf("#%d closed %q", is.Number, is.StateReason)
			}
		}
	}
	if closed != 24 {
		t.Errorf("%d closed issues listed, want 24", closed)
	}
	// Without a label: every issue, no pull request.
	all, err := f.c.ListIssues(ctx, f.repo, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 240 || all[0].Number != 6 {
		t.Errorf("%d issues, first #%d", len(all), all[0].Number)
	}
}

func TestListTree(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	head := commit("main")
	paths := []string{".tmbot.yaml", "README.md", "models/pay.threatmodel.yaml", "models/auth/login.threatmodel.yaml",
		"models/auth/deep/x/y.yaml", "src/main.go", "src/lib/a.go", "src/lib/b.go", "docs/a/b/c/d.md"}
	for _, p := range paths {
		f.srv.PutFile("alpine/pay", head, p, []byte("data of "+p))
	}
	f.srv.SetBranch("alpine/pay", "main", head)
	want := slices.Clone(paths)
	slices.Sort(want)

	var got []string
	if n := f.calls(t, func() (err error) { got, err = f.c.ListTree(ctx, f.repo, head); return err }); n != 1 {
		t.Errorf("%d calls, want 1", n)
	}
	if !slices.Equal(got, want) {
		t.Errorf("tree\n got %v\nwant %v", got, want)
	}
	if got, err := f.c.ListTree(ctx, f.repo, "main"); err != nil || !slices.Equal(got, want) {
		t.Errorf("by branch: %v %v", got, err)
	}

	// GitHub truncates the recursive listing: walked subtree by subtree,
	// level by level where a subtree is truncated again.
	for _, limit := range []int{1, 3, 6} {
		f.srv.SetTreeLimit(limit)
		var n int64
		n = f.calls(t, func() (err error) { got, err = f.c.ListTree(ctx, f.repo, head); return err })
		if !slices.Equal(got, want) {
			t.Errorf("limit %d: tree\n got %v\nwant %v", limit, got, want)
		}
		if n < 2 {
			t.Errorf("limit %d: %d calls", limit, n)
		}
		t.Logf("tree limit %d: %d calls", limit, n)
	}
	f.srv.SetTreeLimit(0)

	if _, err := f.c.ListTree(ctx, f.repo, commit("nowhere")); !errors.Is(f.seen(err), forge.ErrNotFound) || errors.Is(err, forge.ErrGone) {
		t.Errorf("unknown commit: %v", err)
	}
	// An empty commit has no files.
	f.srv.AddCommit("alpine/pay", commit("empty"))
	if got, err := f.c.ListTree(ctx, f.repo, commit("empty")); err != nil || len(got) != 0 {
		t.Errorf("empty commit: %v %v", got, err)
	}
	f.noSecrets(t)
}

func TestBranchHead(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.srv.SetBranch("alpine/pay", "main", commit("one"))
	f.srv.SetBranch("alpine/pay", "release/1.0", commit("two"))
	var sha string
	if n := f.calls(t, func() (err error) { sha, err = f.c.BranchHead(ctx, f.repo, "main"); return err }); n != 1 || sha != commit("one") {
		t.Errorf("main: %s, %d calls", sha, n)
	}
	if sha, err := f.c.BranchHead(ctx, f.repo, "release/1.0"); err != nil || sha != commit("two") {
		t.Errorf("release/1.0: %s %v", sha, err)
	}
	f.srv.SetBranch("alpine/pay", "main", commit("three"))
	if sha, err := f.c.BranchHead(ctx, f.repo, "main"); err != nil || sha != commit("three") {
		t.Errorf("after a push: %s %v", sha, err)
	}
	if _, err := f.c.BranchHead(ctx, f.repo, "nope"); !errors.Is(f.seen(err), forge.ErrNotFound) || errors.Is(err, forge.ErrGone) {
		t.Errorf("missing branch: %v", err)
	}
	f.srv.RemoveRepo("alpine/pay")
	if _, err := f.c.BranchHead(ctx, f.repo, "main"); !errors.Is(f.seen(err), forge.ErrGone) {
		t.Errorf("deleted repository: %v", err)
	}
	f.noSecrets(t)
}

func TestCanAssign(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	for user, perm := range map[string]string{"ada": "admin", "bob": "write", "cy": "triage", "dee": "read", "eve": "none"} {
		f.srv.SetPermission("alpine/pay", user, perm)
	}
	for user, want := range map[string]bool{"ada": true, "bob": true, "cy": true, "dee": true, "eve": false, "stranger": false} {
		var got bool
		if n := f.calls(t, func() (err error) { got, err = f.c.CanAssign(ctx, f.repo, user); return err }); n != 1 || got != want {
			t.Errorf("CanAssign(%s) = %v in %d calls, want %v", user, got, n, want)
		}
	}
	if ok, err := f.c.CanAssign(ctx, f.repo, ""); ok || err != nil {
		t.Errorf("no user: %v %v", ok, err)
	}
}

func TestBotLogin(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	var login string
	if n := f.calls(t, func() (err error) { login, err = f.c.BotLogin(ctx); return err }); n != 1 {
		t.Errorf("first BotLogin: %d calls, want 1", n)
	}
	if login != f.srv.BotLogin() || login != "tmbot[bot]" {
		t.Errorf("BotLogin %q, want %q", login, f.srv.BotLogin())
	}
	// Kept on the App: no more calls, from any of its clients.
	if n := f.calls(t, func() (err error) { login, err = f.c.BotLogin(ctx); return err }); n != 0 || login != "tmbot[bot]" {
		t.Errorf("again: %q in %d calls", login, n)
	}
	f.srv.AddInstallation(2, "beta")
	c2 := f.client(t, f.app, 2)
	if l, err := c2.BotLogin(ctx); err != nil || l != "tmbot[bot]" || c2.Calls() != 0 {
		t.Errorf("another installation: %q %v, %d calls", l, err, c2.Calls())
	}
	if l, err := f.app.BotLogin(ctx); err != nil || l != "tmbot[bot]" {
		t.Errorf("App.BotLogin %q %v", l, err)
	}
	if n := countPaths(f.srv.Requests(), "GET", "/app"); n != 1 {
		t.Errorf("GET /app %d times, want 1", n)
	}
	for _, r := range f.srv.Requests() {
		if r.Path == "/app" && (r.Status != 200 || r.Installation != 0) {
			t.Errorf("GET /app: %+v", r)
		}
	}

	// A wrong key: GitHub refuses the JWT, and the error carries no secret.
	other := setup(t)
	bad, err := ghforge.NewApp(ghforge.AppConfig{AppID: appID + 1, PrivateKey: other.srv.PrivateKeyPEM(), BaseURL: other.srv.URL()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.BotLogin(ctx); other.seen(err) == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("bad JWT: %v", err)
	}
	other.c.BotLogin(ctx) // so that the server has issued a secret to check against
	other.noSecrets(t)
}

func TestIssueErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("missing issue", func(t *testing.T) {
		f := setup(t)
		for name, err := range map[string]error{
			"update":  f.c.UpdateIssue(ctx, f.repo, 99, forge.IssueSpec{Title: "t"}),
			"close":   f.c.CloseIssue(ctx, f.repo, 99, forge.ReasonCompleted),
			"reopen":  f.c.ReopenIssue(ctx, f.repo, 99),
			"comment": f.c.CommentOnIssue(ctx, f.repo, 99, "x"),
		} {
			if !errors.Is(f.seen(err), forge.ErrNotFound) || errors.Is(err, forge.ErrGone) {
				t.Errorf("%s: %v", name, err)
			}
			if err != nil && !strings.Contains(err.Error(), "alpine/pay#99") {
				t.Errorf("%s: the error does not say what was being done: %v", name, err)
			}
		}
		f.noSecrets(t)
	})
	t.Run("deleted issue is not found", func(t *testing.T) {
		f := setup(t)
		n := f.srv.AddIssue("alpine/pay", githubtest.Issue{Title: "t", Labels: []string{"tmbot"}})
		f.srv.DeleteIssue("alpine/pay", n)
		if err := f.c.CloseIssue(ctx, f.repo, n, forge.ReasonCompleted); !errors.Is(f.seen(err), forge.ErrNotFound) || errors.Is(err, forge.ErrGone) {
			t.Errorf("close: %v", err)
		}
		if err := f.c.CommentOnIssue(ctx, f.repo, n, "x"); !errors.Is(f.seen(err), forge.ErrNotFound) || errors.Is(err, forge.ErrGone) {
			t.Errorf("comment: %v", err)
		}
		if got, err := f.c.ListIssues(ctx, f.repo, "tmbot"); err != nil || len(got) != 0 {
			t.Errorf("listed %v %v", got, err)
		}
	})
	t.Run("issues disabled is gone", func(t *testing.T) {
		f := setup(t)
		f.srv.SetIssuesEnabled("alpine/pay", false)
		if _, err := f.c.ListIssues(ctx, f.repo, "tmbot"); !errors.Is(f.seen(err), forge.ErrGone) {
			t.Errorf("list: %v", err)
		}
		if _, err := f.c.CreateIssue(ctx, f.repo, forge.IssueSpec{Title: "t"}); !errors.Is(f.seen(err), forge.ErrGone) ||
			!strings.Contains(err.Error(), "disabled") {
			t.Errorf("create: %v", err)
		}
	})
	t.Run("unassignable assignee", func(t *testing.T) {
		f := setup(t)
		f.srv.SetPermission("alpine/pay", "ada", "write")
		_, err := f.c.CreateIssue(ctx, f.repo, forge.IssueSpec{Title: "t", Assignees: []string{"ada", "ghost"}})
		if f.seen(err) == nil || !strings.Contains(err.Error(), "422") || !strings.Contains(err.Error(), "ghost cannot be assigned") ||
			errors.Is(err, forge.ErrNotFound) {
			t.Errorf("create: %v", err)
		}
		if len(f.srv.Issues("alpine/pay")) != 0 {
			t.Error("an issue was created")
		}
		is, err := f.c.CreateIssue(ctx, f.repo, forge.IssueSpec{Title: "t", Assignees: []string{"ada"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.c.UpdateIssue(ctx, f.repo, is.Number, forge.IssueSpec{Title: "t", Assignees: []string{"ghost"}}); f.seen(err) == nil ||
			!strings.Contains(err.Error(), "cannot be assigned") {
			t.Errorf("update: %v", err)
		}
		if got, _ := f.srv.Issue("alpine/pay", is.Number); !slices.Equal(got.Assignees, []string{"ada"}) {
			t.Errorf("a refused update changed the issue: %+v", got)
		}
		f.noSecrets(t)
	})
	t.Run("label too long", func(t *testing.T) {
		f := setup(t)
		_, err := f.c.CreateIssue(ctx, f.repo, forge.IssueSpec{Title: "t", Labels: []string{strings.Repeat("l", 51)}})
		if f.seen(err) == nil || !strings.Contains(err.Error(), "maximum is 50") {
			t.Errorf("%v", err)
		}
	})
	t.Run("repository gone", func(t *testing.T) {
		f := setup(t)
		n := f.srv.AddIssue("alpine/pay", githubtest.Issue{Title: "t"})
		f.srv.RemoveRepo("alpine/pay")
		if err := f.c.CloseIssue(ctx, f.repo, n, forge.ReasonNotPlanned); !errors.Is(f.seen(err), forge.ErrGone) {
			t.Errorf("close: %v", err)
		}
		if _, err := f.c.ListIssues(ctx, f.repo, "tmbot"); !errors.Is(f.seen(err), forge.ErrGone) {
			t.Errorf("list: %v", err)
		}
	})
}

func TestIssueCreationLimit(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.srv.SetCreationLimit(3)
	is, err := f.c.CreateIssue(ctx, f.repo, forge.IssueSpec{Title: "one"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.c.CommentOnIssue(ctx, f.repo, is.Number, "a comment"); err != nil {
		t.Fatal(err)
	}
	// Edits create nothing: not counted.
	if err := f.c.CloseIssue(ctx, f.repo, is.Number, forge.ReasonCompleted); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.CreateIssue(ctx, f.repo, forge.IssueSpec{Title: "two"}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = f.c.CreateIssue(ctx, f.repo, forge.IssueSpec{Title: "three"})
	var rl *forge.RateLimitError
	if !errors.As(f.seen(err), &rl) {
		t.Fatalf("want a RateLimitError, got %v", err)
	}
	if reqs := f.srv.Requests(); reqs[len(reqs)-1].Status != 403 {
		t.Errorf("the server answered %d, want 403", reqs[len(reqs)-1].Status)
	}
	// Retry-After is the time until the oldest creation is a minute old:
	// just under 60s.
	if rl.Until.Before(start.Add(55*time.Second)) || rl.Until.After(time.Now().Add(61*time.Second)) {
		t.Errorf("Until in %v, want ≈ 60s", rl.Until.Sub(start))
	}
	if d, ok := forge.RetryAfter(err, time.Now()); !ok || d < 55*time.Second {
		t.Errorf("RetryAfter %v %v", d, ok)
	}
	if got := len(f.srv.Issues("alpine/pay")); got != 2 {
		t.Errorf("%d issues, want 2", got)
	}
	// go-github then holds back every call of this client until Until,
	// without sending it (edits too).
	sent := len(f.srv.Requests())
	if err := f.c.CloseIssue(ctx, f.repo, is.Number, forge.ReasonNotPlanned); !errors.As(f.seen(err), &rl) || len(f.srv.Requests()) != sent {
		t.Errorf("during the limit: %v, %d requests sent", err, len(f.srv.Requests())-sent)
	}
	// A comment is content too: another process (a fresh App) is refused
	// by GitHub.
	c2 := f.client(t, f.newApp(t, f.srv.URL()), 1)
	if err := c2.CommentOnIssue(ctx, f.repo, is.Number, "another"); !errors.As(f.seen(err), &rl) {
		t.Errorf("comment during the limit: %v", err)
	}
	if n := countPaths(f.srv.Requests()[sent:], "POST", "/comments"); n != 1 {
		t.Errorf("the comment reached GitHub %d times", n)
	}
	if got := f.srv.IssueComments("alpine/pay", is.Number); len(got) != 1 {
		t.Errorf("%d comments, want 1", len(got))
	}
	f.noSecrets(t)
}
