package jobs

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tmbot/tmbot/bot/forge"
	ghforge "github.com/tmbot/tmbot/bot/forge/github"
	"github.com/tmbot/tmbot/bot/forge/github/githubtest"
	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/policy"
	"github.com/tmbot/tmbot/bot/queue"
	"github.com/tmbot/tmbot/bot/store"
	"github.com/tmbot/tmbot/bot/track"
)

func TestMain(m *testing.M) {
	model.RunCUEChildIfRequested()
	policy.RunChildIfRequested()
	os.Exit(m.Run())
}

func commit(s string) string {
	h := sha1.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// TestThreeHundredMitigationsLandAtOnce: a model with 300 planned
// mitigations lands; tracking opens 300 issues, never more than
// CreationsPerRun per run (the job is postponed in between, as a rate limit
// postpones it), with no duplicate, and a second reconcile writes nothing.
func TestThreeHundredMitigationsLandAtOnce(t *testing.T) {
	gh := githubtest.New(t, 99)
	gh.AddInstallation(5, "acme")
	repo := gh.AddRepo(5, "acme/big", "main")
	var b strings.Builder
	b.WriteString("version: 1\nsystem: {id: big, name: Big}\nthreats:\n")
	for i := range 300 {
		fmt.Fprintf(&b, "  t%d: {title: Threat %d, likelihood: high, impact: medium, mitigations: [m%d]}\n", i, i, i)
	}
	b.WriteString("mitigations:\n")
	for i := range 300 {
		fmt.Fprintf(&b, "  m%d: {title: Mitigation number %d, status: planned, owner: \"@acme/team\"}\n", i, i)
	}
	gh.PutFile("acme/big", commit("c1"), "big.threatmodel.yaml", []byte(b.String()))
	gh.SetBranch("acme/big", "main", commit("c1"))

	app, err := ghforge.NewApp(ghforge.AppConfig{AppID: 99, PrivateKey: gh.PrivateKeyPEM(), BaseURL: gh.URL()})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "t.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	loader, err := model.NewLoader(model.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	d := &Runner{Store: st, Loader: loader, Log: slog.New(slog.DiscardHandler), CreationsPerRun: 20, TrackPause: time.Millisecond,
		Client: func(r forge.Repo) (forge.Client, error) { return app.Client(r.Installation) }}
	args := queue.TrackArgs{RepoKey: repo.Key(), Repo: repo, Reason: "push"}
	runs := 0
	for {
		runs++
		before := len(gh.Issues("acme/big"))
		err := d.Track(context.Background(), args)
		created := len(gh.Issues("acme/big")) - before
		if created > 21 { // 20 mitigations + the summary issue
			t.Fatalf("run %d opened %d issues", runs, created)
		}
		var rl *forge.RateLimitError
		if errors.As(err, &rl) {
			continue // the queue postpones the job to rl.Until
		}
		if err != nil {
			t.Fatal(err)
		}
		break
	}
	if runs != 15 {
		t.Errorf("%d runs, want 15 of 20 issues each", runs)
	}
	keys := map[string]int{}
	for _, is := range gh.Issues("acme/big") {
		if k, ok := track.KeyOf(is.Body); ok {
			keys[k]++
		}
	}
	if len(keys) != 300 {
		t.Errorf("%d mitigation issues", len(keys))
	}
	for k, n := range keys {
		if n != 1 {
			t.Errorf("%d issues for %s", n, k)
		}
	}
	writes := gh.Writes()
	if err := d.Track(context.Background(), args); err != nil {
		t.Fatal(err)
	}
	if gh.Writes() != writes {
		t.Errorf("a second reconcile wrote %d times", gh.Writes()-writes)
	}
}

// TestHumanCloseOpensAPullRequest: with tracking.on_human_close:
// pull_request, a person closing an issue the model still plans gets one
// pull request that changes only the status line, linked from one comment;
// a later reconcile opens nothing more.
func TestHumanCloseOpensAPullRequest(t *testing.T) {
	ctx := context.Background()
	gh := githubtest.New(t, 99)
	gh.AddInstallation(5, "acme")
	repo := gh.AddRepo(5, "acme/svc", "main")
	model1 := "version: 1\nsystem: {id: svc, name: Service}\nthreats:\n  xss:\n    title: Script injection\n    likelihood: high\n    impact: medium\n    mitigations: [csp]\nmitigations:\n  csp:\n    title: Content security policy   # set by the web team\n    status: planned\n"
	gh.PutFile("acme/svc", commit("c1"), "svc.threatmodel.yaml", []byte(model1))
	gh.PutFile("acme/svc", commit("c1"), ".tmbot.yaml", []byte("tracking:\n  on_human_close: pull_request\n  summary_issue: false\n"))
	gh.SetBranch("acme/svc", "main", commit("c1"))
	app, err := ghforge.NewApp(ghforge.AppConfig{AppID: 99, PrivateKey: gh.PrivateKeyPEM(), BaseURL: gh.URL()})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "t.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	loader, _ := model.NewLoader(model.Limits{})
	d := &Runner{Store: st, Loader: loader, Log: slog.New(slog.DiscardHandler),
		Client: func(r forge.Repo) (forge.Client, error) { return app.Client(r.Installation) }}
	args := queue.TrackArgs{RepoKey: repo.Key(), Repo: repo, Reason: "push"}
	if err := d.Track(ctx, args); err != nil {
		t.Fatal(err)
	}
	issues := gh.Issues("acme/svc")
	if len(issues) != 1 {
		t.Fatalf("%d issues", len(issues))
	}
	gh.CloseIssueAs("acme/svc", issues[0].Number, "alice", "completed")
	for range 2 {
		if err := d.Track(ctx, args); err != nil {
			t.Fatal(err)
		}
	}
	pulls := gh.Pulls("acme/svc")
	if len(pulls) != 1 {
		t.Fatalf("%d pull requests", len(pulls))
	}
	edited, ok := gh.FileAt("acme/svc", "tmbot/implement-svc-csp", "svc.threatmodel.yaml")
	want := strings.Replace(model1, "status: planned", "status: implemented", 1)
	if !ok || string(edited) != want {
		t.Errorf("proposed file:\n%s", edited)
	}
	is, _ := gh.Issue("acme/svc", issues[0].Number)
	if is.State != "closed" || is.Comments != 1 {
		t.Errorf("issue: %s with %d comments", is.State, is.Comments)
	}
	if cs := gh.IssueComments("acme/svc", issues[0].Number); len(cs) != 1 || !strings.Contains(cs[0].Body, "/pull/") {
		t.Errorf("comment: %+v", cs)
	}
}
