package jobs

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/tmbot/tmbot/bot/forge"
	ghforge "github.com/tmbot/tmbot/bot/forge/github"
	"github.com/tmbot/tmbot/bot/forge/github/githubtest"
	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/queue"
	"github.com/tmbot/tmbot/bot/store"
)

// TestTrackRecordsFirstSeen: the first reconcile records every threat and
// mitigation as there before tmbot, at the commit read; a later reconcile
// after one merged request records what it added as brought by that
// request, and keeps the earlier sightings. The open threats are saved
// with whether they are planned.
func TestTrackRecordsFirstSeen(t *testing.T) {
	gh := githubtest.New(t, 99)
	gh.AddInstallation(5, "acme")
	repo := gh.AddRepo(5, "acme/shop", "main")
	const v1 = `version: 1
system: {id: shop, name: Shop, owner: "@acme/shop", vendor: Acme Parts}
threats:
  t1: {title: Planned threat, likelihood: high, impact: high, mitigations: [m1]}
  t2: {title: Threat with no plan, likelihood: low, impact: medium}
mitigations:
  m1: {title: Mitigation one, status: planned, owner: "@acme/shop"}
`
	const v2 = `version: 1
system: {id: shop, name: Shop, owner: "@acme/shop", vendor: Acme Parts}
threats:
  t1: {title: Planned threat, likelihood: high, impact: high, mitigations: [m1]}
  t2: {title: Threat with no plan, likelihood: low, impact: medium}
  t3: {title: A new threat, likelihood: high, impact: medium, mitigations: [m3]}
mitigations:
  m1: {title: Mitigation one, status: planned, owner: "@acme/shop"}
  m3: {title: Mitigation three, status: planned, owner: "@acme/shop"}
`
	gh.PutFile("acme/shop", commit("c1"), "shop.threatmodel.yaml", []byte(v1))
	// An invalid model still names who to ask about it.
	gh.PutFile("acme/shop", commit("c1"), "legacy.threatmodel.yaml", []byte(`version: 1
system: {id: legacy, name: Legacy, owner: "@acme/legacy", vendor: Old Supplier}
threats: {}
mitigations: {}
unknown_key: 1
`))
	gh.SetBranch("acme/shop", "main", commit("c1"))
	app, err := ghforge.NewApp(ghforge.AppConfig{AppID: 99, PrivateKey: gh.PrivateKeyPEM(), BaseURL: gh.URL()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "t.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	loader, err := model.NewLoader(model.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	d := &Runner{Store: st, Loader: loader, Log: slog.New(slog.DiscardHandler),
		Client: func(r forge.Repo) (forge.Client, error) { return app.Client(r.Installation) }}
	if err := d.Track(ctx, queue.TrackArgs{RepoKey: repo.Key(), Repo: repo, Reason: "push"}); err != nil {
		t.Fatal(err)
	}
	w, err := st.DashboardWork(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Threats) != 2 || len(w.Models) != 2 || w.Models[1].SHA != commit("c1") || w.Models[1].Vendor != "Acme Parts" {
		t.Fatalf("after the first reconcile: %+v", w)
	}
	if l := w.Models[0]; l.Path != "legacy.threatmodel.yaml" || l.Valid || l.Error == "" || l.SystemOwner != "@acme/legacy" ||
		l.Vendor != "Old Supplier" || l.SystemName != "Legacy" {
		t.Errorf("the invalid model: %+v", l)
	}
	for _, th := range w.Threats {
		if th.Planned != (th.ThreatID == "t1") || th.First.SHA != commit("c1") || !th.First.SinceInstall || th.First.PR != 0 ||
			th.First.At.IsZero() || th.SHA != commit("c1") {
			t.Errorf("threat %s: %+v", th.ThreatID, th)
		}
	}

	// Request #42 adds m3 and is merged.
	pr := store.Pull{PullRequest: forge.PullRequest{Repo: repo, Number: 42, State: "closed"}, UpdatedAt: time.Now()}
	if _, err := st.UpsertPull(ctx, nil, pr); err != nil {
		t.Fatal(err)
	}
	gh.PutFile("acme/shop", commit("c2"), "shop.threatmodel.yaml", []byte(v2))
	gh.SetBranch("acme/shop", "main", commit("c2"))
	if err := d.Track(ctx, queue.TrackArgs{RepoKey: repo.Key(), Repo: repo, Reason: "merged", PRKeys: []string{pr.Key()}}); err != nil {
		t.Fatal(err)
	}
	if w, err = st.DashboardWork(ctx); err != nil {
		t.Fatal(err)
	}
	firsts := map[string]store.FirstSeen{}
	for _, m := range w.Mitigations {
		firsts[m.Key] = m.First
		if m.SHA != commit("c2") || m.Vendor != "Acme Parts" {
			t.Errorf("mitigation %s: %+v", m.Key, m)
		}
	}
	if f := firsts["shop/m3"]; f.PR != 42 || f.SHA != commit("c2") || f.SinceInstall {
		t.Errorf("m3, brought by #42: %+v", f)
	}
	if f := firsts["shop/m1"]; f.PR != 0 || f.SHA != commit("c1") || !f.SinceInstall {
		t.Errorf("m1, there before: %+v", f)
	}
	for _, th := range w.Threats {
		if th.ThreatID == "t3" && (th.First.PR != 42 || th.First.SinceInstall) || th.ThreatID == "t1" && th.First.PR != 0 {
			t.Errorf("threat %s: %+v", th.ThreatID, th.First)
		}
	}
}
