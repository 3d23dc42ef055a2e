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
	"encoding/json"
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

// ---- request log, counters, faults ----

// Requests is the log of requests since the start or ResetCounts.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// APICalls counts the logged requests.
func (s *Server) APICalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// Writes counts the POST, PUT, PATCH and DELETE requests since the start
// or ResetCounts.
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

// SetRateLimitRemaining makes every answer carry GitLab.com's rate-limit
// headers, with n calls left in the current minute (negative: no headers,
// as a self-managed instance without them).
func (s *Server) SetRateLimitRemaining(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateRemaining = n
}

// FailNext makes the next n requests answer status with the given headers
// and a GitLab-shaped error body (a 429 is GitLab's rate limit: give it
// Retry-After or RateLimit-Reset).
func (s *Server) FailNext(n int, status int, headers map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.FailNext(n, status, headers)
}

// SetFailureRate makes a fraction p of the requests fail at random
// (deterministically seeded) with one of statuses (default 500, 502, 503
// and 429); a 429 carries Retry-After: 1. p = 0 turns it off.
func (s *Server) SetFailureRate(p float64, statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.SetRate(p, statuses...)
}

// ---- the HTTP side ----

type reply struct {
	w      http.ResponseWriter
	r      *http.Request
	status int
	user   *user
	proj   *project
	params map[string]any
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := &reply{w: w, r: r}
	defer func() {
		name := ""
		if rp.user != nil {
			name = rp.user.username
		}
		s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery,
			Status: rp.status, User: name})
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			s.writes++
		}
	}()
	w.Header().Set("X-Request-Id", fmt.Sprintf("fake-%d", len(s.requests)+1))
	if s.rateRemaining >= 0 {
		// GitLab.com's rate-limit headers: RateLimit-Reset is a Unix time
		// (docs.gitlab.com, "Rate limits", response headers).
		w.Header().Set("RateLimit-Limit", "2000")
		w.Header().Set("RateLimit-Observed", strconv.Itoa(max(2000-s.rateRemaining, 0)))
		w.Header().Set("RateLimit-Remaining", strconv.Itoa(s.rateRemaining))
		w.Header().Set("RateLimit-Reset", strconv.FormatInt(s.now().Add(time.Minute).Unix(), 10))
	}
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/api/v4/")
	if !ok {
		s.fail(rp, http.StatusNotFound, "404 Not Found")
		return
	}
	var segs []string
	for _, e := range strings.Split(strings.Trim(rest, "/"), "/") {
		v, err := url.PathUnescape(e)
		if err != nil {
			s.fail(rp, http.StatusBadRequest, "400 Bad request - malformed path")
			return
		}
		segs = append(segs, v)
	}
	if !s.authenticate(rp) {
		return
	}
	if s.injectFault(rp) {
		return
	}
	if !s.readParams(rp) {
		return
	}
	switch {
	case len(segs) == 1 && segs[0] == "user" && r.Method == http.MethodGet:
		s.write(rp, http.StatusOK, s.userJSON(rp.user))
		return
	case len(segs) == 1 && segs[0] == "users" && r.Method == http.MethodGet:
		s.listUsers(rp)
		return
	case len(segs) >= 2 && segs[0] == "projects":
	default:
		s.fail(rp, http.StatusNotFound, "404 Not Found")
		return
	}
	p := s.lookupProject(segs[1])
	if p == nil || p.members[rp.user.id] < Guest {
		s.fail(rp, http.StatusNotFound, "404 Project Not Found")
		return
	}
	rp.proj = p
	s.route(rp, p, segs[2:])
}

func (s *Server) lookupProject(idText string) *project {
	if id, err := strconv.ParseInt(idText, 10, 64); err == nil {
		return s.projects[id]
	}
	return s.byPath[strings.ToLower(idText)]
}

func (s *Server) authenticate(rp *reply) bool {
	tok := rp.r.Header.Get("PRIVATE-TOKEN")
	if tok == "" {
		if h := rp.r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
			tok = strings.TrimSpace(h[len("Bearer "):])
		}
	}
	id, ok := s.tokens[tok]
	if tok == "" || !ok || s.users[id] == nil {
		s.fail(rp, http.StatusUnauthorized, "401 Unauthorized")
		return false
	}
	rp.user = s.users[id]
	return true
}

func (s *Server) injectFault(rp *reply) bool {
	f := s.faults.Next()
	if f == nil {
		return false
	}
	for k, v := range f.Headers {
		rp.w.Header().Set(k, v)
	}
	msg := fmt.Sprintf("%d %s", f.Status, http.StatusText(f.Status))
	if f.Status == http.StatusTooManyRequests {
		msg = "Retry later"
		rp.status = f.Status
		rp.w.Header().Set("Content-Type", "text/plain")
		rp.w.WriteHeader(f.Status)
		io.WriteString(rp.w, msg+"\n")
		return true
	}
	s.fail(rp, f.Status, msg)
	return true
}

// readParams reads the parameters of a request: the query, and a JSON or
// form body.
func (s *Server) readParams(rp *reply) bool {
	rp.params = map[string]any{}
	for k, v := range rp.r.URL.Query() {
		if len(v) > 0 {
			rp.params[strings.TrimSuffix(k, "[]")] = v[len(v)-1]
		}
	}
	if rp.r.Method == http.MethodGet || rp.r.Body == nil {
		return true
	}
	data, err := io.ReadAll(io.LimitReader(rp.r.Body, 8<<20))
	if err != nil {
		s.fail(rp, http.StatusBadRequest, "400 Bad request - unreadable body")
		return false
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return true
	}
	ct := rp.r.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "application/json"):
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			s.write(rp, http.StatusBadRequest, map[string]any{"error": "400 Bad request - the body is not valid JSON"})
			return false
		}
		for k, v := range m {
			rp.params[k] = v
		}
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		vals, err := url.ParseQuery(string(data))
		if err != nil {
			s.fail(rp, http.StatusBadRequest, "400 Bad request - malformed form")
			return false
		}
		for k, v := range vals {
			if strings.HasSuffix(k, "[]") {
				rp.params[strings.TrimSuffix(k, "[]")] = v
			} else if len(v) > 0 {
				rp.params[k] = v[len(v)-1]
			}
		}
	default:
		s.fail(rp, http.StatusUnsupportedMediaType, "415 Unsupported Media Type")
		return false
	}
	return true
}

func (rp *reply) str(k string) (string, bool) {
	v, ok := rp.params[k]
	if !ok || v == nil {
		return "", false
	}
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	case []string:
		return strings.Join(x, ","), true
	case []any:
		var parts []string
		for _, e := range x {
			parts = append(parts, fmt.Sprint(e))
		}
		return strings.Join(parts, ","), true
	}
	return fmt.Sprint(v), true
}

func (rp *reply) boolean(k string) (bool, bool) {
	v, ok := rp.str(k)
	if !ok {
		return false, false
	}
	b, err := strconv.ParseBool(v)
	return b, err == nil
}

func (rp *reply) ints(k string) ([]int64, bool) {
	v, ok := rp.params[k]
	if !ok || v == nil {
		return nil, false
	}
	var parts []string
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			parts = append(parts, fmt.Sprint(e))
		}
	case []string:
		parts = x
	default:
		s, _ := rp.str(k)
		if s != "" {
			parts = strings.Split(s, ",")
		}
	}
	out := []int64{}
	for _, p := range parts {
		n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
		if err != nil {
			return nil, false
		}
		if n != 0 {
			out = append(out, n)
		}
	}
	return out, true
}

func (s *Server) write(rp *reply, status int, v any) {
	rp.status = status
	rp.w.Header().Set("Content-Type", "application/json")
	rp.w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(rp.w).Encode(v)
	}
}

// fail answers {"message": msg}, as GitLab does.
func (s *Server) fail(rp *reply, status int, msg string) {
	s.write(rp, status, map[string]any{"message": msg})
}

// invalid answers 400 with GitLab's validation shape.
func (s *Server) invalid(rp *reply, field, msg string) {
	s.write(rp, http.StatusBadRequest, map[string]any{"message": map[string][]string{field: {msg}}})
}

// missing answers 400 for a required parameter, as Grape does.
func (s *Server) missing(rp *reply, field string) {
	s.write(rp, http.StatusBadRequest, map[string]any{"error": field + " is missing"})
}

func (s *Server) forbidden(rp *reply) { s.fail(rp, http.StatusForbidden, "403 Forbidden") }

// paginate reads per_page (default 20, at most 100) and page, writes
// GitLab's pagination headers, and returns the slice bounds of the page.
func (s *Server) paginate(rp *reply, total int) (lo, hi int) {
	per := 20
	if v, ok := rp.str("per_page"); ok {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			per = min(n, 100)
		}
	}
	page := 1
	if v, ok := rp.str("page"); ok {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			page = n
		}
	}
	last := max((total+per-1)/per, 1)
	h := rp.w.Header()
	h.Set("X-Page", strconv.Itoa(page))
	h.Set("X-Per-Page", strconv.Itoa(per))
	h.Set("X-Total", strconv.Itoa(total))
	h.Set("X-Total-Pages", strconv.Itoa(last))
	h.Set("X-Next-Page", "")
	h.Set("X-Prev-Page", "")
	link := func(p int, rel string) string {
		u := *rp.r.URL
		u.Scheme, u.Host = "http", rp.r.Host
		q := u.Query()
		q.Set("page", strconv.Itoa(p))
		q.Set("per_page", strconv.Itoa(per))
		u.RawQuery = q.Encode()
		return fmt.Sprintf("<%s>; rel=%q", u.String(), rel)
	}
	var links []string
	if page > 1 {
		h.Set("X-Prev-Page", strconv.Itoa(min(page-1, last)))
		links = append(links, link(min(page-1, last), "prev"))
	}
	if page < last {
		h.Set("X-Next-Page", strconv.Itoa(page+1))
		links = append(links, link(page+1, "next"))
	}
	links = append(links, link(1, "first"), link(last, "last"))
	h.Set("Link", strings.Join(links, ", "))
	lo = min((page-1)*per, total)
	hi = min(lo+per, total)
	return lo, hi
}

func (s *Server) webURL(p *project, tail string) string {
	return s.srv.URL + "/" + p.path + tail
}

func (s *Server) userJSON(u *user) map[string]any {
	if u == nil {
		return nil
	}
	return map[string]any{"id": u.id, "username": u.username, "name": u.name, "state": "active", "locked": false,
		"avatar_url": "", "web_url": s.srv.URL + "/" + u.username, "bot": u.bot}
}

func (s *Server) userByName(name string) *user { return s.byName[strings.ToLower(name)] }

func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// route dispatches a project's calls.
func (s *Server) route(rp *reply, p *project, rest []string) {
	m := rp.r.Method
	n := len(rest)
	switch {
	case n == 0 && m == http.MethodGet:
		s.write(rp, http.StatusOK, s.projectJSON(p))
	case n == 1 && rest[0] == "merge_requests" && m == http.MethodGet:
		s.listMRs(rp, p)
	case n >= 2 && rest[0] == "merge_requests":
		iid, err := strconv.ParseInt(rest[1], 10, 64)
		mr := p.mrs[iid]
		if err != nil || mr == nil {
			s.fail(rp, http.StatusNotFound, "404 Not found")
			return
		}
		s.routeMR(rp, p, mr, rest[2:])
	case n == 4 && rest[0] == "repository" && rest[1] == "files" && rest[3] == "raw" && m == http.MethodGet:
		s.rawFile(rp, p, rest[2])
	case n == 2 && rest[0] == "repository" && rest[1] == "tree" && m == http.MethodGet:
		s.tree(rp, p)
	case n == 3 && rest[0] == "repository" && rest[1] == "branches" && m == http.MethodGet:
		s.branch(rp, p, rest[2])
	case n == 4 && rest[0] == "repository" && rest[1] == "commits" && rest[3] == "statuses" && m == http.MethodGet:
		s.listStatuses(rp, p, rest[2])
	case n == 2 && rest[0] == "statuses" && m == http.MethodPost:
		s.setStatus(rp, p, rest[1])
	case n == 3 && rest[0] == "members" && rest[1] == "all" && m == http.MethodGet:
		s.member(rp, p, rest[2])
	case n == 1 && rest[0] == "issues" && m == http.MethodGet:
		s.listIssues(rp, p)
	case n == 1 && rest[0] == "issues" && m == http.MethodPost:
		s.createIssue(rp, p)
	case n >= 2 && rest[0] == "issues":
		iid, err := strconv.ParseInt(rest[1], 10, 64)
		is := p.issues[iid]
		if err != nil || is == nil {
			s.fail(rp, http.StatusNotFound, "404 Issue Not Found")
			return
		}
		s.routeIssue(rp, p, is, rest[2:])
	default:
		s.fail(rp, http.StatusNotFound, "404 Not Found")
	}
}

func (s *Server) projectJSON(p *project) map[string]any {
	out := map[string]any{"id": p.id, "name": p.name(), "path": p.name(), "path_with_namespace": p.path,
		"name_with_namespace": strings.ReplaceAll(p.path, "/", " / "), "default_branch": p.defaultBranch,
		"web_url": s.webURL(p, ""), "namespace": map[string]any{"full_path": p.namespace(), "path": p.namespace()},
		"visibility": "private", "archived": false}
	if p.forkOf != 0 {
		if up := s.projects[p.forkOf]; up != nil {
			out["forked_from_project"] = map[string]any{"id": up.id, "path_with_namespace": up.path}
		}
	}
	return out
}

// ---- users and members ----

func (s *Server) listUsers(rp *reply) {
	var out []any
	if name, ok := rp.str("username"); ok {
		if u := s.userByName(name); u != nil {
			out = append(out, s.userJSON(u))
		}
	} else {
		ids := make([]int64, 0, len(s.users))
		for id := range s.users {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		for _, id := range ids {
			out = append(out, s.userJSON(s.users[id]))
		}
	}
	lo, hi := s.paginate(rp, len(out))
	if out == nil {
		out = []any{}
	}
	s.write(rp, http.StatusOK, out[lo:hi])
}

func (s *Server) member(rp *reply, p *project, idText string) {
	id, err := strconv.ParseInt(idText, 10, 64)
	lvl := p.members[id]
	u := s.users[id]
	if err != nil || u == nil || lvl == 0 {
		s.fail(rp, http.StatusNotFound, "404 Not found")
		return
	}
	m := s.userJSON(u)
	m["access_level"] = lvl
	m["membership_state"] = "active"
	s.write(rp, http.StatusOK, m)
}
