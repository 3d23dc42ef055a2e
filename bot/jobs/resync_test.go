package jobs

import (
	"context"
	"log/slog"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tmbot/tmbot/bot/forge"
	ghforge "github.com/tmbot/tmbot/bot/forge/github"
	"github.com/tmbot/tmbot/bot/forge/github/githubtest"
	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/queue"
	"github.com/tmbot/tmbot/bot/store"
)

// TestResyncCatchesUpMissedWebhooks: open requests whose head was never
// reviewed are queued, reviewed ones are not; a default branch that moved
// since the last reconcile queues tracking.
func TestResyncCatchesUpMissedWebhooks(t *testing.T) {
	ctx := context.Background()
	gh := githubtest.New(t, 99)
	gh.AddInstallation(5, "acme")
	repo := gh.AddRepo(5, "acme/svc", "main")
	gh.AddCommit("acme/svc", commit("main"))
	gh.SetBranch("acme/svc", "main", commit("main"))
	for _, n := range []int{1, 2} {
		gh.AddCommit("acme/svc", commit("head"+string(rune('0'+n))))
		gh.AddPull("acme/svc", githubtest.Pull{Number: n, BaseSHA: commit("main"), HeadSHA: commit("head" + string(rune('0'+n)))})
	}
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
	q, err := queue.New(st, queue.Handlers{Review: func(context.Context, queue.ReviewArgs) error { return nil }},
		queue.Options{Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.UpsertRepo(ctx, nil, repo); err != nil {
		t.Fatal(err)
	}
	pr1 := forge.PullRequest{Repo: repo, Number: 1}.Key()
	if err := st.AddReview(ctx, store.ReviewRecord{PRKey: pr1, HeadSHA: commit("head1"), At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := d.Resync(ctx, q); err != nil {
		t.Fatal(err)
	}
	rows, err := st.DB().QueryContext(ctx, "SELECT kind, CAST(args AS TEXT) FROM river_job")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var jobs []string
	for rows.Next() {
		var kind, args string
		rows.Scan(&kind, &args)
		switch kind {
		case queue.KindReview:
			if strings.Contains(args, `"number":2`) {
				jobs = append(jobs, "review 2")
			} else {
				jobs = append(jobs, "review ?")
			}
		default:
			jobs = append(jobs, kind)
		}
	}
	sort.Strings(jobs)
	if strings.Join(jobs, ",") != "review 2,track" {
		t.Errorf("queued %v, want the review of #2 and tracking", jobs)
	}
}
