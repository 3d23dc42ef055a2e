package gitlabtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

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
