package jobs

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/forge/github/githubtest"
	"github.com/tmbot/tmbot/bot/queue"
	"github.com/tmbot/tmbot/bot/review"
)

// pathOnly hides a client's forge.BlobReader: the review then reads each
// file by path, one call per file and side, as it did before the blob
// listing (the baseline the bulk reads are measured and compared with).
type pathOnly struct{ forge.Client }

func (f *budgetFixture) readByPath() {
	next := f.d.Client
	f.d.Client = func(r forge.Repo) (forge.Client, error) {
		c, err := next(r)
		if err != nil {
			return nil, err
		}
		return pathOnly{c}, nil
	}
}

// tree is a repository's files at one commit.
type tree map[string][]byte

// pullOf adds repository name with pull request #1 from base to head,
// changing files (the statuses derived from base and head when left
// empty), and returns the review's arguments.
func (f *budgetFixture) pullOf(t *testing.T, name string, base, head tree, files []githubtest.PullFile) (forge.Repo, queue.ReviewArgs) {
	t.Helper()
	repo := f.gh.AddRepo(5, "acme/"+name, "main")
	b, h := commit(name+"-base"), commit(name+"-head")
	f.gh.AddCommit(repo.FullName(), b)
	f.gh.AddCommit(repo.FullName(), h)
	for p, data := range base {
		f.gh.PutFile(repo.FullName(), b, p, data)
	}
	for p, data := range head {
		f.gh.PutFile(repo.FullName(), h, p, data)
	}
	f.gh.SetBranch(repo.FullName(), "main", b)
	f.gh.AddPull(repo.FullName(), githubtest.Pull{Number: 1, BaseSHA: b, HeadSHA: h, Files: files})
	pr := forge.PullRequest{Repo: repo, Number: 1}
	return repo, queue.ReviewArgs{PRKey: pr.Key(), Repo: repo, Number: 1, Trigger: forge.TriggerOpened}
}

// contentReads counts the reads of model content since the last
// ResetCounts: by path (the contents API) or by blob id (the blobs API).
func (f *budgetFixture) contentReads() (byPath, byBlob int) {
	for _, r := range f.gh.Requests() {
		switch {
		case strings.Contains(r.Path, "/contents/") && strings.Contains(r.Path, ".threatmodel."):
			byPath++
		case strings.Contains(r.Path, "/git/blobs/"):
			byBlob++
		}
	}
	return byPath, byBlob
}

func (f *budgetFixture) treeReads() int {
	n := 0
	for _, r := range f.gh.Requests() {
		if strings.Contains(r.Path, "/git/trees/") {
			n++
		}
	}
	return n
}

func (f *budgetFixture) review(t *testing.T, args queue.ReviewArgs) {
	t.Helper()
	f.gh.ResetCounts()
	if err := f.d.ReviewPR(context.Background(), args); err != nil {
		t.Fatal(err)
	}
}

// TestOverBudgetBytesRefusedBeforeAnyRead: on GitHub the sizes come from
// one tree listing per side, so a request whose model files hold more
// bytes than the budget is refused without reading any content, and the
// message gives the exact total (not "at least").
func TestOverBudgetBytesRefusedBeforeAnyRead(t *testing.T) {
	size := len(budgetModel(1000, 3))
	f := newBudgetFixture(t, review.Budget{MaxFiles: 100, MaxBytes: int64(2*size + size/2)})
	repo, args := f.pull(t, "over", 6, 2, "")
	f.review(t, args)
	if byPath, byBlob := f.contentReads(); byPath+byBlob != 0 {
		t.Errorf("%d reads by path and %d by blob, want none: the sizes are known before reading", byPath, byBlob)
	}
	if n := f.treeReads(); n != 2 {
		t.Errorf("%d tree listings, want 2 (one per side)", n)
	}
	run := f.check(t, repo, commit("over-head"))
	if run.Conclusion != forge.ConclusionBlock {
		t.Errorf("conclusion %q, want failure", run.Conclusion)
	}
	if strings.Contains(run.Summary, "at least") {
		t.Errorf("the check says %q, want the exact total:\n%s", "at least", run.Summary)
	}
	total := 6*size + 2*len(budgetModel(0, 3)) + 2*len(budgetModel(0, 4))
	wantAll(t, "the check", run.Summary, fmt.Sprintf("hold %d,%03d bytes", total/1000, total%1000), "TMBOT\\_REVIEW\\_MAX\\_BYTES")
}

// TestTruncatedTreeFallsBackToReadingByPath: when GitHub cuts the tree
// listing short, the sizes are not trusted: the review reads by path and
// checks the budget as it reads (as without a listing), says so in a log
// field, and its result is the same as when reading by path throughout.
func TestTruncatedTreeFallsBackToReadingByPath(t *testing.T) {
	var logs bytes.Buffer
	f := newBudgetFixture(t, review.Budget{})
	f.d.Log = slog.New(slog.NewTextHandler(&logs, nil))
	f.gh.SetTreeLimit(1)
	_, args := f.pull(t, "cut", 2, 2, "")
	f.review(t, args)
	byPath, _ := f.contentReads()
	if byPath != 6 {
		t.Errorf("%d reads by path, want 6 (2 added, 2 modified at both sides)", byPath)
	}
	if !strings.Contains(logs.String(), "tree_truncated=true") {
		t.Errorf("no log line says tree_truncated=true:\n%s", logs.String())
	}
	got := f.gh.Comments("acme/cut", 1)

	g := newBudgetFixture(t, review.Budget{})
	g.readByPath()
	_, args = g.pull(t, "cut", 2, 2, "")
	g.review(t, args)
	want := g.gh.Comments("acme/cut", 1)
	if len(got) != 1 || len(want) != 1 || got[0].Body != want[0].Body {
		t.Errorf("the comment after a truncated listing differs from the one read by path:\n%v\n---\n%v", got, want)
	}

	// Over budget with a truncated listing: reading stops at the limit.
	size := len(budgetModel(1000, 3))
	h := newBudgetFixture(t, review.Budget{MaxFiles: 100, MaxBytes: int64(2*size + size/2)})
	h.gh.SetTreeLimit(1)
	repo, args := h.pull(t, "cutover", 6, 0, "")
	h.review(t, args)
	if byPath, _ := h.contentReads(); byPath != 3 {
		t.Errorf("%d reads by path, want 3: reading stops at the limit", byPath)
	}
	run := h.check(t, repo, commit("cutover-head"))
	if run.Conclusion != forge.ConclusionBlock || !strings.Contains(run.Summary, "at least") {
		t.Errorf("conclusion %q, want failure saying %q:\n%s", run.Conclusion, "at least", run.Summary)
	}
}

// mixedPull is a request with every kind of change, and a configuration
// and a policy file on the base.
func mixedPull() (base, head tree, files []githubtest.PullFile) {
	cfg := []byte("policies:\n  files: [policies/extra.cue]\n")
	pol := []byte("package tmbot\n")
	base = tree{".tmbot.yaml": cfg, "policies/extra.cue": pol,
		"m/mod.threatmodel.yaml": budgetModel(1, 3), "m/gone.threatmodel.yaml": budgetModel(2, 3),
		"m/moved.threatmodel.yaml": budgetModel(3, 3), "m/moved2.threatmodel.yaml": budgetModel(4, 3)}
	head = tree{".tmbot.yaml": cfg, "policies/extra.cue": pol,
		"m/mod.threatmodel.yaml": budgetModel(1, 5), "m/new.threatmodel.yaml": budgetModel(5, 3),
		"n/moved.threatmodel.yaml": budgetModel(3, 3), "n/moved2.threatmodel.yaml": budgetModel(4, 4)}
	files = []githubtest.PullFile{{Path: "m/mod.threatmodel.yaml"}, {Path: "m/gone.threatmodel.yaml"}, {Path: "m/new.threatmodel.yaml"},
		{Path: "n/moved.threatmodel.yaml", OldPath: "m/moved.threatmodel.yaml", Status: "renamed"},
		{Path: "n/moved2.threatmodel.yaml", OldPath: "m/moved2.threatmodel.yaml", Status: "renamed"}}
	return base, head, files
}

// TestBlobReadsLeaveTheReviewUnchanged: reading by blob id gives the same
// comment and check as reading by path, for added, removed, modified and
// renamed files (one renamed without a change, whose content is read
// once).
func TestBlobReadsLeaveTheReviewUnchanged(t *testing.T) {
	base, head, files := mixedPull()
	f := newBudgetFixture(t, review.Budget{})
	repo, args := f.pullOf(t, "mixed", base, head, files)
	f.review(t, args)
	byPath, byBlob := f.contentReads()
	// mod 2, gone 1, new 1, moved 1 (unchanged), moved2 2.
	if byPath != 0 || byBlob != 7 {
		t.Errorf("%d reads by path and %d by blob, want 0 and 7", byPath, byBlob)
	}
	got := f.check(t, repo, commit("mixed-head"))
	gotComment := f.gh.Comments(repo.FullName(), 1)

	g := newBudgetFixture(t, review.Budget{})
	g.readByPath()
	repo, args = g.pullOf(t, "mixed", base, head, files)
	g.review(t, args)
	if byPath, byBlob := g.contentReads(); byPath != 8 || byBlob != 0 {
		t.Errorf("by path: %d reads by path and %d by blob, want 8 and 0", byPath, byBlob)
	}
	want := g.check(t, repo, commit("mixed-head"))
	wantComment := g.gh.Comments(repo.FullName(), 1)
	if got.Conclusion != want.Conclusion || got.Title != want.Title || got.Summary != want.Summary {
		t.Errorf("the check differs:\n%s %s\n%s\n---\n%s %s\n%s", got.Conclusion, got.Title, got.Summary, want.Conclusion, want.Title, want.Summary)
	}
	if len(gotComment) != 1 || len(wantComment) != 1 || gotComment[0].Body != wantComment[0].Body {
		t.Errorf("the comment differs:\n%v\n---\n%v", gotComment, wantComment)
	}
}

// TestCallsPerReviewByPathAndByBlob counts the API calls of reviews read
// by path (one call per file and side) and through the blob listing, at
// the fake, and logs them (docs/performance.md quotes them: go test
// ./bot/jobs -run TestCallsPerReviewByPathAndByBlob -v). A request over
// the byte budget costs the listing only, and a push that changes one of
// ten model files reads one blob.
func TestCallsPerReviewByPathAndByBlob(t *testing.T) {
	size := len(budgetModel(1000, 3))
	type counts struct{ calls, reads int }
	run := func(t *testing.T, byPath bool, budget review.Budget, scenario func(f *budgetFixture) []func() queue.ReviewArgs) counts {
		f := newBudgetFixture(t, budget)
		if byPath {
			f.readByPath()
		}
		var c counts
		for _, step := range scenario(f) {
			f.review(t, step())
			p, b := f.contentReads()
			c = counts{calls: f.gh.APICalls(), reads: p + b}
		}
		return c
	}
	type steps = []func() queue.ReviewArgs
	simple := func(added, modified int) func(f *budgetFixture) steps {
		return func(f *budgetFixture) steps {
			_, args := f.pull(t, "r", added, modified, "")
			return steps{func() queue.ReviewArgs { return args }}
		}
	}
	push := func(f *budgetFixture) steps {
		repo, args := f.pull(t, "r", 0, 10, "")
		return steps{func() queue.ReviewArgs { return args }, func() queue.ReviewArgs { return pushOne(f, repo, args) }}
	}
	mixed := func(f *budgetFixture) steps {
		base, head, files := mixedPull()
		_, args := f.pullOf(t, "r", base, head, files)
		return steps{func() queue.ReviewArgs { return args }}
	}

	small := review.Budget{MaxFiles: 200, MaxBytes: int64(99*size + size/2)}
	cases := []struct {
		name     string
		budget   review.Budget
		scenario func(f *budgetFixture) []func() queue.ReviewArgs
		check    func(t *testing.T, before, after counts)
	}{
		{"1 modified", review.Budget{}, simple(0, 1), func(t *testing.T, before, after counts) {
			if after != before {
				t.Errorf("%+v through the listing, want %+v: two reads cut at 16 MiB cannot pass 64 MiB, so no listing is needed", after, before)
			}
		}},
		{"20 added", review.Budget{}, simple(20, 0), nil},
		{"20 modified", review.Budget{}, simple(0, 20), nil},
		{"mixed (5 files, 1 renamed unchanged, config and policy)", review.Budget{}, mixed, nil},
		{"push changing 1 of 10 modified (second review)", review.Budget{}, push, func(t *testing.T, before, after counts) {
			if after.reads != 1 {
				t.Errorf("the second review read %d contents, want 1 (the changed head)", after.reads)
			}
		}},
		{"100 added, over the byte budget", small, simple(100, 0), func(t *testing.T, before, after counts) {
			if after.reads != 0 {
				t.Errorf("%d contents read over budget, want 0", after.reads)
			}
		}},
	}
	for _, c := range cases {
		before := run(t, true, c.budget, c.scenario)
		after := run(t, false, c.budget, c.scenario)
		t.Logf("%-58s by path: %4d calls (%3d content reads)   by blob: %4d calls (%3d content reads)", c.name, before.calls, before.reads, after.calls, after.reads)
		if c.check != nil {
			c.check(t, before, after)
		}
		if after.calls > before.calls+2 {
			t.Errorf("%s: %d calls through the listing, more than the %d by path + 2 listings", c.name, after.calls, before.calls)
		}
	}
}

// pushOne pushes a new head to pull request #1 of repo that changes the
// first of its model files again, and returns the review's arguments.
func pushOne(f *budgetFixture, repo forge.Repo, args queue.ReviewArgs) queue.ReviewArgs {
	next := commit("r-head-2")
	f.gh.CopyCommit(repo.FullName(), commit("r-head"), next)
	f.gh.PutFile(repo.FullName(), next, "m/0.threatmodel.yaml", budgetModel(0, 5))
	var files []githubtest.PullFile
	for i := range 10 {
		files = append(files, githubtest.PullFile{Path: fmt.Sprintf("m/%d.threatmodel.yaml", i)})
	}
	f.gh.AddPull(repo.FullName(), githubtest.Pull{Number: 1, BaseSHA: commit("r-base"), HeadSHA: next, Files: files})
	second := args
	second.Trigger = forge.TriggerNewHead
	return second
}
