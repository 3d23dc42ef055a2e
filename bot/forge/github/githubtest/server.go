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
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

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
