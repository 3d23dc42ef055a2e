package gitlab_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/forge/gitlab"
	"github.com/tmbot/tmbot/bot/forge/gitlab/gitlabtest"
	"github.com/tmbot/tmbot/bot/forge/retry"
	"github.com/tmbot/tmbot/bot/policy"
	"github.com/tmbot/tmbot/bot/review"
)

const (
	proj   = "alpine/payments/pay"
	fork   = "vendor/pay"
	botU   = "project_1_bot_abc123"
	base   = "1111111111111111111111111111111111111111"
	head   = "2222222222222222222222222222222222222222"
	head2  = "3333333333333333333333333333333333333333"
	forkSH = "4444444444444444444444444444444444444444"
)

const modelBase = `version: 1
system:
  id: pay
  name: Pay
threats:
  t1:
    title: One
    likelihood: low
    impact: low
`

const modelHead = modelBase + `  t2:
    title: Two
    likelihood: high
    impact: high
`

type fixture struct {
	gl   *gitlabtest.Server
	c    *gitlab.Client
	repo forge.Repo
	tok  string
}

func setup(t *testing.T) *fixture {
	t.Helper()
	g := gitlabtest.New(t)
	g.AddUser(botU, true)
	tok := g.AddToken(botU)
	id := g.AddProject(proj, "main")
	g.AddMember(proj, botU, gitlabtest.Developer)
	g.AddMember(proj, "alice", gitlabtest.Developer)
	g.AddMember(proj, "guest", gitlabtest.Guest)
	g.PutFile(proj, base, "models/pay.threatmodel.yaml", []byte(modelBase))
	g.PutFile(proj, base, "README.md", []byte("hi\n"))
	g.SetBranch(proj, "main", base)
	g.PutFile(proj, head, "models/pay.threatmodel.yaml", []byte(modelHead))
	g.PutFile(proj, head, "README.md", []byte("hi\n"))
	g.PutFile(proj, head, "docs/new.md", []byte("new\n"))
	g.AddMergeRequest(proj, gitlabtest.MergeRequest{IID: 1, Title: "Add t2", Author: "alice", SourceBranch: "feature",
		BaseSHA: base, HeadSHA: head})
	c, err := gitlab.NewWithRetry(g.URL()+"/", tok, nil, &retry.Policy{Sleep: func(time.Duration) {}})
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(proj, "/")
	return &fixture{gl: g, c: c, tok: tok, repo: forge.Repo{Forge: "gitlab", ID: id,
		Owner: strings.Join(parts[:len(parts)-1], "/"), Name: parts[len(parts)-1], DefaultBranch: "main"}}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestNormalizeURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://gitlab.example.com":          "https://gitlab.example.com",
		"https://gitlab.example.com/":         "https://gitlab.example.com",
		"https://gitlab.example.com/api/v4":   "https://gitlab.example.com",
		"https://gitlab.example.com/api/v4/":  "https://gitlab.example.com",
		"https://example.com/gitlab/":         "https://example.com/gitlab",
		"http://127.0.0.1:8080/gitlab/api/v4": "http://127.0.0.1:8080/gitlab",
	} {
		got, err := gitlab.NormalizeURL(in)
		if err != nil || got != want {
			t.Errorf("NormalizeURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "gitlab.example.com", "ftp://x", "https://x?a=b"} {
		if _, err := gitlab.NormalizeURL(bad); err == nil {
			t.Errorf("NormalizeURL(%q) accepted", bad)
		}
	}
	if _, err := gitlab.New("https://gitlab.example.com", "", nil); err == nil {
		t.Error("New without a token accepted")
	}
}

func TestPullRequestAndFiles(t *testing.T) {
	f := setup(t)
	// By path too, not only by id.
	byPath := f.repo
	byPath.ID = 0
	for _, repo := range []forge.Repo{f.repo, byPath} {
		pr, err := f.c.PullRequest(ctx(t), repo, 1)
		if err != nil {
			t.Fatal(err)
		}
		if pr.BaseSHA != base || pr.HeadSHA != head || pr.BaseRef != "main" || pr.State != "open" || pr.Author != "alice" ||
			pr.Number != 1 || pr.Repo.ID == 0 || pr.HeadRepo != proj {
			t.Errorf("pull request: %+v", pr)
		}
	}
	pr, _ := f.c.PullRequest(ctx(t), f.repo, 1)
	files, err := f.c.ChangedFiles(ctx(t), pr)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files[0].Path != "docs/new.md" || files[1].Path != "models/pay.threatmodel.yaml" ||
		files[0].Status != review.FileAdded || files[1].Status != review.FileModified {
		t.Errorf("changed files: %+v", files)
	}
	data, found, err := f.c.ReadFile(ctx(t), f.repo, head, "models/pay.threatmodel.yaml")
	if err != nil || !found || string(data) != modelHead {
		t.Fatalf("read: %q %v %v", data, found, err)
	}
	calls := f.c.Calls()
	if _, found, err := f.c.ReadFile(ctx(t), f.repo, head, "models/pay.threatmodel.yaml"); err != nil || !found || f.c.Calls() != calls {
		t.Errorf("a second read of the same file at the same commit called GitLab (%v %v)", found, err)
	}
	_, found, err = f.c.ReadFile(ctx(t), f.repo, base, ".tmbot.yaml")
	if err != nil || found {
		t.Errorf("missing file: %v %v", found, err)
	}
	calls = f.c.Calls()
	if _, found, _ := f.c.ReadFile(ctx(t), f.repo, base, ".tmbot.yaml"); found || f.c.Calls() != calls {
		t.Error("a missing file was not cached")
	}
	// A commit the project does not have is an error, not a missing file.
	if _, _, err := f.c.ReadFile(ctx(t), f.repo, strings.Repeat("9", 40), "README.md"); err == nil {
		t.Error("reading at an unknown commit succeeded")
	}
	// Branch names are read too (not cached).
	if data, found, err := f.c.ReadFile(ctx(t), f.repo, "main", "README.md"); err != nil || !found || string(data) != "hi\n" {
		t.Errorf("read at a branch: %q %v %v", data, found, err)
	}
	tree, err := f.c.ListTree(ctx(t), f.repo, head)
	if err != nil || strings.Join(tree, ",") != "README.md,docs/new.md,models/pay.threatmodel.yaml" {
		t.Errorf("tree: %v %v", tree, err)
	}
	sha, err := f.c.BranchHead(ctx(t), f.repo, "main")
	if err != nil || sha != base {
		t.Errorf("branch head: %s %v", sha, err)
	}
	if _, err := f.c.BranchHead(ctx(t), f.repo, "nope"); !errors.Is(err, forge.ErrNotFound) {
		t.Errorf("missing branch: %v", err)
	}
}

func TestForkIsReadThroughTheTarget(t *testing.T) {
	f := setup(t)
	f.gl.AddProject(fork, "main", proj)
	f.gl.PutFile(fork, forkSH, "models/pay.threatmodel.yaml", []byte(modelHead+"  t3:\n    title: Three\n    likelihood: low\n    impact: low\n"))
	f.gl.PutFile(fork, forkSH, "README.md", []byte("hi\n"))
	f.gl.AddMergeRequest(proj, gitlabtest.MergeRequest{IID: 2, Title: "Vendor model", Author: "vendor", SourceBranch: "main",
		SourceProject: fork, BaseSHA: base, HeadSHA: forkSH})
	pr, err := f.c.PullRequest(ctx(t), f.repo, 2)
	if err != nil {
		t.Fatal(err)
	}
	if pr.HeadSHA != forkSH || pr.HeadRepo == proj {
		t.Errorf("fork request: %+v", pr)
	}
	data, found, err := f.c.ReadFile(ctx(t), f.repo, forkSH, "models/pay.threatmodel.yaml")
	if err != nil || !found || !strings.Contains(string(data), "Three") {
		t.Fatalf("fork read: %v %v", found, err)
	}
	// The status goes to the target project, on the request's ref.
	if err := f.c.SetCheck(ctx(t), pr, forge.Check{Conclusion: forge.ConclusionOK, Title: "ok", Fresh: true}); err != nil {
		t.Fatal(err)
	}
	sts := f.gl.Statuses(proj, forkSH)
	if len(sts) != 1 || sts[0].Ref != "refs/merge-requests/2/head" || sts[0].Status != "success" {
		t.Errorf("fork status: %+v", sts)
	}
}

func TestCommentsAndStatus(t *testing.T) {
	f := setup(t)
	pr, _ := f.c.PullRequest(ctx(t), f.repo, 1)
	f.gl.AddNote(proj, 1, "alice", "looks fine")
	cm, err := f.c.CreateComment(ctx(t), pr, review.Marker+"\nhello")
	if err != nil || cm.Author != botU {
		t.Fatalf("create: %+v %v", cm, err)
	}
	f.gl.SetMergeRequestHead(proj, 1, head, "") // a system note
	cs, err := f.c.ListComments(ctx(t), pr)
	if err != nil || len(cs) != 2 || cs[0].Author != "alice" || cs[1].ID != cm.ID {
		t.Fatalf("list: %+v %v", cs, err)
	}
	if err := f.c.UpdateComment(ctx(t), pr, cm.ID, review.Marker+"\nedited"); err != nil {
		t.Fatal(err)
	}
	if err := f.c.UpdateComment(ctx(t), pr, 999999, "x"); !errors.Is(err, forge.ErrNotFound) || errors.Is(err, forge.ErrGone) {
		t.Errorf("editing a missing note: %v", err)
	}
	if n := f.gl.Notes(proj, 1); len(n) != 2 || !strings.HasSuffix(n[1].Body, "edited") {
		t.Errorf("notes: %+v", n)
	}

	chk := forge.Check{Conclusion: forge.ConclusionBlock, Title: "1 new unmitigated threat", Fresh: true,
		DetailsURL: "https://tmbot.example.com/pr/1"}
	if err := f.c.SetCheck(ctx(t), pr, chk); err != nil {
		t.Fatal(err)
	}
	writes := f.gl.Writes()
	if err := f.c.SetCheck(ctx(t), pr, chk); err != nil {
		t.Fatal(err)
	}
	if f.gl.Writes() != writes {
		t.Error("the same status was written twice")
	}
	// A new process (no memory), not fresh: it reads the statuses and
	// writes nothing.
	c2, _ := gitlab.New(f.gl.URL(), f.tok, nil)
	chk.Fresh = false
	if err := c2.SetCheck(ctx(t), pr, chk); err != nil {
		t.Fatal(err)
	}
	if f.gl.Writes() != writes {
		t.Error("a restarted client rewrote an unchanged status")
	}
	chk.Conclusion, chk.Title = forge.ConclusionOK, "No new unmitigated threat"
	if err := c2.SetCheck(ctx(t), pr, chk); err != nil {
		t.Fatal(err)
	}
	sts := f.gl.Statuses(proj, head)
	if len(sts) != 2 || sts[0].Name != "threat-model" || sts[0].Status != "failed" || sts[1].Status != "success" ||
		sts[1].Ref != "feature" || sts[0].TargetURL != "https://tmbot.example.com/pr/1" {
		t.Errorf("statuses: %+v", sts)
	}
	long := forge.Check{Conclusion: forge.ConclusionOK, Title: strings.Repeat("é", 400)}
	if err := c2.SetCheck(ctx(t), pr, long); err != nil {
		t.Errorf("a long title: %v", err)
	}
}

// TestFindingsDiscussions: a blocking finding on a line the diff shows
// gets one positioned thread; one on a line it does not show gets none
// (the merge request's review note lists it): one note per merge request,
// plus threads only where a finding has a line in the diff.
func TestFindingsDiscussions(t *testing.T) {
	f := setup(t)
	pr, _ := f.c.PullRequest(ctx(t), f.repo, 1)
	if _, err := f.c.ChangedFiles(ctx(t), pr); err != nil {
		t.Fatal(err)
	}
	path := "models/pay.threatmodel.yaml"
	added := review.CheckFinding{Rule: "r", Path: path, StartLine: 10, EndLine: 10, Severity: policy.Error, Title: "t2 is unmitigated",
		Message: "Threat t2 (high) has no planned mitigation."}
	added2 := review.CheckFinding{Rule: "r", Path: path, StartLine: 12, EndLine: 12, Severity: policy.Error, Title: "t2 likelihood",
		Message: "Something about t2's likelihood."}
	outside := review.CheckFinding{Rule: "r", Path: path, StartLine: 2, EndLine: 2, Severity: policy.Error, Title: "system",
		Message: "Something about the system."}
	warn := review.CheckFinding{Rule: "r", Path: path, StartLine: 3, Severity: policy.Warning, Title: "w", Message: "a warning"}
	chk := forge.Check{Conclusion: forge.ConclusionBlock, Title: "blocked", Findings: []review.CheckFinding{added, added2, outside, warn}, Fresh: true}
	if err := f.c.SetCheck(ctx(t), pr, chk); err != nil {
		t.Fatal(err)
	}
	ds := f.gl.Discussions(proj, 1)
	if len(ds) != 2 {
		t.Fatalf("%d discussions, want 2 (the lines 10 and 12 the diff shows): %+v", len(ds), ds)
	}
	lines := map[int]bool{}
	for _, d := range ds {
		n := d.Notes[0]
		if !n.Resolvable || n.Resolved || n.Author != botU {
			t.Errorf("discussion: %+v", n)
		}
		if n.Position == nil || n.Position.HeadSHA != head {
			t.Errorf("a discussion without a position on the head: %+v", n)
			continue
		}
		lines[int(n.Position.NewLine)] = true
		if strings.Contains(n.Body, "Something about the system") {
			t.Errorf("the finding outside the diff got a thread: %s", n.Body)
		}
	}
	if !lines[10] || !lines[12] {
		t.Errorf("threads on lines %v, want 10 and 12", lines)
	}
	// The same findings again from a new process: nothing new.
	c2, _ := gitlab.New(f.gl.URL(), f.tok, nil)
	chk.Fresh = false
	writes := f.gl.Writes()
	if err := c2.SetCheck(ctx(t), pr, chk); err != nil {
		t.Fatal(err)
	}
	if f.gl.Writes() != writes || len(f.gl.Discussions(proj, 1)) != 2 {
		t.Errorf("the same findings wrote %d times", f.gl.Writes()-writes)
	}
	// One finding gone: its discussion is resolved; back: unresolved.
	chk.Findings = []review.CheckFinding{added, outside}
	if err := c2.SetCheck(ctx(t), pr, chk); err != nil {
		t.Fatal(err)
	}
	resolved := 0
	for _, d := range f.gl.Discussions(proj, 1) {
		if d.Notes[0].Resolved {
			resolved++
			if !strings.Contains(d.Notes[0].Body, "likelihood") {
				t.Errorf("resolved the wrong one: %s", d.Notes[0].Body)
			}
		}
	}
	if resolved != 1 {
		t.Errorf("%d resolved", resolved)
	}
	chk.Findings = []review.CheckFinding{added, added2, outside}
	chk.Title = "blocked again"
	if err := c2.SetCheck(ctx(t), pr, chk); err != nil {
		t.Fatal(err)
	}
	for _, d := range f.gl.Discussions(proj, 1) {
		if d.Notes[0].Resolved {
			t.Errorf("still resolved: %s", d.Notes[0].Body)
		}
	}
	if n := len(f.gl.Discussions(proj, 1)); n != 2 {
		t.Errorf("%d discussions after the finding came back", n)
	}
	// All settled: everything resolved, and a later success writes no
	// discussion.
	ok := forge.Check{Conclusion: forge.ConclusionOK, Title: "fine"}
	if err := c2.SetCheck(ctx(t), pr, ok); err != nil {
		t.Fatal(err)
	}
	for _, d := range f.gl.Discussions(proj, 1) {
		if !d.Notes[0].Resolved {
			t.Errorf("not resolved: %s", d.Notes[0].Body)
		}
	}
}

// TestFindingOutsideDiffResolvesOldThread: an earlier version opened an
// unpositioned thread for a finding whose line the diff does not show.
// The bot resolves it and opens no other.
func TestFindingOutsideDiffResolvesOldThread(t *testing.T) {
	f := setup(t)
	pr, _ := f.c.PullRequest(ctx(t), f.repo, 1)
	if _, err := f.c.ChangedFiles(ctx(t), pr); err != nil {
		t.Fatal(err)
	}
	outside := review.CheckFinding{Rule: "r", Path: "models/pay.threatmodel.yaml", StartLine: 2, EndLine: 2, Severity: policy.Error,
		Title: "system", Message: "Something about the system."}
	old := postThread(t, f, f.tok, findingMarkerOf(outside)+"\n**system**")
	chk := forge.Check{Conclusion: forge.ConclusionBlock, Title: "blocked", Findings: []review.CheckFinding{outside}}
	if err := f.c.SetCheck(ctx(t), pr, chk); err != nil {
		t.Fatal(err)
	}
	ds := f.gl.Discussions(proj, 1)
	if len(ds) != 1 || ds[0].ID != old || !ds[0].Notes[0].Resolved {
		t.Fatalf("want only the old thread, resolved: %+v", ds)
	}
}

func TestMembersAndUsers(t *testing.T) {
	f := setup(t)
	for user, want := range map[string][2]bool{"alice": {true, true}, "guest": {false, true}, "nobody": {false, false}, "": {false, false}} {
		w, err := f.c.CanWrite(ctx(t), f.repo, user)
		if err != nil || w != want[0] {
			t.Errorf("CanWrite(%s) = %v %v", user, w, err)
		}
		a, err := f.c.CanAssign(ctx(t), f.repo, user)
		if err != nil || a != want[1] {
			t.Errorf("CanAssign(%s) = %v %v", user, a, err)
		}
	}
	f.gl.AddUser("outsider", false)
	if ok, err := f.c.CanWrite(ctx(t), f.repo, "outsider"); ok || err != nil {
		t.Errorf("outsider: %v %v", ok, err)
	}
	for range 2 {
		login, err := f.c.BotLogin(ctx(t))
		if err != nil || login != botU {
			t.Errorf("bot login %q %v", login, err)
		}
	}
}

func TestIssues(t *testing.T) {
	f := setup(t)
	is, err := f.c.CreateIssue(ctx(t), f.repo, forge.IssueSpec{Title: strings.Repeat("x", 300), Body: "<!-- tmbot:mitigation key=\"pay/a\" -->\nbody",
		Labels: []string{"threat-model", "risk:high"}, Assignees: []string{"alice", "ghost"}, Due: "2027-01-31"})
	if err != nil {
		t.Fatal(err)
	}
	if is.Number != 1 || is.State != "open" || len([]rune(is.Title)) != 255 || !strings.HasSuffix(is.Title, "…") ||
		strings.Join(is.Assignees, ",") != "alice" || is.Due != "2027-01-31" || !strings.Contains(is.URL, "/-/issues/1") {
		t.Errorf("created: %+v", is)
	}
	f.gl.AddIssue(proj, "alice", "unrelated", "no label")
	list, err := f.c.ListIssues(ctx(t), f.repo, "threat-model")
	if err != nil || len(list) != 1 || list[0].Labels[0] != "threat-model" {
		t.Fatalf("list: %+v %v", list, err)
	}
	if err := f.c.UpdateIssue(ctx(t), f.repo, 1, forge.IssueSpec{Title: "new", Body: "b", Labels: []string{"threat-model"}}); err != nil {
		t.Fatal(err)
	}
	got, _ := f.gl.Issue(proj, 1)
	if got.Title != "new" || len(got.Assignees) != 0 || got.DueDate != "" || strings.Join(got.Labels, ",") != "threat-model" {
		t.Errorf("updated: %+v", got)
	}
	if err := f.c.CommentOnIssue(ctx(t), f.repo, 1, "closing: done"); err != nil {
		t.Fatal(err)
	}
	if err := f.c.CloseIssue(ctx(t), f.repo, 1, forge.ReasonNotPlanned); err != nil {
		t.Fatal(err)
	}
	list, _ = f.c.ListIssues(ctx(t), f.repo, "threat-model")
	if list[0].State != "closed" || list[0].ClosedBy != botU || list[0].StateReason != "" {
		t.Errorf("closed: %+v", list[0])
	}
	if err := f.c.CloseIssue(ctx(t), f.repo, 1, "because"); err == nil {
		t.Error("a bad reason was accepted")
	}
	if err := f.c.ReopenIssue(ctx(t), f.repo, 1); err != nil {
		t.Fatal(err)
	}
	got, _ = f.gl.Issue(proj, 1)
	if got.State != "opened" || len(got.Notes) != 1 {
		t.Errorf("reopened: %+v", got)
	}
	if err := f.c.UpdateIssue(ctx(t), f.repo, 99, forge.IssueSpec{Title: "x"}); !errors.Is(err, forge.ErrNotFound) {
		t.Errorf("missing issue: %v", err)
	}
}

func TestPagination(t *testing.T) {
	f := setup(t)
	for i := range 230 {
		f.gl.PutFile(proj, head2, fmt.Sprintf("dir/f%03d.txt", i), []byte("x"))
	}
	tree, err := f.c.ListTree(ctx(t), f.repo, head2)
	if err != nil || len(tree) != 230 {
		t.Fatalf("tree: %d %v", len(tree), err)
	}
	for i := range 130 {
		f.gl.AddIssue(proj, "alice", fmt.Sprintf("i%d", i), "", "threat-model")
	}
	list, err := f.c.ListIssues(ctx(t), f.repo, "threat-model")
	if err != nil || len(list) != 130 || list[0].Number != 1 || list[129].Number != 130 {
		t.Fatalf("issues: %d %v", len(list), err)
	}
	for i := range 105 {
		f.gl.AddMergeRequest(proj, gitlabtest.MergeRequest{Title: fmt.Sprint(i), BaseSHA: base, HeadSHA: head})
	}
	prs, err := f.c.ListOpenPullRequests(ctx(t), f.repo)
	if err != nil || len(prs) != 106 {
		t.Fatalf("open requests: %d %v", len(prs), err)
	}
	for _, p := range prs {
		if p.BaseSHA != base {
			t.Fatalf("no base: %+v", p)
		}
	}
	// The second listing costs the pages only.
	calls := f.c.Calls()
	if _, err := f.c.ListOpenPullRequests(ctx(t), f.repo); err != nil {
		t.Fatal(err)
	}
	if n := f.c.Calls() - calls; n != 2 {
		t.Errorf("a second listing made %d calls, want 2", n)
	}
}

func TestErrors(t *testing.T) {
	f := setup(t)
	f.gl.FailNext(1, http.StatusTooManyRequests, map[string]string{"Retry-After": "30"})
	_, err := f.c.PullRequest(ctx(t), f.repo, 1)
	if d, ok := forge.RetryAfter(err, time.Now()); !ok || d < 25*time.Second || d > 31*time.Second {
		t.Errorf("429: %v (%v)", err, d)
	}
	reset := time.Now().Add(90 * time.Second).Unix()
	f.gl.FailNext(1, http.StatusTooManyRequests, map[string]string{"RateLimit-Reset": fmt.Sprint(reset)})
	_, err = f.c.PullRequest(ctx(t), f.repo, 1)
	if d, ok := forge.RetryAfter(err, time.Now()); !ok || d < 80*time.Second {
		t.Errorf("429 with RateLimit-Reset: %v (%v)", err, d)
	}
	// Each call is tried 1+retries times before its error is seen.
	f.gl.FailNext(1+retry.DefaultMaxRetries, http.StatusBadGateway, nil)
	_, err = f.c.PullRequest(ctx(t), f.repo, 1)
	if err == nil || errors.Is(err, forge.ErrNotFound) || errors.Is(err, forge.ErrGone) {
		t.Errorf("502: %v", err)
	}
	if _, ok := forge.RetryAfter(err, time.Now()); ok {
		t.Error("502 is not a rate limit")
	}
	if _, err := f.c.PullRequest(ctx(t), f.repo, 42); !errors.Is(err, forge.ErrNotFound) || errors.Is(err, forge.ErrGone) {
		t.Errorf("missing request: %v", err)
	}
	// The token's user loses access: the project is gone for it.
	f.gl.AddMember(proj, botU, 0)
	if _, _, err := f.c.ReadFile(ctx(t), f.repo, strings.Repeat("a", 40), "x"); !errors.Is(err, forge.ErrGone) {
		t.Errorf("project gone: %v", err)
	}
	f.gl.AddMember(proj, botU, gitlabtest.Reporter)
	pr := &forge.PullRequest{Repo: f.repo, Number: 1, HeadSHA: head}
	if err := f.c.SetCheck(ctx(t), pr, forge.Check{Conclusion: forge.ConclusionOK, Fresh: true}); err == nil ||
		errors.Is(err, forge.ErrGone) || !strings.Contains(err.Error(), "403") {
		t.Errorf("a role too low: %v", err)
	}
	f.gl.RevokeToken(f.tok)
	_, err = f.c.PullRequest(ctx(t), f.repo, 1)
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("revoked token: %v", err)
	}
	for _, e := range []error{err} {
		if strings.Contains(e.Error(), f.tok) {
			t.Error("the token is in an error")
		}
	}
	if f.c.Calls() == 0 {
		t.Error("no calls counted")
	}
}

// TestRetriesInPlace: client-go's retrying client, given bot/forge/retry's
// policy, sends a read again after a 502 and succeeds, but not a create
// (POST), which GitLab may have carried out before it failed.
func TestRetriesInPlace(t *testing.T) {
	f := setup(t)
	f.gl.FailNext(2, http.StatusBadGateway, nil)
	if _, err := f.c.PullRequest(ctx(t), f.repo, 1); err != nil {
		t.Fatalf("a read after two 502s: %v", err)
	}
	spec := forge.IssueSpec{Title: "One", Body: "body"}
	f.gl.FailNext(1, http.StatusBadGateway, nil)
	if _, err := f.c.CreateIssue(ctx(t), f.repo, spec); err == nil {
		t.Fatal("a create that met a 502 was sent again")
	}
	if n := len(f.gl.Issues(proj)); n != 0 {
		t.Fatalf("%d issues", n)
	}
}
