package githubtest

// Issues, labels and assignees; the git trees and branches APIs; GET /app;
// and GitHub's secondary limit on content creation. This file holds their
// state and the helpers for tests; the HTTP side is in issues_read.go,
// issues_write.go, trees.go, auth.go (GET /app) and http.go (routeMore).
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
	"sort"
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

// extState is the Server's state for the issues, trees and creation limit.
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
