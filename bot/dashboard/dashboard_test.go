package dashboard

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tmbot/tmbot/bot/store"
	"github.com/tmbot/tmbot/bot/store/storetest"
)

const testDashToken = "dash-T0ken-for-tests-5f1c2e9a"

// newDashboardPaths are the views and answers of the dashboard as a work
// tool: each needs the token like the rest.
var newDashboardPaths = []string{"/dashboard/threats", "/dashboard/mitigations", "/dashboard/models", "/dashboard/accepted",
	"/dashboard/vendors", "/dashboard/vendor?vendor=x", "/dashboard/repo?repo=github%3A7%3Aalpine%2Fpay", "/api/v1/overview",
	"/api/v1/threats", "/api/v1/threats.csv", "/api/v1/vendors", "/api/v1/systems.csv", "/api/v1/accepted-risks.csv"}

// at is a time as the store's columns hold it on that backend.
func at(st *store.Store, t time.Time) any {
	if st.Postgres() {
		return t.UTC()
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}

func day(offset int) string { return time.Now().UTC().AddDate(0, 0, offset).Format(store.DayLayout) }

// seedDashboard stores what a few reconciles would leave: two repositories
// (one with a vendor model), tracked mitigations in every state, accepted
// risks and a week of history.
func seedDashboard(t testing.TB, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	pay, ven := "github:7:alpine/pay", "github:7:alpine/vendor-sdk"
	issues := []store.TrackedIssue{
		// Overdue: due 10 days ago, issue open.
		{RepoKey: pay, Key: "alpinepay/admin-mfa", Number: 3, URL: "https://github.example/alpine/pay/issues/3", State: "open",
			Path: "tm/pay.yaml", System: "alpinepay", Mitigation: "admin-mfa", Title: "Enforce MFA on the admin portal",
			Status: "planned", Risk: "high", Owner: "@alpine/platform", Due: day(-10)},
		// A person closed the issue; the model still plans it.
		{RepoKey: pay, Key: "alpinepay/rbac", Number: 4, URL: "https://github.example/alpine/pay/issues/4", State: "closed",
			HumanCloseNoted: true, Path: "tm/pay.yaml", System: "alpinepay", Mitigation: "rbac", Title: "Role-based access control",
			Status: "planned", Risk: "high", Owner: "@alpine/platform", Due: day(30)},
		// Due later, in progress.
		{RepoKey: pay, Key: "alpinepay/phishing-training", Number: 5, URL: "https://github.example/alpine/pay/issues/5", State: "open",
			Path: "tm/pay.yaml", System: "alpinepay", Mitigation: "phishing-training", Title: "Phishing-awareness training",
			Status: "in_progress", Risk: "medium", Owner: "@alpine/security", Due: day(40)},
		// Done: tmbot closed it; its past due date is not overdue.
		{RepoKey: pay, Key: "alpinepay/waf", Number: 6, URL: "https://github.example/alpine/pay/issues/6", State: "closed",
			ClosedByBot: true, Path: "tm/pay.yaml", System: "alpinepay", Mitigation: "waf", Title: "Web application firewall",
			Status: "planned", Risk: "critical", Owner: "@alpine/platform", Due: day(-100)},
		{RepoKey: ven, Key: "sdk/sign-releases", Number: 9, URL: "https://github.example/alpine/vendor-sdk/issues/9", State: "open",
			Path: "vendor.threatmodel.json", System: "sdk", Mitigation: "sign-releases", Title: "=HYPERLINK(\"http://evil\") sign releases",
			Status: "planned", Risk: "low", Owner: "@supplier/dev"},
	}
	for _, is := range issues {
		if err := st.SaveTrackedIssue(ctx, is); err != nil {
			t.Fatal(err)
		}
	}
	q := "UPDATE mitigation_issues SET created_at = ? WHERE key = ?"
	if st.Postgres() {
		q = "UPDATE mitigation_issues SET created_at = $1 WHERE key = $2"
	}
	if _, err := st.DB().ExecContext(ctx, q, at(st, time.Now().AddDate(0, 0, -21)), "alpinepay/admin-mfa"); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveModelSnapshots(ctx, pay, []store.ModelSnapshot{
		{Path: "tm/pay.yaml", SystemID: "alpinepay", SystemName: "AlpinePay", SystemOwner: "@alpine/payments", Valid: true,
			Threats: 7, Open: store.RiskCounts{High: 4, Medium: 1}, SHA: "abc123",
			OpenThreats: []store.OpenThreat{
				{ThreatID: "admin-takeover", Title: "Admin account takeover", Risk: "high", Planned: true, Mitigations: []string{"admin-mfa", "rbac"}},
				{ThreatID: "phishing", Title: "Staff phished", Risk: "medium", Planned: true, Mitigations: []string{"phishing-training"}},
				{ThreatID: "sqli", Title: "SQL injection in the search API", Risk: "high"},
				{ThreatID: "card-skimming", Title: "<script>alert(1)</script> card skimming", Risk: "high"},
				{ThreatID: "ddos", Title: "Denial of service", Risk: "high", Planned: true, Mitigations: []string{"waf"}},
			},
			Accepted: []store.AcceptedRisk{
				{ThreatID: "market-data-outage", Title: "Market data provider goes down", Risk: "medium", By: "@alpine/security",
					Until: day(20)},
				{ThreatID: "old-acceptance", Title: "An acceptance that lapsed", Risk: "high", By: "@alpine/cto", Until: day(-3)},
				{ThreatID: "far-away", Title: "Accepted for years", Risk: "low", By: "@alpine/security", Until: day(400)},
				{ThreatID: "no-end", Title: "Accepted with no end", Risk: "low"},
			}},
		{Path: "tm/broken.yaml", Error: "line 4: unknown field \"sytem\""},
	}); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveModelSnapshots(ctx, ven, []store.ModelSnapshot{
		{Path: "vendor.threatmodel.json", SystemID: "sdk", SystemName: "Payments SDK", Vendor: "Acme Supplies Ltd",
			Valid: true, Threats: 3, Open: store.RiskCounts{Low: 2, Critical: 1}, SHA: "def456",
			OpenThreats: []store.OpenThreat{
				{ThreatID: "tampered-release", Title: "A tampered release", Risk: "critical", Planned: true, Mitigations: []string{"sign-releases"}},
				{ThreatID: "weak-tls", Title: "Weak TLS", Risk: "low"},
				{ThreatID: "log-leak", Title: "Secrets in logs", Risk: "low"},
			}},
	}); err != nil {
		t.Fatal(err)
	}
	// First sightings: sqli 45 days ago (over the 30-day target of high),
	// admin-takeover 20 days ago through request #42, the vendor's
	// critical threat 20 days ago (over 14), the rest at the first
	// reconcile, 10 days ago.
	ago := func(d int) time.Time { return time.Now().AddDate(0, 0, -d) }
	for repo, items := range map[string][]store.FirstSeen{
		pay: {{Kind: store.KindThreat, Key: "alpinepay/sqli", At: ago(45), SHA: "0001"},
			{Kind: store.KindThreat, Key: "alpinepay/admin-takeover", At: ago(20), SHA: "0002", PR: 42},
			{Kind: store.KindMitigation, Key: "alpinepay/admin-mfa", At: ago(20), SHA: "0002", PR: 42}},
		ven: {{Kind: store.KindThreat, Key: "sdk/tampered-release", At: ago(20), SHA: "0003"},
			{Kind: store.KindThreat, Key: "sdk/weak-tls", At: ago(10), SinceInstall: true}},
	} {
		if err := st.NoteFirstSeen(ctx, repo, items); err != nil {
			t.Fatal(err)
		}
	}
	for i := 6; i >= 0; i-- {
		if err := st.RecordRiskHistory(ctx, pay, time.Now().AddDate(0, 0, -i), store.RiskCounts{High: 4 + i%3, Medium: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.RecordRiskHistory(ctx, ven, time.Now().AddDate(0, 0, -3), store.RiskCounts{Low: 2, Critical: 1}); err != nil {
		t.Fatal(err)
	}
}

// testConfig is the dashboard's configuration in the tests: the default
// targets, links to github.com.
func testConfig(token string) Config {
	return Config{Token: token, Targets: DefaultTargets, GitHubAPI: "https://api.github.com"}
}

// dashServer is the dashboard's handler with a token, over st, and its
// log.
func dashServer(t testing.TB, st *store.Store, token string) (http.Handler, *bytes.Buffer) {
	t.Helper()
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return dashHandler(testConfig(token), st, log), logs
}

// dashHandler is a mux with the dashboard's routes.
func dashHandler(cfg Config, st *store.Store, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	New(cfg, st, log).Routes(mux)
	return mux
}

type call struct {
	method, path, bearer string
	remote               string // the client's address ("192.0.2.1:1234" when empty)
	cookie               *http.Cookie
	form                 url.Values
	header               map[string]string
}

func do(t testing.TB, h http.Handler, c call) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if c.form != nil {
		body = strings.NewReader(c.form.Encode())
	}
	if c.method == "" {
		c.method = http.MethodGet
	}
	req := httptest.NewRequest(c.method, c.path, body)
	if c.form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	if c.cookie != nil {
		req.AddCookie(c.cookie)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	if c.remote != "" {
		req.RemoteAddr = c.remote
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// login posts the token through the form and returns the session cookie.
func login(t testing.TB, h http.Handler, token string) (*httptest.ResponseRecorder, *http.Cookie) {
	t.Helper()
	return loginFrom(t, h, token, "")
}

// loginFrom posts the login form from a client address ("" for the
// default).
func loginFrom(t testing.TB, h http.Handler, token, remote string) (*httptest.ResponseRecorder, *http.Cookie) {
	t.Helper()
	rec := do(t, h, call{method: http.MethodPost, path: "/dashboard/login", form: url.Values{"token": {token}}, remote: remote})
	for _, c := range rec.Result().Cookies() {
		if c.Name == sessionCookie {
			return rec, c
		}
	}
	return rec, nil
}

// tokenForms are the ways a token could leak: as is, in hex, in base64, URL
// encoded.
func tokenForms(token string) []string {
	return []string{token, hex.EncodeToString([]byte(token)), base64.StdEncoding.EncodeToString([]byte(token)),
		base64.RawURLEncoding.EncodeToString([]byte(token)), url.QueryEscape(token)}
}

func TestDashboardAuth(t *testing.T) {
	st := storetest.Open(t, "sqlite")
	seedDashboard(t, st)
	h, logs := dashServer(t, st, testDashToken)
	paths := append([]string{"/dashboard", "/api/v1/mitigations", "/api/v1/mitigations.csv", "/api/v1/systems",
		"/api/v1/threats/summary", "/api/v1/risk-history", "/api/v1/accepted-risks"}, newDashboardPaths...)

	// No token, a wrong token, a wrong scheme: 401 for the page and the API
	// (each path from its own address, under the wrong-token throttle).
	for i, p := range paths {
		for _, c := range []call{{path: p}, {path: p, bearer: "wrong"}, {path: p, bearer: testDashToken + "x"},
			{path: p, header: map[string]string{"Authorization": "Basic " + testDashToken}},
			{path: p, header: map[string]string{"Authorization": "Bearer"}},
			{path: p, cookie: &http.Cookie{Name: sessionCookie, Value: testDashToken}},
			{path: p + "?token=" + testDashToken}} {
			c.remote = fmt.Sprintf("198.51.100.%d:4321", i+1)
			rec := do(t, h, c)
			if rec.Code != http.StatusUnauthorized {
				t.Errorf("%s %+v: %d, want 401", p, c, rec.Code)
			}
		}
	}
	rec := do(t, h, call{path: "/dashboard"})
	if !strings.Contains(rec.Body.String(), `action="/dashboard/login"`) {
		t.Errorf("the 401 page has no login form:\n%s", rec.Body)
	}
	rec = do(t, h, call{path: "/api/v1/mitigations"})
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") || rec.Header().Get("WWW-Authenticate") == "" {
		t.Errorf("API 401: %s %v", ct, rec.Header())
	}

	// The right bearer token.
	for _, p := range paths {
		if rec := do(t, h, call{path: p, bearer: testDashToken}); rec.Code != http.StatusOK {
			t.Errorf("%s with the token: %d %s", p, rec.Code, rec.Body)
		}
	}

	// The login form: a wrong token is refused, the right one sets a
	// session cookie that is not the token.
	rec, c := login(t, h, "not-it")
	if rec.Code != http.StatusUnauthorized || c != nil {
		t.Fatalf("wrong token at login: %d, cookie %v", rec.Code, c)
	}
	rec, c = login(t, h, testDashToken)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/dashboard" || c == nil {
		t.Fatalf("login: %d %v %v", rec.Code, rec.Header(), c)
	}
	setCookie := rec.Header().Get("Set-Cookie")
	for _, attr := range []string{"HttpOnly", "Secure", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(setCookie, attr) {
			t.Errorf("the session cookie lacks %s: %s", attr, setCookie)
		}
	}
	for _, f := range tokenForms(testDashToken) {
		if strings.Contains(setCookie, f) {
			t.Fatalf("the cookie holds the token: %s", setCookie)
		}
	}
	page := do(t, h, call{path: "/dashboard", cookie: c})
	if page.Code != http.StatusOK || !strings.Contains(page.Body.String(), "tmbot threat-model dashboard") {
		t.Fatalf("page with the cookie: %d", page.Code)
	}
	if rec := do(t, h, call{path: "/api/v1/mitigations.csv", cookie: c}); rec.Code != http.StatusOK {
		t.Errorf("CSV with the cookie: %d", rec.Code)
	}
	if rec := do(t, h, call{path: "/dashboard/login", cookie: c}); rec.Code != http.StatusSeeOther {
		t.Errorf("login form when logged in: %d", rec.Code)
	}
	// A wrong bearer header is not rescued by a good cookie.
	if rec := do(t, h, call{path: "/dashboard", cookie: c, bearer: "wrong"}); rec.Code != http.StatusUnauthorized {
		t.Errorf("wrong bearer with a good cookie: %d", rec.Code)
	}

	// Tampered, expired and foreign cookies.
	v := c.Value
	parts := strings.Split(v, ".")
	later := strings.Join([]string{parts[0], fmt.Sprint(time.Now().Add(1000 * time.Hour).Unix()), parts[2], parts[3]}, ".")
	flipped := v[:len(v)-2] + map[bool]string{true: "AA", false: "BB"}[!strings.HasSuffix(v, "AA")]
	other, _ := dashServer(t, st, "another-token")
	_, foreign := login(t, other, "another-token")
	for name, bad := range map[string]string{"extended": later, "flipped": flipped, "truncated": v[:len(v)/2], "empty": "",
		"foreign": foreign.Value} {
		if rec := do(t, h, call{path: "/dashboard", cookie: &http.Cookie{Name: sessionCookie, Value: bad}}); rec.Code != http.StatusUnauthorized {
			t.Errorf("%s cookie: %d", name, rec.Code)
		}
	}
	d := New(testConfig(testDashToken), st, nil)
	value, _, err := d.newSession(context.Background())
	if err != nil || !d.sessionOK(context.Background(), value) {
		t.Fatalf("a fresh session is refused: %v", err)
	}
	d.now = func() time.Time { return time.Now().Add(sessionLifetime + time.Minute) }
	if d.sessionOK(context.Background(), value) {
		t.Error("an expired session is accepted")
	}

	// A login posted from another site is refused.
	rec = do(t, h, call{method: http.MethodPost, path: "/dashboard/login", form: url.Values{"token": {testDashToken}},
		header: map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}})
	if rec.Code != http.StatusForbidden {
		t.Errorf("cross-site login: %d", rec.Code)
	}

	// Log out clears the cookie.
	rec = do(t, h, call{method: http.MethodPost, path: "/dashboard/logout", cookie: c})
	if rec.Code != http.StatusSeeOther || !strings.Contains(rec.Header().Get("Set-Cookie"), "Max-Age=0") {
		t.Errorf("logout: %d %v", rec.Code, rec.Header())
	}

	// The token is in no page and no log line.
	for _, f := range tokenForms(testDashToken) {
		if strings.Contains(page.Body.String(), f) {
			t.Errorf("the page shows the token (%s)", f)
		}
		if strings.Contains(logs.String(), f) {
			t.Errorf("the log holds the token (%s)", f)
		}
	}
	if !strings.Contains(logs.String(), "dashboard: logged in") || !strings.Contains(logs.String(), "wrong token") {
		t.Errorf("log:\n%s", logs)
	}
	// Security headers.
	for k, want := range map[string]string{"Content-Security-Policy": "script-src", "X-Content-Type-Options": "nosniff",
		"Cache-Control": "no-store", "X-Frame-Options": "DENY"} {
		got := page.Header().Get(k)
		if got == "" || k == "Content-Security-Policy" && (strings.Contains(got, want) || !strings.Contains(got, "default-src 'none'")) {
			t.Errorf("%s: %q", k, got)
		}
	}
}

// Wrong tokens at the login form from one address make that address
// wait; another address (the real user) still logs in, and the API's
// bearer token still works from it.
func TestDashboardLoginThrottlePerAddress(t *testing.T) {
	st := storetest.Open(t, "sqlite")
	h, _ := dashServer(t, st, testDashToken)
	const attacker, user = "203.0.113.9:5555", "198.51.100.7:6666"
	for i := range loginFailures {
		if rec, _ := loginFrom(t, h, fmt.Sprint("guess-", i), attacker); rec.Code != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, rec.Code)
		}
	}
	if rec, c := loginFrom(t, h, testDashToken, attacker); rec.Code != http.StatusTooManyRequests || c != nil {
		t.Fatalf("the guessing address after %d wrong tokens: %d", loginFailures, rec.Code)
	}
	if rec, c := loginFrom(t, h, testDashToken, user); rec.Code != http.StatusSeeOther || c == nil {
		t.Errorf("another address is locked out by the guesses: %d", rec.Code)
	}
	// The same IPv6 /64 is one client.
	for i := range loginFailures {
		loginFrom(t, h, fmt.Sprint("guess-", i), fmt.Sprintf("[2001:db8:1:2::%x]:443", i+1))
	}
	if rec, _ := loginFrom(t, h, testDashToken, "[2001:db8:1:2::ffff]:443"); rec.Code != http.StatusTooManyRequests {
		t.Errorf("a new address in the same /64: %d", rec.Code)
	}
	if rec, _ := loginFrom(t, h, testDashToken, "[2001:db8:1:3::1]:443"); rec.Code != http.StatusSeeOther {
		t.Errorf("another /64: %d", rec.Code)
	}
	if rec := do(t, h, call{path: "/api/v1/systems", bearer: testDashToken, remote: user}); rec.Code != http.StatusOK {
		t.Errorf("bearer from another address: %d", rec.Code)
	}
}

// Wrong bearer tokens are throttled like logins: after loginFailures from
// one address, even the right token from it waits (429); other addresses
// are not affected.
func TestDashboardBearerFailuresThrottled(t *testing.T) {
	st := storetest.Open(t, "sqlite")
	h, _ := dashServer(t, st, testDashToken)
	const attacker, user = "203.0.113.9:5555", "198.51.100.7:6666"
	for i := range loginFailures {
		if rec := do(t, h, call{path: "/api/v1/systems", bearer: fmt.Sprint("guess-", i), remote: attacker}); rec.Code != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, rec.Code)
		}
	}
	for _, p := range []string{"/api/v1/systems", "/dashboard"} {
		rec := do(t, h, call{path: p, bearer: testDashToken, remote: attacker})
		if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
			t.Errorf("%s, the right token from the guessing address: %d %v", p, rec.Code, rec.Header())
		}
	}
	if rec, _ := loginFrom(t, h, testDashToken, attacker); rec.Code != http.StatusTooManyRequests {
		t.Errorf("the login form from the guessing address: %d", rec.Code)
	}
	if rec := do(t, h, call{path: "/api/v1/systems", bearer: testDashToken, remote: user}); rec.Code != http.StatusOK {
		t.Errorf("the right token from another address: %d", rec.Code)
	}
}

// Logging out ends the session on the server: its cookie, replayed, is
// refused, by this process and by another replica on the same store.
func TestDashboardLogoutEndsTheSession(t *testing.T) {
	st := storetest.Open(t, "sqlite")
	h, _ := dashServer(t, st, testDashToken)
	replica, _ := dashServer(t, st, testDashToken)
	_, c := login(t, h, testDashToken)
	if c == nil {
		t.Fatal("no session cookie")
	}
	for name, hh := range map[string]http.Handler{"this replica": h, "another replica": replica} {
		if rec := do(t, hh, call{path: "/dashboard", cookie: c}); rec.Code != http.StatusOK {
			t.Fatalf("%s, before logout: %d", name, rec.Code)
		}
	}
	if rec := do(t, h, call{method: http.MethodPost, path: "/dashboard/logout", cookie: c}); rec.Code != http.StatusSeeOther {
		t.Fatalf("logout: %d", rec.Code)
	}
	for name, hh := range map[string]http.Handler{"this replica": h, "another replica": replica} {
		for _, p := range []string{"/dashboard", "/api/v1/mitigations"} {
			if rec := do(t, hh, call{path: p, cookie: c}); rec.Code != http.StatusUnauthorized {
				t.Errorf("%s, %s with the cookie after logout: %d", name, p, rec.Code)
			}
		}
	}
	// Another session is not affected.
	_, c2 := login(t, replica, testDashToken)
	if rec := do(t, h, call{path: "/dashboard", cookie: c2}); rec.Code != http.StatusOK {
		t.Errorf("a new session: %d", rec.Code)
	}
}

func TestRiskChart(t *testing.T) {
	if riskChart(nil) != "" {
		t.Error("a chart with no points")
	}
	pts := []riskPoint{{Day: "2026-11-01", Open: store.RiskCounts{High: 3, Low: 1}, Total: 4},
		{Day: "2026-11-02", Open: store.RiskCounts{Critical: 2}, Total: 2}}
	svg := string(riskChart(pts))
	for _, want := range []string{`<svg id="risk-chart"`, `class="risk-high"`, `class="risk-critical"`, `class="risk-low"`,
		"<title>2026-11-01: 4 open (0 critical, 3 high, 0 medium, 1 low)</title>", "1 Nov", "</svg>"} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q:\n%s", want, svg)
		}
	}
	for v, want := range map[int]int{0: 1, 1: 1, 3: 5, 7: 10, 11: 20, 150: 200} {
		if got := niceStep(v); got != want {
			t.Errorf("niceStep(%d) = %d, want %d", v, got, want)
		}
	}
}

// Behind a trusted reverse proxy, the client is the address the proxy
// puts in X-Forwarded-For (not the proxy, which every user shares, and not
// what the client wrote in the header itself); from an untrusted peer the
// header is ignored.
func TestDashboardThrottleBehindAProxy(t *testing.T) {
	st := storetest.Open(t, "sqlite")
	cfg := testConfig(testDashToken)
	cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.1/32")}
	h := dashHandler(cfg, st, nil)
	const proxy = "10.1.2.3:40000"
	for i := range loginFailures {
		// The attacker varies the header's first entries; the proxy appends
		// the address it saw.
		do(t, h, call{method: http.MethodPost, path: "/dashboard/login", form: url.Values{"token": {"guess"}}, remote: proxy,
			header: map[string]string{"X-Forwarded-For": fmt.Sprintf("198.18.0.%d, 203.0.113.9", i)}})
	}
	via := func(xff, remote string) int {
		return do(t, h, call{method: http.MethodPost, path: "/dashboard/login", form: url.Values{"token": {testDashToken}},
			remote: remote, header: map[string]string{"X-Forwarded-For": xff}}).Code
	}
	if code := via("203.0.113.9", proxy); code != http.StatusTooManyRequests {
		t.Errorf("the guessing client through the proxy: %d", code)
	}
	if code := via("198.51.100.7, 10.9.9.9", proxy); code != http.StatusSeeOther {
		t.Errorf("another client through two proxies: %d", code)
	}
	if code := via("198.51.100.8", "203.0.113.9:1"); code != http.StatusTooManyRequests {
		t.Errorf("the guessing client, directly, naming another client in the header: %d", code)
	}
}
