// Package gitlabtest is a fake GitLab REST API (v4) for tests: an httptest
// server that keeps users, access tokens, projects (and forks), files by
// commit, branches, merge requests with their diffs, notes and
// discussions, commit statuses, issues and memberships in memory, and that
// is as strict as the real one where the bot relies on it:
//
//   - every call needs a known token, in PRIVATE-TOKEN or Authorization:
//     Bearer (401 otherwise); a project the token's user is no member of
//     answers 404 "404 Project Not Found"; writes need the right role
//     (statuses: Developer; editing issues: Reporter) and answer 403;
//   - paths are /api/v4/projects/:id/… with :id the numeric id or the
//     URL-encoded full path (namespace%2Fproject); a file path and a branch
//     name are one URL-encoded segment;
//   - lists are paginated as GitLab does (per_page 20 by default, 100 at
//     most; X-Page, X-Per-Page, X-Total, X-Total-Pages, X-Next-Page,
//     X-Prev-Page and Link);
//   - a merge request's diff is computed from its base and head files
//     (unified, three lines of context), a positioned discussion must name
//     a line the diff shows on the request's current diff refs, and a commit
//     status follows GitLab's state machine (a running or pending status of
//     the same name and ref is moved on; a finished one is kept and a new one
//     made; an impossible transition is 400) and needs a ref, or a branch
//     that holds the commit;
//   - errors are GitLab-shaped ({"message": "404 File Not Found"},
//     {"message": {"title": ["is too long …"]}}, {"error": "… is missing"}).
//
// Faults can be injected (FailNext, SetFailureRate), and every request is
// logged for assertions on the API economy (Requests, APICalls, Writes,
// ResetCounts). Helpers set state (AddUser, AddToken, AddProject, AddMember,
// PutFile, SetBranch, AddMergeRequest, SetMergeRequestHead, CloseIssueAs…),
// read it back (Notes, Discussions, Statuses, Issues…), and build webhook
// payloads from it (MergeRequestHook, PushHook, IssueHook, NoteHook).
package gitlabtest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tmbot/tmbot/bot/forge/forgetest"
)

// Access levels.
const (
	Guest      = 10
	Reporter   = 20
	Developer  = 30
	Maintainer = 40
	Owner      = 50
)

// Request is one logged request.
type Request struct {
	Method string
	// Path is the URL path as received (escaped).
	Path   string
	Query  string
	Status int
	// User is the username the token named ("" when none).
	User string
}

type user struct {
	id       int64
	username string
	name     string
	bot      bool
}

type project struct {
	id            int64
	path          string // full path
	defaultBranch string
	forkOf        int64
	branches      map[string]string
	contains      map[string]map[string]bool // branch → commits it has held
	files         map[string]map[string][]byte
	members       map[int64]int
	mrs           map[int64]*mergeRequest
	nextMRIID     int64
	issues        map[int64]*issue
	nextIssueIID  int64
	statuses      []*Status
	pipelines     map[string]int64 // sha + "\x00" + ref → pipeline id
}

func (p *project) name() string { return p.path[strings.LastIndex(p.path, "/")+1:] }

func (p *project) namespace() string {
	if i := strings.LastIndex(p.path, "/"); i >= 0 {
		return p.path[:i]
	}
	return ""
}

// Server is the fake GitLab.
type Server struct {
	t   testing.TB
	srv *httptest.Server

	mu       sync.Mutex
	users    map[int64]*user
	byName   map[string]*user // lower-case username
	tokens   map[string]int64
	projects map[int64]*project
	byPath   map[string]*project // lower-case full path
	nextID   int64
	requests []Request
	writes   int
	faults   forgetest.Faults
	now      func() time.Time
	// rateRemaining, when not negative, is sent as GitLab.com sends its
	// rate limit on every answer (RateLimit-Remaining, RateLimit-Reset).
	rateRemaining int
}

// New starts a fake GitLab; it stops when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t, users: map[int64]*user{}, byName: map[string]*user{}, tokens: map[string]int64{},
		projects: map[int64]*project{}, byPath: map[string]*project{}, nextID: 100,
		now: func() time.Time { return time.Now().UTC() }, rateRemaining: -1}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the instance root (no /api/v4, no trailing slash), as
// TMBOT_GITLAB_URL takes it.
func (s *Server) URL() string { return s.srv.URL }

func (s *Server) id() int64 {
	s.nextID++
	return s.nextID
}

// AddUser adds a user (bot marks a project or group access token's bot
// user) and returns its id. Adding a username twice returns the first id.
func (s *Server) AddUser(username string, bot bool) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addUser(username, bot).id
}

func (s *Server) addUser(username string, bot bool) *user {
	if u := s.byName[strings.ToLower(username)]; u != nil {
		return u
	}
	u := &user{id: s.id(), username: username, name: username, bot: bot}
	s.users[u.id] = u
	s.byName[strings.ToLower(username)] = u
	return u
}

// AddToken makes an access token for a user (added when unknown) and
// returns it.
func (s *Server) AddToken(username string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.addUser(username, false)
	var b [10]byte
	_, _ = rand.Read(b[:])
	tok := "glpat-" + hex.EncodeToString(b[:])
	s.tokens[tok] = u.id
	return tok
}

// RevokeToken makes a token unknown (401).
func (s *Server) RevokeToken(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, tok)
}

// Secrets are the tokens handed out (to check that none reaches a log).
func (s *Server) Secrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for t := range s.tokens {
		out = append(out, t)
	}
	return out
}

// AddProject adds a project by full path (namespace/…/name) and returns its
// id. forkOf, when not "", names the project it is a fork of.
func (s *Server) AddProject(path, defaultBranch string, forkOf ...string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.byPath[strings.ToLower(path)]; p != nil {
		return p.id
	}
	p := &project{id: s.id(), path: path, defaultBranch: defaultBranch, branches: map[string]string{},
		contains: map[string]map[string]bool{}, files: map[string]map[string][]byte{}, members: map[int64]int{},
		mrs: map[int64]*mergeRequest{}, issues: map[int64]*issue{}, pipelines: map[string]int64{}}
	if len(forkOf) > 0 && forkOf[0] != "" {
		p.forkOf = s.mustProject(forkOf[0]).id
	}
	s.projects[p.id] = p
	s.byPath[strings.ToLower(path)] = p
	return p.id
}

// ProjectID is a project's id.
func (s *Server) ProjectID(path string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mustProject(path).id
}

// AddMember makes a user (added when unknown) a member of a project with an
// access level (0 removes the membership).
func (s *Server) AddMember(path, username string, level int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustProject(path)
	u := s.addUser(username, false)
	if level == 0 {
		delete(p.members, u.id)
		return
	}
	p.members[u.id] = level
}

func (s *Server) mustProject(path string) *project {
	p := s.byPath[strings.ToLower(path)]
	if p == nil {
		s.t.Fatalf("gitlabtest: no project %s", path)
	}
	return p
}

// PutFile stores a file of a project at a commit. A commit starts as a copy
// of none: give every file it has.
func (s *Server) PutFile(path, sha, file string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustProject(path)
	if p.files[sha] == nil {
		p.files[sha] = map[string][]byte{}
	}
	p.files[sha][strings.Trim(file, "/")] = bytes.Clone(data)
}

// AddCommit makes a commit known (with no files unless PutFile adds some).
func (s *Server) AddCommit(path, sha string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustProject(path)
	if p.files[sha] == nil {
		p.files[sha] = map[string][]byte{}
	}
}

// CopyCommit makes commit to hold the files of commit from.
func (s *Server) CopyCommit(path, from, to string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustProject(path)
	m := map[string][]byte{}
	for k, v := range p.files[from] {
		m[k] = v
	}
	p.files[to] = m
}

// SetBranch points a branch at a commit (the branch then holds it).
func (s *Server) SetBranch(path, branch, sha string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustProject(path)
	p.branches[branch] = sha
	if p.contains[branch] == nil {
		p.contains[branch] = map[string]bool{}
	}
	p.contains[branch][sha] = true
	if p.files[sha] == nil {
		p.files[sha] = map[string][]byte{}
	}
}
