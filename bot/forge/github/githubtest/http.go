package githubtest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Sign signs a webhook body as GitHub does (X-Hub-Signature-256).
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

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

// routeMore serves the issues, labels, trees and branches under
// /repos/{owner}/{repo} (issues_read.go, issues_write.go, trees.go) and what
// propose.go adds, and applies the creation limit; false leaves the request
// to route.
func (s *Server) routeMore(rp *reply, rr *repo, rest []string) bool {
	if s.routePropose(rp, rr, rest) { // branches, commits, new pull requests (propose.go)
		return true
	}
	m := rp.r.Method
	n := len(rest)
	creates := m == http.MethodPost && n >= 1 && rest[0] == "issues" &&
		(n == 1 || (n == 3 && rest[2] == "comments" && rest[1] != "comments"))
	if creates && !s.allowCreation(rp) {
		return true
	}
	switch {
	case n >= 3 && rest[0] == "git" && rest[1] == "trees" && m == http.MethodGet:
		s.gitTree(rp, rr, strings.Join(rest[2:], "/"))
	case n == 3 && rest[0] == "git" && rest[1] == "blobs" && m == http.MethodGet:
		s.blob(rp, rr, rest[2])
	case n >= 2 && rest[0] == "branches" && m == http.MethodGet:
		s.branch(rp, rr, strings.Join(rest[1:], "/"))
	case n == 2 && rest[0] == "assignees" && m == http.MethodGet:
		if s.assignable(rr, rest[1]) {
			rp.status = http.StatusNoContent
			rp.w.WriteHeader(http.StatusNoContent)
			return true
		}
		s.fail(rp, http.StatusNotFound, "Not Found", docsAssignees)
	case n == 1 && rest[0] == "issues" && m == http.MethodGet:
		s.listIssues(rp, rr)
	case n == 1 && rest[0] == "issues" && m == http.MethodPost:
		s.createIssue(rp, rr)
	case n == 2 && rest[0] == "issues" && isNumber(rest[1]) && m == http.MethodGet:
		s.getIssue(rp, rr, rest[1])
	case n == 2 && rest[0] == "issues" && isNumber(rest[1]) && m == http.MethodPatch:
		s.editIssue(rp, rr, rest[1])
	case n == 3 && rest[0] == "issues" && rest[2] == "comments" && isNumber(rest[1]):
		// The comments of an issue: a deleted one, or one of a repository
		// whose issues are disabled, answers 410; the rest is route's.
		num, _ := strconv.Atoi(rest[1])
		if rr.pulls[num] != nil {
			return false
		}
		ri := s.issuesOf(rr)
		switch is := ri.issues[num]; {
		case ri.disabled:
			s.fail(rp, http.StatusGone, msgIssuesDisabled, docsIssues)
		case is != nil && is.deleted:
			s.fail(rp, http.StatusGone, msgIssueDeleted, docsIssues)
		default:
			return false
		}
	default:
		return false
	}
	return true
}

func isNumber(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n > 0
}

// commentTarget is the number of the issue or pull request a comment
// endpoint names, and whether there is one.
func (s *Server) commentTarget(rr *repo, text string) (int, bool) {
	n, err := strconv.Atoi(text)
	if err != nil {
		return 0, false
	}
	if rr.pulls[n] != nil {
		return n, true
	}
	if is := s.issuesOf(rr).issues[n]; is != nil && !is.deleted {
		return n, true
	}
	return 0, false
}
