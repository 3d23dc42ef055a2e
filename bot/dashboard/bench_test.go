package dashboard

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tmbot/tmbot/bot/store"
	"github.com/tmbot/tmbot/bot/store/storetest"
)

// placeholders writes ? as $1, $2… on PostgreSQL.
func placeholders(st *store.Store, q string) string {
	if !st.Postgres() {
		return q
	}
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// seedMany stores n tracked mitigations over 50 repositories, each with
// four model files (one a vendor's) of 12 open threats, first sightings
// for all of them, and 90 days of history.
func seedMany(b testing.TB, st *store.Store, n int) {
	b.Helper()
	ctx := context.Background()
	nowT := time.Now().UTC()
	err := st.InTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, placeholders(st, `INSERT INTO mitigation_issues (repo_key, key, number, url, state, closed_by_bot,
    human_close_noted, path, content, system, mitigation, title, status, risk, owner, due, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`))
		if err != nil {
			return err
		}
		defer stmt.Close()
		seen, err := tx.PrepareContext(ctx, placeholders(st, `INSERT INTO first_seen (repo_key, kind, item_key, first_seen_at, sha,
    pr_number, since_install) VALUES (?, ?, ?, ?, ?, ?, ?)`))
		if err != nil {
			return err
		}
		defer seen.Close()
		for i := range n {
			r := i % 50
			repo := fmt.Sprintf("github:%d:org%d/service-%d", 1+r%5, r%5, r)
			sys := fmt.Sprintf("system-%d", r*4+i%4)
			mit := fmt.Sprintf("mitigation-%d", i)
			state, byBot, human := "open", false, false
			switch i % 10 {
			case 7:
				state, byBot = "closed", true
			case 8:
				state, human = "closed", true
			}
			created := nowT.AddDate(0, 0, -(i % 400))
			_, err := stmt.ExecContext(ctx, repo, sys+"/"+mit, 1+i/50, fmt.Sprintf("https://github.com/%s/issues/%d", repo[strings.LastIndexByte(repo, ':')+1:], 1+i/50),
				state, byBot, human, fmt.Sprintf("tm/m%d.yaml", i%4), "c", sys, mit,
				fmt.Sprintf("Mitigation number %d: encrypt <data> & rotate keys", i), []string{"planned", "in_progress"}[i%2],
				risks[i%4], fmt.Sprintf("@org/team-%d", i%40), nowT.AddDate(0, 0, 200-(i%400)).Format(store.DayLayout),
				at(st, created), at(st, created))
			if err != nil {
				return err
			}
			if _, err := seen.ExecContext(ctx, repo, store.KindMitigation, sys+"/"+mit, at(st, created.AddDate(0, 0, -3)), "aaa", i%7,
				i%3 == 0); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for r := range 50 {
		repo := fmt.Sprintf("github:%d:org%d/service-%d", 1+r%5, r%5, r)
		var snaps []store.ModelSnapshot
		var seen []store.FirstSeen
		for s := range 4 {
			sys := fmt.Sprintf("system-%d", r*4+s)
			m := store.ModelSnapshot{Path: fmt.Sprintf("tm/m%d.yaml", s), SystemID: sys, SHA: "0123abcd",
				SystemName: fmt.Sprintf("System %d", r*4+s), SystemOwner: fmt.Sprintf("@org/team-%d", s), Valid: s != 2 || r%10 != 0,
				Vendor: map[bool]string{true: fmt.Sprintf("Supplier %d Inc", r%7)}[s == 3], Threats: 20,
				Open:     store.RiskCounts{Low: 3, Medium: 3, High: 3, Critical: 3},
				Accepted: []store.AcceptedRisk{{ThreatID: "t1", Title: "Accepted", Risk: "medium", By: "@ciso", Until: nowT.AddDate(0, 0, r).Format(store.DayLayout)}}}
			for t := range 12 {
				id := fmt.Sprintf("threat-%d", t)
				m.OpenThreats = append(m.OpenThreats, store.OpenThreat{ThreatID: id, Title: fmt.Sprintf("Threat %d of %s <b>", t, sys),
					Risk: risks[t%4], Planned: t%3 != 0, Mitigations: []string{fmt.Sprintf("mitigation-%d", r+t*50)}})
				seen = append(seen, store.FirstSeen{Kind: store.KindThreat, Key: sys + "/" + id, At: nowT.AddDate(0, 0, -(t * 9)), SHA: "a", PR: t})
			}
			snaps = append(snaps, m)
		}
		if err := st.SaveModelSnapshots(ctx, repo, snaps); err != nil {
			b.Fatal(err)
		}
		if err := st.NoteFirstSeen(ctx, repo, seen); err != nil {
			b.Fatal(err)
		}
		for d := 0; d < historyDays; d += 3 {
			if err := st.RecordRiskHistory(ctx, repo, nowT.AddDate(0, 0, -d), store.RiskCounts{Low: d % 5, High: 1 + r%3, Critical: r % 2}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// dashboardViews are the pages and answers BenchmarkDashboardViews times.
var dashboardViews = []struct{ name, path string }{
	{"overview", "/dashboard"},
	{"threats", "/dashboard/threats"},
	{"threats-filtered", "/dashboard/threats?risk=critical&plan=unplanned&q=system&sort=age&dir=desc"},
	{"mitigations", "/dashboard/mitigations"},
	{"mitigations-page-100", "/dashboard/mitigations?status=open&sort=due&page=100&per_page=20"},
	{"models", "/dashboard/models"},
	{"accepted", "/dashboard/accepted?expiring=1"},
	{"vendors", "/dashboard/vendors"},
	{"vendor", "/dashboard/vendor?vendor=Supplier+3+Inc"},
	{"repo", "/dashboard/repo?repo=github%3A3%3Aorg2%2Fservice-7"},
	{"api-mitigations-all", "/api/v1/mitigations"},
	{"csv-mitigations-all", "/api/v1/mitigations.csv"},
	{"api-overview", "/api/v1/overview"},
}

// BenchmarkDashboardViews is each view's server time with 50
// repositories, 200 models, 2,400 open threats and 10,000 tracked
// mitigations, on SQLite and PostgreSQL (docs/performance.md): "warm"
// when nothing changed since the last request (the rows read then are
// kept), "cold" when a tracked issue of one repository changed just before
// each request (timer stopped for the change), so that the repository's
// rows are read again, "newday" when the clock moved to the next day (the
// rows are made again from what was kept, nothing is read).
func BenchmarkDashboardViews(b *testing.B) {
	for _, backend := range storetest.Backends {
		b.Run(backend, func(b *testing.B) {
			if backend == "postgres" {
				storetest.RequirePostgres(b)
			}
			st := storetest.Open(b, backend)
			seedMany(b, st, 10000)
			d := New(testConfig(testDashToken), st, nil)
			mux := http.NewServeMux()
			d.Routes(mux)
			var h http.Handler = mux
			start, days := time.Now(), 0
			d.now = func() time.Time { return start.AddDate(0, 0, days) }
			touched := 0
			touch := func() {
				touched++
				if err := st.SaveTrackedIssue(context.Background(), store.TrackedIssue{RepoKey: "github:1:org0/service-0",
					Key: "system-0/touched", Number: 99999, State: "open", Title: fmt.Sprint("changed ", touched), Risk: "low"}); err != nil {
					b.Fatal(err)
				}
			}
			for _, mode := range []string{"warm", "cold", "newday"} {
				for _, v := range dashboardViews {
					b.Run(mode+"/"+v.name, func(b *testing.B) {
						check := do(b, h, call{path: v.path, bearer: testDashToken})
						if check.Code != http.StatusOK {
							b.Fatalf("%s: %d %s", v.path, check.Code, check.Body)
						}
						cpu0 := cpuTime()
						for b.Loop() {
							switch mode {
							case "cold":
								b.StopTimer()
								touch()
								b.StartTimer()
							case "newday":
								days++
							}
							if rec := do(b, h, call{path: v.path, bearer: testDashToken}); rec.Code != http.StatusOK {
								b.Fatal(rec.Code)
							}
						}
						// CPU the process used per request: on a busy machine,
						// what the request costs apart from waiting for a core
						// (with the cold change's write, when cold).
						b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1e3/float64(b.N), "cpu-ms/op")
						b.ReportMetric(float64(check.Body.Len())/1e3, "kB/answer")
					})
				}
			}
		})
	}
}

// TestDashboardManyRows: with the benchmark's data, each view answers, a
// page of a list holds one page of rows, and the counts add up.
func TestDashboardManyRows(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 10,000 mitigations")
	}
	st := storetest.Open(t, "sqlite")
	seedMany(t, st, 10000)
	h, _ := dashServer(t, st, testDashToken)
	for _, v := range dashboardViews {
		if rec := do(t, h, call{path: v.path, bearer: testDashToken}); rec.Code != http.StatusOK {
			t.Errorf("%s: %d", v.path, rec.Code)
		}
	}
	page := getPage(t, h, "/dashboard/mitigations")
	if got := len(rowsOf(page)); got != defaultPerPage || !strings.Contains(page, "1–50 of 10000") {
		t.Errorf("mitigations page: %d rows", got)
	}
	var th struct{ Count, Total int }
	getJSON(t, h, "/api/v1/threats?per_page=1", &th)
	if th.Total != 50*4*12 || th.Count != th.Total {
		t.Errorf("threats: %+v, want 2400", th)
	}
}

// cpuTime is the CPU the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
