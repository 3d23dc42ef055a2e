package githubtest

// Issues, labels and assignees; the git trees and branches APIs; GET /app;
// and GitHub's secondary limit on content creation.
//
// As on GitHub, issues and pull requests share one sequence of numbers,
// the list of issues carries the pull requests too (with a pull_request
// object), and the comment endpoints take either. Strict where GitHub is:
// a title is needed and at most 256 characters, a body at most 65536, a
// label name at most 50; an assignee who cannot be assigned (no permission
// on the repository) makes GitHub refuse the call (422 "… cannot be
// assigned to this issue"); labels the repository lacks are created; a
// deleted issue answers 410 "This issue was deleted", and every issue call
// of a repository whose issues are disabled 410 "Issues are disabled for
// this repo". closed_by is in the answer about one issue (GET, POST,
// PATCH), never in the list, as on GitHub.

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// GitHub's limits on issues.
const (
	maxIssueTitle     = 256
	maxIssueBody      = 65536
	maxLabelName      = 50
	defaultTreeLimit  = 100000 // entries of a recursive tree listing
	docsIssues        = "https://docs.github.com/rest/issues/issues"
	docsIssueCreate   = "https://docs.github.com/rest/issues/issues#create-an-issue"
	docsIssueUpdate   = "https://docs.github.com/rest/issues/issues#update-an-issue"
	docsAssignees     = "https://docs.github.com/rest/issues/assignees#check-if-a-user-can-be-assigned"
	msgIssueDeleted   = "This issue was deleted"
	msgIssuesDisabled = "Issues are disabled for this repo"
)

// Issue is an issue as stored.
type Issue struct {
	Number int
	Title  string
	Body   string
	// User opened it (default octocat; the App's bot login for issues the
	// App created).
	User string
	// State is open or closed; StateReason completed, not_planned,
	// reopened or "".
	State       string
	StateReason string
	Labels      []string
	Assignees   []string
	// ClosedBy is who closed it last, while it is closed.
	ClosedBy string
	// Comments counts its comments (filled by Issues and Issue).
	Comments  int
	CreatedAt time.Time
	UpdatedAt time.Time
	ClosedAt  time.Time
}

type issue struct {
	Issue
	id      int64
	deleted bool
}

// repoIssues is what a repository has besides the rest of repo.
type repoIssues struct {
	issues     map[int]*issue
	labels     map[string]string // lower-case name → name as created
	pullLabels map[int][]string
	disabled   bool
}

type treeRef struct {
	repo        *repo
	commit, dir string
}

// extState is the Server's state for what this file serves.
type extState struct {
	repos         map[*repo]*repoIssues
	creationLimit int
	creations     []time.Time
	treeLimit     int
	trees         map[string]treeRef // tree sha → commit and directory
}

func (s *Server) issuesOf(r *repo) *repoIssues {
	if s.ext.repos == nil {
		s.ext.repos = map[*repo]*repoIssues{}
	}
	ri := s.ext.repos[r]
	if ri == nil {
		ri = &repoIssues{issues: map[int]*issue{}, labels: map[string]string{}, pullLabels: map[int][]string{}}
		s.ext.repos[r] = ri
	}
	return ri
}

// nextNumber is the number the next issue gets: issues and pull requests
// share one sequence.
func (s *Server) nextNumber(r *repo) int {
	n := 0
	for k := range r.pulls {
		n = max(n, k)
	}
	for k := range s.issuesOf(r).issues {
		n = max(n, k)
	}
	return n + 1
}

// ensureLabels gives the names as the repository has them, creating the
// ones it lacks, without duplicates.
func (ri *repoIssues) ensureLabels(names []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		k := strings.ToLower(n)
		if n == "" || seen[k] {
			continue
		}
		seen[k] = true
		if have, ok := ri.labels[k]; ok {
			n = have
		} else {
			ri.labels[k] = n
		}
		out = append(out, n)
	}
	return out
}

func (s *Server) issueCopy(r *repo, is *issue) Issue {
	out := is.Issue
	out.Labels = append([]string{}, is.Labels...)
	out.Assignees = append([]string{}, is.Assignees...)
	out.Comments = s.commentCount(r, is.Number)
	return out
}

func (s *Server) commentCount(r *repo, number int) int {
	n := 0
	for _, c := range r.comments {
		if c.Number == number {
			n++
		}
	}
	return n
}

// ---- helpers for tests ----

// AddIssue adds an issue as a person opened it and returns its number (the
// next free one when is.Number is 0). State defaults to open and User to
// octocat; labels the repository lacks are created.
func (s *Server) AddIssue(fullName string, is Issue) int {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepo(fullName)
	ri := s.issuesOf(r)
	if is.Number == 0 {
		is.Number = s.nextNumber(r)
	}
	if r.pulls[is.Number] != nil || ri.issues[is.Number] != nil {
		s.t.Fatalf("githubtest: AddIssue: %s#%d exists", fullName, is.Number)
	}
	if is.State == "" {
		is.State = "open"
	}
	if is.User == "" {
		is.User = "octocat"
	}
	now := time.Now().UTC()
	if is.CreatedAt.IsZero() {
		is.CreatedAt = now
	}
	if is.UpdatedAt.IsZero() {
		is.UpdatedAt = is.CreatedAt
	}
	if is.State == "closed" {
		if is.StateReason == "" {
			is.StateReason = "completed"
		}
		if is.ClosedAt.IsZero() {
			is.ClosedAt = now
		}
	}
	is.Labels = ri.ensureLabels(is.Labels)
	is.Assignees = append([]string{}, is.Assignees...)
	is.Comments = 0
	s.users[strings.ToLower(is.User)] = true
	s.nextID++
	ri.issues[is.Number] = &issue{Issue: is, id: s.nextID}
	return is.Number
}

// Issues are a repository's issues (not pull requests, not deleted ones),
// by number.
func (s *Server) Issues(fullName string) []Issue {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepo(fullName)
	var out []Issue
	for _, is := range s.issuesOf(r).issues {
		if !is.deleted {
			out = append(out, s.issueCopy(r, is))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}

// Issue is one issue, and whether it exists (deleted ones do not).
func (s *Server) Issue(fullName string, number int) (Issue, bool) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepo(fullName)
	is := s.issuesOf(r).issues[number]
	if is == nil || is.deleted {
		return Issue{}, false
	}
	return s.issueCopy(r, is), true
}

func (s *Server) mustIssue(fullName string, number int) (*repo, *issue) {
	s.t.Helper()
	r := s.mustRepo(fullName)
	is := s.issuesOf(r).issues[number]
	if is == nil || is.deleted {
		s.t.Fatalf("githubtest: no issue %s#%d", fullName, number)
	}
	return r, is
}

// CloseIssueAs closes an issue as a person does in the UI: reason is
// completed (also for "") or not_planned.
func (s *Server) CloseIssueAs(fullName string, number int, user, reason string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	_, is := s.mustIssue(fullName, number)
	if reason == "" {
		reason = "completed"
	}
	if reason != "completed" && reason != "not_planned" {
		s.t.Fatalf("githubtest: CloseIssueAs: reason %q (want completed or not_planned)", reason)
	}
	now := time.Now().UTC()
	is.State, is.StateReason, is.ClosedBy, is.ClosedAt, is.UpdatedAt = "closed", reason, user, now, now
	s.users[strings.ToLower(user)] = true
}

// ReopenIssueAs reopens an issue as a person does in the UI.
func (s *Server) ReopenIssueAs(fullName string, number int, user string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	_, is := s.mustIssue(fullName, number)
	now := time.Now().UTC()
	is.State, is.StateReason, is.ClosedBy, is.ClosedAt, is.UpdatedAt = "open", "reopened", "", time.Time{}, now
	s.users[strings.ToLower(user)] = true
}

// DeleteIssue deletes an issue: it answers 410 from then on.
func (s *Server) DeleteIssue(fullName string, number int) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	_, is := s.mustIssue(fullName, number)
	is.deleted = true
}

// SetIssuesEnabled turns a repository's issues off (every issue call
// answers 410) or on again.
func (s *Server) SetIssuesEnabled(fullName string, enabled bool) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.issuesOf(s.mustRepo(fullName)).disabled = !enabled
}

// SetLabels replaces the labels of an issue or a pull request.
func (s *Server) SetLabels(fullName string, number int, labels ...string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepo(fullName)
	ri := s.issuesOf(r)
	switch {
	case r.pulls[number] != nil:
		ri.pullLabels[number] = ri.ensureLabels(labels)
	case ri.issues[number] != nil:
		ri.issues[number].Labels = ri.ensureLabels(labels)
	default:
		s.t.Fatalf("githubtest: SetLabels: no issue or pull request %s#%d", fullName, number)
	}
}

// Labels are the names of a repository's labels, sorted.
func (s *Server) Labels(fullName string) []string {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, n := range s.issuesOf(s.mustRepo(fullName)).labels {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// IssueComments are an issue's (or a pull request's) comments, oldest
// first.
func (s *Server) IssueComments(fullName string, number int) []Comment {
	return s.Comments(fullName, number)
}

// SetCreationLimit models GitHub's secondary limit on content creation:
// once perMinute requests that create content (issues, comments) were let
// through within the last minute, the next answers 403 with Retry-After
// (the seconds until the oldest of them is a minute old) and GitHub's
// secondary-rate-limit message. 0 (the default) turns it off.
func (s *Server) SetCreationLimit(perMinute int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ext.creationLimit = max(perMinute, 0)
	s.ext.creations = nil
}

// SetTreeLimit sets how many entries a recursive tree listing holds before
// GitHub truncates it (truncated: true); 0 is GitHub's 100,000.
func (s *Server) SetTreeLimit(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ext.treeLimit = max(n, 0)
}

// ---- the HTTP side ----

// getApp serves GET /app, with the App's JWT.
func (s *Server) getApp(rp *reply) {
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
	s.write(rp, http.StatusOK, map[string]any{
		"id": s.appID, "slug": s.appSlug, "node_id": fmt.Sprintf("A_%d", s.appID), "name": s.appSlug,
		"owner": s.userJSON("tmbot-dev"), "description": "", "external_url": "https://example.com",
		"html_url":            "https://github.com/apps/" + s.appSlug,
		"created_at":          "2024-01-01T00:00:00Z",
		"updated_at":          "2024-01-01T00:00:00Z",
		"permissions":         map[string]string{"contents": "read", "pull_requests": "read", "issues": "write", "checks": "write", "metadata": "read"},
		"events":              []string{"pull_request", "issue_comment", "issues", "push"},
		"installations_count": len(s.installations),
	})
}

// routeMore serves what this file adds under /repos/{owner}/{repo}, and
// applies the creation limit; false leaves the request to route.
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

// allowCreation applies the creation limit to a request that creates
// content; false when it answered 403.
func (s *Server) allowCreation(rp *reply) bool {
	limit := s.ext.creationLimit
	if limit <= 0 {
		return true
	}
	now := time.Now()
	keep := s.ext.creations[:0]
	for _, t := range s.ext.creations {
		if now.Sub(t) < time.Minute {
			keep = append(keep, t)
		}
	}
	s.ext.creations = keep
	if len(keep) >= limit {
		wait := int(math.Ceil(keep[0].Add(time.Minute).Sub(now).Seconds()))
		rp.w.Header().Set("Retry-After", strconv.Itoa(max(wait, 1)))
		s.fail(rp, http.StatusForbidden, "You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later. If you reach out to GitHub Support for help, please include the request ID "+rp.w.Header().Get("X-GitHub-Request-Id")+".", docsSecondaryRate)
		return false
	}
	s.ext.creations = append(s.ext.creations, now)
	return true
}

// assignable: users with a permission on the repository can be assigned.
func (s *Server) assignable(rr *repo, user string) bool {
	switch rr.perms[strings.ToLower(user)] {
	case "admin", "maintain", "write", "triage", "read":
		return true
	}
	return false
}

func (s *Server) validationFailed(rp *reply, doc string, errs ...map[string]any) {
	s.write(rp, http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed", "errors": errs,
		"documentation_url": doc, "status": "422"})
}

func (s *Server) labelJSON(rr *repo, name string) map[string]any {
	sum := sha1.Sum([]byte(strings.ToLower(name)))
	id := int64(sum[0])<<24 | int64(sum[1])<<16 | int64(sum[2])<<8 | int64(sum[3])
	return map[string]any{"id": id, "node_id": fmt.Sprintf("LA_%d", id), "name": name, "color": "ededed",
		"default": false, "description": nil,
		"url": fmt.Sprintf("%s%s/repos/%s/labels/%s", s.srv.URL, s.prefix, rr.fullName(), name)}
}

func (s *Server) issueURLs(rr *repo, number int, out map[string]any) {
	api := fmt.Sprintf("%s%s/repos/%s", s.srv.URL, s.prefix, rr.fullName())
	out["url"] = fmt.Sprintf("%s/issues/%d", api, number)
	out["repository_url"] = api
	out["comments_url"] = fmt.Sprintf("%s/issues/%d/comments", api, number)
	out["labels_url"] = fmt.Sprintf("%s/issues/%d/labels{/name}", api, number)
	out["events_url"] = fmt.Sprintf("%s/issues/%d/events", api, number)
}

// issueJSON is an issue as GitHub shows it; single adds closed_by, which
// only the answer about one issue has.
func (s *Server) issueJSON(rr *repo, is *issue, single bool) map[string]any {
	ts := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t.Format(time.RFC3339)
	}
	labels := []any{}
	for _, l := range is.Labels {
		labels = append(labels, s.labelJSON(rr, l))
	}
	assignees := []any{}
	for _, a := range is.Assignees {
		assignees = append(assignees, s.userJSON(a))
	}
	var assignee, body, reason any
	if len(assignees) > 0 {
		assignee = assignees[0]
	}
	if is.Body != "" {
		body = is.Body
	}
	if is.StateReason != "" {
		reason = is.StateReason
	}
	out := map[string]any{
		"id": is.id, "node_id": fmt.Sprintf("I_%d", is.id), "number": is.Number, "title": is.Title, "body": body,
		"state": is.State, "state_reason": reason, "locked": false, "user": s.userJSON(is.User),
		"labels": labels, "assignee": assignee, "assignees": assignees, "milestone": nil,
		"comments":   s.commentCount(rr, is.Number),
		"created_at": ts(is.CreatedAt), "updated_at": ts(is.UpdatedAt), "closed_at": ts(is.ClosedAt),
		"author_association": "NONE",
		"html_url":           fmt.Sprintf("https://github.com/%s/issues/%d", rr.fullName(), is.Number),
	}
	s.issueURLs(rr, is.Number, out)
	if single {
		out["closed_by"] = nil
		if is.State == "closed" && is.ClosedBy != "" {
			out["closed_by"] = s.userJSON(is.ClosedBy)
		}
	}
	return out
}

// pullIssueJSON is a pull request as the issues API shows it.
func (s *Server) pullIssueJSON(rr *repo, p *pull, single bool) map[string]any {
	is := &issue{id: p.id, Issue: Issue{Number: p.Number, Title: p.Title, User: p.Author, State: "open",
		Labels: s.issuesOf(rr).pullLabels[p.Number], CreatedAt: p.createdAt, UpdatedAt: p.createdAt}}
	if p.State != "open" {
		is.State, is.ClosedAt = "closed", p.createdAt
	}
	out := s.issueJSON(rr, is, single)
	var merged any
	if p.State == "merged" {
		merged = p.createdAt.Format(time.RFC3339)
	}
	out["html_url"] = fmt.Sprintf("https://github.com/%s/pull/%d", rr.fullName(), p.Number)
	out["draft"] = p.Draft
	out["pull_request"] = map[string]any{
		"url":       fmt.Sprintf("%s%s/repos/%s/pulls/%d", s.srv.URL, s.prefix, rr.fullName(), p.Number),
		"html_url":  fmt.Sprintf("https://github.com/%s/pull/%d", rr.fullName(), p.Number),
		"diff_url":  fmt.Sprintf("https://github.com/%s/pull/%d.diff", rr.fullName(), p.Number),
		"patch_url": fmt.Sprintf("https://github.com/%s/pull/%d.patch", rr.fullName(), p.Number),
		"merged_at": merged,
	}
	return out
}

func (s *Server) listIssues(rp *reply, rr *repo) {
	ri := s.issuesOf(rr)
	if ri.disabled {
		s.fail(rp, http.StatusGone, msgIssuesDisabled, docsIssues)
		return
	}
	q := rp.r.URL.Query()
	state, sortBy, dir := q.Get("state"), q.Get("sort"), q.Get("direction")
	if state == "" {
		state = "open"
	}
	if sortBy == "" {
		sortBy = "created"
	}
	if dir == "" {
		dir = "desc"
	}
	if (state != "open" && state != "closed" && state != "all") ||
		(sortBy != "created" && sortBy != "updated" && sortBy != "comments") || (dir != "asc" && dir != "desc") {
		s.validationFailed(rp, docsIssues)
		return
	}
	var want []string
	for _, l := range strings.Split(q.Get("labels"), ",") {
		if l = strings.ToLower(strings.TrimSpace(l)); l != "" {
			want = append(want, l)
		}
	}
	type entry struct {
		number   int
		created  time.Time
		updated  time.Time
		comments int
		json     func() map[string]any
	}
	hasAll := func(labels []string) bool {
		have := map[string]bool{}
		for _, l := range labels {
			have[strings.ToLower(l)] = true
		}
		for _, w := range want {
			if !have[w] {
				return false
			}
		}
		return true
	}
	match := func(st string, labels []string) bool {
		return (state == "all" || state == st) && hasAll(labels)
	}
	var es []entry
	for _, is := range ri.issues {
		if is.deleted || !match(is.State, is.Labels) {
			continue
		}
		es = append(es, entry{is.Number, is.CreatedAt, is.UpdatedAt, s.commentCount(rr, is.Number),
			func() map[string]any { return s.issueJSON(rr, is, false) }})
	}
	for _, p := range rr.pulls {
		st := "open"
		if p.State != "open" {
			st = "closed"
		}
		if !match(st, ri.pullLabels[p.Number]) {
			continue
		}
		es = append(es, entry{p.Number, p.createdAt, p.createdAt, s.commentCount(rr, p.Number),
			func() map[string]any { return s.pullIssueJSON(rr, p, false) }})
	}
	sort.Slice(es, func(i, j int) bool {
		a, b := es[i], es[j]
		less := a.number < b.number
		switch {
		case sortBy == "created" && !a.created.Equal(b.created):
			less = a.created.Before(b.created)
		case sortBy == "updated" && !a.updated.Equal(b.updated):
			less = a.updated.Before(b.updated)
		case sortBy == "comments" && a.comments != b.comments:
			less = a.comments < b.comments
		}
		if dir == "desc" {
			return !less
		}
		return less
	})
	lo, hi, _ := s.paginate(rp, len(es))
	out := []any{}
	for _, e := range es[lo:hi] {
		out = append(out, e.json())
	}
	s.write(rp, http.StatusOK, out)
}

func (s *Server) getIssue(rp *reply, rr *repo, num string) {
	ri := s.issuesOf(rr)
	n, _ := strconv.Atoi(num)
	if p := rr.pulls[n]; p != nil {
		s.write(rp, http.StatusOK, s.pullIssueJSON(rr, p, true))
		return
	}
	is := ri.issues[n]
	switch {
	case ri.disabled:
		s.fail(rp, http.StatusGone, msgIssuesDisabled, docsIssues)
	case is == nil:
		s.fail(rp, http.StatusNotFound, "Not Found", docsIssues)
	case is.deleted:
		s.fail(rp, http.StatusGone, msgIssueDeleted, docsIssues)
	default:
		s.write(rp, http.StatusOK, s.issueJSON(rr, is, true))
	}
}

// checkIssueFields validates a title, body, labels and assignees; it
// answers 422 and returns false for bad ones.
func (s *Server) checkIssueFields(rp *reply, rr *repo, doc string, title, body *string, labels, assignees *[]string) bool {
	if title != nil {
		if strings.TrimSpace(*title) == "" {
			s.validationFailed(rp, doc, map[string]any{"resource": "Issue", "code": "missing_field", "field": "title"})
			return false
		}
		if len([]rune(*title)) > maxIssueTitle {
			s.validationFailed(rp, doc, map[string]any{"resource": "Issue", "code": "custom", "field": "title",
				"message": "title is too long (maximum is 256 characters)"})
			return false
		}
	}
	if body != nil && len([]rune(*body)) > maxIssueBody {
		s.validationFailed(rp, doc, map[string]any{"resource": "Issue", "code": "custom", "field": "body",
			"message": "body is too long (maximum is 65536 characters)"})
		return false
	}
	if labels != nil {
		for _, l := range *labels {
			if len([]rune(strings.TrimSpace(l))) > maxLabelName {
				s.validationFailed(rp, doc, map[string]any{"resource": "Label", "code": "custom", "field": "name",
					"message": "name is too long (maximum is 50 characters)"})
				return false
			}
		}
	}
	if assignees != nil {
		var bad []string
		for _, a := range *assignees {
			if !s.assignable(rr, a) {
				bad = append(bad, a)
			}
		}
		if len(bad) > 0 {
			s.validationFailed(rp, doc, map[string]any{"value": strings.Join(bad, ", "), "resource": "Issue",
				"field": "assignees", "code": "invalid",
				"message": "assignees " + strings.Join(bad, ", ") + " cannot be assigned to this issue"})
			return false
		}
	}
	return true
}

// uniqueLogins drops repeated logins (GitHub compares them without case).
func uniqueLogins(in []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, l := range in {
		if k := strings.ToLower(l); l != "" && !seen[k] {
			seen[k] = true
			out = append(out, l)
		}
	}
	return out
}

func (s *Server) createIssue(rp *reply, rr *repo) {
	ri := s.issuesOf(rr)
	if ri.disabled {
		s.fail(rp, http.StatusGone, msgIssuesDisabled, docsIssues)
		return
	}
	if !s.mayWrite(rp, "issues") {
		return
	}
	var in struct {
		Title     *string   `json:"title"`
		Body      *string   `json:"body"`
		Labels    *[]string `json:"labels"`
		Assignee  *string   `json:"assignee"`
		Assignees *[]string `json:"assignees"`
	}
	if !s.decode(rp, &in) {
		return
	}
	if in.Title == nil {
		s.invalid(rp, "Invalid request.\n\n\"title\" wasn't supplied.")
		return
	}
	var assignees []string
	if in.Assignees != nil {
		assignees = append(assignees, *in.Assignees...)
	}
	if in.Assignee != nil {
		assignees = append(assignees, *in.Assignee)
	}
	assignees = uniqueLogins(assignees)
	if !s.checkIssueFields(rp, rr, docsIssueCreate, in.Title, in.Body, in.Labels, &assignees) {
		return
	}
	now := time.Now().UTC()
	is := &issue{Issue: Issue{Number: s.nextNumber(rr), Title: *in.Title, User: s.BotLogin(), State: "open",
		Assignees: assignees, CreatedAt: now, UpdatedAt: now}}
	if in.Body != nil {
		is.Body = *in.Body
	}
	if in.Labels != nil {
		is.Labels = ri.ensureLabels(*in.Labels)
	}
	s.nextID++
	is.id = s.nextID
	ri.issues[is.Number] = is
	rp.w.Header().Set("Location", fmt.Sprintf("%s%s/repos/%s/issues/%d", s.srv.URL, s.prefix, rr.fullName(), is.Number))
	s.write(rp, http.StatusCreated, s.issueJSON(rr, is, true))
}

func (s *Server) editIssue(rp *reply, rr *repo, num string) {
	ri := s.issuesOf(rr)
	n, _ := strconv.Atoi(num)
	is := ri.issues[n]
	switch {
	case ri.disabled && rr.pulls[n] == nil:
		s.fail(rp, http.StatusGone, msgIssuesDisabled, docsIssues)
		return
	case rr.pulls[n] != nil:
		s.invalid(rp, "githubtest does not edit pull requests through the issues API")
		return
	case is == nil:
		s.fail(rp, http.StatusNotFound, "Not Found", docsIssues)
		return
	case is.deleted:
		s.fail(rp, http.StatusGone, msgIssueDeleted, docsIssues)
		return
	case !s.mayWrite(rp, "issues") || !s.mayEdit(rp, is.User):
		return
	}
	var in struct {
		Title       *string   `json:"title"`
		Body        *string   `json:"body"`
		State       *string   `json:"state"`
		StateReason *string   `json:"state_reason"`
		Labels      *[]string `json:"labels"`
		Assignee    *string   `json:"assignee"`
		Assignees   *[]string `json:"assignees"`
	}
	if !s.decode(rp, &in) {
		return
	}
	var assignees *[]string
	if in.Assignees != nil || in.Assignee != nil {
		var as []string
		if in.Assignees != nil {
			as = append(as, *in.Assignees...)
		}
		if in.Assignee != nil {
			as = append(as, *in.Assignee)
		}
		as = uniqueLogins(as)
		assignees = &as
	}
	if !s.checkIssueFields(rp, rr, docsIssueUpdate, in.Title, in.Body, in.Labels, assignees) {
		return
	}
	state := is.State
	if in.State != nil {
		if *in.State != "open" && *in.State != "closed" {
			s.validationFailed(rp, docsIssueUpdate, map[string]any{"resource": "Issue", "code": "invalid", "field": "state"})
			return
		}
		state = *in.State
	}
	reason := ""
	if in.StateReason != nil {
		reason = *in.StateReason
		ok := false
		switch reason {
		case "completed", "not_planned":
			ok = state == "closed"
		case "reopened":
			ok = state == "open"
		}
		if !ok {
			s.validationFailed(rp, docsIssueUpdate, map[string]any{"resource": "Issue", "code": "invalid", "field": "state_reason",
				"message": fmt.Sprintf("state_reason %q is not valid for a %s issue", reason, state)})
			return
		}
	}
	now := time.Now().UTC()
	if in.Title != nil {
		is.Title = *in.Title
	}
	if in.Body != nil {
		is.Body = *in.Body
	}
	if in.Labels != nil {
		is.Labels = ri.ensureLabels(*in.Labels)
	}
	if assignees != nil {
		is.Assignees = *assignees
	}
	switch {
	case state == "closed" && is.State == "open":
		if reason == "" {
			reason = "completed"
		}
		is.State, is.StateReason, is.ClosedBy, is.ClosedAt = "closed", reason, s.BotLogin(), now
	case state == "closed" && reason != "":
		is.StateReason = reason
	case state == "open" && is.State == "closed":
		is.State, is.StateReason, is.ClosedBy, is.ClosedAt = "open", "reopened", "", time.Time{}
	}
	is.UpdatedAt = now
	s.write(rp, http.StatusOK, s.issueJSON(rr, is, true))
}

// ---- git trees and branches ----

func treeSHA(commit, dir string) string {
	sum := sha1.Sum([]byte("tree\x00" + commit + "\x00" + dir))
	return hex.EncodeToString(sum[:])
}

func blobSHA(data []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(data))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// gitTree serves GET /repos/{o}/{r}/git/trees/{sha}: sha is a tree's (as
// an earlier listing gave it), a commit's or a branch's; recursive, with
// any value, lists the subtrees too, truncated past the tree limit.
func (s *Server) gitTree(rp *reply, rr *repo, ref string) {
	commit, dir := "", ""
	if tr, ok := s.ext.trees[ref]; ok && tr.repo == rr {
		commit, dir = tr.commit, tr.dir
	} else if sha, _, ok := s.resolve(rr, ref); ok {
		commit = sha
	} else {
		s.fail(rp, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/git/trees#get-a-tree")
		return
	}
	_, files, _ := s.resolve(rr, commit)
	recursive := rp.r.URL.Query().Has("recursive")
	if s.ext.trees == nil {
		s.ext.trees = map[string]treeRef{}
	}
	api := fmt.Sprintf("%s%s/repos/%s/git", s.srv.URL, s.prefix, rr.fullName())
	entries := map[string]map[string]any{}
	addTree := func(rel string) {
		if _, ok := entries[rel]; ok {
			return
		}
		full := strings.TrimPrefix(dir+"/"+rel, "/")
		sha := treeSHA(commit, full)
		s.ext.trees[sha] = treeRef{repo: rr, commit: commit, dir: full}
		entries[rel] = map[string]any{"path": rel, "mode": "040000", "type": "tree", "sha": sha, "url": api + "/trees/" + sha}
	}
	for p, data := range files {
		rel := p
		if dir != "" {
			var ok bool
			if rel, ok = strings.CutPrefix(p, dir+"/"); !ok {
				continue
			}
		}
		parts := strings.Split(rel, "/")
		if !recursive && len(parts) > 1 {
			addTree(parts[0])
			continue
		}
		for i := 1; i < len(parts); i++ {
			addTree(strings.Join(parts[:i], "/"))
		}
		sha := blobSHA(data)
		entries[rel] = map[string]any{"path": rel, "mode": "100644", "type": "blob", "sha": sha, "size": len(data),
			"url": api + "/blobs/" + sha}
	}
	if dir != "" && len(entries) == 0 {
		s.fail(rp, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/git/trees#get-a-tree")
		return
	}
	paths := make([]string, 0, len(entries))
	for p := range entries {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	limit := s.ext.treeLimit
	if limit == 0 {
		limit = defaultTreeLimit
	}
	truncated := recursive && len(paths) > limit
	if truncated {
		paths = paths[:limit]
	}
	out := make([]any, 0, len(paths))
	for _, p := range paths {
		out = append(out, entries[p])
	}
	sha := treeSHA(commit, dir)
	s.ext.trees[sha] = treeRef{repo: rr, commit: commit, dir: dir}
	s.write(rp, http.StatusOK, map[string]any{"sha": sha, "url": api + "/trees/" + sha, "tree": out, "truncated": truncated})
}

// branch serves GET /repos/{o}/{r}/branches/{branch}.
func (s *Server) branch(rp *reply, rr *repo, name string) {
	sha, ok := rr.branches[name]
	if !ok {
		s.fail(rp, http.StatusNotFound, "Branch not found", "https://docs.github.com/rest/branches/branches#get-a-branch")
		return
	}
	api := fmt.Sprintf("%s%s/repos/%s", s.srv.URL, s.prefix, rr.fullName())
	s.write(rp, http.StatusOK, map[string]any{
		"name": name,
		"commit": map[string]any{
			"sha": sha, "node_id": "C_" + sha[:12], "url": api + "/commits/" + sha,
			"html_url": fmt.Sprintf("https://github.com/%s/commit/%s", rr.fullName(), sha),
			"commit": map[string]any{"message": "commit " + sha[:7],
				"tree": map[string]any{"sha": treeSHA(sha, ""), "url": api + "/git/trees/" + treeSHA(sha, "")}},
		},
		"_links":    map[string]any{"self": api + "/branches/" + name, "html": fmt.Sprintf("https://github.com/%s/tree/%s", rr.fullName(), name)},
		"protected": false,
	})
}
