package store_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tmbot/tmbot/bot/store"
	"github.com/tmbot/tmbot/bot/store/storetest"
)

// TestDashboardWork: open threats are saved and replaced with their model;
// a first sighting is kept when the item is seen again; the threats and
// mitigations come back with their model's commit, vendor and first
// sighting, on both backends.
func TestDashboardWork(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := ctxT(t)
		a := "github:1:acme/a"
		snap := store.ModelSnapshot{Path: "x.threatmodel.yaml", SystemID: "x", SystemName: "X", SystemOwner: "@acme/x",
			Vendor: "Acme Supplies", Valid: true, SHA: "abc123", Threats: 2, Open: store.RiskCounts{High: 1, Low: 1},
			OpenThreats: []store.OpenThreat{
				{ThreatID: "t1", Title: "One", Risk: "high", Planned: true, Mitigations: []string{"m1", "m2"}},
				{ThreatID: "t2", Title: "Two", Risk: "low"},
			}}
		if err := st.SaveModelSnapshots(ctx, a, []store.ModelSnapshot{snap}); err != nil {
			t.Fatal(err)
		}
		if known, err := st.HasFirstSeen(ctx, a); err != nil || known {
			t.Fatalf("HasFirstSeen before any: %v %v", known, err)
		}
		t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		if err := st.NoteFirstSeen(ctx, a, []store.FirstSeen{
			{Kind: store.KindThreat, Key: "x/t1", At: t0, SHA: "old", PR: 12},
			{Kind: store.KindMitigation, Key: "x/m1", At: t0, SHA: "old", SinceInstall: true},
		}); err != nil {
			t.Fatal(err)
		}
		// Seen again later: the first sighting stays.
		if err := st.NoteFirstSeen(ctx, a, []store.FirstSeen{{Kind: store.KindThreat, Key: "x/t1", At: t0.AddDate(0, 1, 0), SHA: "new"}}); err != nil {
			t.Fatal(err)
		}
		if known, err := st.HasFirstSeen(ctx, a); err != nil || !known {
			t.Fatalf("HasFirstSeen after: %v %v", known, err)
		}
		w, err := st.DashboardWork(ctx)
		if err != nil {
			t.Fatal(err)
		}
		threats := w.Threats
		slices.SortFunc(threats, func(x, y store.DashboardThreat) int { return strings.Compare(x.ThreatID, y.ThreatID) })
		if len(threats) != 2 {
			t.Fatalf("threats: %+v", threats)
		}
		t1, t2 := threats[0], threats[1]
		if t1.ThreatID != "t1" || !t1.Planned || !slices.Equal(t1.Mitigations, []string{"m1", "m2"}) || t1.Vendor != "Acme Supplies" ||
			t1.SHA != "abc123" || t1.SystemName != "X" || t1.SystemOwner != "@acme/x" || !t1.First.At.Equal(t0) || t1.First.SHA != "old" ||
			t1.First.PR != 12 || t1.First.SinceInstall {
			t.Errorf("t1: %+v", t1)
		}
		if t2.ThreatID != "t2" || t2.Planned || len(t2.Mitigations) != 0 || !t2.First.At.IsZero() || t2.First.PR != 0 {
			t.Errorf("t2 (never noted): %+v", t2)
		}

		if err := st.SaveTrackedIssue(ctx, store.TrackedIssue{RepoKey: a, Key: "x/m1", Number: 4, URL: "https://github.com/acme/a/issues/4",
			State: "open", Path: "x.threatmodel.yaml", System: "x", Mitigation: "m1", Title: "M1", Status: "planned", Risk: "high"}); err != nil {
			t.Fatal(err)
		}
		w, err = st.DashboardWork(ctx)
		if err != nil {
			t.Fatal(err)
		}
		mits := w.Mitigations
		if len(mits) != 1 || mits[0].Number != 4 || mits[0].SHA != "abc123" || mits[0].Vendor != "Acme Supplies" || mits[0].SystemName != "X" ||
			!mits[0].First.At.Equal(t0) || !mits[0].First.SinceInstall || mits[0].CreatedAt.IsZero() {
			t.Errorf("mitigations: %+v", mits)
		}

		// The next reconcile replaces the open threats.
		snap.OpenThreats = snap.OpenThreats[1:]
		if err := st.SaveModelSnapshots(ctx, a, []store.ModelSnapshot{snap}); err != nil {
			t.Fatal(err)
		}
		if w, err := st.DashboardWork(ctx); err != nil || len(w.Threats) != 1 || w.Threats[0].ThreatID != "t2" || len(w.Models) != 1 {
			t.Errorf("after the next reconcile: %+v %v", w, err)
		}
		if err := st.SaveRepoTracking(ctx, store.RepoTracking{RepoKey: a, SHA: "abc123", SummaryNumber: 9}); err != nil {
			t.Fatal(err)
		}
		if m, err := st.SummaryIssues(ctx); err != nil || m[a] != 9 || len(m) != 1 {
			t.Errorf("summary issues: %v %v", m, err)
		}
	})
}
