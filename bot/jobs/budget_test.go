package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/forge"
	ghforge "github.com/tmbot/tmbot/bot/forge/github"
	"github.com/tmbot/tmbot/bot/forge/github/githubtest"
	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/queue"
	"github.com/tmbot/tmbot/bot/review"
	"github.com/tmbot/tmbot/bot/store"
)

// budgetFixture is a GitHub fake with one installation, and the jobs'
// dependencies reviewing through it.
type budgetFixture struct {
	gh *githubtest.Server
	d  *Runner
}

func newBudgetFixture(t *testing.T, budget review.Budget) *budgetFixture {
	t.Helper()
	gh := githubtest.New(t, 99)
	gh.AddInstallation(5, "acme")
	app, err := ghforge.NewApp(ghforge.AppConfig{AppID: 99, PrivateKey: gh.PrivateKeyPEM(), BaseURL: gh.URL()})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "t.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	loader, err := model.NewLoader(model.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return &budgetFixture{gh: gh, d: &Runner{Store: st, Loader: loader, Log: slog.New(slog.DiscardHandler), Budget: budget,
		Client: func(r forge.Repo) (forge.Client, error) { return app.Client(r.Installation) }}}
}

func budgetModel(i, threats int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "version: 1\nsystem: {id: sys-%d, name: System %d}\ncomponents:\n  web: {name: Web, kind: web_app}\nthreats:\n", i, i)
	for j := range threats {
		fmt.Fprintf(&b, "  t%d: {title: Threat %d, likelihood: low, impact: low, targets: [web], status: not_applicable, reason: not here}\n", j, j)
	}
	return []byte(b.String())
}

// pull adds repository name with a pull request #1 that adds `added`
// model files and modifies `modified` ones (a threat added to each), and
// a .tmbot.yaml on the base when config is not empty.
func (f *budgetFixture) pull(t *testing.T, name string, added, modified int, config string) (forge.Repo, queue.ReviewArgs) {
	t.Helper()
	repo := f.gh.AddRepo(5, "acme/"+name, "main")
	base, head := commit(name+"-base"), commit(name+"-head")
	f.gh.AddCommit(repo.FullName(), base)
	if config != "" {
		f.gh.PutFile(repo.FullName(), base, ".tmbot.yaml", []byte(config))
	}
	for i := range modified {
		f.gh.PutFile(repo.FullName(), base, fmt.Sprintf("m/%d.threatmodel.yaml", i), budgetModel(i, 3))
	}
	f.gh.CopyCommit(repo.FullName(), base, head)
	f.gh.SetBranch(repo.FullName(), "main", base)
	var files []githubtest.PullFile
	for i := range modified {
		p := fmt.Sprintf("m/%d.threatmodel.yaml", i)
		f.gh.PutFile(repo.FullName(), head, p, budgetModel(i, 4))
		files = append(files, githubtest.PullFile{Path: p})
	}
	for i := range added {
		p := fmt.Sprintf("a/%d.threatmodel.yaml", i)
		f.gh.PutFile(repo.FullName(), head, p, budgetModel(1000+i, 3))
		files = append(files, githubtest.PullFile{Path: p})
	}
	f.gh.AddPull(repo.FullName(), githubtest.Pull{Number: 1, BaseSHA: base, HeadSHA: head, Files: files})
	pr := forge.PullRequest{Repo: repo, Number: 1}
	return repo, queue.ReviewArgs{PRKey: pr.Key(), Repo: repo, Number: 1, Trigger: forge.TriggerOpened}
}

// modelReads counts the reads of model files since the last ResetCounts,
// by path or by blob id.
func (f *budgetFixture) modelReads() int {
	byPath, byBlob := f.contentReads()
	return byPath + byBlob
}

func (f *budgetFixture) check(t *testing.T, repo forge.Repo, sha string) githubtest.CheckRun {
	t.Helper()
	runs := f.gh.CheckRuns(repo.FullName(), sha)
	if len(runs) != 1 {
		t.Fatalf("%d check runs, want 1", len(runs))
	}
	return runs[0]
}

func wantAll(t *testing.T, what, text string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(text, p) {
			t.Errorf("%s does not say %q:\n%s", what, p, text)
		}
	}
}

// TestTooManyModelFilesAreNotReviewed: a pull request that changes more
// model files than the budget allows reads none of them and gets a
// failing check, and a comment, that name the limit, the number of files
// and how to raise it.
func TestTooManyModelFilesAreNotReviewed(t *testing.T) {
	f := newBudgetFixture(t, review.Budget{MaxFiles: 3, MaxBytes: 1 << 20})
	repo, args := f.pull(t, "many", 5, 0, "")
	f.gh.ResetCounts()
	if err := f.d.ReviewPR(context.Background(), args); err != nil {
		t.Fatal(err)
	}
	run := f.check(t, repo, commit("many-head"))
	if run.Conclusion != forge.ConclusionBlock {
		t.Errorf("conclusion %q, want failure", run.Conclusion)
	}
	wantAll(t, "the check", run.Title+"\n"+run.Summary, "5 model files", "3", "max\\_files", "TMBOT\\_REVIEW\\_MAX\\_FILES")
	cs := f.gh.Comments(repo.FullName(), 1)
	if len(cs) != 1 {
		t.Fatalf("%d comments, want 1", len(cs))
	}
	wantAll(t, "the comment", cs[0].Body, "Too large to review", "5 model files", "TMBOT\\_REVIEW\\_MAX\\_FILES")
	if n := f.modelReads(); n != 0 {
		t.Errorf("%d model files read, want none", n)
	}
}

// TestTooManyModelBytesAreNotReviewed: model files that hold more bytes
// than the budget give a failing check naming the byte limit and how to
// raise it, and reading stops at the limit.
func TestTooManyModelBytesAreNotReviewed(t *testing.T) {
	size := len(budgetModel(1000, 3))
	f := newBudgetFixture(t, review.Budget{MaxFiles: 100, MaxBytes: int64(2*size + size/2)})
	repo, args := f.pull(t, "bytes", 6, 0, "")
	f.gh.ResetCounts()
	if err := f.d.ReviewPR(context.Background(), args); err != nil {
		t.Fatal(err)
	}
	run := f.check(t, repo, commit("bytes-head"))
	if run.Conclusion != forge.ConclusionBlock {
		t.Errorf("conclusion %q, want failure", run.Conclusion)
	}
	wantAll(t, "the check", run.Title+"\n"+run.Summary, "max\\_bytes", fmt.Sprintf("%d,%03d bytes", (2*size+size/2)/1000, (2*size+size/2)%1000), "TMBOT\\_REVIEW\\_MAX\\_BYTES")
	if n := f.modelReads(); n > 3 {
		t.Errorf("%d model files read, want reading to stop at the third", n)
	}
}

// TestRepositoryCanLowerButNotRaiseTheBudget: limits in the base's
// .tmbot.yaml lower the service's budget, and asking for more than the
// service allows changes nothing (and is said).
func TestRepositoryCanLowerButNotRaiseTheBudget(t *testing.T) {
	f := newBudgetFixture(t, review.Budget{MaxFiles: 4, MaxBytes: 1 << 20})
	repo, args := f.pull(t, "lower", 3, 0, "limits:\n  max_files: 2\n")
	if err := f.d.ReviewPR(context.Background(), args); err != nil {
		t.Fatal(err)
	}
	run := f.check(t, repo, commit("lower-head"))
	if run.Conclusion != forge.ConclusionBlock {
		t.Errorf("lowered: conclusion %q, want failure", run.Conclusion)
	}
	wantAll(t, "the lowered check", run.Summary, "3 model files", "is 2", "limits.max\\_files in .tmbot.yaml")

	repo, args = f.pull(t, "raise", 5, 0, "limits:\n  max_files: 100\n  max_bytes: 1GiB\n")
	if err := f.d.ReviewPR(context.Background(), args); err != nil {
		t.Fatal(err)
	}
	run = f.check(t, repo, commit("raise-head"))
	if run.Conclusion != forge.ConclusionBlock {
		t.Errorf("raised: conclusion %q, want failure: a repository cannot raise the limit", run.Conclusion)
	}
	wantAll(t, "the raised check", run.Summary, "5 model files", "is 4", "asks for 100", "can only lower")

	repo, args = f.pull(t, "within", 2, 0, "limits:\n  max_files: 3\n")
	if err := f.d.ReviewPR(context.Background(), args); err != nil {
		t.Fatal(err)
	}
	if run = f.check(t, repo, commit("within-head")); run.Conclusion != forge.ConclusionOK {
		t.Errorf("within the budget: conclusion %q, want success:\n%s", run.Conclusion, run.Summary)
	}
}

// TestReviewCallsGrowByOnePerFileAndSide: an added model file costs one
// read (its head), a modified one two (base and head); the listing and
// the writes do not grow with the files. Counted at the fake.
func TestReviewCallsGrowByOnePerFileAndSide(t *testing.T) {
	f := newBudgetFixture(t, review.Budget{})
	calls := func(name string, added, modified int) int {
		_, args := f.pull(t, name, added, modified, "")
		f.gh.ResetCounts()
		if err := f.d.ReviewPR(context.Background(), args); err != nil {
			t.Fatal(err)
		}
		return f.gh.APICalls()
	}
	a20, a40 := calls("added20", 20, 0), calls("added40", 40, 0)
	if a40-a20 > 20 {
		t.Errorf("20 more added files cost %d more calls (%d, %d), want at most 20", a40-a20, a20, a40)
	}
	m20, m40 := calls("mod20", 0, 20), calls("mod40", 0, 40)
	if m40-m20 > 40 {
		t.Errorf("20 more modified files cost %d more calls (%d, %d), want at most 40", m40-m20, m20, m40)
	}
}
