package gitlabtest

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Issue is an issue as stored.
type Issue struct {
	IID         int64
	ID          int64
	Title       string
	Description string
	State       string // opened or closed
	Labels      []string
	Assignees   []string
	DueDate     string
	Author      string
	ClosedBy    string
	WebURL      string
	Notes       []Note
	CreatedAt   time.Time
	UpdatedAt   time.Time
	ClosedAt    time.Time
}

type issue struct {
	Issue
	notes []*Note
}

func (is *issue) copy() Issue {
	out := is.Issue
	out.Labels = append([]string{}, is.Labels...)
	out.Assignees = append([]string{}, is.Assignees...)
	out.Notes = nil
	for _, n := range is.notes {
		out.Notes = append(out.Notes, *n)
	}
	return out
}

// Issues are a project's issues by iid.
func (s *Server) Issues(path string) []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustProject(path)
	var out []Issue
	for _, is := range p.issues {
		out = append(out, is.copy())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].IID < out[j].IID })
	return out
}

// Issue reads one issue.
func (s *Server) Issue(path string, iid int64) (Issue, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.mustProject(path).issues[iid]
	if is == nil {
		return Issue{}, false
	}
	return is.copy(), true
}

// AddIssue adds an issue (by a person) and returns its iid.
func (s *Server) AddIssue(path, author, title, description string, labels ...string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustProject(path)
	s.addUser(author, false)
	return s.newIssue(p, Issue{Title: title, Description: description, Labels: labels, Author: author}).IID
}

func (s *Server) newIssue(p *project, in Issue) *issue {
	p.nextIssueIID++
	now := s.now()
	in.IID, in.ID, in.State, in.CreatedAt, in.UpdatedAt = p.nextIssueIID, s.id(), "opened", now, now
	in.WebURL = s.webURL(p, fmt.Sprintf("/-/issues/%d", in.IID))
	if in.Labels == nil {
		in.Labels = []string{}
	}
	if in.Assignees == nil {
		in.Assignees = []string{}
	}
	is := &issue{Issue: in}
	p.issues[in.IID] = is
	return is
}

// CloseIssueAs closes an issue as a person would (closed_by is them).
func (s *Server) CloseIssueAs(path string, iid int64, username string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.mustProject(path).issues[iid]
	if is == nil {
		s.t.Fatalf("gitlabtest: no issue %s#%d", path, iid)
	}
	s.addUser(username, false)
	is.State, is.ClosedBy, is.ClosedAt, is.UpdatedAt = "closed", username, s.now(), s.now()
}

func (s *Server) issueJSON(p *project, is *issue) map[string]any {
	var author, closedBy, assignee any
	if u := s.userByName(is.Author); u != nil {
		author = s.userJSON(u)
	}
	if u := s.userByName(is.ClosedBy); u != nil && is.State == "closed" {
		closedBy = s.userJSON(u)
	}
	assignees := []any{}
	for _, a := range is.Assignees {
		if u := s.userByName(a); u != nil {
			assignees = append(assignees, s.userJSON(u))
		}
	}
	if len(assignees) > 0 {
		assignee = assignees[0]
	}
	labels := append([]string{}, is.Labels...)
	return map[string]any{"id": is.ID, "iid": is.IID, "project_id": p.id, "title": is.Title, "description": is.Description,
		"state": is.State, "created_at": ts(is.CreatedAt), "updated_at": ts(is.UpdatedAt), "closed_at": ts(is.ClosedAt),
		"closed_by": closedBy, "labels": labels, "milestone": nil, "assignees": assignees, "assignee": assignee,
		"author": author, "type": "ISSUE", "issue_type": "issue", "user_notes_count": len(is.notes),
		"due_date": nilIfEmpty(is.DueDate), "confidential": false, "discussion_locked": nil, "web_url": is.WebURL,
		"references": map[string]any{"short": fmt.Sprintf("#%d", is.IID), "full": fmt.Sprintf("%s#%d", p.path, is.IID)}}
}

func (s *Server) listIssues(rp *reply, p *project) {
	state, _ := rp.str("state")
	if state == "" {
		state = "all"
	}
	if state != "all" && state != "opened" && state != "closed" {
		s.write(rp, http.StatusBadRequest, map[string]any{"error": "state does not have a valid value"})
		return
	}
	var want []string
	if l, ok := rp.str("labels"); ok && l != "" {
		for _, x := range strings.Split(l, ",") {
			if x = strings.TrimSpace(x); x != "" {
				want = append(want, x)
			}
		}
	}
	var list []*issue
	for _, is := range p.issues {
		if state != "all" && is.State != state {
			continue
		}
		ok := true
		for _, w := range want {
			ok = ok && hasLabel(is.Labels, w)
		}
		if ok {
			list = append(list, is)
		}
	}
	sortBy(rp, list, func(is *issue) (time.Time, time.Time, int64) { return is.CreatedAt, is.UpdatedAt, is.ID })
	lo, hi := s.paginate(rp, len(list))
	out := []any{}
	for _, is := range list[lo:hi] {
		out = append(out, s.issueJSON(p, is))
	}
	s.write(rp, http.StatusOK, out)
}

func hasLabel(labels []string, l string) bool {
	for _, x := range labels {
		if strings.EqualFold(x, l) {
			return true
		}
	}
	return false
}

// issueFields applies title, description, labels, assignee_ids and
// due_date; false when it answered an error.
func (s *Server) issueFields(rp *reply, p *project, is *Issue, creating bool) bool {
	if title, ok := rp.str("title"); ok {
		if strings.TrimSpace(title) == "" {
			s.invalid(rp, "title", "can't be blank")
			return false
		}
		if utf8.RuneCountInString(title) > 255 {
			s.invalid(rp, "title", "is too long (maximum is 255 characters)")
			return false
		}
		is.Title = title
	} else if creating {
		s.missing(rp, "title")
		return false
	}
	if d, ok := rp.str("description"); ok {
		if utf8.RuneCountInString(d) > 1_048_576 {
			s.invalid(rp, "description", "is too long (maximum is 1048576 characters)")
			return false
		}
		is.Description = d
	}
	if l, ok := rp.str("labels"); ok {
		is.Labels = []string{}
		for _, x := range strings.Split(l, ",") {
			if x = strings.TrimSpace(x); x != "" && !hasLabel(is.Labels, x) {
				is.Labels = append(is.Labels, x)
			}
		}
	}
	if ids, ok := rp.ints("assignee_ids"); ok {
		is.Assignees = []string{}
		for _, id := range ids {
			// GitLab leaves out users who may not be assigned here.
			if u := s.users[id]; u != nil && p.members[id] >= Guest {
				is.Assignees = append(is.Assignees, u.username)
			}
		}
	} else if _, present := rp.params["assignee_ids"]; present && rp.params["assignee_ids"] != nil {
		s.write(rp, http.StatusBadRequest, map[string]any{"error": "assignee_ids is invalid"})
		return false
	}
	if v, present := rp.params["due_date"]; present {
		if v == nil {
			is.DueDate = ""
		} else {
			d, _ := rp.str("due_date")
			if d != "" {
				if _, err := time.Parse(time.DateOnly, d); err != nil {
					s.write(rp, http.StatusBadRequest, map[string]any{"error": "due_date is invalid"})
					return false
				}
			}
			is.DueDate = d
		}
	}
	return true
}

func (s *Server) createIssue(rp *reply, p *project) {
	in := Issue{Author: rp.user.username}
	if !s.issueFields(rp, p, &in, true) {
		return
	}
	is := s.newIssue(p, in)
	s.write(rp, http.StatusCreated, s.issueJSON(p, is))
}

func (s *Server) routeIssue(rp *reply, p *project, is *issue, rest []string) {
	m := rp.r.Method
	switch {
	case len(rest) == 0 && m == http.MethodGet:
		s.write(rp, http.StatusOK, s.issueJSON(p, is))
	case len(rest) == 0 && m == http.MethodPut:
		if p.members[rp.user.id] < Reporter && !strings.EqualFold(is.Author, rp.user.username) {
			s.forbidden(rp)
			return
		}
		upd := is.Issue
		if !s.issueFields(rp, p, &upd, false) {
			return
		}
		if ev, ok := rp.str("state_event"); ok {
			switch ev {
			case "close":
				if upd.State != "closed" {
					upd.State, upd.ClosedBy, upd.ClosedAt = "closed", rp.user.username, s.now()
				}
			case "reopen":
				if upd.State != "opened" {
					upd.State, upd.ClosedBy, upd.ClosedAt = "opened", "", time.Time{}
				}
			default:
				s.write(rp, http.StatusBadRequest, map[string]any{"error": "state_event does not have a valid value"})
				return
			}
		}
		upd.UpdatedAt = s.now()
		is.Issue = upd
		s.write(rp, http.StatusOK, s.issueJSON(p, is))
	case len(rest) == 1 && rest[0] == "notes" && m == http.MethodPost:
		body, ok := s.noteBody(rp)
		if !ok {
			return
		}
		n := &Note{ID: s.id(), Body: body, Author: rp.user.username, CreatedAt: s.now(), UpdatedAt: s.now()}
		is.notes = append(is.notes, n)
		s.write(rp, http.StatusCreated, s.noteJSON(p, is.IID, "Issue", n))
	case len(rest) == 1 && rest[0] == "notes" && m == http.MethodGet:
		notes := append([]*Note{}, is.notes...)
		sortBy(rp, notes, func(n *Note) (time.Time, time.Time, int64) { return n.CreatedAt, n.UpdatedAt, n.ID })
		lo, hi := s.paginate(rp, len(notes))
		out := []any{}
		for _, n := range notes[lo:hi] {
			out = append(out, s.noteJSON(p, is.IID, "Issue", n))
		}
		s.write(rp, http.StatusOK, out)
	default:
		s.fail(rp, http.StatusNotFound, "404 Not Found")
	}
}
