package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/tmbot/tmbot/bot/forge/github/githubtest"
	"github.com/tmbot/tmbot/cmd/tmbot/settings"
)

// The dashboard through the service: its authentication over HTTP, and
// what a person sees in a real browser (headless Chromium driven with
// chromedp) after a push opened tracking issues.

const (
	dashToken  = "s3cret-dashboard-Token-7c41b0"
	vendorRepo = "alpine/vendor-sdk"
	vendorPath = "threatmodels/sdk.threatmodel.yaml"
	legacyRepo = "alpine/legacy"
)

// startServiceWith is startService with settings changed by edit.
func startServiceWith(t *testing.T, gh *githubtest.Server, database string, edit func(*settings.Settings)) *service {
	t.Helper()
	cfg := settings.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.Database = database
	cfg.GitHub.AppID = testAppID
	cfg.GitHub.PrivateKey = string(gh.PrivateKeyPEM())
	cfg.GitHub.WebhookSecret = testSecret
	cfg.GitHub.APIURL = gh.URL()
	cfg.ResyncInterval = 0
	edit(&cfg)
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewJSONHandler(&lockedWriter{w: logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	s := &service{gh: gh, logs: logs, cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- serve(ctx, cfg, log, ready) }()
	select {
	case addr := <-ready:
		s.url = "http://" + addr
	case err := <-s.done:
		t.Fatalf("serve: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("the service did not become ready")
	}
	t.Cleanup(func() { s.stop(t) })
	return s
}

// leaks are the forms in which the dashboard token could leak.
func leaks(token string) []string {
	return []string{token, hex.EncodeToString([]byte(token)), base64.StdEncoding.EncodeToString([]byte(token)),
		base64.RawURLEncoding.EncodeToString([]byte(token)), url.QueryEscape(token)}
}

func noLeak(t *testing.T, where, s string) {
	t.Helper()
	for _, f := range leaks(dashToken) {
		if strings.Contains(s, f) {
			t.Errorf("the dashboard token shows in %s (as %q)", where, f)
		}
	}
}

// TestDashboardServiceAuth: off (404) without a token; with one, no token
// or a wrong one gets 401 from the page and the API; the login form sets a
// session cookie that is not the token; the token is in no log line.
func TestDashboardServiceAuth(t *testing.T) {
	gh := fakeGitHub(t)
	off := startService(t, gh, "sqlite:"+filepath.Join(t.TempDir(), "off.db"))
	for _, p := range []string{"/dashboard", "/dashboard/login", "/api/v1/mitigations", "/api/v1/mitigations.csv"} {
		if code, _ := httpGet(t, off.url+p, nil); code != http.StatusNotFound {
			t.Errorf("%s without TMBOT_DASHBOARD_TOKEN: %d, want 404", p, code)
		}
	}

	svc := startServiceWith(t, gh, "sqlite:"+filepath.Join(t.TempDir(), "on.db"), func(s *settings.Settings) { s.DashboardToken = dashToken })
	for _, p := range []string{"/dashboard", "/api/v1/mitigations", "/api/v1/mitigations.csv", "/api/v1/systems",
		"/api/v1/threats/summary", "/api/v1/risk-history", "/api/v1/accepted-risks"} {
		for name, h := range map[string]http.Header{
			"no token":                nil,
			"a wrong token":           {"Authorization": {"Bearer not-the-token"}},
			"a cookie with the token": {"Cookie": {"tmbot_dashboard=" + dashToken}},
		} {
			if code, _ := httpGet(t, svc.url+p, h); code != http.StatusUnauthorized {
				t.Errorf("%s with %s: %d, want 401", p, name, code)
			}
		}
		if code, body := httpGet(t, svc.url+p, http.Header{"Authorization": {"Bearer " + dashToken}}); code != http.StatusOK {
			t.Errorf("%s with the token: %d %s", p, code, body)
		} else {
			noLeak(t, p, body)
		}
	}

	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(svc.url+"/dashboard/login", url.Values{"token": {"wrong"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || len(resp.Cookies()) != 0 {
		t.Errorf("login with a wrong token: %d %v", resp.StatusCode, resp.Cookies())
	}
	resp, err = client.PostForm(svc.url+"/dashboard/login", url.Values{"token": {dashToken}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) != 1 {
		t.Fatalf("login: %d %v", resp.StatusCode, resp.Cookies())
	}
	c := resp.Cookies()[0]
	if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode {
		t.Errorf("the session cookie: %+v", c)
	}
	noLeak(t, "the session cookie", resp.Header.Get("Set-Cookie"))
	if code, _ := httpGet(t, svc.url+"/dashboard", http.Header{"Cookie": {c.Name + "=" + c.Value}}); code != http.StatusOK {
		t.Errorf("the page with the session cookie: %d", code)
	}
	svc.stop(t) // the log is complete, and no longer written
	noLeak(t, "the service's log", svc.logs.String())
}

func httpGet(t *testing.T, u string, h http.Header) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestDashboardInBrowser: a push opens AlpinePay's tracking issues (one of
// them past its due date) and a vendor's; a person closes one issue the
// model still plans. In headless Chromium, a person logs in through the
// form, sees every mitigation with the overdue marker and the "issue
// closed, model not updated" note, the risk chart, and narrows the list
// by risk, owner, repository and status. The token never shows in a URL,
// the page, the cookie or the log.
func TestDashboardInBrowser(t *testing.T) {
	chrome := chromium(t)
	start := time.Now()

	gh := fakeGitHub(t)
	base, err := os.ReadFile("../../examples/alpinepay/alpinepay.threatmodel.yaml")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	pastDue := now.AddDate(0, 0, -30).Format(time.DateOnly)
	src := strings.Replace(string(base), "due: 2027-01-31", "due: "+pastDue, 1)                               // admin-mfa
	src = strings.Replace(src, "until: 2027-06-30", "until: "+now.AddDate(0, 0, 20).Format(time.DateOnly), 1) // market-data-outage
	if !strings.Contains(src, pastDue) {
		t.Fatal("cannot move admin-mfa's due date in the example")
	}
	gh.PutFile(testRepo, sha("dash"), modelPath, []byte(src))
	gh.SetBranch(testRepo, "main", sha("dash"))
	gh.AddRepo(testInst, vendorRepo, "main")
	gh.PutFile(vendorRepo, sha("vendor"), vendorPath, []byte(vendorModel))
	gh.SetBranch(vendorRepo, "main", sha("vendor"))
	// An invalid model whose error holds a 300-character word: it must
	// wrap, and its row must name the owner to ask.
	gh.AddRepo(testInst, legacyRepo, "main")
	gh.PutFile(legacyRepo, sha("legacy"), "legacy.threatmodel.yaml", []byte("version: 1\nsystem: {id: legacy, name: Legacy, owner: \"@alpine/legacy\"}\n"+
		"threats: {}\nmitigations: {}\n"+strings.Repeat("x", 300)+": 1\n"))
	gh.SetBranch(legacyRepo, "main", sha("legacy"))

	svc := startServiceWith(t, gh, "sqlite:"+filepath.Join(t.TempDir(), "tmbot.db"), func(s *settings.Settings) { s.DashboardToken = dashToken })
	sendEvent(t, svc, "push", pushPayload(sha("dash")))
	sendEvent(t, svc, "push", pushPayloadFor(vendorRepo, 2, sha("vendor")))
	sendEvent(t, svc, "push", pushPayloadFor(legacyRepo, 3, sha("legacy")))
	want := len(wanted(t, "../../examples/alpinepay/alpinepay.threatmodel.yaml"))
	waitFor(t, "the tracking issues", func() bool {
		byKey, sums := mitigationIssues(gh)
		return len(byKey) == want && len(sums) == 1 && len(gh.Issues(vendorRepo)) == 2
	})
	// A person closes rbac's issue; the model still plans rbac.
	byKey, _ := mitigationIssues(gh)
	rbac := byKey["alpinepay/rbac"]
	gh.CloseIssueAs(testRepo, rbac.Number, "alice", "completed")
	sendEvent(t, svc, "issues", issuesPayload("closed", rbac.Number, rbac.Body, "alice"))
	waitFor(t, "the note on rbac's issue", func() bool {
		is, _ := gh.Issue(testRepo, rbac.Number)
		return is.Comments == 1
	})
	waitIdle(t, svc.url)
	setup := time.Since(start)

	// The browser.
	browserStart := time.Now()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chrome),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1600),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	ctx, cancelC := chromedp.NewContext(actx)
	defer cancelC()
	ctx, cancelT := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelT()

	// The browser's log: a Content-Security-Policy violation (a blocked
	// style or script) shows there.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	var (
		mu      sync.Mutex
		console []string
	)
	entries := chromedp.Events(ctx, cdplog.EntryAdded)
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	go func() {
		for ev, err := range entries {
			if err != nil {
				return
			}
			mu.Lock()
			console = append(console, string(ev.Entry.Source)+": "+ev.Entry.Text)
			mu.Unlock()
		}
	}()

	var urls []string
	visit := func(what string, a chromedp.Action[chromedp.Void]) int64 {
		t.Helper()
		resp, err := chromedp.RunResponse(ctx, a)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		urls = append(urls, resp.URL, loc)
		html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
		if err != nil {
			t.Fatal(err)
		}
		noLeak(t, what+": the page", html)
		return resp.Status
	}
	rows := func() []browserRow {
		t.Helper()
		rs, err := chromedp.Run(ctx, chromedp.Evaluate[[]browserRow](rowsJS))
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	filter := func(sel, value string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.ID(sel), value)); err != nil {
			t.Fatal(err)
		}
		if status := visit("filter "+sel+"="+value, chromedp.Click(chromedp.ID("apply"))); status != http.StatusOK {
			t.Fatalf("filter %s=%s: %d", sel, value, status)
		}
	}

	// Not logged in: the login form, with 401.
	if status := visit("the page before logging in", chromedp.Navigate(svc.url+"/dashboard")); status != http.StatusUnauthorized {
		t.Errorf("the page before logging in: %d, want 401", status)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("token"))); err != nil {
		t.Fatal(err)
	}
	// A wrong token first.
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("token"), "guess")); err != nil {
		t.Fatal(err)
	}
	if status := visit("a wrong token", chromedp.Click(chromedp.ID("login"))); status != http.StatusUnauthorized {
		t.Errorf("login with a wrong token: %d", status)
	}
	if msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("login-error"))); err != nil || !strings.Contains(msg, "not the dashboard token") {
		t.Errorf("wrong token message: %q %v", msg, err)
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("token"), dashToken)); err != nil {
		t.Fatal(err)
	}
	if status := visit("log in", chromedp.Click(chromedp.ID("login"))); status != http.StatusOK {
		t.Fatalf("after logging in: %d", status)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("now"))); err != nil {
		t.Fatal(err)
	}

	// The session cookie: HttpOnly, Secure, SameSite=Strict, not the token,
	// out of the page's reach.
	cookies, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{svc.url}})
	if err != nil {
		t.Fatal(err)
	}
	var session *network.Cookie
	for _, c := range cookies.Cookies {
		if c.Name == "tmbot_dashboard" {
			session = c
		}
	}
	if session == nil || !session.HTTPOnly || !session.Secure || session.SameSite != network.CookieSameSiteStrict {
		t.Fatalf("session cookie: %+v (all: %v)", session, cookies.Cookies)
	}
	noLeak(t, "the session cookie", session.Value)
	if jsCookie, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.cookie`)); jsCookie != "" {
		t.Errorf("the page's script can read cookies: %q", jsCookie)
	}

	type pageFacts struct {
		ChartBars   int    `json:"chartBars"`
		ChartHeight int    `json:"chartHeight"`
		HeaderBG    string `json:"headerBG"`
		Scripts     int    `json:"scripts"`
		Overdue     string `json:"overdue"`
		Stale       string `json:"stale"`
		Unplanned   string `json:"unplanned"`
		Invalid     string `json:"invalid"`
		Vendors     string `json:"vendors"`
	}
	facts := func() pageFacts {
		t.Helper()
		f, err := chromedp.Run(ctx, chromedp.Evaluate[pageFacts](`(() => {
  const txt = s => { const e = document.querySelector(s); return e ? e.innerText : ''; };
  const svg = document.querySelector('#risk-chart');
  return {chartBars: document.querySelectorAll('#risk-chart rect').length,
    chartHeight: svg ? Math.round(svg.getBoundingClientRect().height) : 0,
    headerBG: getComputedStyle(document.querySelector('header')).backgroundColor,
    scripts: document.scripts.length,
    overdue: txt('#card-overdue .n'), stale: txt('#card-stale .n'), unplanned: txt('#card-unplanned .n'), invalid: txt('#card-invalid .n'),
    vendors: txt('#vendors')};
})()`))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}

	// The overview first: what needs attention.
	f := facts()
	if f.ChartBars == 0 || f.ChartHeight < 50 || f.Scripts != 0 || f.Overdue != "1" || f.Stale != "1" || f.Unplanned == "" || f.Invalid != "1" {
		t.Errorf("overview: %+v", f)
	}
	if f.HeaderBG != "rgb(29, 35, 48)" {
		t.Errorf("the inline stylesheet did not apply (CSP?): header background %q", f.HeaderBG)
	}
	if !strings.Contains(f.Vendors, "Acme Supplies Ltd") {
		t.Errorf("vendors on the overview:\n%s", f.Vendors)
	}
	// The overdue card leads to the overdue mitigation.
	if status := visit("the overdue card", chromedp.Click(chromedp.ID("card-overdue"))); status != http.StatusOK {
		t.Fatalf("the overdue card: %d", status)
	}
	if got := keysOfRows(rows()); !slices.Equal(got, []string{"alpinepay/admin-mfa"}) {
		t.Errorf("the overdue card's list: %v", got)
	}
	if status := visit("the mitigations", chromedp.Navigate(svc.url+"/dashboard/mitigations")); status != http.StatusOK {
		t.Fatalf("the mitigations: %d", status)
	}

	// Every mitigation, with its markers.
	all := rows()
	wantAll := []string{"alpinepay/admin-mfa", "alpinepay/model-signing", "alpinepay/network-monitoring",
		"alpinepay/phishing-training", "alpinepay/rbac", "payments-sdk/sign-releases"}
	if got := keysOfRows(all); !slices.Equal(got, wantAll) || len(all) != want+1 {
		t.Fatalf("rows: %v, want %v", got, wantAll)
	}
	for _, r := range all {
		switch r.Key {
		case "alpinepay/admin-mfa":
			// 30 days, or 31 when the test runs over midnight UTC.
			if (r.Overdue != "Overdue by 30 days" && r.Overdue != "Overdue by 31 days") || r.Stale != "" {
				t.Errorf("admin-mfa: overdue %q stale %q\n%s", r.Overdue, r.Stale, r.Text)
			}
		case "alpinepay/rbac":
			if r.Stale != "issue closed, model not updated" || r.Overdue != "" {
				t.Errorf("rbac: overdue %q stale %q\n%s", r.Overdue, r.Stale, r.Text)
			}
		default:
			if r.Overdue != "" || r.Stale != "" {
				t.Errorf("%s: overdue %q stale %q", r.Key, r.Overdue, r.Stale)
			}
		}
	}
	// The model file at the commit reviewed, on the forge.
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#mitigations-table a[href$="/alpine/pay/blob/`+sha("dash")+`/`+modelPath+`"]').length`)); err != nil || n != want {
		t.Errorf("links to the model file at the commit reviewed: %d (want %d) %v", n, want, err)
	}
	text := func(path, sel string) string {
		t.Helper()
		if status := visit(path, chromedp.Navigate(svc.url+path)); status != http.StatusOK {
			t.Fatalf("%s: %d", path, status)
		}
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('`+sel+`').innerText`))
		if err != nil {
			t.Fatalf("%s %s: %v", path, sel, err)
		}
		return s
	}
	if s := text("/dashboard/models", "#models-table"); !strings.Contains(s, "AlpinePay") || !strings.Contains(s, "Payments SDK") {
		t.Errorf("models:\n%s", s)
	}
	if s := text("/dashboard/models?state=invalid", "#models-table"); !strings.Contains(s, "@alpine/legacy") || !strings.Contains(s, "Legacy") {
		t.Errorf("the invalid model names no owner:\n%s", s)
	}
	if s := text("/dashboard/accepted?expiring=1", "#accepted-table"); !strings.Contains(s, "market-data-outage") ||
		!strings.Contains(s, "in 20 days") && !strings.Contains(s, "in 19 days") {
		t.Errorf("accepted risks:\n%s", s)
	}
	if s := text("/dashboard/repo?repo=github%3A7%3A"+url.QueryEscape(vendorRepo), "main"); strings.Contains(s, "AlpinePay") ||
		!strings.Contains(s, "Payments SDK") {
		t.Errorf("the vendor repository's page:\n%s", s)
	}
	if s := text("/dashboard/vendor?vendor=Acme+Supplies+Ltd", "#models-table"); !strings.Contains(s, "Payments SDK") {
		t.Errorf("the vendor's page:\n%s", s)
	}
	if status := visit("the mitigations", chromedp.Navigate(svc.url+"/dashboard/mitigations")); status != http.StatusOK {
		t.Fatalf("the mitigations: %d", status)
	}

	// Filters, through the form.
	filter("f-risk", "high")
	if got := keysOfRows(rows()); !slices.Equal(got, []string{"alpinepay/admin-mfa", "alpinepay/network-monitoring",
		"alpinepay/phishing-training", "alpinepay/rbac"}) {
		t.Errorf("risk high: %v", got)
	}
	filter("f-risk", "")
	filter("f-owner", "@alpine/secops")
	if got := keysOfRows(rows()); !slices.Equal(got, []string{"alpinepay/network-monitoring"}) {
		t.Errorf("owner @alpine/secops: %v", got)
	}
	filter("f-owner", "")
	filter("f-repo", "github:7:"+vendorRepo)
	if got := keysOfRows(rows()); !slices.Equal(got, []string{"payments-sdk/sign-releases"}) {
		t.Errorf("repository %s: %v", vendorRepo, got)
	}
	filter("f-repo", "")
	filter("f-status", "overdue")
	if got := keysOfRows(rows()); !slices.Equal(got, []string{"alpinepay/admin-mfa"}) {
		t.Errorf("status overdue: %v", got)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if !strings.Contains(loc, "status=overdue") {
		t.Errorf("the filters are not in the address: %s", loc)
	}
	// The results are near the top, not under the page's other sections.
	if top, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector('#mitigations-table').getBoundingClientRect().top`)); err != nil || top > 500 {
		t.Errorf("the filtered list starts %.0f px down the page (%v)", top, err)
	}

	// Every view at a laptop's and a phone's width, by keyboard, and as a
	// screen reader reads it (dashboard_layout_test.go); the named
	// regions' boxes against the golden file (dashboard_regions_test.go).
	checkLayout(ctx, t, svc.url, vendorRepo)
	checkRegions(ctx, t, svc.url)
	checkKeyboard(ctx, t, svc.url)
	checkScreenReader(ctx, t, svc.url)

	// Log out: the page asks for the token again.
	if status := visit("log out", chromedp.Click(chromedp.CSS(`form[action="/dashboard/logout"] button`))); status != http.StatusOK {
		t.Errorf("log out: %d", status)
	}
	if status := visit("the page after logging out", chromedp.Navigate(svc.url+"/dashboard")); status != http.StatusUnauthorized {
		t.Errorf("the page after logging out: %d", status)
	}
	browserTook := time.Since(browserStart)

	for _, u := range urls {
		noLeak(t, "a URL", u)
	}
	cancelT()
	cancelC()   // closes Chromium, and with it its connections to the service
	svc.stop(t) // the log is complete, and no longer written
	noLeak(t, "the service's log", svc.logs.String())
	mu.Lock()
	for _, line := range console {
		if strings.Contains(line, "Content Security Policy") || strings.HasPrefix(line, "security") {
			t.Errorf("browser: %s", line)
		}
	}
	mu.Unlock()
	t.Logf("browser test: %v in Chromium, %v in all (service, push and tracking: %v)", browserTook.Round(time.Millisecond),
		time.Since(start).Round(time.Millisecond), setup.Round(time.Millisecond))
}
