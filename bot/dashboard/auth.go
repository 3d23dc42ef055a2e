package dashboard

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/tmbot/tmbot/bot/store"
)

// Access: a request is let in with the token in an "Authorization:
// Bearer" header, or with the session cookie that the login form
// (/dashboard/login, a POST) sets. The cookie never holds the token: it
// holds an expiry, a nonce and an HMAC of both under a key derived from the
// token, so changing the token ends every session. Each session is also
// recorded in the store (by a hash of its nonce): logging out deletes it,
// and every replica refuses its cookie from then on. Tokens and MACs are
// compared in constant time; the token is never logged, put in a URL or
// written into a page.

//go:embed templates/*.html templates/*.css
var dashboardFS embed.FS

// Session cookie.
const (
	sessionCookie   = "tmbot_dashboard"
	sessionLifetime = 12 * time.Hour
	sessionVersion  = "v1"
)

// Failed logins and wrong bearer tokens: more than loginFailures in
// loginWindow from one client and its tokens are not checked until the
// window has passed (throttle.go).
const (
	loginFailures = 10
	loginWindow   = time.Minute
)

var (
	dashboardCSS  string
	dashboardTmpl *template.Template
	// dashboardCSP allows the page's one inline stylesheet (by its hash),
	// no script at all, and forms posting to the dashboard only.
	dashboardCSP string
)

func init() {
	css, err := dashboardFS.ReadFile("templates/style.css")
	if err != nil {
		panic(err)
	}
	dashboardCSS = string(css)
	sum := sha256.Sum256(css)
	dashboardCSP = "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	dashboardTmpl = template.Must(template.New("dashboard").Funcs(dashboardFuncs).ParseFS(dashboardFS, "templates/*.html"))
}

// Config is what the dashboard is set up with.
type Config struct {
	// Token lets a person or a client in (required).
	Token string
	// Targets are the target times by risk.
	Targets Targets
	// TrustedProxies are the reverse proxies whose X-Forwarded-For
	// names the client (throttle.go).
	TrustedProxies []netip.Prefix
	// GitHubAPI is the GitHub API URL and GitLabURL GitLab's web root:
	// the rows' links are made from them ("" for none).
	GitHubAPI, GitLabURL string
}

// Dashboard serves the dashboard and its API.
type Dashboard struct {
	store *store.Store
	log   *slog.Logger
	now   func() time.Time
	// tokenHash is SHA-256 of the token (compared in constant time, whatever
	// the length given); key signs session cookies. The token itself is not
	// kept.
	tokenHash [32]byte
	key       []byte

	failures throttle
	proxies  []netip.Prefix // trusted reverse proxies (throttle.go)
	// targets are the target times by risk; links make forge links.
	targets Targets
	links   linker
	// cache keeps the rows of the views between changes (cache.go).
	cache workCache
}

// New makes the dashboard over a migrated store; log may be nil.
func New(cfg Config, st *store.Store, log *slog.Logger) *Dashboard {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	mac := hmac.New(sha256.New, []byte(cfg.Token))
	mac.Write([]byte("tmbot dashboard session key " + sessionVersion))
	return &Dashboard{store: st, log: log, now: time.Now, tokenHash: sha256.Sum256([]byte(cfg.Token)), key: mac.Sum(nil),
		proxies: cfg.TrustedProxies, targets: cfg.Targets, links: newLinker(cfg.GitHubAPI, cfg.GitLabURL)}
}

// Routes adds the dashboard's pages and its API to mux.
func (d *Dashboard) Routes(mux *http.ServeMux) {
	csrf := http.NewCrossOriginProtection()
	mux.Handle("GET /dashboard", d.page(d.handleOverview))
	mux.Handle("GET /dashboard/{$}", d.page(d.handleOverview))
	mux.Handle("GET /dashboard/threats", d.page(d.handleThreatsPage))
	mux.Handle("GET /dashboard/mitigations", d.page(d.handleMitigationsPage))
	mux.Handle("GET /dashboard/models", d.page(d.handleModelsPage))
	mux.Handle("GET /dashboard/accepted", d.page(d.handleAcceptedPage))
	mux.Handle("GET /dashboard/vendors", d.page(d.handleVendorsPage))
	mux.Handle("GET /dashboard/vendor", d.page(d.handleVendorPage))
	mux.Handle("GET /dashboard/repo", d.page(d.handleRepoPage))
	mux.Handle("GET /dashboard/login", d.headers(http.HandlerFunc(d.handleLoginForm)))
	mux.Handle("POST /dashboard/login", d.headers(csrf.Handler(http.HandlerFunc(d.handleLogin))))
	mux.Handle("POST /dashboard/logout", d.headers(csrf.Handler(http.HandlerFunc(d.handleLogout))))
	mux.Handle("GET /api/v1/mitigations", d.api(d.handleMitigations))
	mux.Handle("GET /api/v1/mitigations.csv", d.api(d.handleMitigationsCSV))
	mux.Handle("GET /api/v1/systems", d.api(d.handleSystems))
	mux.Handle("GET /api/v1/threats/summary", d.api(d.handleThreatSummary))
	mux.Handle("GET /api/v1/risk-history", d.api(d.handleRiskHistory))
	mux.Handle("GET /api/v1/accepted-risks", d.api(d.handleAcceptedRisks))
	mux.Handle("GET /api/v1/overview", d.api(d.handleOverviewAPI))
	mux.Handle("GET /api/v1/threats", d.api(d.handleThreatsAPI))
	mux.Handle("GET /api/v1/threats.csv", d.api(d.handleThreatsCSV))
	mux.Handle("GET /api/v1/vendors", d.api(d.handleVendorsAPI))
	mux.Handle("GET /api/v1/systems.csv", d.api(d.handleSystemsCSV))
	mux.Handle("GET /api/v1/accepted-risks.csv", d.api(d.handleAcceptedCSV))
}

// headers are set on every dashboard and API answer.
func (d *Dashboard) headers(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", dashboardCSP)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// page lets an authenticated person through to h; anyone else gets 401
// with the login form.
func (d *Dashboard) page(h http.HandlerFunc) http.Handler {
	return d.headers(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok, resting := d.authenticated(r)
		if resting {
			w.Header().Set("Retry-After", strconv.Itoa(int(loginWindow/time.Second)))
			d.renderLogin(w, http.StatusTooManyRequests, "Too many wrong tokens: wait a minute and try again.")
			return
		}
		if !ok {
			d.renderLogin(w, http.StatusUnauthorized, "")
			return
		}
		h(w, r)
	}))
}

// api lets an authenticated client through to h; anyone else gets 401.
func (d *Dashboard) api(h http.HandlerFunc) http.Handler {
	return d.headers(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok, resting := d.authenticated(r)
		if resting {
			w.Header().Set("Retry-After", strconv.Itoa(int(loginWindow/time.Second)))
			writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": "too many wrong tokens from this address: wait a minute"})
			return
		}
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tmbot dashboard"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{
				"error": "send the dashboard token as Authorization: Bearer, or log in at /dashboard/login"})
			return
		}
		h(w, r)
	}))
}

// tokenOK compares a token with the dashboard's in constant time.
func (d *Dashboard) tokenOK(token string) bool {
	if token == "" {
		return false
	}
	h := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(h[:], d.tokenHash[:]) == 1
}

// authenticated: a bearer token, when the request has an Authorization
// header (and then only it), else a valid session cookie. A wrong bearer
// token counts against the client; a client with too many is not checked
// (resting).
func (d *Dashboard) authenticated(r *http.Request) (ok, resting bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		client := clientKey(r, d.proxies)
		if d.failures.resting(client, d.now()) {
			d.log.Warn("dashboard: bearer token not checked, too many wrong tokens from this client", "remote", r.RemoteAddr)
			return false, true
		}
		scheme, token, ok := strings.Cut(h, " ")
		if ok && strings.EqualFold(scheme, "Bearer") && d.tokenOK(strings.TrimSpace(token)) {
			return true, false
		}
		d.failures.fail(client, d.now())
		d.log.Info("dashboard: wrong bearer token", "remote", r.RemoteAddr)
		return false, false
	}
	c, err := r.Cookie(sessionCookie)
	return err == nil && d.sessionOK(r.Context(), c.Value), false
}

// sessionMAC signs the payload of a session value.
func (d *Dashboard) sessionMAC(payload string) []byte {
	mac := hmac.New(sha256.New, d.key)
	mac.Write([]byte(payload))
	return mac.Sum(nil)
}

// newSession is a session value: v1.EXPIRY.NONCE.MAC, the MAC an
// HMAC-SHA256 of "v1.EXPIRY.NONCE" under the key derived from the token.
// The session is recorded in the store (by a hash of its nonce), so that
// logging out ends it on every replica.
func (d *Dashboard) newSession(ctx context.Context) (string, time.Time, error) {
	exp := d.now().Add(sessionLifetime).Truncate(time.Second)
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	n := base64.RawURLEncoding.EncodeToString(nonce[:])
	if err := d.store.CreateSession(ctx, sessionID(n), exp); err != nil {
		return "", exp, fmt.Errorf("dashboard: start a session: %w", err)
	}
	payload := sessionVersion + "." + strconv.FormatInt(exp.Unix(), 10) + "." + n
	return payload + "." + base64.RawURLEncoding.EncodeToString(d.sessionMAC(payload)), exp, nil
}

// sessionID is what the store knows a session by: the hex SHA-256 of its
// nonce.
func sessionID(nonce string) string {
	sum := sha256.Sum256([]byte(nonce))
	return hex.EncodeToString(sum[:])
}

// sessionNonce checks a session value's MAC (constant time) and expiry,
// and returns its nonce.
func (d *Dashboard) sessionNonce(v string) (string, bool) {
	i := strings.LastIndexByte(v, '.')
	if i < 0 || len(v) > 200 {
		return "", false
	}
	payload := v[:i]
	got, err := base64.RawURLEncoding.DecodeString(v[i+1:])
	if err != nil || !hmac.Equal(got, d.sessionMAC(payload)) {
		return "", false
	}
	parts := strings.Split(payload, ".")
	if len(parts) != 3 || parts[0] != sessionVersion {
		return "", false
	}
	exp, err := strconv.ParseInt(parts[1], 10, 64)
	return parts[2], err == nil && d.now().Unix() < exp
}

// sessionOK checks a session value (sessionNonce), and that the session
// has not ended (logout) in the store.
func (d *Dashboard) sessionOK(ctx context.Context, v string) bool {
	nonce, ok := d.sessionNonce(v)
	if !ok {
		return false
	}
	active, err := d.store.SessionActive(ctx, sessionID(nonce), d.now())
	if err != nil {
		d.log.ErrorContext(ctx, "dashboard: cannot read the session", "err", err)
		return false
	}
	return active
}

type loginView struct {
	CSS   template.CSS
	Error string
}

func (d *Dashboard) renderLogin(w http.ResponseWriter, code int, msg string) {
	var buf bytes.Buffer
	if err := dashboardTmpl.ExecuteTemplate(&buf, "login", loginView{CSS: template.CSS(dashboardCSS), Error: msg}); err != nil {
		d.log.Error("dashboard: login page", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

func (d *Dashboard) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	if ok, _ := d.authenticated(r); ok {
		http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
		return
	}
	d.renderLogin(w, http.StatusOK, "")
}

// handleLogin is POST /dashboard/login: the token in the form body (never
// in the URL); on success a session cookie and a redirect to the page.
func (d *Dashboard) handleLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	if err := r.ParseForm(); err != nil {
		d.renderLogin(w, http.StatusBadRequest, "The form could not be read; try again.")
		return
	}
	client := clientKey(r, d.proxies)
	if d.failures.resting(client, d.now()) {
		d.log.Warn("dashboard: login refused, too many wrong tokens from this client", "remote", r.RemoteAddr)
		w.Header().Set("Retry-After", strconv.Itoa(int(loginWindow/time.Second)))
		d.renderLogin(w, http.StatusTooManyRequests, "Too many wrong tokens: wait a minute and try again.")
		return
	}
	if !d.tokenOK(r.PostForm.Get("token")) {
		d.failures.fail(client, d.now())
		d.log.Info("dashboard: wrong token at login", "remote", r.RemoteAddr)
		d.renderLogin(w, http.StatusUnauthorized, "That is not the dashboard token.")
		return
	}
	value, exp, err := d.newSession(r.Context())
	if err != nil {
		d.log.ErrorContext(r.Context(), "dashboard: login", "err", err)
		d.renderLogin(w, http.StatusInternalServerError, "The session could not be started; see the service's log.")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: value, Path: "/", Expires: exp,
		MaxAge: int(sessionLifetime / time.Second), HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
	d.log.Info("dashboard: logged in", "remote", r.RemoteAddr)
	http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
}

// handleLogout ends the session on the server (every replica refuses its
// cookie from now on) and clears the cookie.
func (d *Dashboard) handleLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if nonce, ok := d.sessionNonce(c.Value); ok {
			if err := d.store.DeleteSession(r.Context(), sessionID(nonce)); err != nil {
				d.log.ErrorContext(r.Context(), "dashboard: logout", "err", err)
				http.Error(w, "the session could not be ended; try again", http.StatusInternalServerError)
				return
			}
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: true,
		SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/dashboard/login", http.StatusSeeOther)
}

// option is a choice of a filter's select.
type option struct {
	Value, Label string
	Selected     bool
}

// fail logs an error and answers 500 without its details.
func (d *Dashboard) fail(w http.ResponseWriter, r *http.Request, err error) {
	d.log.ErrorContext(r.Context(), "dashboard: cannot read the data", "path", r.URL.Path, "err", err)
	http.Error(w, "the dashboard cannot read its data; see the service's log", http.StatusInternalServerError)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		http.Error(w, "cannot encode the answer", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

// nonNil makes an empty list encode as [] rather than null.
func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}
