package store_test

import (
	"testing"
	"time"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/store"
	"github.com/tmbot/tmbot/bot/store/storetest"
)

// TestDashboardGenerations: every write to what the dashboard reads bumps
// the generation of that repository and of no other, and DashboardWork
// reads one repository's rows alone.
func TestDashboardGenerations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := ctxT(t)
		a, b := "github:1:acme/a", "github:1:acme/b"
		snap := []store.ModelSnapshot{{Path: "x.yaml", SystemID: "x", Valid: true,
			OpenThreats: []store.OpenThreat{{ThreatID: "t1", Risk: "high"}},
			Accepted:    []store.AcceptedRisk{{ThreatID: "t2", Risk: "low"}}}}
		for _, k := range []string{a, b} {
			if err := st.SaveModelSnapshots(ctx, k, snap); err != nil {
				t.Fatal(err)
			}
		}
		writes := map[string]func() error{
			"a tracked issue": func() error {
				return st.SaveTrackedIssue(ctx, store.TrackedIssue{RepoKey: a, Key: "x/m", Number: 1, State: "open", Path: "x.yaml"})
			},
			"a snapshot": func() error { return st.SaveModelSnapshots(ctx, a, snap) },
			"a first sighting": func() error {
				return st.NoteFirstSeen(ctx, a, []store.FirstSeen{{Kind: store.KindThreat, Key: "x/t1", At: time.Now()}})
			},
			"a summary issue":  func() error { return st.SaveRepoTracking(ctx, store.RepoTracking{RepoKey: a, SummaryNumber: 7}) },
			"an issue deleted": func() error { return st.DeleteTrackedIssue(ctx, a, "x/m") },
			"models forgotten": func() error { return st.SaveModelSnapshots(ctx, a, nil) },
			"a repository gone": func() error {
				return st.DeleteRepo(ctx, nil, forge.Repo{Forge: "github", Installation: 1, Owner: "acme", Name: "a"}.Key())
			},
		}
		for _, what := range []string{"a tracked issue", "a snapshot", "a first sighting", "a summary issue", "an issue deleted",
			"models forgotten", "a snapshot", "a repository gone"} {
			before, err := st.DashboardGenerations(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := writes[what](); err != nil {
				t.Fatal(err)
			}
			after, err := st.DashboardGenerations(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if after[a] <= before[a] || after[b] != before[b] {
				t.Errorf("%s: a %d → %d, b %d → %d", what, before[a], after[a], before[b], after[b])
			}
		}
		w, err := st.DashboardWork(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		if len(w.Models) != 1 || w.Models[0].RepoKey != b || len(w.Threats) != 1 || w.Threats[0].RepoKey != b ||
			len(w.Models[0].Accepted) != 1 {
			t.Errorf("b's rows: %+v", w)
		}
	})
}
