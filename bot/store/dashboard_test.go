package store_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/tmbot/tmbot/bot/store"
	"github.com/tmbot/tmbot/bot/store/storetest"
)

func TestDashboardModelSnapshots(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := ctxT(t)
		a, b := "github:1:acme/a", "github:1:acme/b"
		first := []store.ModelSnapshot{
			{Path: "x.threatmodel.yaml", SystemID: "x", SystemName: "X", SystemOwner: "@acme/x", Valid: true, Threats: 5,
				Open: store.RiskCounts{High: 2, Critical: 1},
				Accepted: []store.AcceptedRisk{
					{ThreatID: "late", Title: "Late", Risk: "medium", By: "@sec", Reason: "cost", Until: "2027-06-30"},
					{ThreatID: "soon", Title: "Soon", Risk: "high", By: "@sec", Until: "2026-12-01"},
					{ThreatID: "forever", Title: "No end", Risk: "low"},
				}},
			{Path: "bad.threatmodel.yaml", Error: "line 3: unknown field"},
		}
		if err := st.SaveModelSnapshots(ctx, a, first); err != nil {
			t.Fatal(err)
		}
		if err := st.SaveModelSnapshots(ctx, b, []store.ModelSnapshot{{Path: "v.json", SystemID: "v", SystemName: "Vendor thing",
			Vendor: "Acme Supplies", Valid: true, Open: store.RiskCounts{Low: 1}}}); err != nil {
			t.Fatal(err)
		}
		all, err := st.ModelSnapshots(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 3 || all[0].Path != "bad.threatmodel.yaml" || all[0].Valid || all[0].Error == "" ||
			all[1].Path != "x.threatmodel.yaml" || all[2].Vendor != "Acme Supplies" {
			t.Fatalf("snapshots: %+v", all)
		}
		x := all[1]
		if x.RepoKey != a || x.Open != (store.RiskCounts{High: 2, Critical: 1}) || x.Threats != 5 || x.SystemOwner != "@acme/x" ||
			x.UpdatedAt.IsZero() || time.Since(x.UpdatedAt) > time.Minute {
			t.Errorf("x: %+v", x)
		}
		var ids []string
		for _, r := range x.Accepted {
			ids = append(ids, r.ThreatID)
		}
		if !reflect.DeepEqual(ids, []string{"soon", "late", "forever"}) || x.Accepted[0].SystemName != "X" || x.Accepted[1].Reason != "cost" {
			t.Errorf("accepted: %+v", x.Accepted)
		}

		// A reconcile replaces the repository's rows, and only its own.
		if err := st.SaveModelSnapshots(ctx, a, []store.ModelSnapshot{{Path: "x.threatmodel.yaml", SystemID: "x", Valid: true}}); err != nil {
			t.Fatal(err)
		}
		onlyA, err := st.ModelSnapshots(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if len(onlyA) != 1 || len(onlyA[0].Accepted) != 0 || onlyA[0].Open.Total() != 0 {
			t.Errorf("after replace: %+v", onlyA)
		}
		acc, err := st.AcceptedRisks(ctx, "")
		if err != nil || len(acc) != 0 {
			t.Errorf("accepted after replace: %v %v", acc, err)
		}
		if got, _ := st.ModelSnapshots(ctx, b); len(got) != 1 {
			t.Errorf("b: %+v", got)
		}
		if err := st.SaveModelSnapshots(ctx, a, nil); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.ModelSnapshots(ctx, a); len(got) != 0 {
			t.Errorf("a after forgetting: %+v", got)
		}
		if err := st.SaveModelSnapshots(ctx, a, []store.ModelSnapshot{{Path: "p"}, {Path: "p"}}); err == nil {
			t.Error("a path twice: no error")
		}
	})
}

func TestDashboardRiskHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := ctxT(t)
		day := func(s string) time.Time {
			d, err := time.Parse(time.DateOnly, s)
			if err != nil {
				t.Fatal(err)
			}
			return d.Add(15 * time.Hour)
		}
		rec := func(repo, d string, c store.RiskCounts) {
			t.Helper()
			if err := st.RecordRiskHistory(ctx, repo, day(d), c); err != nil {
				t.Fatal(err)
			}
		}
		rec("r1", "2026-10-01", store.RiskCounts{High: 9})
		rec("r1", "2026-10-20", store.RiskCounts{High: 5})
		rec("r1", "2026-11-02", store.RiskCounts{High: 4})
		rec("r1", "2026-11-02", store.RiskCounts{High: 3, Low: 1}) // the day's last reconcile wins
		rec("r2", "2026-10-25", store.RiskCounts{Critical: 1})
		rec("r3", "2026-11-05", store.RiskCounts{Medium: 2})

		got, err := st.RiskHistory(ctx, "", day("2026-11-01"))
		if err != nil {
			t.Fatal(err)
		}
		want := []store.RiskDay{
			{RepoKey: "r1", Day: "2026-10-20", Open: store.RiskCounts{High: 5}}, // carried into the window
			{RepoKey: "r2", Day: "2026-10-25", Open: store.RiskCounts{Critical: 1}},
			{RepoKey: "r1", Day: "2026-11-02", Open: store.RiskCounts{High: 3, Low: 1}},
			{RepoKey: "r3", Day: "2026-11-05", Open: store.RiskCounts{Medium: 2}},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("history:\n got %+v\nwant %+v", got, want)
		}
		one, err := st.RiskHistory(ctx, "r2", day("2026-11-01"))
		if err != nil || len(one) != 1 || one[0].RepoKey != "r2" {
			t.Errorf("r2: %+v %v", one, err)
		}
	})
}
