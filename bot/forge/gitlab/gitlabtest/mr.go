package gitlabtest

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"
)

// MergeRequest is a merge request to add with AddMergeRequest.
type MergeRequest struct {
	IID          int64 // 0: the next one
	Title        string
	Author       string // a username (added when unknown)
	SourceBranch string
	TargetBranch string
	// SourceProject is the full path of the fork the head lives in; ""
	// for the project itself. The fork's files at HeadSHA are visible
	// through the target project, as on GitLab.
	SourceProject string
	BaseSHA       string // the merge base (diff_refs.base_sha)
	StartSHA      string // the target's head when the diff was made (default BaseSHA)
	HeadSHA       string
	Draft         bool
	State         string // opened (default), closed, merged
}

// Note is a note as stored.
type Note struct {
	ID           int64
	Body         string
	Author       string
	System       bool
	Type         string // "", DiffNote or DiscussionNote
	Resolvable   bool
	Resolved     bool
	Position     *Position
	DiscussionID string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Position is a diff note's position.
type Position struct {
	BaseSHA, StartSHA, HeadSHA string
	OldPath, NewPath           string
	OldLine, NewLine           int
	PositionType               string
}

// Discussion is a discussion as stored.
type Discussion struct {
	ID             string
	IndividualNote bool
	Notes          []Note
}

type discussion struct {
	id         string
	individual bool
	notes      []*Note
}

type mergeRequest struct {
	MergeRequest
	id            int64
	project       int64
	sourceProject int64
	head, base    string
	start         string
	discussions   []*discussion
	createdAt     time.Time
	updatedAt     time.Time
	mergedAt      time.Time
	closedAt      time.Time
}

// AddMergeRequest adds a merge request to a project and returns its iid.
// Its diff is computed from the files at BaseSHA and HeadSHA.
func (s *Server) AddMergeRequest(path string, m MergeRequest) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustProject(path)
	if m.IID == 0 {
		p.nextMRIID++
		m.IID = p.nextMRIID
	} else if m.IID > p.nextMRIID {
		p.nextMRIID = m.IID
	}
	if m.State == "" {
		m.State = "opened"
	}
	if m.Author == "" {
		m.Author = "alice"
	}
	s.addUser(m.Author, false)
	if m.SourceBranch == "" {
		m.SourceBranch = fmt.Sprintf("feature-%d", m.IID)
	}
	if m.TargetBranch == "" {
		m.TargetBranch = p.defaultBranch
	}
	src := p
	if m.SourceProject != "" {
		src = s.mustProject(m.SourceProject)
	}
	now := s.now()
	mr := &mergeRequest{MergeRequest: m, id: s.id(), project: p.id, sourceProject: src.id, head: m.HeadSHA, base: m.BaseSHA,
		start: m.StartSHA, createdAt: now, updatedAt: now}
	if mr.start == "" {
		mr.start = mr.base
	}
	if m.State == "merged" {
		mr.mergedAt = now
	}
	if src.files[m.HeadSHA] == nil {
		src.files[m.HeadSHA] = map[string][]byte{}
	}
	if src == p {
		if p.contains[m.SourceBranch] == nil {
			p.contains[m.SourceBranch] = map[string]bool{}
		}
		p.branches[m.SourceBranch] = m.HeadSHA
		p.contains[m.SourceBranch][m.HeadSHA] = true
	}
	p.mrs[m.IID] = mr
	return m.IID
}

// SetMergeRequestHead moves a merge request to a new head (a push to its
// source branch): GitLab adds a system note "added 1 commit". base, when
// not "", is the new merge base.
func (s *Server) SetMergeRequestHead(path string, iid int64, head, base string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mr := s.mustMR(path, iid)
	mr.head = head
	mr.HeadSHA = head
	if base != "" {
		mr.base, mr.start = base, base
	}
	mr.updatedAt = s.now()
	s.addNote(mr, &Note{Body: "added 1 commit", Author: mr.Author, System: true}, "", true)
	if src := s.projects[mr.sourceProject]; src != nil {
		if src.files[head] == nil {
			src.files[head] = map[string][]byte{}
		}
		if src.id == mr.project {
			src.branches[mr.SourceBranch] = head
			if src.contains[mr.SourceBranch] == nil {
				src.contains[mr.SourceBranch] = map[string]bool{}
			}
			src.contains[mr.SourceBranch][head] = true
		}
	}
}

// SetMergeRequestState sets a merge request's state (opened, closed,
// merged).
func (s *Server) SetMergeRequestState(path string, iid int64, state string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mr := s.mustMR(path, iid)
	mr.State = state
	mr.updatedAt = s.now()
	switch state {
	case "merged":
		mr.mergedAt = mr.updatedAt
	case "closed":
		mr.closedAt = mr.updatedAt
	}
}

func (s *Server) mustMR(path string, iid int64) *mergeRequest {
	p := s.mustProject(path)
	mr := p.mrs[iid]
	if mr == nil {
		s.t.Fatalf("gitlabtest: no merge request %s!%d", path, iid)
	}
	return mr
}

// AddNote adds a note by a user to a merge request (a person's comment),
// and returns its id.
func (s *Server) AddNote(path string, iid int64, username, body string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	mr := s.mustMR(path, iid)
	s.addUser(username, false)
	return s.addNote(mr, &Note{Body: body, Author: username}, "", true).ID
}

func (s *Server) addNote(mr *mergeRequest, n *Note, typ string, individual bool) *Note {
	n.ID = s.id()
	n.CreatedAt, n.UpdatedAt = s.now(), s.now()
	n.Type = typ
	d := &discussion{id: fmt.Sprintf("%040x", n.ID*7919), individual: individual}
	n.DiscussionID = d.id
	d.notes = append(d.notes, n)
	mr.discussions = append(mr.discussions, d)
	return n
}

// Notes are a merge request's notes, oldest first, system notes left out.
func (s *Server) Notes(path string, iid int64) []Note {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Note
	for _, n := range s.allNotes(s.mustMR(path, iid)) {
		if !n.System {
			out = append(out, *n)
		}
	}
	return out
}

// Discussions are a merge request's discussions, oldest first.
func (s *Server) Discussions(path string, iid int64) []Discussion {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Discussion
	for _, d := range s.mustMR(path, iid).discussions {
		dd := Discussion{ID: d.id, IndividualNote: d.individual}
		for _, n := range d.notes {
			dd.Notes = append(dd.Notes, *n)
		}
		out = append(out, dd)
	}
	return out
}

// Diff is a merge request's diff as the fake computes it.
func (s *Server) Diff(path string, iid int64) []FileDiff {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustProject(path)
	return s.mrDiff(p, s.mustMR(path, iid))
}

func (s *Server) allNotes(mr *mergeRequest) []*Note {
	var out []*Note
	for _, d := range mr.discussions {
		out = append(out, d.notes...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (s *Server) mrDiff(p *project, mr *mergeRequest) []FileDiff {
	_, base, _ := s.commitFiles(p, mr.base)
	head := map[string][]byte{}
	if src := s.projects[mr.sourceProject]; src != nil && src.files[mr.head] != nil {
		head = src.files[mr.head]
	}
	return diffFiles(base, head)
}

func mrState(st string) string {
	if st == "" {
		return "opened"
	}
	return st
}

func (s *Server) mrJSON(p *project, mr *mergeRequest, full bool) map[string]any {
	var author any
	if u := s.userByName(mr.Author); u != nil {
		author = s.userJSON(u)
	}
	out := map[string]any{"id": mr.id, "iid": mr.IID, "project_id": p.id, "title": mr.Title, "description": "",
		"state": mrState(mr.State), "created_at": ts(mr.createdAt), "updated_at": ts(mr.updatedAt),
		"merged_at": ts(mr.mergedAt), "closed_at": ts(mr.closedAt), "target_branch": mr.TargetBranch,
		"source_branch": mr.SourceBranch, "source_project_id": mr.sourceProject, "target_project_id": p.id,
		"author": author, "draft": mr.Draft, "work_in_progress": mr.Draft, "sha": mr.head,
		"merge_commit_sha": nil, "squash_commit_sha": nil, "labels": []string{}, "assignees": []any{}, "reviewers": []any{},
		"web_url":               s.webURL(p, fmt.Sprintf("/-/merge_requests/%d", mr.IID)),
		"references":            map[string]any{"short": fmt.Sprintf("!%d", mr.IID), "full": fmt.Sprintf("%s!%d", p.path, mr.IID)},
		"detailed_merge_status": "mergeable", "user_notes_count": len(mr.discussions)}
	if full {
		out["diff_refs"] = map[string]any{"base_sha": mr.base, "head_sha": mr.head, "start_sha": mr.start}
		out["changes_count"] = strconv.Itoa(len(s.mrDiff(p, mr)))
	}
	return out
}

func (s *Server) listMRs(rp *reply, p *project) {
	state, _ := rp.str("state")
	var list []*mergeRequest
	for _, mr := range p.mrs {
		if state == "" || state == "all" || mrState(mr.State) == state {
			list = append(list, mr)
		}
	}
	sortBy(rp, list, func(mr *mergeRequest) (time.Time, time.Time, int64) { return mr.createdAt, mr.updatedAt, mr.id })
	lo, hi := s.paginate(rp, len(list))
	out := []any{}
	for _, mr := range list[lo:hi] {
		out = append(out, s.mrJSON(p, mr, false))
	}
	s.write(rp, http.StatusOK, out)
}

// sortBy orders a list as GitLab's order_by (created_at, updated_at) and
// sort (desc by default) say.
func sortBy[T any](rp *reply, list []T, key func(T) (created, updated time.Time, id int64)) {
	order, _ := rp.str("order_by")
	dir, _ := rp.str("sort")
	asc := dir == "asc"
	sort.SliceStable(list, func(i, j int) bool {
		ci, ui, ii := key(list[i])
		cj, uj, ij := key(list[j])
		a, b := ci, cj
		if order == "updated_at" {
			a, b = ui, uj
		}
		if a.Equal(b) {
			if asc {
				return ii < ij
			}
			return ii > ij
		}
		if asc {
			return a.Before(b)
		}
		return a.After(b)
	})
}
