package gitlabtest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

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
