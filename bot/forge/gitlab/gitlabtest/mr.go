package gitlabtest

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
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

func (s *Server) routeMR(rp *reply, p *project, mr *mergeRequest, rest []string) {
	m := rp.r.Method
	n := len(rest)
	switch {
	case n == 0 && m == http.MethodGet:
		s.write(rp, http.StatusOK, s.mrJSON(p, mr, true))
	case n == 1 && rest[0] == "diffs" && m == http.MethodGet:
		diffs := s.mrDiff(p, mr)
		lo, hi := s.paginate(rp, len(diffs))
		out := []any{}
		for _, d := range diffs[lo:hi] {
			out = append(out, map[string]any{"old_path": d.OldPath, "new_path": d.NewPath, "a_mode": "100644", "b_mode": "100644",
				"new_file": d.NewFile, "renamed_file": d.RenamedFile, "deleted_file": d.DeletedFile,
				"generated_file": false, "too_large": d.TooLarge, "collapsed": d.TooLarge, "diff": d.Diff})
		}
		s.write(rp, http.StatusOK, out)
	case n == 1 && rest[0] == "notes" && m == http.MethodGet:
		notes := s.allNotes(mr)
		sortBy(rp, notes, func(n *Note) (time.Time, time.Time, int64) { return n.CreatedAt, n.UpdatedAt, n.ID })
		lo, hi := s.paginate(rp, len(notes))
		out := []any{}
		for _, n := range notes[lo:hi] {
			out = append(out, s.noteJSON(p, mr.IID, "MergeRequest", n))
		}
		s.write(rp, http.StatusOK, out)
	case n == 1 && rest[0] == "notes" && m == http.MethodPost:
		body, ok := s.noteBody(rp)
		if !ok {
			return
		}
		nt := s.addNote(mr, &Note{Body: body, Author: rp.user.username}, "", true)
		s.write(rp, http.StatusCreated, s.noteJSON(p, mr.IID, "MergeRequest", nt))
	case n == 2 && rest[0] == "notes" && m == http.MethodPut:
		id, _ := strconv.ParseInt(rest[1], 10, 64)
		var nt *Note
		for _, x := range s.allNotes(mr) {
			if x.ID == id {
				nt = x
			}
		}
		if nt == nil || nt.System {
			s.fail(rp, http.StatusNotFound, "404 Not found")
			return
		}
		if !strings.EqualFold(nt.Author, rp.user.username) {
			s.forbidden(rp)
			return
		}
		body, ok := s.noteBody(rp)
		if !ok {
			return
		}
		nt.Body, nt.UpdatedAt = body, s.now()
		s.write(rp, http.StatusOK, s.noteJSON(p, mr.IID, "MergeRequest", nt))
	case n == 1 && rest[0] == "discussions" && m == http.MethodGet:
		lo, hi := s.paginate(rp, len(mr.discussions))
		out := []any{}
		for _, d := range mr.discussions[lo:hi] {
			out = append(out, s.discussionJSON(p, mr, d))
		}
		s.write(rp, http.StatusOK, out)
	case n == 1 && rest[0] == "discussions" && m == http.MethodPost:
		s.createDiscussion(rp, p, mr)
	case n == 2 && rest[0] == "discussions" && m == http.MethodPut:
		var d *discussion
		for _, x := range mr.discussions {
			if x.id == rest[1] {
				d = x
			}
		}
		if d == nil {
			s.fail(rp, http.StatusNotFound, "404 Not found")
			return
		}
		res, ok := rp.boolean("resolved")
		if !ok {
			s.missing(rp, "resolved")
			return
		}
		if d.individual || !d.notes[0].Resolvable {
			s.forbidden(rp)
			return
		}
		for _, nt := range d.notes {
			if nt.Resolvable {
				nt.Resolved = res
			}
		}
		s.write(rp, http.StatusOK, s.discussionJSON(p, mr, d))
	default:
		s.fail(rp, http.StatusNotFound, "404 Not Found")
	}
}

func (s *Server) noteBody(rp *reply) (string, bool) {
	body, ok := rp.str("body")
	if !ok {
		s.missing(rp, "body")
		return "", false
	}
	if strings.TrimSpace(body) == "" {
		s.invalid(rp, "note", "can't be blank")
		return "", false
	}
	if utf8.RuneCountInString(body) > 1_000_000 {
		s.invalid(rp, "note", "is too long (maximum is 1000000 characters)")
		return "", false
	}
	return body, true
}

func (s *Server) noteJSON(p *project, iid int64, noteable string, n *Note) map[string]any {
	var author any
	if u := s.userByName(n.Author); u != nil {
		author = s.userJSON(u)
	}
	var typ any
	if n.Type != "" {
		typ = n.Type
	}
	out := map[string]any{"id": n.ID, "type": typ, "body": n.Body, "attachment": nil, "author": author,
		"created_at": ts(n.CreatedAt), "updated_at": ts(n.UpdatedAt), "system": n.System, "noteable_id": iid,
		"noteable_type": noteable, "noteable_iid": iid, "project_id": p.id, "resolvable": n.Resolvable,
		"confidential": false, "internal": false, "commands_changes": map[string]any{}}
	if n.Resolvable {
		out["resolved"] = n.Resolved
	}
	if n.Position != nil {
		pos := n.Position
		lineOrNil := func(v int) any {
			if v == 0 {
				return nil
			}
			return v
		}
		out["position"] = map[string]any{"base_sha": pos.BaseSHA, "start_sha": pos.StartSHA, "head_sha": pos.HeadSHA,
			"old_path": pos.OldPath, "new_path": pos.NewPath, "position_type": pos.PositionType,
			"old_line": lineOrNil(pos.OldLine), "new_line": lineOrNil(pos.NewLine)}
	}
	return out
}

func (s *Server) discussionJSON(p *project, mr *mergeRequest, d *discussion) map[string]any {
	notes := []any{}
	for _, n := range d.notes {
		notes = append(notes, s.noteJSON(p, mr.IID, "MergeRequest", n))
	}
	return map[string]any{"id": d.id, "individual_note": d.individual, "notes": notes}
}

// badPosition is GitLab's answer to a diff note it cannot place.
const badPosition = `400 Bad request - Note {:line_code=>["can't be blank", "must be a valid line code"]}`

func (s *Server) createDiscussion(rp *reply, p *project, mr *mergeRequest) {
	body, ok := s.noteBody(rp)
	if !ok {
		return
	}
	raw, hasPos := rp.params["position"]
	if !hasPos || raw == nil {
		s.addNote(mr, &Note{Body: body, Author: rp.user.username, Resolvable: true}, "DiscussionNote", false)
		s.write(rp, http.StatusCreated, s.discussionJSON(p, mr, mr.discussions[len(mr.discussions)-1]))
		return
	}
	pm, ok := raw.(map[string]any)
	if !ok {
		s.write(rp, http.StatusBadRequest, map[string]any{"error": "position is invalid"})
		return
	}
	str := func(k string) string {
		v, _ := pm[k].(string)
		return v
	}
	num := func(k string) int {
		switch v := pm[k].(type) {
		case nil:
			return 0
		case string:
			n, _ := strconv.Atoi(v)
			return n
		default:
			n, _ := strconv.Atoi(fmt.Sprint(v))
			return n
		}
	}
	pos := &Position{BaseSHA: str("base_sha"), StartSHA: str("start_sha"), HeadSHA: str("head_sha"),
		OldPath: str("old_path"), NewPath: str("new_path"), OldLine: num("old_line"), NewLine: num("new_line"),
		PositionType: str("position_type")}
	if pos.PositionType != "text" {
		s.write(rp, http.StatusBadRequest, map[string]any{"error": "position[position_type] does not have a valid value"})
		return
	}
	if pos.BaseSHA == "" || pos.HeadSHA == "" || pos.StartSHA == "" {
		s.write(rp, http.StatusBadRequest, map[string]any{"error": "position[base_sha], position[start_sha], position[head_sha] are missing"})
		return
	}
	if pos.HeadSHA != mr.head || pos.BaseSHA != mr.base || pos.StartSHA != mr.start {
		s.fail(rp, http.StatusBadRequest, badPosition)
		return
	}
	var fd *FileDiff
	diffs := s.mrDiff(p, mr)
	for i := range diffs {
		if diffs[i].NewPath == pos.NewPath && (pos.OldPath == "" || diffs[i].OldPath == pos.OldPath) {
			fd = &diffs[i]
		}
	}
	if fd == nil {
		s.fail(rp, http.StatusBadRequest, badPosition)
		return
	}
	valid := false
	switch {
	case pos.NewLine != 0 && pos.OldLine == 0:
		old, shown := fd.lines[pos.NewLine]
		valid = shown && old == 0
	case pos.NewLine != 0 && pos.OldLine != 0:
		old, shown := fd.lines[pos.NewLine]
		valid = shown && old == pos.OldLine
	case pos.OldLine != 0:
		valid = fd.removed[pos.OldLine]
	}
	if !valid {
		s.fail(rp, http.StatusBadRequest, badPosition)
		return
	}
	s.addNote(mr, &Note{Body: body, Author: rp.user.username, Resolvable: true, Position: pos}, "DiffNote", false)
	s.write(rp, http.StatusCreated, s.discussionJSON(p, mr, mr.discussions[len(mr.discussions)-1]))
}
