package dashboard

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tmbot/tmbot/bot/store"
	"github.com/tmbot/tmbot/bot/store/storetest"
)

// rowsOf returns the data-key of each mitigation or threat row of a page.
func rowsOf(page string) []string {
	var keys []string
	for _, m := range regexp.MustCompile(`<tr(?: class="[a-z]+")? data-key="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		keys = append(keys, m[1])
	}
	return keys
}

func getJSON(t *testing.T, h http.Handler, path string, v any) {
	t.Helper()
	rec := do(t, h, call{path: path, bearer: testDashToken})
	if rec.Code != http.StatusOK {
		t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func getPage(t *testing.T, h http.Handler, path string) string {
	t.Helper()
	rec := do(t, h, call{path: path, bearer: testDashToken})
	if rec.Code != http.StatusOK {
		t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
	}
	return rec.Body.String()
}

func wantIn(t *testing.T, what, page string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(page, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

// noActiveContent: the page loads no script or external asset, and the
// hostile title seeded shows as text.
func noActiveContent(t *testing.T, what, page string) {
	t.Helper()
	for _, bad := range []string{"<script", " src=", "<link", "@import", "url(", "<iframe"} {
		if strings.Contains(page, bad) {
			t.Errorf("%s loads a script or an external asset (%s)", what, bad)
		}
	}
}

// TestDashboardOverview: the overview counts what needs attention, each
// count linking to its list; the vendor and repository pages narrow it.
func TestDashboardOverview(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		seedDashboard(t, st)
		h, _ := dashServer(t, st, testDashToken)
		page := getPage(t, h, "/dashboard")
		noActiveContent(t, "the overview", page)
		// Open: pay 3 unplanned-or-planned high... 8 threats: unplanned sqli,
		// card-skimming (high), weak-tls, log-leak (low) = 4.
		wantIn(t, "the overview", page,
			`id="card-unplanned" href="/dashboard/threats?plan=unplanned"><span class="n">4</span>`,
			`id="card-overdue" href="/dashboard/mitigations?status=overdue"><span class="n">1</span>`,
			`id="card-over" href="/dashboard/threats?over=1"><span class="n">2</span>`,
			`id="card-accepted" href="/dashboard/accepted?expiring=1"><span class="n">2</span>`,
			`id="card-invalid" href="/dashboard/models?state=invalid"><span class="n">1</span>`,
			`id="card-stale" href="/dashboard/mitigations?status=human_closed"><span class="n">1</span>`,
			`href="/dashboard/threats?plan=unplanned&amp;risk=high" aria-label="2 high threats with no plan">2</a>`,
			`href="/dashboard/threats?over=1&amp;risk=critical" aria-label="1 critical threats over target">1</a>`,
			`<svg id="risk-chart"`, `class="legend"`, `<a href="/dashboard/repo?repo=github%3A7%3Aalpine%2Fpay">alpine/pay</a>`,
			`<a href="/dashboard/vendor?vendor=Acme&#43;Supplies&#43;Ltd">Acme Supplies Ltd</a>`, `aria-current="page"`)
		// The vendor's page: its model, not AlpinePay's.
		ven := getPage(t, h, "/dashboard/vendor?vendor=Acme+Supplies+Ltd")
		wantIn(t, "the vendor's page", ven, "Vendor: Acme Supplies Ltd", "Payments SDK", `id="models-table"`,
			`href="https://github.com/alpine/vendor-sdk/blob/def456/vendor.threatmodel.json"`)
		if strings.Contains(ven, "AlpinePay") {
			t.Error("the vendor's page shows another system")
		}
		repo := getPage(t, h, "/dashboard/repo?repo=github%3A7%3Aalpine%2Fpay")
		wantIn(t, "the repository's page", repo, "Repository: alpine/pay", `href="https://github.com/alpine/pay"`,
			`id="issues-table"`, `data-key="alpinepay/admin-mfa"`, `id="work-table"`, "Overdue by 10 days", `<svg id="risk-chart"`,
			"unknown field")
		if strings.Contains(repo, "Payments SDK") {
			t.Error("the repository's page shows another repository's model")
		}
		// A repository key tmbot does not know gets no link to a forge.
		if odd := getPage(t, h, "/dashboard/repo?repo=github%3A1%3A%2Fevil.example%2Fx"); strings.Contains(odd, `href="https://github.com/`) {
			t.Error("the page of an unknown repository links to the forge")
		}
		var ov struct {
			Overview struct {
				Threats   map[string]map[string]int `json:"open_threats"`
				Unplanned int
				Overdue   int     `json:"overdue_mitigations"`
				Targets   Targets `json:"target_days"`
			}
		}
		getJSON(t, h, "/api/v1/overview", &ov)
		if ov.Overview.Unplanned != 4 || ov.Overview.Overdue != 1 || ov.Overview.Threats["high"]["unplanned"] != 2 ||
			ov.Overview.Threats["critical"]["over_target"] != 1 || ov.Overview.Targets != DefaultTargets {
			t.Errorf("overview API: %+v", ov)
		}
	})
}

// TestDashboardLists: each list filters, searches, sorts and pages, keeps
// its filters in its links, and links every row to the model file at the
// commit reviewed, the request that brought it and its issue.
func TestDashboardLists(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		seedDashboard(t, st)
		h, _ := dashServer(t, st, testDashToken)

		threats := getPage(t, h, "/dashboard/threats")
		noActiveContent(t, "the threats", threats)
		// Highest risk first, unplanned first, oldest first.
		if got := rowsOf(threats); !slices.Equal(got, []string{"sdk/tampered-release", "alpinepay/sqli", "alpinepay/card-skimming",
			"alpinepay/admin-takeover", "alpinepay/ddos", "alpinepay/phishing", "sdk/weak-tls", "sdk/log-leak"}) {
			t.Errorf("threats: %v", got)
		}
		wantIn(t, "the threats", threats, "&lt;script&gt;alert(1)&lt;/script&gt; card skimming",
			`href="https://github.com/alpine/pay/blob/abc123/tm/pay.yaml"`, `href="https://github.com/alpine/pay/pull/42"`,
			`href="https://github.example/alpine/pay/issues/3" aria-label="issue 3, mitigation admin-mfa"`,
			"15 d over target", "6 d over target", "≥ </span>10 d", `id="csv-link"`)
		for q, want := range map[string][]string{
			"plan=unplanned&risk=high":          {"alpinepay/sqli", "alpinepay/card-skimming"},
			"over=1":                            {"sdk/tampered-release", "alpinepay/sqli"},
			"vendor=Acme+Supplies+Ltd&risk=low": {"sdk/weak-tls", "sdk/log-leak"},
			"q=SQL+search":                      {"alpinepay/sqli"},
			"q=acme":                            {"sdk/tampered-release", "sdk/weak-tls", "sdk/log-leak"},
			"sort=title":                        {"alpinepay/card-skimming", "sdk/tampered-release", "alpinepay/admin-takeover", "alpinepay/ddos", "sdk/log-leak", "alpinepay/sqli", "alpinepay/phishing", "sdk/weak-tls"},
			"sort=age&dir=desc&risk=high":       {"alpinepay/sqli", "alpinepay/admin-takeover", "alpinepay/card-skimming", "alpinepay/ddos"},
			"per_page=3&page=2":                 {"alpinepay/admin-takeover", "alpinepay/ddos", "alpinepay/phishing"},
		} {
			if got := rowsOf(getPage(t, h, "/dashboard/threats?"+q)); !slices.Equal(got, want) {
				t.Errorf("threats?%s: %v, want %v", q, got, want)
			}
		}
		// Pages keep the filters; a sort link keeps them and starts again.
		p2 := getPage(t, h, "/dashboard/threats?risk=high&per_page=2")
		wantIn(t, "a page of threats", p2, `href="/dashboard/threats?page=2&amp;per_page=2&amp;risk=high" rel="next"`,
			"1–2 of 4", `aria-sort="none" class="num"><a href="/dashboard/threats?dir=desc&amp;per_page=2&amp;risk=high&amp;sort=age"`,
			`<option value="high" selected>`)

		mits := getPage(t, h, "/dashboard/mitigations")
		noActiveContent(t, "the mitigations", mits)
		if got := rowsOf(mits); len(got) != 5 || got[0] != "alpinepay/admin-mfa" || got[4] != "alpinepay/waf" {
			t.Errorf("mitigations: %v", got)
		}
		wantIn(t, "the mitigations", mits, "Overdue by 10 days", "issue closed, model not updated",
			`href="https://github.example/alpine/pay/issues/3"`, `href="https://github.com/alpine/pay/pull/42"`,
			`<option value="@alpine/security">`, "20 d")
		for q, want := range map[string][]string{
			"risk=high":                             {"alpinepay/admin-mfa", "alpinepay/rbac"},
			"owner=%40alpine%2Fsecurity":            {"alpinepay/phishing-training"},
			"repo=github%3A7%3Aalpine%2Fvendor-sdk": {"sdk/sign-releases"},
			"vendor=Acme+Supplies+Ltd":              {"sdk/sign-releases"},
			"status=overdue":                        {"alpinepay/admin-mfa"},
			"status=human_closed":                   {"alpinepay/rbac"},
			"status=done":                           {"alpinepay/waf"},
			"status=in_progress":                    {"alpinepay/phishing-training"},
			"status=open":                           {"alpinepay/admin-mfa", "alpinepay/phishing-training", "sdk/sign-releases"},
			"risk=high&owner=%40alpine%2Fsecurity":  nil,
			"q=MFA":                                 {"alpinepay/admin-mfa"},
			"sort=due":                              {"alpinepay/waf", "alpinepay/admin-mfa", "alpinepay/rbac", "alpinepay/phishing-training", "sdk/sign-releases"},
		} {
			if got := rowsOf(getPage(t, h, "/dashboard/mitigations?"+q)); !slices.Equal(got, want) {
				t.Errorf("mitigations?%s: %v, want %v", q, got, want)
			}
		}
		models := getPage(t, h, "/dashboard/models?state=invalid")
		wantIn(t, "the invalid models", models, "tm/broken.yaml", "unknown field")
		if strings.Contains(models, "Payments SDK") {
			t.Error("state=invalid lists a valid model")
		}
		acc := getPage(t, h, "/dashboard/accepted?expiring=1")
		wantIn(t, "the accepted risks", acc, "Market data provider goes down", "in 20 days", "expired 3 days ago")
		if strings.Contains(acc, "Accepted for years") {
			t.Error("an acceptance 400 days away is listed as expiring soon")
		}
		for _, q := range []string{"risk=extreme", "status=whatever", "sort=evil", "page=0", "per_page=100000", "plan=maybe",
			"over=yes", "q=" + strings.Repeat("x", 201)} {
			for _, p := range []string{"/dashboard/threats?", "/dashboard/mitigations?", "/api/v1/threats?"} {
				if rec := do(t, h, call{path: p + q, bearer: testDashToken}); rec.Code != http.StatusBadRequest {
					t.Errorf("%s%s: %d", p, q, rec.Code)
				}
			}
		}
	})
}

// TestDashboardAPI: the JSON and CSV answers carry the same rows as the
// pages, with the same filters.
func TestDashboardAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		seedDashboard(t, st)
		h, _ := dashServer(t, st, testDashToken)
		var ms struct {
			Total, Count int
			Mitigations  []mitigationRow
		}
		getJSON(t, h, "/api/v1/mitigations?status=overdue", &ms)
		if ms.Total != 5 || ms.Count != 1 || !ms.Mitigations[0].Overdue || ms.Mitigations[0].DaysOverdue != 10 ||
			ms.Mitigations[0].AgeDays != 20 || ms.Mitigations[0].IssueAgeDays != 21 || ms.Mitigations[0].PR != 42 ||
			ms.Mitigations[0].ModelURL != "https://github.com/alpine/pay/blob/abc123/tm/pay.yaml" || ms.Mitigations[0].IssueURL == "" {
			t.Errorf("mitigations API: %+v", ms)
		}
		var th struct {
			Count   int
			Page    struct{ Number, Pages int }
			Threats []threatRow
		}
		getJSON(t, h, "/api/v1/threats?over=1&per_page=1", &th)
		if th.Count != 2 || th.Page.Pages != 2 || len(th.Threats) != 1 || th.Threats[0].Threat != "tampered-release" ||
			th.Threats[0].DaysOverTarget != 6 || th.Threats[0].Vendor != "Acme Supplies Ltd" || len(th.Threats[0].Issues) != 1 {
			t.Errorf("threats API: %+v", th)
		}
		var systems struct {
			Systems []struct {
				SystemName    string        `json:"system_name"`
				Vendor        string        `json:"vendor"`
				Mitigations   int           `json:"tracked_mitigations"`
				Unplanned     int           `json:"unplanned"`
				AcceptedRisks []acceptedRow `json:"accepted_risks"`
			}
		}
		getJSON(t, h, "/api/v1/systems", &systems)
		if len(systems.Systems) != 3 {
			t.Fatalf("systems: %+v", systems)
		}
		for _, s := range systems.Systems {
			if s.SystemName == "AlpinePay" && (len(s.AcceptedRisks) != 4 || s.Mitigations != 3 || s.Unplanned != 2) ||
				s.SystemName == "Payments SDK" && s.Vendor != "Acme Supplies Ltd" {
				t.Errorf("system: %+v", s)
			}
		}
		var sum struct {
			Open          store.RiskCounts
			Unplanned     store.RiskCounts
			Total         int
			InvalidModels int `json:"invalid_models"`
		}
		getJSON(t, h, "/api/v1/threats/summary", &sum)
		if sum.Open != (store.RiskCounts{Critical: 1, High: 4, Medium: 1, Low: 2}) || sum.Total != 8 || sum.InvalidModels != 1 ||
			sum.Unplanned != (store.RiskCounts{High: 2, Low: 2}) {
			t.Errorf("summary: %+v", sum)
		}
		var hist struct{ Days []riskPoint }
		getJSON(t, h, "/api/v1/risk-history", &hist)
		if len(hist.Days) != 7 || hist.Days[0].Total != 5 || hist.Days[6].Day != day(0) ||
			hist.Days[6].Open != (store.RiskCounts{High: 4, Medium: 1, Low: 2, Critical: 1}) {
			t.Errorf("history: %+v", hist.Days)
		}
		var acc struct {
			Count    int
			Accepted []acceptedRow `json:"accepted_risks"`
		}
		getJSON(t, h, "/api/v1/accepted-risks?expiring=1", &acc)
		if acc.Count != 2 || acc.Accepted[0].Threat != "old-acceptance" || !acc.Accepted[0].Expired || *acc.Accepted[1].DaysLeft != 20 {
			t.Errorf("accepted: %+v", acc)
		}
		var vs struct{ Vendors []map[string]any }
		getJSON(t, h, "/api/v1/vendors", &vs)
		if len(vs.Vendors) != 1 || vs.Vendors[0]["vendor"] != "Acme Supplies Ltd" || vs.Vendors[0]["unplanned"] != 2.0 {
			t.Errorf("vendors: %+v", vs)
		}

		rec := do(t, h, call{path: "/api/v1/mitigations.csv?risk=low", bearer: testDashToken})
		if rec.Header().Get("Content-Type") != "text/csv; charset=utf-8" || !strings.Contains(rec.Header().Get("Content-Disposition"), "attachment") {
			t.Errorf("CSV headers: %v", rec.Header())
		}
		recs, err := csv.NewReader(rec.Body).ReadAll()
		if err != nil || len(recs) != 2 || recs[0][0] != "repository" || recs[0][18] != "system_name" {
			t.Fatalf("CSV: %v %v", recs, err)
		}
		if title, owner := recs[1][3], recs[1][6]; !strings.HasPrefix(title, "'=") || owner != "'@supplier/dev" {
			t.Errorf("CSV cells that a spreadsheet would run: %q %q", title, owner)
		}
		rec = do(t, h, call{path: "/api/v1/systems.csv?state=invalid", bearer: testDashToken})
		if recs, err := csv.NewReader(rec.Body).ReadAll(); err != nil || len(recs) != 2 || recs[1][1] != "tm/broken.yaml" || recs[1][6] != "false" {
			t.Errorf("models CSV: %v %v", recs, err)
		}
		rec = do(t, h, call{path: "/api/v1/accepted-risks.csv?expiring=1&risk=high", bearer: testDashToken})
		if recs, err := csv.NewReader(rec.Body).ReadAll(); err != nil || len(recs) != 2 || recs[1][5] != "old-acceptance" || recs[1][11] != "-3" {
			t.Errorf("accepted risks CSV: %v %v", recs, err)
		}
		rec = do(t, h, call{path: "/api/v1/threats.csv?plan=unplanned&risk=high&sort=title", bearer: testDashToken})
		recs, err = csv.NewReader(rec.Body).ReadAll()
		if err != nil || len(recs) != 3 || recs[1][2] != "card-skimming" || recs[2][2] != "sqli" || recs[2][15] != "true" {
			t.Errorf("threats CSV: %v %v", recs, err)
		}
	})
}

// TestDashboardLinks: links in the URL shapes of GitHub (github.com and
// Enterprise Server) and GitLab, escaped segment by segment.
func TestDashboardLinks(t *testing.T) {
	l := newLinker("https://api.github.com", "https://gitlab.example.com/")
	for got, want := range map[string]string{
		l.File("github:7:alpine/pay", "abc", "tm/a b#.yaml"):  "https://github.com/alpine/pay/blob/abc/tm/a%20b%23.yaml",
		l.Pull("github:7:alpine/pay", 42):                     "https://github.com/alpine/pay/pull/42",
		l.Issue("github:7:alpine/pay", 3):                     "https://github.com/alpine/pay/issues/3",
		l.File("gitlab:0:group/sub/proj", "abc", "tm/x.yaml"): "https://gitlab.example.com/group/sub/proj/-/blob/abc/tm/x.yaml",
		l.Pull("gitlab:0:group/sub/proj", 7):                  "https://gitlab.example.com/group/sub/proj/-/merge_requests/7",
		l.Issue("gitlab:0:group/sub/proj", 9):                 "https://gitlab.example.com/group/sub/proj/-/issues/9",
		l.Repo("gitlab:0:group/sub/proj"):                     "https://gitlab.example.com/group/sub/proj",
		l.File("github:7:alpine/pay", "", "tm/x.yaml"):        "",
		l.Pull("bitbucket:1:a/b", 1):                          "",
		newLinker("", "").Pull("gitlab:0:a/b", 1):             "",
		githubWeb("https://ghe.example.com/api/v3/"):          "https://ghe.example.com",
		githubWeb("javascript:alert(1)"):                      "",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

// TestDashboardSeesChanges: what the dashboard keeps between requests is
// read again after a tracked issue, a reconcile's snapshot or a first
// sighting changes.
func TestDashboardSeesChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		seedDashboard(t, st)
		h, _ := dashServer(t, st, testDashToken)
		ctx := t.Context()
		if got := rowsOf(getPage(t, h, "/dashboard/mitigations?q=brand+new")); len(got) != 0 {
			t.Fatalf("before: %v", got)
		}
		if err := st.SaveTrackedIssue(ctx, store.TrackedIssue{RepoKey: "github:7:alpine/pay", Key: "alpinepay/new", Number: 11,
			State: "open", Title: "A brand new mitigation", Risk: "low", Path: "tm/pay.yaml"}); err != nil {
			t.Fatal(err)
		}
		if got := rowsOf(getPage(t, h, "/dashboard/mitigations?q=brand+new")); !slices.Equal(got, []string{"alpinepay/new"}) {
			t.Errorf("after a new issue: %v", got)
		}
		if err := st.SaveModelSnapshots(ctx, "github:7:alpine/vendor-sdk", nil); err != nil {
			t.Fatal(err)
		}
		if page := getPage(t, h, "/dashboard/threats"); strings.Contains(page, "sdk/weak-tls") {
			t.Error("a forgotten model's threats are still listed")
		}
		if err := st.NoteFirstSeen(ctx, "github:7:alpine/pay", []store.FirstSeen{{Kind: store.KindMitigation, Key: "alpinepay/new",
			At: time.Now().AddDate(0, 0, -400), PR: 77}}); err != nil {
			t.Fatal(err)
		}
		if page := getPage(t, h, "/dashboard/mitigations?q=brand+new"); !strings.Contains(page, "brought by #77") {
			t.Error("a first sighting does not show")
		}
	})
}

// TestDashboardNewDay: on a new day the rows kept are aged without a
// change in the store; a summary issue saved in one repository shows, and
// the other repository's rows stay.
func TestDashboardNewDay(t *testing.T) {
	st := storetest.Open(t, "sqlite")
	seedDashboard(t, st)
	d := New(testConfig(testDashToken), st, nil)
	start, days := time.Now(), 0
	d.now = func() time.Time { return start.AddDate(0, 0, days) }
	mux := http.NewServeMux()
	d.Routes(mux)
	overdue := func() (int, int) {
		var ms struct{ Mitigations []mitigationRow }
		getJSON(t, mux, "/api/v1/mitigations?status=overdue", &ms)
		if len(ms.Mitigations) != 1 {
			t.Fatalf("overdue: %+v", ms)
		}
		return ms.Mitigations[0].DaysOverdue, ms.Mitigations[0].AgeDays
	}
	if late, age := overdue(); late != 10 || age != 20 {
		t.Fatalf("today: %d days overdue, %d old", late, age)
	}
	days = 3
	if late, age := overdue(); late != 13 || age != 23 {
		t.Errorf("three days later: %d days overdue, %d old", late, age)
	}
	if err := st.SaveRepoTracking(t.Context(), store.RepoTracking{RepoKey: "github:7:alpine/vendor-sdk", SummaryNumber: 12}); err != nil {
		t.Fatal(err)
	}
	var ov struct {
		Overview struct {
			Repos []struct {
				Key     string `json:"repo_key"`
				Summary int    `json:"summary_issue"`
			} `json:"repos"`
		} `json:"overview"`
	}
	getJSON(t, mux, "/api/v1/overview", &ov)
	got := map[string]int{}
	for _, r := range ov.Overview.Repos {
		got[r.Key] = r.Summary
	}
	if len(got) != 2 || got["github:7:alpine/vendor-sdk"] != 12 {
		t.Errorf("repositories after a summary issue: %+v", ov)
	}
	if late, _ := overdue(); late != 13 {
		t.Errorf("the other repository's rows: %d days overdue", late)
	}
}

// TestDashboardForgetsRemovedRepositories: once a repository is removed
// from the App, or the App's installation is deleted, none of its open
// threats, models or mitigations is listed.
func TestDashboardForgetsRemovedRepositories(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		seedDashboard(t, st)
		h, _ := dashServer(t, st, testDashToken)
		ctx := t.Context()
		count := func(path string) int {
			var v struct{ Count int }
			getJSON(t, h, path, &v)
			return v.Count
		}
		if n := count("/api/v1/threats?repo=github%3A7%3Aalpine%2Fpay"); n != 5 {
			t.Fatalf("pay's threats before: %d", n)
		}
		if err := st.DeleteRepo(ctx, nil, "github:7:alpine/pay"); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"/api/v1/threats?repo=github%3A7%3Aalpine%2Fpay", "/api/v1/mitigations?repo=github%3A7%3Aalpine%2Fpay"} {
			if n := count(p); n != 0 {
				t.Errorf("%s after the repository was removed: %d", p, n)
			}
		}
		if n := count("/api/v1/threats"); n != 3 {
			t.Errorf("the other repository's threats: %d, want 3", n)
		}
		if err := st.DeleteInstallation(ctx, nil, 7); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"/api/v1/threats", "/api/v1/mitigations", "/api/v1/systems", "/api/v1/accepted-risks"} {
			if n := count(p); n != 0 {
				t.Errorf("%s after the installation was deleted: %d", p, n)
			}
		}
		if page := getPage(t, h, "/dashboard"); strings.Contains(page, "alpine/") {
			t.Error("the overview still names a repository of the deleted installation")
		}
	})
}
