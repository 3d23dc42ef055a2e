package github_test

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	gh "github.com/google/go-github/v92/github"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/forge/github/githubtest"
)

const (
	propModel       = "models/pay.yaml"
	propPlanned     = "mitigations:\n  - id: M-1\n    status: planned\n"
	propImplemented = "mitigations:\n  - id: M-1\n    status: implemented\n"
	propBranch      = "tmbot/implement-M-1"
)

// proposeSetup is a repository whose main is at commit("main1"), with the
// model planned and a README.
func proposeSetup(t *testing.T) *fixture {
	t.Helper()
	f := setup(t)
	base := commit("main1")
	f.srv.PutFile("alpine/pay", base, propModel, []byte(propPlanned))
	f.srv.PutFile("alpine/pay", base, "README.md", []byte("# pay\n"))
	f.srv.SetBranch("alpine/pay", "main", base)
	return f
}

func propProposal(content string) forge.Proposal {
	return forge.Proposal{BaseBranch: "main", BaseSHA: commit("main1"), Branch: propBranch, Path: propModel,
		Content: []byte(content), Message: "Mark M-1 implemented", Title: "Mark M-1 implemented",
		Body: "Issue #7 was closed while the model says planned.\n\nCloses #7"}
}

func TestProposeChangeOpensOnePull(t *testing.T) {
	f := proposeSetup(t)
	ctx := context.Background()

	var url string
	n := f.calls(t, func() (err error) {
		url, err = f.c.ProposeChange(ctx, f.repo, propProposal(propImplemented))
		return err
	})
	if url != "https://github.com/alpine/pay/pull/1" {
		t.Errorf("url %q", url)
	}
	if n != 5 {
		t.Errorf("%d calls, want 5 (list, ref, read, commit, pull)", n)
	}
	if w := f.srv.Writes(); w != 3 {
		t.Errorf("%d writes, want 3", w)
	}

	head, ok := f.srv.Branch("alpine/pay", propBranch)
	if !ok || head == commit("main1") {
		t.Fatalf("branch at %q (%v): want a new commit", head, ok)
	}
	if got, _ := f.srv.FileAt("alpine/pay", propBranch, propModel); string(got) != propImplemented {
		t.Errorf("model on the branch %q", got)
	}
	if got, _ := f.srv.FileAt("alpine/pay", propBranch, "README.md"); string(got) != "# pay\n" {
		t.Errorf("the other files are kept: README %q", got)
	}
	if got, _ := f.srv.FileAt("alpine/pay", "main", propModel); string(got) != propPlanned {
		t.Errorf("main changed: %q", got)
	}
	if sha, _ := f.srv.Branch("alpine/pay", "main"); sha != commit("main1") {
		t.Errorf("main moved to %s", sha)
	}
	cs := f.srv.Commits("alpine/pay")
	if len(cs) != 1 || cs[0].SHA != head || cs[0].Parent != commit("main1") || cs[0].Message != "Mark M-1 implemented" ||
		cs[0].Branch != propBranch || cs[0].Path != propModel {
		t.Errorf("commits %+v", cs)
	}
	pulls := f.srv.Pulls("alpine/pay")
	if len(pulls) != 1 {
		t.Fatalf("%d pull requests", len(pulls))
	}
	p := pulls[0]
	if p.Number != 1 || p.State != "open" || p.HeadRef != propBranch || p.HeadSHA != head || p.BaseRef != "main" ||
		p.BaseSHA != commit("main1") || p.Title != "Mark M-1 implemented" || !strings.Contains(p.Body, "Closes #7") ||
		p.Author != f.srv.BotLogin() {
		t.Errorf("pull request %+v", p)
	}
	if len(p.Files) != 1 || p.Files[0].Path != propModel || p.Files[0].Status != "modified" {
		t.Errorf("files %+v", p.Files)
	}

	// The second call finds it: one read, no write, the same answer.
	f.srv.ResetCounts()
	var again string
	if n := f.calls(t, func() (err error) {
		again, err = f.c.ProposeChange(ctx, f.repo, propProposal(propImplemented))
		return err
	}); n != 1 {
		t.Errorf("second call: %d calls, want 1", n)
	}
	if again != url {
		t.Errorf("second call %q, want %q", again, url)
	}
	if w := f.srv.Writes(); w != 0 {
		t.Errorf("second call: %d writes", w)
	}
	if len(f.srv.Pulls("alpine/pay")) != 1 || len(f.srv.Commits("alpine/pay")) != 1 {
		t.Error("a second pull request or commit")
	}

	// The review sees the pull request as any other.
	prs, err := f.c.ListOpenPullRequests(ctx, f.repo)
	if err != nil || len(prs) != 1 || prs[0].HeadSHA != head {
		t.Errorf("open pull requests %+v, %v", prs, err)
	}
}

// A run that stopped after its commit: the branch holds the content
// already, so no commit is made; the pull request is opened.
func TestProposeChangeSameContentNoCommit(t *testing.T) {
	f := proposeSetup(t)
	ctx := context.Background()
	// The first run is stopped at the pull request by the limit on
	// content creation (the commit is the one creation allowed).
	f.srv.SetCreationLimit(1)
	_, err := f.c.ProposeChange(ctx, f.repo, propProposal(propImplemented))
	if _, ok := forge.RetryAfter(f.seen(err), time.Now()); !ok {
		t.Fatalf("want a rate limit, got %v", err)
	}
	head, ok := f.srv.Branch("alpine/pay", propBranch)
	if !ok || len(f.srv.Commits("alpine/pay")) != 1 || len(f.srv.Pulls("alpine/pay")) != 0 {
		t.Fatalf("after the first run: branch %v, commits %d, pulls %d", ok, len(f.srv.Commits("alpine/pay")), len(f.srv.Pulls("alpine/pay")))
	}

	// The next run comes after the wait (go-github refuses calls until
	// then: a new client stands for it).
	f.srv.SetCreationLimit(0)
	f.c = f.client(t, f.newApp(t, f.srv.URL()), 1)
	f.srv.ResetCounts()
	url, err := f.c.ProposeChange(ctx, f.repo, propProposal(propImplemented))
	if err != nil {
		t.Fatal(err)
	}
	if url != "https://github.com/alpine/pay/pull/1" {
		t.Errorf("url %q", url)
	}
	reqs := f.srv.Requests()
	if n := countPaths(reqs, http.MethodPut, "/contents/"); n != 0 {
		t.Errorf("%d commits of the same content", n)
	}
	if n := countPaths(reqs, http.MethodPost, "/git/refs"); n != 1 {
		t.Errorf("%d ref creations, want 1 (answered 422)", n)
	}
	if sha, _ := f.srv.Branch("alpine/pay", propBranch); sha != head || len(f.srv.Commits("alpine/pay")) != 1 {
		t.Errorf("the branch moved to %s: a commit was made", sha)
	}
	if pulls := f.srv.Pulls("alpine/pay"); len(pulls) != 1 || pulls[0].HeadSHA != head {
		t.Errorf("pull requests %+v", pulls)
	}
	f.noSecrets(t)
}

// A branch that exists with the content (pushed by hand, or left by a pull
// request that was closed): no commit, a pull request from it.
func TestProposeChangeExistingBranch(t *testing.T) {
	f := proposeSetup(t)
	ctx := context.Background()
	c2 := commit("branch1")
	f.srv.CopyCommit("alpine/pay", commit("main1"), c2)
	f.srv.PutFile("alpine/pay", c2, propModel, []byte(propImplemented))
	f.srv.SetBranch("alpine/pay", propBranch, c2)
	f.srv.AddPull("alpine/pay", githubtest.Pull{Number: 3, Title: "closed one", HeadRef: propBranch, HeadSHA: c2,
		BaseSHA: commit("main1"), State: "closed"})

	url, err := f.c.ProposeChange(ctx, f.repo, propProposal(propImplemented))
	if err != nil {
		t.Fatal(err)
	}
	if url != "https://github.com/alpine/pay/pull/4" {
		t.Errorf("url %q", url)
	}
	if n := countPaths(f.srv.Requests(), http.MethodPut, "/contents/"); n != 0 {
		t.Errorf("%d commits", n)
	}
	if sha, _ := f.srv.Branch("alpine/pay", propBranch); sha != c2 {
		t.Errorf("branch moved to %s", sha)
	}
	pulls := f.srv.Pulls("alpine/pay")
	if len(pulls) != 2 || pulls[1].HeadSHA != c2 || pulls[1].State != "open" {
		t.Errorf("pull requests %+v", pulls)
	}

	// A different content on the existing branch: one commit on top.
	f2 := proposeSetup(t)
	f2.srv.CopyCommit("alpine/pay", commit("main1"), c2)
	f2.srv.PutFile("alpine/pay", c2, propModel, []byte("stale\n"))
	f2.srv.SetBranch("alpine/pay", propBranch, c2)
	if _, err := f2.c.ProposeChange(ctx, f2.repo, propProposal(propImplemented)); err != nil {
		t.Fatal(err)
	}
	if cs := f2.srv.Commits("alpine/pay"); len(cs) != 1 || cs[0].Parent != c2 {
		t.Errorf("commits %+v", cs)
	}
	if got, _ := f2.srv.FileAt("alpine/pay", propBranch, propModel); string(got) != propImplemented {
		t.Errorf("model on the branch %q", got)
	}
}

func TestProposeChangeNewFile(t *testing.T) {
	f := proposeSetup(t)
	p := propProposal("new\n")
	p.Path = "models/new.yaml"
	if _, err := f.c.ProposeChange(context.Background(), f.repo, p); err != nil {
		t.Fatal(err)
	}
	if got, ok := f.srv.FileAt("alpine/pay", propBranch, "models/new.yaml"); !ok || string(got) != "new\n" {
		t.Errorf("file %q %v", got, ok)
	}
	if pulls := f.srv.Pulls("alpine/pay"); len(pulls) != 1 || len(pulls[0].Files) != 1 || pulls[0].Files[0].Status != "added" {
		t.Errorf("pull requests %+v", pulls)
	}
}

// Concurrent calls for one branch end with one pull request, whose URL
// both answer.
func TestProposeChangeConcurrent(t *testing.T) {
	f := proposeSetup(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	urls := make([]string, 4)
	errs := make([]error, 4)
	for i := range urls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			urls[i], errs[i] = f.c.ProposeChange(ctx, f.repo, propProposal(propImplemented))
		}()
	}
	wg.Wait()
	for i := range urls {
		if errs[i] != nil || urls[i] != "https://github.com/alpine/pay/pull/1" {
			t.Errorf("call %d: %q, %v", i, urls[i], errs[i])
		}
	}
	if n := len(f.srv.Pulls("alpine/pay")); n != 1 {
		t.Errorf("%d pull requests", n)
	}
	if n := len(f.srv.Commits("alpine/pay")); n != 1 {
		t.Errorf("%d commits", n)
	}
}

func TestProposeChangeErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("nothing to propose", func(t *testing.T) {
		f := proposeSetup(t)
		_, err := f.c.ProposeChange(ctx, f.repo, propProposal(propPlanned))
		if f.seen(err) == nil || !strings.Contains(err.Error(), "No commits between main and "+propBranch) ||
			!strings.Contains(err.Error(), "HTTP 422") {
			t.Errorf("%v", err)
		}
		if len(f.srv.Pulls("alpine/pay")) != 0 || len(f.srv.Commits("alpine/pay")) != 0 {
			t.Error("a pull request or a commit")
		}
		f.noSecrets(t)
	})
	t.Run("unknown base commit", func(t *testing.T) {
		f := proposeSetup(t)
		p := propProposal(propImplemented)
		p.BaseSHA = commit("nowhere")
		_, err := f.c.ProposeChange(ctx, f.repo, p)
		if f.seen(err) == nil || !strings.Contains(err.Error(), "Object does not exist") || errors.Is(err, forge.ErrGone) {
			t.Errorf("%v", err)
		}
		if _, ok := f.srv.Branch("alpine/pay", propBranch); ok {
			t.Error("a branch was made")
		}
	})
	t.Run("unknown base branch", func(t *testing.T) {
		f := proposeSetup(t)
		p := propProposal(propImplemented)
		p.BaseBranch = "release"
		_, err := f.c.ProposeChange(ctx, f.repo, p)
		if f.seen(err) == nil || !strings.Contains(err.Error(), "base invalid") {
			t.Errorf("%v", err)
		}
	})
	t.Run("a repository that is gone", func(t *testing.T) {
		f := proposeSetup(t)
		f.srv.RemoveRepo("alpine/pay")
		_, err := f.c.ProposeChange(ctx, f.repo, propProposal(propImplemented))
		if !errors.Is(f.seen(err), forge.ErrGone) {
			t.Errorf("%v", err)
		}
		f.noSecrets(t)
	})
	t.Run("a propProposal without its fields makes no call", func(t *testing.T) {
		f := proposeSetup(t)
		for _, p := range []forge.Proposal{
			{BaseBranch: "main", BaseSHA: commit("main1"), Path: propModel, Title: "t"},
			{BaseBranch: "main", BaseSHA: commit("main1"), Branch: "main", Path: propModel, Title: "t"},
			{BaseBranch: "main", BaseSHA: commit("main1"), Branch: propBranch, Path: propModel},
		} {
			if _, err := f.c.ProposeChange(ctx, f.repo, p); err == nil {
				t.Errorf("%+v: no error", p)
			}
		}
		if n := f.srv.APICalls(); n != 0 {
			t.Errorf("%d calls", n)
		}
	})
}

// The fake is as strict as GitHub where ProposeChange relies on it.
func TestFakeProposeStrictness(t *testing.T) {
	f := proposeSetup(t)
	ctx := context.Background()
	g := f.c.GitHub()
	status := func(resp *gh.Response) int {
		if resp == nil {
			return 0
		}
		return resp.StatusCode
	}

	// Refs: the commit must exist; a second time is 422.
	if _, resp, _ := g.Git.CreateRef(ctx, "alpine", "pay", gh.CreateRef{Ref: "refs/heads/x", SHA: commit("nowhere")}); status(resp) != 422 {
		t.Errorf("ref at an unknown commit: %d", status(resp))
	}
	if _, _, err := g.Git.CreateRef(ctx, "alpine", "pay", gh.CreateRef{Ref: "refs/heads/x", SHA: commit("main1")}); err != nil {
		t.Fatal(err)
	}
	_, resp, err := g.Git.CreateRef(ctx, "alpine", "pay", gh.CreateRef{Ref: "refs/heads/x", SHA: commit("main1")})
	if status(resp) != 422 || !strings.Contains(err.Error(), "Reference already exists") {
		t.Errorf("second ref: %v", err)
	}

	// The contents API reports git's blob sha, which a replacement needs.
	fc, _, _, err := g.Repositories.GetContents(ctx, "alpine", "pay", propModel, &gh.RepositoryContentGetOptions{Ref: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if fc.GetSHA() != propBlob(propPlanned) {
		t.Errorf("blob sha %s, want %s", fc.GetSHA(), propBlob(propPlanned))
	}
	put := func(sha *string) (*gh.Response, error) {
		_, resp, err := g.Repositories.UpdateFile(ctx, "alpine", "pay", propModel, &gh.RepositoryContentFileOptions{
			Message: gh.Ptr("m"), Content: []byte(propImplemented), SHA: sha, Branch: gh.Ptr("x")})
		return resp, err
	}
	if resp, _ := put(nil); status(resp) != 422 {
		t.Errorf("no sha: %d", status(resp))
	}
	if resp, _ := put(gh.Ptr(propBlob("other"))); status(resp) != 409 {
		t.Errorf("wrong sha: %d", status(resp))
	}
	if resp, err := put(fc.SHA); err != nil || status(resp) != 200 {
		t.Fatalf("put: %d %v", status(resp), err)
	}
	if resp, _ := put(fc.SHA); status(resp) != 409 {
		t.Errorf("the old sha after the commit: %d", status(resp))
	}

	// Pull requests: the head must exist; one open one per head.
	newPull := func(head string) (*gh.PullRequest, *gh.Response, error) {
		return g.PullRequests.Create(ctx, "alpine", "pay", gh.CreatePullRequest{Title: gh.Ptr("t"), Head: head, Base: "main"})
	}
	if _, resp, _ := newPull("nope"); status(resp) != 422 {
		t.Errorf("unknown head: %d", status(resp))
	}
	pr, _, err := newPull("alpine:x")
	if err != nil {
		t.Fatal(err)
	}
	if _, resp, err := newPull("x"); status(resp) != 422 || !strings.Contains(propValidation(err), "A pull request already exists for alpine:x.") {
		t.Errorf("second pull request: %v", err)
	}

	// The list filters by owner:branch, and ignores a head without owner.
	f.srv.AddPull("alpine/pay", githubtest.Pull{Number: 50, HeadRef: "other", HeadSHA: commit("o"), BaseSHA: commit("main1")})
	list := func(head string) int {
		prs, _, err := g.PullRequests.List(ctx, "alpine", "pay", &gh.PullRequestListOptions{State: "open", Head: head})
		if err != nil {
			t.Fatal(err)
		}
		return len(prs)
	}
	if n := list("alpine:x"); n != 1 {
		t.Errorf("head alpine:x: %d", n)
	}
	if n := list("someone:x"); n != 0 {
		t.Errorf("head someone:x: %d", n)
	}
	if n := list("x"); n != 2 {
		t.Errorf("head without owner: %d, want all 2", n)
	}
	if pr.GetHead().GetRef() != "x" || pr.GetBody() != "" {
		t.Errorf("pull request %+v", pr)
	}
}

func propValidation(err error) string {
	var er *gh.ErrorResponse
	if !errors.As(err, &er) {
		return ""
	}
	var b strings.Builder
	for _, e := range er.Errors {
		b.WriteString(e.Message)
	}
	return b.String()
}

// propBlob is git's object id of a file (git hash-object).
func propBlob(content string) string {
	sum := sha1.Sum([]byte(fmt.Sprintf("blob %d\x00%s", len(content), content)))
	return hex.EncodeToString(sum[:])
}
