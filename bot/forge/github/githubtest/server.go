// Package githubtest is a fake GitHub REST API for tests: an httptest
// server that keeps installations, repositories, files by commit, pull
// requests, issue comments, check runs and permissions in memory, and that
// is as strict as the real one where the bot relies on it: the App's JWT is
// verified (RS256, iss, iat, exp), every other call needs an unexpired
// installation token of the installation that owns the repository (another
// installation's repository answers 404), pagination and its Link header,
// rate-limit headers and errors, 422 for invalid check runs (more than 50
// annotations in one request among them), 403 for a write the
// installation's permissions do not grant and for an edit of another
// user's comment or issue (permissions.go).
//
// Faults can be injected (FailNext, SetFailureRate, SetRateLimitRemaining),
// the API can be made slow (SetLatency), and every request is logged for
// assertions on the API economy (Requests, Writes, ResetCounts).
package githubtest

import (
	"bytes"
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tmbot/tmbot/bot/commitid"
	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/forge/forgetest"
)

// Documentation URLs that GitHub puts in its error bodies; go-github tells
// a secondary rate limit by the suffix of the second.
const (
	docsREST           = "https://docs.github.com/rest"
	docsPrimaryRate    = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-rate-limit"
	docsSecondaryRate  = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
	docsCheckRuns      = "https://docs.github.com/rest/checks/runs#create-a-check-run"
	defaultRateLimit   = 5000
	tokenLifetime      = time.Hour
	maxAnnotations     = 50
	maxSummaryLength   = 65535
	maxCommentLength   = 65536
	maxJSONContentSize = 1 << 20 // the contents API's JSON form carries content up to 1 MB
)

// Request is one logged request.
type Request struct {
	Method string
	// Path is the URL path as received (with the enterprise prefix, if any).
	Path  string
	Query string
	// Status is the status code of the answer.
	Status int
	// Installation is the installation whose token authorised the call (0
	// for the App's JWT or none).
	Installation int64
}

// Pull is a pull request to add with AddPull.
type Pull struct {
	Number  int
	Title   string
	Body    string // the description
	Author  string
	BaseRef string
	BaseSHA string
	HeadRef string
	HeadSHA string
	// HeadRepo is the full name of the fork the head lives in; empty for
	// the base repository itself. The fork must have been added (AddRepo,
	// installation 0 for one the App is not installed on); its files at
	// HeadSHA are then visible through the base repository, as on GitHub.
	HeadRepo string
	Draft    bool
	// State is open (the default), closed or merged.
	State string
	Files []PullFile
}

// PullFile is a file a pull request changes.
type PullFile struct {
	Path string
	// OldPath is the previous name of a renamed file.
	OldPath string
	// Status is added, removed, modified, renamed, copied, changed or
	// unchanged; left empty, it is derived from the file's presence at the
	// pull request's base and head, as GitHub does.
	Status string
}

// Comment is an issue comment as stored.
type Comment struct {
	ID        int64
	Number    int
	Body      string
	User      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Annotation is a check-run annotation as stored.
type Annotation struct {
	Path      string `json:"path"`
	StartLine int    `json:"start_line"`
	EndLine   int    `json:"end_line"`
	Level     string `json:"annotation_level"`
	Title     string `json:"title,omitempty"`
	Message   string `json:"message"`
}

// CheckRun is a check run as stored.
type CheckRun struct {
	ID          int64
	AppID       int64
	Name        string
	HeadSHA     string
	Status      string
	Conclusion  string
	ExternalID  string
	DetailsURL  string
	Title       string
	Summary     string
	Text        string
	Annotations []Annotation
	StartedAt   time.Time
	CompletedAt time.Time
	// Requests counts the requests that created and updated it.
	Requests int
}

type installation struct {
	id        int64
	account   string
	suspended bool
	perms     map[string]string // nil: defaultPermissions (permissions.go)
}

type token struct {
	installation int64
	expires      time.Time
}

type pull struct {
	Pull
	id        int64
	createdAt time.Time
}

type repo struct {
	id            int64
	owner, name   string
	installation  int64
	defaultBranch string
	branches      map[string]string            // branch → sha
	files         map[string]map[string][]byte // sha → path → data
	commits       map[string]bool
	pulls         map[int]*pull
	comments      []*Comment
	checkRuns     []*CheckRun
	perms         map[string]string // lower-case login → permission
}

func (r *repo) fullName() string { return r.owner + "/" + r.name }

// Server is the fake GitHub.
type Server struct {
	t       testing.TB
	srv     *httptest.Server
	appID   int64
	appSlug string
	key     *rsa.PrivateKey
	keyPEM  []byte

	mu            sync.Mutex
	prefix        string
	installations map[int64]*installation
	repos         map[string]*repo // lower-case full name
	reposByID     map[int64]*repo
	nextID        int64
	tokens        map[string]*token
	users         map[string]bool // lower-case logins seen
	requests      []Request
	writes        int
	rateLimit     int
	rateRemaining int
	rateReset     time.Time
	faults        forgetest.Faults
	secrets       []string
	latency       time.Duration
	ext           extState     // issues, trees, the creation limit (issues.go)
	prop          proposeState // commits made through the API (propose.go)
}

var (
	keyOnce sync.Once
	keyVal  *rsa.PrivateKey
	keyErr  error
)

// testKey generates the RSA key once per test binary: generating one per
// server would cost a noticeable fraction of a second each time.
func testKey() (*rsa.PrivateKey, error) {
	keyOnce.Do(func() { keyVal, keyErr = rsa.GenerateKey(rand.Reader, 2048) })
	return keyVal, keyErr
}

// New starts a fake GitHub for the App appID; it stops when the test ends.
func New(t testing.TB, appID int64) *Server {
	t.Helper()
	key, err := testKey()
	if err != nil {
		t.Fatalf("githubtest: generate a key: %v", err)
	}
	s := &Server{
		t: t, appID: appID, appSlug: "tmbot", key: key,
		keyPEM:        pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}),
		installations: map[int64]*installation{},
		repos:         map[string]*repo{},
		reposByID:     map[int64]*repo{},
		nextID:        1000,
		tokens:        map[string]*token{},
		users:         map[string]bool{},
		rateLimit:     defaultRateLimit,
		rateRemaining: defaultRateLimit,
		rateReset:     time.Now().Add(time.Hour).Truncate(time.Second),
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the API's base URL, with a trailing slash (and the enterprise
// prefix when SetPathPrefix set one).
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.srv.URL + s.prefix + "/"
}

// SetPathPrefix serves the API under a path prefix only, as GitHub
// Enterprise Server does under /api/v3: requests outside it answer 404.
func (s *Server) SetPathPrefix(prefix string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prefix = "/" + strings.Trim(prefix, "/")
	if s.prefix == "/" {
		s.prefix = ""
	}
}

// AppSlug is the App's slug: its comments are by "<slug>[bot]".
func (s *Server) AppSlug() string { return s.appSlug }

// BotLogin is the login the App's comments carry.
func (s *Server) BotLogin() string { return s.appSlug + "[bot]" }

// PrivateKeyPEM is the App's private key (PKCS#1 PEM).
func (s *Server) PrivateKeyPEM() []byte { return bytes.Clone(s.keyPEM) }

// Secrets are the installation tokens the server issued and the JWTs it was
// shown: tests check that none of them leaks into an error or a log.
func (s *Server) Secrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.secrets...)
}

// AddInstallation adds an installation of the App on an account.
func (s *Server) AddInstallation(id int64, account string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.installations[id] = &installation{id: id, account: account}
	s.users[strings.ToLower(account)] = true
}

// RemoveInstallation uninstalls the App: tokens are refused and new ones
// are not issued (404), as after the "deleted" installation event.
func (s *Server) RemoveInstallation(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.installations, id)
	for k, tok := range s.tokens {
		if tok.installation == id {
			delete(s.tokens, k)
		}
	}
}

// SuspendInstallation suspends an installation: its calls and new tokens
// answer 403 "This installation has been suspended".
func (s *Server) SuspendInstallation(id int64, suspended bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if in := s.installations[id]; in != nil {
		in.suspended = suspended
	}
}

// ExpireTokens expires every installation token issued so far.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, tok := range s.tokens {
		tok.expires = time.Now().Add(-time.Second)
	}
}

// AddRepo adds a repository "owner/name" to an installation (0: a
// repository the App is not installed on, such as a vendor's fork) and
// returns it as the bot knows it.
func (s *Server) AddRepo(installationID int64, fullName, defaultBranch string) forge.Repo {
	s.t.Helper()
	owner, name, ok := strings.Cut(fullName, "/")
	if !ok || owner == "" || name == "" {
		s.t.Fatalf("githubtest: AddRepo(%q): want owner/name", fullName)
	}
	if defaultBranch == "" {
		defaultBranch = "main"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if installationID != 0 && s.installations[installationID] == nil {
		s.t.Fatalf("githubtest: AddRepo(%q): no installation %d", fullName, installationID)
	}
	s.nextID++
	r := &repo{id: s.nextID, owner: owner, name: name, installation: installationID, defaultBranch: defaultBranch,
		branches: map[string]string{}, files: map[string]map[string][]byte{}, commits: map[string]bool{},
		pulls: map[int]*pull{}, perms: map[string]string{}}
	s.repos[strings.ToLower(fullName)] = r
	s.reposByID[r.id] = r
	s.users[strings.ToLower(owner)] = true
	return forge.Repo{Forge: "github", Installation: installationID, ID: r.id, Owner: owner, Name: name, DefaultBranch: defaultBranch}
}

// RemoveRepo deletes a repository.
func (s *Server) RemoveRepo(fullName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.repos[strings.ToLower(fullName)]; r != nil {
		delete(s.reposByID, r.id)
		delete(s.repos, strings.ToLower(fullName))
	}
}

// mustSHA insists on full commit ids, as GitHub's check runs do.
func (s *Server) mustSHA(sha string) {
	s.t.Helper()
	if !isSHA(sha) {
		s.t.Fatalf("githubtest: %q is not a commit id (40 or 64 lower-case hex digits)", sha)
	}
}

func (s *Server) mustRepo(fullName string) *repo {
	s.t.Helper()
	r := s.repos[strings.ToLower(fullName)]
	if r == nil {
		s.t.Fatalf("githubtest: no repository %q (AddRepo first)", fullName)
	}
	return r
}

// AddCommit makes a commit known in a repository (a commit with files is
// known once PutFile put one there).
func (s *Server) AddCommit(fullName, sha string) {
	s.t.Helper()
	s.mustSHA(sha)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustRepo(fullName).commits[sha] = true
}

// PutFile stores a file of a repository at a commit.
func (s *Server) PutFile(fullName, sha, path string, data []byte) {
	s.t.Helper()
	s.mustSHA(sha)
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepo(fullName)
	r.commits[sha] = true
	if r.files[sha] == nil {
		r.files[sha] = map[string][]byte{}
	}
	r.files[sha][strings.Trim(path, "/")] = bytes.Clone(data)
}

// CopyCommit makes commit to hold the files of commit from (then PutFile
// changes some).
func (s *Server) CopyCommit(fullName, from, to string) {
	s.t.Helper()
	s.mustSHA(from)
	s.mustSHA(to)
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepo(fullName)
	r.commits[to] = true
	m := map[string][]byte{}
	for p, d := range r.files[from] {
		m[p] = d
	}
	r.files[to] = m
}

// SetBranch points a branch at a commit.
func (s *Server) SetBranch(fullName, branch, sha string) {
	s.t.Helper()
	s.mustSHA(sha)
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepo(fullName)
	r.branches[branch] = sha
	r.commits[sha] = true
}

// AddPull adds (or replaces) a pull request.
func (s *Server) AddPull(fullName string, p Pull) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepo(fullName)
	if p.Number <= 0 {
		s.t.Fatalf("githubtest: AddPull: a number is needed")
	}
	s.mustSHA(p.BaseSHA)
	s.mustSHA(p.HeadSHA)
	if p.State == "" {
		p.State = "open"
	}
	if p.BaseRef == "" {
		p.BaseRef = r.defaultBranch
	}
	if p.HeadRef == "" {
		p.HeadRef = fmt.Sprintf("pr-%d", p.Number)
	}
	if p.Author == "" {
		p.Author = "octocat"
	}
	if p.HeadRepo != "" && !strings.EqualFold(p.HeadRepo, fullName) {
		s.mustRepo(p.HeadRepo).commits[p.HeadSHA] = true
	} else {
		p.HeadRepo = ""
		r.commits[p.HeadSHA] = true
	}
	r.commits[p.BaseSHA] = true
	s.users[strings.ToLower(p.Author)] = true
	p.Files = append([]PullFile(nil), p.Files...)
	s.nextID++
	r.pulls[p.Number] = &pull{Pull: p, id: s.nextID, createdAt: time.Now().UTC()}
}

// SetPullFiles replaces the files a pull request changes.
func (s *Server) SetPullFiles(fullName string, number int, files []PullFile) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustRepo(fullName).pulls[number]
	if p == nil {
		s.t.Fatalf("githubtest: no pull request %s#%d", fullName, number)
	}
	p.Files = append([]PullFile(nil), files...)
}

// SetPermission gives a user a permission on a repository: admin,
// maintain, write, triage, read or none.
func (s *Server) SetPermission(fullName, user, perm string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustRepo(fullName).perms[strings.ToLower(user)] = perm
	s.users[strings.ToLower(user)] = true
}

// AddComment adds a comment by a user to a pull request and returns its id.
func (s *Server) AddComment(fullName string, number int, user, body string) int64 {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepo(fullName)
	if r.pulls[number] == nil {
		s.t.Fatalf("githubtest: no pull request %s#%d", fullName, number)
	}
	s.users[strings.ToLower(user)] = true
	return s.addComment(r, number, user, body).ID
}

func (s *Server) addComment(r *repo, number int, user, body string) *Comment {
	s.nextID++
	now := time.Now().UTC().Truncate(time.Second)
	c := &Comment{ID: s.nextID, Number: number, Body: body, User: user, CreatedAt: now, UpdatedAt: now}
	r.comments = append(r.comments, c)
	return c
}

// Comments are a pull request's comments, oldest first.
func (s *Server) Comments(fullName string, number int) []Comment {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Comment
	for _, c := range s.mustRepo(fullName).comments {
		if c.Number == number {
			out = append(out, *c)
		}
	}
	return out
}

// CheckRuns are the check runs on a commit of a repository, oldest first.
func (s *Server) CheckRuns(fullName, sha string) []CheckRun {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []CheckRun
	for _, c := range s.mustRepo(fullName).checkRuns {
		if c.HeadSHA == sha {
			cp := *c
			cp.Annotations = append([]Annotation(nil), c.Annotations...)
			out = append(out, cp)
		}
	}
	return out
}

// AddCheckRun adds a check run as another App (or this one) made it, and
// returns its id. Only the App that made a run may update it.
func (s *Server) AddCheckRun(fullName string, c CheckRun) int64 {
	s.t.Helper()
	s.mustSHA(c.HeadSHA)
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepo(fullName)
	if c.AppID == 0 {
		c.AppID = s.appID
	}
	if c.Status == "" {
		c.Status = "completed"
	}
	if c.StartedAt.IsZero() {
		c.StartedAt = time.Now().UTC().Truncate(time.Second)
	}
	s.nextID++
	c.ID = s.nextID
	c.Annotations = append([]Annotation(nil), c.Annotations...)
	r.commits[c.HeadSHA] = true
	r.checkRuns = append(r.checkRuns, &c)
	return c.ID
}

// Requests is the log of requests since the start or ResetCounts.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// APICalls counts the logged requests other than the creation of
// installation tokens.
func (s *Server) APICalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if !isTokenPath(r.Path) {
			n++
		}
	}
	return n
}

// Writes counts the POST, PATCH, PUT and DELETE requests since the start
// or ResetCounts, other than the creation of installation tokens.
func (s *Server) Writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes
}

// ResetCounts clears the request log and the write count.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
	s.writes = 0
}

// FailNext makes the next n API requests (not the creation of tokens)
// answer status with the given headers and a GitHub-shaped error body: a
// 403 or 429 with Retry-After is a secondary rate limit, one with
// X-RateLimit-Remaining 0 a primary one.
func (s *Server) FailNext(n int, status int, headers map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.FailNext(n, status, headers)
}

// SetFailureRate makes a fraction p of the API requests fail at random
// (deterministically seeded) with one of statuses (default 500, 502, 503
// and 429); a 429 carries Retry-After: 1. p = 0 turns it off.
func (s *Server) SetFailureRate(p float64, statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.SetRate(p, statuses...)
}

// SetLatency delays every API request (not the creation of tokens) by d
// before it is handled, without holding up other requests meanwhile; 0
// turns it off. A request whose client goes away during the delay (a
// process killed, a timeout) is dropped unhandled and unlogged, as if it had
// never reached GitHub: a write is applied only once its delay is over.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = max(d, 0)
}

// delay waits out the latency before a request is handled; false when the
// client went away meanwhile.
func (s *Server) delay(r *http.Request) bool {
	s.mu.Lock()
	d := s.latency
	s.mu.Unlock()
	if d <= 0 || isTokenPath(r.URL.Path) {
		return true
	}
	// net/http notices a client that goes away (and cancels the request's
	// context) only once the body has been read.
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return r.Context().Err() == nil
	case <-r.Context().Done():
		return false
	}
}

// SetRateLimitRemaining sets the primary rate limit's remaining calls; at
// 0 the API answers 403 with X-RateLimit-Remaining: 0 until the reset, in
// the future, as GitHub does.
func (s *Server) SetRateLimitRemaining(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !time.Now().Before(s.rateReset) {
		s.rateReset = time.Now().Add(time.Hour).Truncate(time.Second)
	}
	s.rateRemaining = n
}

// RateLimitReset is when the primary rate limit resets (whole seconds).
func (s *Server) RateLimitReset() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rateReset
}

// Sign signs a webhook body as GitHub does (X-Hub-Signature-256).
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// ---- the HTTP side ----

type reply struct {
	w       http.ResponseWriter
	r       *http.Request
	status  int
	install int64
	repo    *repo
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if !s.delay(r) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := &reply{w: w, r: r}
	defer func() {
		s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
			Status: rp.status, Installation: rp.install})
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !isTokenPath(r.URL.Path) {
			s.writes++
		}
	}()
	w.Header().Set("X-GitHub-Request-Id", fmt.Sprintf("FAKE:%d", len(s.requests)+1))
	path := r.URL.Path
	if s.prefix != "" {
		if path != s.prefix && !strings.HasPrefix(path, s.prefix+"/") {
			s.rateHeaders(w)
			s.fail(rp, http.StatusNotFound, "Not Found", docsREST)
			return
		}
		path = strings.TrimPrefix(path, s.prefix)
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) == 4 && segs[0] == "app" && segs[1] == "installations" && segs[3] == "access_tokens" {
		s.rateHeaders(w)
		if r.Method != http.MethodPost {
			s.fail(rp, http.StatusNotFound, "Not Found", docsREST)
			return
		}
		s.accessToken(rp, segs[2])
		return
	}
	if s.injectFault(rp) {
		return
	}
	if len(segs) == 1 && segs[0] == "app" && r.Method == http.MethodGet {
		s.rateHeaders(w)
		s.getApp(rp)
		return
	}
	if len(segs) >= 3 && segs[0] == "repositories" {
		// The form GitHub uses in Link headers: /repositories/{id}/...
		id, _ := strconv.ParseInt(segs[1], 10, 64)
		if rr := s.reposByID[id]; rr != nil {
			segs = append([]string{"repos", rr.owner, rr.name}, segs[2:]...)
		}
	}
	if len(segs) < 3 || segs[0] != "repos" {
		s.rateHeaders(w)
		s.fail(rp, http.StatusNotFound, "Not Found", docsREST)
		return
	}
	inst, ok := s.authorize(rp)
	if !ok {
		return
	}
	rp.install = inst.id
	if !s.takeRate(rp) {
		return
	}
	rr := s.repos[strings.ToLower(segs[1]+"/"+segs[2])]
	if rr == nil || rr.installation != inst.id {
		// Another installation's repository does not exist for this one.
		s.fail(rp, http.StatusNotFound, "Not Found", docsREST)
		return
	}
	rp.repo = rr
	s.route(rp, rr, segs[3:])
}

func isTokenPath(p string) bool {
	return strings.HasSuffix(p, "/access_tokens") && strings.Contains(p, "/app/installations/")
}

func (s *Server) injectFault(rp *reply) bool {
	f := s.faults.Next()
	if f == nil {
		return false
	}
	s.rateHeaders(rp.w)
	for k, v := range f.Headers {
		rp.w.Header().Set(k, v)
	}
	msg, doc := http.StatusText(f.Status), docsREST
	switch {
	case (f.Status == 403 || f.Status == 429) && f.Headers["X-RateLimit-Remaining"] == "0":
		msg, doc = "API rate limit exceeded for installation.", docsPrimaryRate
		if rp.w.Header().Get("X-RateLimit-Reset") == "" {
			rp.w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))
		}
	case (f.Status == 403 || f.Status == 429) && f.Headers["Retry-After"] != "":
		msg, doc = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", docsSecondaryRate
	case f.Status >= 500:
		msg = "Server Error"
	}
	s.fail(rp, f.Status, msg, doc)
	return true
}

func (s *Server) rateHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(s.rateLimit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(s.rateRemaining, 0)))
	h.Set("X-RateLimit-Used", strconv.Itoa(s.rateLimit-max(s.rateRemaining, 0)))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(s.rateReset.Unix(), 10))
	h.Set("X-RateLimit-Resource", "core")
}

// takeRate counts the call against the primary rate limit, or answers 403
// when none is left.
func (s *Server) takeRate(rp *reply) bool {
	if !time.Now().Before(s.rateReset) {
		s.rateRemaining = s.rateLimit
		s.rateReset = time.Now().Add(time.Hour).Truncate(time.Second)
	}
	if s.rateRemaining <= 0 {
		s.rateHeaders(rp.w)
		s.fail(rp, http.StatusForbidden, "API rate limit exceeded for installation. If you reach out to GitHub Support for help, please include the request ID.", docsPrimaryRate)
		return false
	}
	s.rateRemaining--
	s.rateHeaders(rp.w)
	return true
}

func (s *Server) write(rp *reply, status int, v any) {
	rp.status = status
	rp.w.Header().Set("Content-Type", "application/json; charset=utf-8")
	rp.w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(rp.w).Encode(v)
	}
}

func (s *Server) fail(rp *reply, status int, msg, doc string) {
	s.write(rp, status, map[string]any{"message": msg, "documentation_url": doc, "status": strconv.Itoa(status)})
}

func (s *Server) invalid(rp *reply, msg string) {
	s.fail(rp, http.StatusUnprocessableEntity, msg, docsREST)
}

// ---- authentication ----

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	for _, p := range []string{"Bearer ", "bearer ", "token ", "Token "} {
		if strings.HasPrefix(h, p) {
			return strings.TrimSpace(h[len(p):]), true
		}
	}
	return "", false
}

func (s *Server) accessToken(rp *reply, idText string) {
	jwt, ok := bearer(rp.r)
	if !ok {
		s.fail(rp, http.StatusUnauthorized, "A JSON web token could not be decoded", docsREST)
		return
	}
	s.secrets = append(s.secrets, jwt)
	if msg := s.verifyJWT(jwt, time.Now()); msg != "" {
		s.fail(rp, http.StatusUnauthorized, msg, docsREST)
		return
	}
	id, _ := strconv.ParseInt(idText, 10, 64)
	inst := s.installations[id]
	if inst == nil {
		s.fail(rp, http.StatusNotFound, "Not Found", docsREST)
		return
	}
	if inst.suspended {
		s.fail(rp, http.StatusForbidden, "This installation has been suspended", docsREST)
		return
	}
	if rp.r.Body != nil && rp.r.ContentLength != 0 {
		var body map[string]any
		if err := json.NewDecoder(rp.r.Body).Decode(&body); err != nil {
			s.fail(rp, http.StatusBadRequest, "Problems parsing JSON", docsREST)
			return
		}
	}
	tok := "ghs_" + randomText(36)
	exp := time.Now().Add(tokenLifetime).UTC().Truncate(time.Second)
	s.tokens[tok] = &token{installation: id, expires: exp}
	s.secrets = append(s.secrets, tok)
	s.write(rp, http.StatusCreated, map[string]any{
		"token": tok, "expires_at": exp.Format(time.RFC3339),
		"permissions":          s.permissionsOf(id),
		"repository_selection": "selected",
	})
}

func randomText(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// verifyJWT checks the App's JWT as GitHub does; it returns GitHub's
// message for a bad one, "" for a good one.
func (s *Server) verifyJWT(jwt string, now time.Time) string {
	const undecodable = "A JSON web token could not be decoded"
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return undecodable
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if hb, err := base64.RawURLEncoding.DecodeString(parts[0]); err != nil || json.Unmarshal(hb, &header) != nil {
		return undecodable
	}
	if header.Alg != "RS256" {
		return undecodable
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return undecodable
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(&s.key.PublicKey, crypto.SHA256, sum[:], sig) != nil {
		return undecodable
	}
	pb, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return undecodable
	}
	var claims struct {
		Iss json.RawMessage `json:"iss"`
		Iat *json.Number    `json:"iat"`
		Exp *json.Number    `json:"exp"`
	}
	dec := json.NewDecoder(bytes.NewReader(pb))
	dec.UseNumber()
	if dec.Decode(&claims) != nil {
		return undecodable
	}
	iss := strings.Trim(string(claims.Iss), `"`)
	if iss != strconv.FormatInt(s.appID, 10) {
		return "'Issuer' claim ('iss') must be an Integer representing the GitHub App's id"
	}
	if claims.Iat == nil {
		return "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
	}
	iat, err := claims.Iat.Int64()
	if err != nil {
		return "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
	}
	if iat > now.Unix()+60 {
		return "'Issued at' claim ('iat') must be an Integer representing a time in the past"
	}
	if claims.Exp == nil {
		return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"
	}
	exp, err := claims.Exp.Int64()
	if err != nil || exp <= now.Unix() {
		return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"
	}
	if exp-iat > 600 {
		return "'Expiration time' claim ('exp') is too far in the future"
	}
	return ""
}

// authorize checks the installation token of a call.
func (s *Server) authorize(rp *reply) (*installation, bool) {
	tok, ok := bearer(rp.r)
	t := s.tokens[tok]
	if !ok || t == nil || !time.Now().Before(t.expires) {
		s.rateHeaders(rp.w)
		s.fail(rp, http.StatusUnauthorized, "Bad credentials", docsREST)
		return nil, false
	}
	inst := s.installations[t.installation]
	if inst == nil {
		s.rateHeaders(rp.w)
		s.fail(rp, http.StatusUnauthorized, "Bad credentials", docsREST)
		return nil, false
	}
	if inst.suspended {
		s.rateHeaders(rp.w)
		s.fail(rp, http.StatusForbidden, "This installation has been suspended", docsREST)
		return nil, false
	}
	return inst, true
}

// ---- routes under /repos/{owner}/{repo} ----

func (s *Server) route(rp *reply, rr *repo, rest []string) {
	if s.routeMore(rp, rr, rest) {
		return
	}
	m := rp.r.Method
	n := len(rest)
	switch {
	case n == 0 && m == http.MethodGet:
		s.write(rp, http.StatusOK, s.repoJSON(rr))
	case n == 1 && rest[0] == "pulls" && m == http.MethodGet:
		s.listPulls(rp, rr)
	case n == 2 && rest[0] == "pulls" && m == http.MethodGet:
		if p := s.pullByText(rr, rest[1]); p != nil {
			s.write(rp, http.StatusOK, s.pullJSON(rr, p, true))
			return
		}
		s.fail(rp, http.StatusNotFound, "Not Found", docsREST)
	case n == 3 && rest[0] == "pulls" && rest[2] == "files" && m == http.MethodGet:
		s.pullFiles(rp, rr, rest[1])
	case n >= 1 && rest[0] == "contents" && m == http.MethodGet:
		s.contents(rp, rr, strings.Join(rest[1:], "/"))
	case n == 3 && rest[0] == "issues" && rest[2] == "comments" && m == http.MethodGet:
		s.listComments(rp, rr, rest[1])
	case n == 3 && rest[0] == "issues" && rest[2] == "comments" && m == http.MethodPost:
		s.createComment(rp, rr, rest[1])
	case n == 3 && rest[0] == "issues" && rest[1] == "comments" && m == http.MethodPatch:
		s.editComment(rp, rr, rest[2])
	case n == 1 && rest[0] == "check-runs" && m == http.MethodPost:
		s.createCheckRun(rp, rr)
	case n == 2 && rest[0] == "check-runs" && m == http.MethodPatch:
		s.updateCheckRun(rp, rr, rest[1])
	case n == 2 && rest[0] == "check-runs" && m == http.MethodGet:
		if c := s.checkRunByText(rr, rest[1]); c != nil {
			s.write(rp, http.StatusOK, s.checkRunJSON(rr, c))
			return
		}
		s.fail(rp, http.StatusNotFound, "Not Found", docsREST)
	case n >= 3 && rest[0] == "commits" && rest[n-1] == "check-runs" && m == http.MethodGet:
		s.listCheckRuns(rp, rr, strings.Join(rest[1:n-1], "/"))
	case n == 3 && rest[0] == "collaborators" && rest[2] == "permission" && m == http.MethodGet:
		s.permission(rp, rr, rest[1])
	default:
		s.fail(rp, http.StatusNotFound, "Not Found", docsREST)
	}
}

// paginate reads per_page (default 30, at most 100) and page, writes the
// Link header as GitHub does, and returns the slice bounds of the page.
func (s *Server) paginate(rp *reply, total int) (lo, hi int, ok bool) {
	q := rp.r.URL.Query()
	per := 30
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err == nil && n > 0 {
			per = min(n, 100)
		}
	}
	page := 1
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err == nil && n > 0 {
			page = n
		}
	}
	last := max((total+per-1)/per, 1)
	link := func(p int, rel string) string {
		u := *rp.r.URL
		u.Scheme, u.Host = "http", rp.r.Host
		if rp.repo != nil {
			// GitHub's links name the repository by id.
			tail := strings.TrimPrefix(u.Path, s.prefix)
			tail = strings.TrimPrefix(tail, "/repos/"+rp.repo.owner+"/"+rp.repo.name)
			u.Path = fmt.Sprintf("%s/repositories/%d%s", s.prefix, rp.repo.id, tail)
			u.RawPath = ""
		}
		qq := u.Query()
		qq.Set("page", strconv.Itoa(p))
		u.RawQuery = qq.Encode()
		return fmt.Sprintf("<%s>; rel=%q", u.String(), rel)
	}
	var links []string
	if page > 1 {
		links = append(links, link(min(page-1, last), "prev"))
	}
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(1, "first"))
	}
	if len(links) > 0 {
		rp.w.Header().Set("Link", strings.Join(links, ", "))
	}
	lo = min((page-1)*per, total)
	hi = min(lo+per, total)
	return lo, hi, true
}

func (s *Server) userJSON(login string) map[string]any {
	typ := "User"
	if strings.HasSuffix(login, "[bot]") {
		typ = "Bot"
	}
	return map[string]any{"login": login, "id": int64(len(login)) * 7919, "type": typ,
		"url": s.srv.URL + "/users/" + url.PathEscape(login), "html_url": "https://github.com/" + login}
}

func (s *Server) repoJSON(rr *repo) map[string]any {
	return map[string]any{
		"id": rr.id, "node_id": fmt.Sprintf("R_%d", rr.id), "name": rr.name, "full_name": rr.fullName(),
		"owner": s.userJSON(rr.owner), "private": true, "fork": false, "default_branch": rr.defaultBranch,
		"html_url": "https://github.com/" + rr.fullName(), "url": s.srv.URL + s.prefix + "/repos/" + rr.fullName(),
		"archived": false, "disabled": false,
	}
}

func (s *Server) pullByText(rr *repo, text string) *pull {
	n, err := strconv.Atoi(text)
	if err != nil {
		return nil
	}
	return rr.pulls[n]
}

func (s *Server) pullJSON(rr *repo, p *pull, full bool) map[string]any {
	headRepo := rr
	if p.HeadRepo != "" {
		headRepo = s.repos[strings.ToLower(p.HeadRepo)]
	}
	side := func(r *repo, ref, sha string) map[string]any {
		m := map[string]any{"ref": ref, "sha": sha}
		if r != nil {
			m["label"] = r.owner + ":" + ref
			m["user"] = s.userJSON(r.owner)
			rj := s.repoJSON(r)
			rj["fork"] = r != rr
			m["repo"] = rj
		} else {
			m["repo"] = nil
		}
		return m
	}
	state := p.State
	merged := state == "merged"
	if merged {
		state = "closed"
	}
	out := map[string]any{
		"id": p.id, "node_id": fmt.Sprintf("PR_%d", p.id), "number": p.Number, "state": state, "title": p.Title,
		"body": p.Body,
		"user": s.userJSON(p.Author), "draft": p.Draft, "locked": false,
		"created_at": p.createdAt.Format(time.RFC3339), "updated_at": p.createdAt.Format(time.RFC3339),
		"merged_at": nil,
		"head":      side(headRepo, p.HeadRef, p.HeadSHA),
		"base":      side(rr, p.BaseRef, p.BaseSHA),
		"url":       fmt.Sprintf("%s%s/repos/%s/pulls/%d", s.srv.URL, s.prefix, rr.fullName(), p.Number),
		"html_url":  fmt.Sprintf("https://github.com/%s/pull/%d", rr.fullName(), p.Number),
	}
	if merged {
		out["merged_at"] = p.createdAt.Format(time.RFC3339)
	}
	if full {
		out["merged"] = merged
		out["changed_files"] = len(p.Files)
		out["mergeable"] = nil
	}
	return out
}

func (s *Server) listPulls(rp *reply, rr *repo) {
	state := rp.r.URL.Query().Get("state")
	if state == "" {
		state = "open"
	}
	if state != "open" && state != "closed" && state != "all" {
		s.invalid(rp, "Validation Failed")
		return
	}
	var ps []*pull
	for _, p := range rr.pulls {
		open := p.State == "open"
		if state == "all" || (state == "open") == open {
			ps = append(ps, p)
		}
	}
	// Newest first, as GitHub's default (sort=created, direction=desc).
	sort.Slice(ps, func(i, j int) bool { return ps[i].Number > ps[j].Number })
	lo, hi, _ := s.paginate(rp, len(ps))
	out := []any{}
	for _, p := range ps[lo:hi] {
		out = append(out, s.pullJSON(rr, p, false))
	}
	s.write(rp, http.StatusOK, out)
}

func (s *Server) pullFiles(rp *reply, rr *repo, num string) {
	p := s.pullByText(rr, num)
	if p == nil {
		s.fail(rp, http.StatusNotFound, "Not Found", docsREST)
		return
	}
	files := p.Files
	if len(files) > 3000 { // GitHub lists at most 3000 files
		files = files[:3000]
	}
	lo, hi, _ := s.paginate(rp, len(files))
	out := []any{}
	for _, f := range files[lo:hi] {
		status := f.Status
		if status == "" {
			status = s.derivedStatus(rr, p, f)
		}
		sum := sha256.Sum256([]byte(p.HeadSHA + f.Path))
		m := map[string]any{
			"sha": hex.EncodeToString(sum[:20]), "filename": f.Path, "status": status,
			"additions": 1, "deletions": 0, "changes": 1,
			"blob_url":     fmt.Sprintf("https://github.com/%s/blob/%s/%s", rr.fullName(), p.HeadSHA, f.Path),
			"raw_url":      fmt.Sprintf("https://github.com/%s/raw/%s/%s", rr.fullName(), p.HeadSHA, f.Path),
			"contents_url": fmt.Sprintf("%s%s/repos/%s/contents/%s?ref=%s", s.srv.URL, s.prefix, rr.fullName(), f.Path, p.HeadSHA),
			"patch":        "@@ -0,0 +1 @@",
		}
		if f.OldPath != "" && (status == "renamed" || status == "copied") {
			m["previous_filename"] = f.OldPath
		}
		out = append(out, m)
	}
	s.write(rp, http.StatusOK, out)
}

// derivedStatus is the status GitHub would give a file whose status the
// test left out, from the file's presence at the base and the head:
// added, removed, renamed (with an OldPath) or modified.
func (s *Server) derivedStatus(rr *repo, p *pull, f PullFile) string {
	if f.OldPath != "" {
		return "renamed"
	}
	_, baseFiles, baseOK := s.resolve(rr, p.BaseSHA)
	_, headFiles, headOK := s.resolve(rr, p.HeadSHA)
	_, atBase := baseFiles[f.Path]
	_, atHead := headFiles[f.Path]
	switch {
	case baseOK && headOK && !atBase && atHead:
		return "added"
	case baseOK && headOK && atBase && !atHead:
		return "removed"
	}
	return "modified"
}

// resolve finds a commit by sha or branch name; the files at a fork's
// head are visible through the base repository while a pull request from
// it is there, as on GitHub.
func (s *Server) resolve(rr *repo, ref string) (sha string, files map[string][]byte, ok bool) {
	if ref == "" {
		ref = rr.defaultBranch
	}
	ref = strings.TrimPrefix(ref, "refs/")
	ref = strings.TrimPrefix(ref, "heads/")
	if b, found := rr.branches[ref]; found {
		ref = b
	}
	if rr.commits[ref] {
		return ref, rr.files[ref], true
	}
	for _, p := range rr.pulls {
		if p.HeadSHA == ref && p.HeadRepo != "" {
			if fork := s.repos[strings.ToLower(p.HeadRepo)]; fork != nil && fork.commits[ref] {
				return ref, fork.files[ref], true
			}
		}
	}
	return "", nil, false
}

func (s *Server) contents(rp *reply, rr *repo, path string) {
	ref := rp.r.URL.Query().Get("ref")
	sha, files, ok := s.resolve(rr, ref)
	if !ok {
		s.fail(rp, http.StatusNotFound, "No commit found for the ref "+ref, docsREST)
		return
	}
	path = strings.Trim(path, "/")
	data, found := files[path]
	accept := rp.r.Header.Get("Accept")
	raw := strings.Contains(accept, "vnd.github.raw") || strings.Contains(accept, "vnd.github.v3.raw")
	if !found {
		// A directory?
		var entries []any
		names := map[string]bool{}
		for p := range files {
			rest, isUnder := strings.CutPrefix(p, path+"/")
			if path == "" {
				rest, isUnder = p, true
			}
			if !isUnder {
				continue
			}
			name, _, deeper := strings.Cut(rest, "/")
			if names[name] {
				continue
			}
			names[name] = true
			typ := "file"
			if deeper {
				typ = "dir"
			}
			full := strings.TrimPrefix(path+"/"+name, "/")
			entries = append(entries, map[string]any{"type": typ, "name": name, "path": full})
		}
		if len(entries) == 0 {
			s.fail(rp, http.StatusNotFound, "Not Found", docsREST)
			return
		}
		sort.Slice(entries, func(i, j int) bool {
			return entries[i].(map[string]any)["name"].(string) < entries[j].(map[string]any)["name"].(string)
		})
		s.write(rp, http.StatusOK, entries)
		return
	}
	if raw {
		writeRaw(rp, data)
		return
	}
	out := map[string]any{
		"type": "file", "name": path[strings.LastIndex(path, "/")+1:], "path": path, "size": len(data),
		"sha":          blobSHA(data), // git's blob id, as GitHub's
		"url":          fmt.Sprintf("%s%s/repos/%s/contents/%s?ref=%s", s.srv.URL, s.prefix, rr.fullName(), path, sha),
		"download_url": nil,
	}
	if len(data) <= maxJSONContentSize {
		enc := base64.StdEncoding.EncodeToString(data)
		var b strings.Builder
		for len(enc) > 60 {
			b.WriteString(enc[:60] + "\n")
			enc = enc[60:]
		}
		b.WriteString(enc)
		out["content"], out["encoding"] = b.String(), "base64"
	} else {
		out["content"], out["encoding"] = "", "none"
	}
	s.write(rp, http.StatusOK, out)
}

func (s *Server) commentJSON(rr *repo, c *Comment) map[string]any {
	return map[string]any{
		"id": c.ID, "node_id": fmt.Sprintf("IC_%d", c.ID), "body": c.Body, "user": s.userJSON(c.User),
		"created_at": c.CreatedAt.Format(time.RFC3339), "updated_at": c.UpdatedAt.Format(time.RFC3339),
		"url":                fmt.Sprintf("%s%s/repos/%s/issues/comments/%d", s.srv.URL, s.prefix, rr.fullName(), c.ID),
		"html_url":           fmt.Sprintf("https://github.com/%s/pull/%d#issuecomment-%d", rr.fullName(), c.Number, c.ID),
		"issue_url":          fmt.Sprintf("%s%s/repos/%s/issues/%d", s.srv.URL, s.prefix, rr.fullName(), c.Number),
		"author_association": "NONE",
	}
}

func (s *Server) listComments(rp *reply, rr *repo, num string) {
	number, ok := s.commentTarget(rr, num) // a pull request or an issue
	if !ok {
		s.fail(rp, http.StatusNotFound, "Not Found", docsREST)
		return
	}
	var cs []*Comment
	for _, c := range rr.comments {
		if c.Number == number {
			cs = append(cs, c)
		}
	}
	lo, hi, _ := s.paginate(rp, len(cs))
	out := []any{}
	for _, c := range cs[lo:hi] {
		out = append(out, s.commentJSON(rr, c))
	}
	s.write(rp, http.StatusOK, out)
}

// decode reads a JSON body strictly: unknown keys are refused, as GitHub
// refuses them for these endpoints.
func (s *Server) decode(rp *reply, v any) bool {
	dec := json.NewDecoder(rp.r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if strings.Contains(err.Error(), "unknown field") {
			s.invalid(rp, "Invalid request.\n\n"+err.Error())
			return false
		}
		s.fail(rp, http.StatusBadRequest, "Problems parsing JSON", docsREST)
		return false
	}
	return true
}

func (s *Server) commentBody(rp *reply) (string, bool) {
	var req struct {
		Body *string `json:"body"`
	}
	if !s.decode(rp, &req) {
		return "", false
	}
	if req.Body == nil {
		s.invalid(rp, "Invalid request.\n\n\"body\" wasn't supplied.")
		return "", false
	}
	if len([]rune(*req.Body)) > maxCommentLength {
		s.invalid(rp, "Validation Failed: Body is too long (maximum is 65536 characters)")
		return "", false
	}
	return *req.Body, true
}

func (s *Server) createComment(rp *reply, rr *repo, num string) {
	if !s.mayWrite(rp, "issues", "pull_requests") {
		return
	}
	number, ok := s.commentTarget(rr, num) // a pull request or an issue
	if !ok {
		s.fail(rp, http.StatusNotFound, "Not Found", docsREST)
		return
	}
	body, ok := s.commentBody(rp)
	if !ok {
		return
	}
	c := s.addComment(rr, number, s.BotLogin(), body)
	rp.w.Header().Set("Location", fmt.Sprintf("%s%s/repos/%s/issues/comments/%d", s.srv.URL, s.prefix, rr.fullName(), c.ID))
	s.write(rp, http.StatusCreated, s.commentJSON(rr, c))
}

func (s *Server) editComment(rp *reply, rr *repo, idText string) {
	id, _ := strconv.ParseInt(idText, 10, 64)
	var c *Comment
	for _, x := range rr.comments {
		if x.ID == id {
			c = x
		}
	}
	if c == nil {
		s.fail(rp, http.StatusNotFound, "Not Found", docsREST)
		return
	}
	if !s.mayWrite(rp, "issues", "pull_requests") {
		return
	}
	body, ok := s.commentBody(rp)
	if !ok || !s.mayEdit(rp, c.User) {
		return
	}
	c.Body = body
	c.UpdatedAt = time.Now().UTC().Truncate(time.Second)
	s.write(rp, http.StatusOK, s.commentJSON(rr, c))
}

// ---- check runs ----

type outputIn struct {
	Title       *string          `json:"title"`
	Summary     *string          `json:"summary"`
	Text        *string          `json:"text"`
	Annotations []map[string]any `json:"annotations"`
	Images      []map[string]any `json:"images"`
}

type checkRunIn struct {
	Name        *string          `json:"name"`
	HeadSHA     *string          `json:"head_sha"`
	DetailsURL  *string          `json:"details_url"`
	ExternalID  *string          `json:"external_id"`
	Status      *string          `json:"status"`
	Conclusion  *string          `json:"conclusion"`
	StartedAt   *string          `json:"started_at"`
	CompletedAt *string          `json:"completed_at"`
	Output      *outputIn        `json:"output"`
	Actions     []map[string]any `json:"actions"`
}

var (
	checkStatuses    = map[string]bool{"queued": true, "in_progress": true, "completed": true, "waiting": true, "requested": true, "pending": true}
	checkConclusions = map[string]bool{"action_required": true, "cancelled": true, "failure": true, "neutral": true, "success": true, "skipped": true, "stale": true, "timed_out": true}
	annotationLevels = map[string]bool{"notice": true, "warning": true, "failure": true}
)

// validateOutput checks an output object; it returns GitHub's message for
// a bad one.
func validateOutput(o *outputIn) ([]Annotation, string) {
	if o == nil {
		return nil, ""
	}
	if o.Title == nil {
		return nil, "Invalid request.\n\n\"title\" wasn't supplied."
	}
	if o.Summary == nil {
		return nil, "Invalid request.\n\n\"summary\" wasn't supplied."
	}
	if len([]rune(*o.Summary)) > maxSummaryLength {
		return nil, "Invalid request.\n\nOnly 65535 characters are allowed; 'summary' is too long."
	}
	if len(o.Annotations) > maxAnnotations {
		return nil, "Invalid request.\n\nOnly 50 annotations are allowed per request."
	}
	var out []Annotation
	for i, a := range o.Annotations {
		b, _ := json.Marshal(a)
		var an Annotation
		dec := json.NewDecoder(bytes.NewReader(b))
		if err := dec.Decode(&an); err != nil {
			return nil, fmt.Sprintf("Invalid request.\n\nannotation %d: %v", i, err)
		}
		for _, k := range []string{"path", "start_line", "end_line", "annotation_level", "message"} {
			if _, ok := a[k]; !ok {
				return nil, fmt.Sprintf("Invalid request.\n\n%q wasn't supplied.", k)
			}
		}
		for k := range a {
			switch k {
			case "path", "start_line", "end_line", "start_column", "end_column", "annotation_level", "message", "title", "raw_details":
			default:
				return nil, fmt.Sprintf("Invalid request.\n\n%q is not a permitted key.", k)
			}
		}
		if !annotationLevels[an.Level] {
			return nil, "Invalid request.\n\nannotation_level must be one of notice, warning, failure."
		}
		if an.StartLine < 1 || an.EndLine < an.StartLine {
			return nil, "Invalid request.\n\nstart_line and end_line must be positive, end_line not before start_line."
		}
		if _, ok := a["start_column"]; ok && an.StartLine != an.EndLine {
			return nil, "Invalid request.\n\nstart_column and end_column may only be given when start_line equals end_line."
		}
		out = append(out, an)
	}
	return out, ""
}

func (s *Server) createCheckRun(rp *reply, rr *repo) {
	if !s.mayWrite(rp, "checks") {
		return
	}
	var in checkRunIn
	if !s.decode(rp, &in) {
		return
	}
	if in.Name == nil || *in.Name == "" {
		s.invalid(rp, "Invalid request.\n\n\"name\" wasn't supplied.")
		return
	}
	if in.HeadSHA == nil || *in.HeadSHA == "" {
		s.invalid(rp, "Invalid request.\n\n\"head_sha\" wasn't supplied.")
		return
	}
	if _, _, ok := s.resolve(rr, *in.HeadSHA); !ok || !isSHA(*in.HeadSHA) {
		s.invalid(rp, "No commit found for SHA: "+*in.HeadSHA)
		return
	}
	c := &CheckRun{AppID: s.appID, Name: *in.Name, HeadSHA: *in.HeadSHA, Status: "queued", StartedAt: time.Now().UTC().Truncate(time.Second)}
	if msg := s.applyCheck(c, &in); msg != "" {
		s.invalid(rp, msg)
		return
	}
	s.nextID++
	c.ID = s.nextID
	c.Requests = 1
	rr.checkRuns = append(rr.checkRuns, c)
	s.write(rp, http.StatusCreated, s.checkRunJSON(rr, c))
}

// isSHA reports whether s is a commit id as GitHub prints it: a full id
// (bot/commitid) in lower case. The fake is stricter than the bot, which
// also takes upper case.
func isSHA(s string) bool {
	return commitid.Valid(s) && s == strings.ToLower(s)
}

// applyCheck applies a create or update body to a run (annotations are
// appended, as GitHub does); it returns GitHub's message for a bad body.
func (s *Server) applyCheck(c *CheckRun, in *checkRunIn) string {
	anns, msg := validateOutput(in.Output)
	if msg != "" {
		return msg
	}
	status := c.Status
	if in.Status != nil {
		if !checkStatuses[*in.Status] {
			return "Invalid request.\n\nstatus is not one of the allowed values."
		}
		status = *in.Status
	}
	conclusion := c.Conclusion
	if in.Conclusion != nil {
		if !checkConclusions[*in.Conclusion] {
			return "Invalid request.\n\nconclusion is not one of the allowed values."
		}
		conclusion = *in.Conclusion
		status = "completed"
	}
	if status == "completed" && conclusion == "" {
		return "Invalid request.\n\nWhen the status is 'completed' a 'conclusion' is required."
	}
	if in.Name != nil {
		if *in.Name == "" {
			return "Invalid request.\n\n\"name\" can't be blank."
		}
		c.Name = *in.Name
	}
	c.Status, c.Conclusion = status, conclusion
	if status == "completed" && c.CompletedAt.IsZero() {
		c.CompletedAt = time.Now().UTC().Truncate(time.Second)
	}
	if in.CompletedAt != nil {
		if t, err := time.Parse(time.RFC3339, *in.CompletedAt); err == nil {
			c.CompletedAt = t.UTC()
		} else {
			return "Invalid request.\n\ncompleted_at is not a valid ISO 8601 timestamp."
		}
	}
	if in.ExternalID != nil {
		c.ExternalID = *in.ExternalID
	}
	if in.DetailsURL != nil {
		c.DetailsURL = *in.DetailsURL
	}
	if in.Output != nil {
		c.Title, c.Summary = *in.Output.Title, *in.Output.Summary
		if in.Output.Text != nil {
			c.Text = *in.Output.Text
		}
		c.Annotations = append(c.Annotations, anns...)
	}
	return ""
}

func (s *Server) checkRunByText(rr *repo, text string) *CheckRun {
	id, _ := strconv.ParseInt(text, 10, 64)
	for _, c := range rr.checkRuns {
		if c.ID == id {
			return c
		}
	}
	return nil
}

func (s *Server) updateCheckRun(rp *reply, rr *repo, idText string) {
	if !s.mayWrite(rp, "checks") {
		return
	}
	c := s.checkRunByText(rr, idText)
	if c == nil {
		s.fail(rp, http.StatusNotFound, "Not Found", docsREST)
		return
	}
	var in checkRunIn
	if !s.decode(rp, &in) {
		return
	}
	if c.AppID != s.appID {
		s.fail(rp, http.StatusForbidden, "Invalid app_id `"+strconv.FormatInt(s.appID, 10)+"` - check run can only be modified by the GitHub App that created it.", docsREST)
		return
	}
	if in.HeadSHA != nil {
		s.invalid(rp, "Invalid request.\n\n\"head_sha\" is not a permitted key.")
		return
	}
	cp := *c
	cp.Annotations = append([]Annotation(nil), c.Annotations...)
	if msg := s.applyCheck(&cp, &in); msg != "" {
		s.invalid(rp, msg)
		return
	}
	cp.Requests++
	*c = cp
	s.write(rp, http.StatusOK, s.checkRunJSON(rr, c))
}

func (s *Server) checkRunJSON(rr *repo, c *CheckRun) map[string]any {
	ts := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t.Format(time.RFC3339)
	}
	var conclusion any
	if c.Conclusion != "" {
		conclusion = c.Conclusion
	}
	return map[string]any{
		"id": c.ID, "node_id": fmt.Sprintf("CR_%d", c.ID), "name": c.Name, "head_sha": c.HeadSHA,
		"external_id": c.ExternalID, "details_url": c.DetailsURL, "status": c.Status, "conclusion": conclusion,
		"started_at": ts(c.StartedAt), "completed_at": ts(c.CompletedAt),
		"url":      fmt.Sprintf("%s%s/repos/%s/check-runs/%d", s.srv.URL, s.prefix, rr.fullName(), c.ID),
		"html_url": fmt.Sprintf("https://github.com/%s/runs/%d", rr.fullName(), c.ID),
		"output": map[string]any{"title": c.Title, "summary": c.Summary, "text": c.Text,
			"annotations_count": len(c.Annotations),
			"annotations_url":   fmt.Sprintf("%s%s/repos/%s/check-runs/%d/annotations", s.srv.URL, s.prefix, rr.fullName(), c.ID)},
		"check_suite":   map[string]any{"id": c.ID * 10},
		"app":           map[string]any{"id": c.AppID, "slug": s.slugOf(c.AppID), "name": s.slugOf(c.AppID)},
		"pull_requests": []any{},
	}
}

func (s *Server) listCheckRuns(rp *reply, rr *repo, ref string) {
	sha, _, ok := s.resolve(rr, ref)
	if !ok {
		s.invalid(rp, "No commit found for SHA: "+ref)
		return
	}
	q := rp.r.URL.Query()
	name, status, filter, app := q.Get("check_name"), q.Get("status"), q.Get("filter"), q.Get("app_id")
	if filter == "" {
		filter = "latest"
	}
	var runs []*CheckRun
	latest := map[string]*CheckRun{}
	for _, c := range rr.checkRuns {
		if c.HeadSHA != sha || (name != "" && c.Name != name) || (status != "" && c.Status != status) ||
			(app != "" && strconv.FormatInt(c.AppID, 10) != app) {
			continue
		}
		runs = append(runs, c)
		k := fmt.Sprintf("%d/%s", c.AppID, c.Name)
		if l := latest[k]; l == nil || c.ID > l.ID {
			latest[k] = c
		}
	}
	if filter == "latest" {
		runs = runs[:0]
		for _, c := range latest {
			runs = append(runs, c)
		}
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].ID > runs[j].ID })
	lo, hi, _ := s.paginate(rp, len(runs))
	out := []any{}
	for _, c := range runs[lo:hi] {
		out = append(out, s.checkRunJSON(rr, c))
	}
	s.write(rp, http.StatusOK, map[string]any{"total_count": len(runs), "check_runs": out})
}

func (s *Server) permission(rp *reply, rr *repo, user string) {
	u := strings.ToLower(user)
	if !s.users[u] {
		s.fail(rp, http.StatusNotFound, "Not Found", docsREST)
		return
	}
	role := rr.perms[u]
	if role == "" {
		role = "none"
	}
	perm := role
	switch role {
	case "maintain":
		perm = "write"
	case "triage":
		perm = "read"
	}
	s.write(rp, http.StatusOK, map[string]any{"permission": perm, "role_name": role, "user": s.userJSON(user)})
}
