package gitlabtest

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Status is a commit status as stored.
type Status struct {
	ID          int64
	SHA         string
	Ref         string
	Name        string
	Status      string // pending, running, success, failed, canceled
	Description string
	TargetURL   string
	Author      string
	PipelineID  int64
	CreatedAt   time.Time
	// Requests counts the requests that wrote it.
	Requests int
}

// commitFiles resolves a ref of a project (a commit id, or a branch) to
// its commit and files. A commit of a fork is visible through the project
// a merge request from the fork targets, as GitLab keeps it under
// refs/merge-requests/<iid>/head.
func (s *Server) commitFiles(p *project, ref string) (string, map[string][]byte, bool) {
	if sha, ok := p.branches[ref]; ok {
		return sha, p.files[sha], true
	}
	if strings.HasPrefix(ref, "refs/heads/") {
		if sha, ok := p.branches[strings.TrimPrefix(ref, "refs/heads/")]; ok {
			return sha, p.files[sha], true
		}
	}
	if f, ok := p.files[ref]; ok {
		return ref, f, true
	}
	for _, mr := range p.mrs {
		if mr.head == ref {
			if src := s.projects[mr.sourceProject]; src != nil {
				if f, ok := src.files[ref]; ok {
					return ref, f, true
				}
			}
		}
	}
	return "", nil, false
}

func (s *Server) rawFile(rp *reply, p *project, file string) {
	ref, ok := rp.str("ref")
	if !ok || ref == "" {
		ref = p.defaultBranch
	}
	_, files, ok := s.commitFiles(p, ref)
	if !ok {
		s.fail(rp, http.StatusNotFound, "404 Commit Not Found")
		return
	}
	data, ok := files[file]
	if !ok {
		s.fail(rp, http.StatusNotFound, "404 File Not Found")
		return
	}
	rp.status = http.StatusOK
	rp.w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	rp.w.Header().Set("X-Gitlab-File-Path", file)
	rp.w.WriteHeader(http.StatusOK)
	rp.w.Write(data)
}

func (s *Server) tree(rp *reply, p *project) {
	ref, ok := rp.str("ref")
	if !ok || ref == "" {
		ref = p.defaultBranch
	}
	sha, files, ok := s.commitFiles(p, ref)
	if !ok {
		s.fail(rp, http.StatusNotFound, "404 Tree Not Found")
		return
	}
	recursive, _ := rp.boolean("recursive")
	prefix, _ := rp.str("path")
	prefix = strings.Trim(prefix, "/")
	if prefix != "" {
		prefix += "/"
	}
	type entry struct{ path, typ, mode string }
	seen := map[string]bool{}
	var entries []entry
	for f := range files {
		if !strings.HasPrefix(f, prefix) {
			continue
		}
		rest := strings.TrimPrefix(f, prefix)
		parts := strings.Split(rest, "/")
		for i := 1; i < len(parts); i++ {
			if !recursive && i > 1 {
				break
			}
			dir := prefix + strings.Join(parts[:i], "/")
			if !seen[dir] {
				seen[dir] = true
				entries = append(entries, entry{dir, "tree", "040000"})
			}
		}
		if recursive || len(parts) == 1 {
			entries = append(entries, entry{f, "blob", "100644"})
		}
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].path < entries[j].path })
	lo, hi := s.paginate(rp, len(entries))
	out := []any{}
	for _, e := range entries[lo:hi] {
		out = append(out, map[string]any{"id": shortID(sha + e.path), "name": e.path[strings.LastIndex(e.path, "/")+1:],
			"type": e.typ, "path": e.path, "mode": e.mode})
	}
	s.write(rp, http.StatusOK, out)
}

func shortID(s string) string {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	const hexd = "0123456789abcdef"
	b := make([]byte, 40)
	for i := range b {
		b[i] = hexd[(h>>(uint(i%16)*4))&15]
		if i%16 == 15 {
			h = h*31 + 7
		}
	}
	return string(b)
}

func (s *Server) branch(rp *reply, p *project, name string) {
	sha, ok := p.branches[name]
	if !ok {
		s.fail(rp, http.StatusNotFound, "404 Branch Not Found")
		return
	}
	s.write(rp, http.StatusOK, map[string]any{"name": name, "merged": false, "protected": name == p.defaultBranch,
		"default": name == p.defaultBranch, "developers_can_push": false, "developers_can_merge": false, "can_push": true,
		"web_url": s.webURL(p, "/-/tree/"+url.PathEscape(name)),
		"commit": map[string]any{"id": sha, "short_id": sha[:min(8, len(sha))], "title": "commit " + sha[:min(8, len(sha))],
			"parent_ids": []string{}}})
}

// knownCommit reports whether a project has a commit (its own, or a fork's
// through one of its merge requests).
func (s *Server) knownCommit(p *project, sha string) bool {
	if _, ok := p.files[sha]; ok {
		return true
	}
	for _, mr := range p.mrs {
		if mr.head == sha || mr.base == sha {
			return true
		}
	}
	return false
}

// Statuses are a commit's statuses in a project, all of them, oldest first.
func (s *Server) Statuses(path, sha string) []Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustProject(path)
	var out []Status
	for _, st := range p.statuses {
		if st.SHA == sha {
			out = append(out, *st)
		}
	}
	return out
}

func (s *Server) statusJSON(st *Status) map[string]any {
	var author any
	if u := s.userByName(st.Author); u != nil {
		author = s.userJSON(u)
	}
	return map[string]any{"id": st.ID, "sha": st.SHA, "ref": st.Ref, "status": st.Status, "name": st.Name,
		"description": st.Description, "target_url": nilIfEmpty(st.TargetURL), "created_at": ts(st.CreatedAt),
		"started_at": nil, "finished_at": nil, "allow_failure": false, "coverage": nil, "pipeline_id": st.PipelineID,
		"author": author}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (s *Server) listStatuses(rp *reply, p *project, sha string) {
	if !s.knownCommit(p, sha) {
		s.fail(rp, http.StatusNotFound, "404 Commit Not Found")
		return
	}
	ref, hasRef := rp.str("ref")
	name, hasName := rp.str("name")
	all, _ := rp.boolean("all")
	latest := map[string]*Status{}
	var list []*Status
	for _, st := range p.statuses {
		if st.SHA != sha || (hasRef && st.Ref != ref) || (hasName && st.Name != name) {
			continue
		}
		if all {
			list = append(list, st)
			continue
		}
		k := st.Name + "\x00" + st.Ref
		if cur := latest[k]; cur == nil || st.ID > cur.ID {
			latest[k] = st
		}
	}
	for _, st := range latest {
		list = append(list, st)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	lo, hi := s.paginate(rp, len(list))
	out := []any{}
	for _, st := range list[lo:hi] {
		out = append(out, s.statusJSON(st))
	}
	s.write(rp, http.StatusOK, out)
}

// setStatus is POST /projects/:id/statuses/:sha, with GitLab's rules:
// a running or pending status of the same name, ref and pipeline is moved
// on; otherwise a new one is made; impossible transitions are 400.
func (s *Server) setStatus(rp *reply, p *project, sha string) {
	if p.members[rp.user.id] < Developer {
		s.forbidden(rp)
		return
	}
	if !s.knownCommit(p, sha) {
		s.fail(rp, http.StatusNotFound, "404 Commit Not Found")
		return
	}
	state, ok := rp.str("state")
	if !ok {
		s.missing(rp, "state")
		return
	}
	switch state {
	case "pending", "running", "success", "failed", "canceled", "skipped":
	default:
		s.write(rp, http.StatusBadRequest, map[string]any{"error": "state does not have a valid value"})
		return
	}
	name, ok := rp.str("name")
	if !ok || name == "" {
		name, ok = rp.str("context")
	}
	if !ok || name == "" {
		name = "default"
	}
	desc, _ := rp.str("description")
	if utf8.RuneCountInString(desc) > 255 {
		s.invalid(rp, "description", "is too long (maximum is 255 characters)")
		return
	}
	target, hasTarget := rp.str("target_url")
	if hasTarget && target != "" {
		u, err := url.Parse(target)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			s.invalid(rp, "target_url", "is blocked: Only allowed schemes are http, https")
			return
		}
		if len(target) > 255 {
			s.invalid(rp, "target_url", "is too long (maximum is 255 characters)")
			return
		}
	}
	ref, ok := rp.str("ref")
	if !ok || ref == "" {
		ref = s.refFor(p, sha)
		if ref == "" {
			s.fail(rp, http.StatusNotFound, "404 References for commit Not Found")
			return
		}
	}
	pk := sha + "\x00" + ref
	pipeline := p.pipelines[pk]
	if pipeline == 0 {
		pipeline = s.id()
		p.pipelines[pk] = pipeline
	}
	var st *Status
	for _, cur := range p.statuses {
		if cur.SHA == sha && cur.Name == name && cur.Ref == ref && (cur.Status == "running" || cur.Status == "pending") {
			st = cur
		}
	}
	fresh := st == nil
	if fresh {
		st = &Status{ID: s.id(), SHA: sha, Ref: ref, Name: name, Status: "created", Author: rp.user.username,
			PipelineID: pipeline, CreatedAt: s.now()}
	}
	next, ok := transition(st.Status, state)
	if !ok {
		s.fail(rp, http.StatusBadRequest, "Cannot transition status via :"+event(state)+" from :"+st.Status+
			" (Reason(s): Status cannot transition via \""+event(state)+"\")")
		return
	}
	st.Status = next
	if desc != "" {
		st.Description = desc
	}
	if hasTarget {
		st.TargetURL = target
	}
	st.Requests++
	if fresh {
		p.statuses = append(p.statuses, st)
	}
	s.write(rp, http.StatusCreated, s.statusJSON(st))
}

func event(state string) string {
	switch state {
	case "pending":
		return "enqueue"
	case "running":
		return "run"
	case "success":
		return "succeed"
	case "failed":
		return "drop"
	case "canceled":
		return "cancel"
	}
	return "skip"
}

// transition applies GitLab's commit status state machine.
func transition(from, to string) (string, bool) {
	switch to {
	case "pending":
		return to, from == "created" || from == "skipped"
	case "running":
		return to, from == "created" || from == "pending"
	case "success", "failed", "canceled":
		return to, from == "created" || from == "pending" || from == "running"
	case "skipped":
		return to, from == "created"
	}
	return from, false
}

// refFor picks the ref of a status posted without one: the ref of a
// pipeline of the commit, else the first branch that holds it.
func (s *Server) refFor(p *project, sha string) string {
	var refs []string
	for k := range p.pipelines {
		if strings.HasPrefix(k, sha+"\x00") {
			refs = append(refs, strings.TrimPrefix(k, sha+"\x00"))
		}
	}
	if len(refs) > 0 {
		sort.Strings(refs)
		return refs[0]
	}
	var branches []string
	for b, shas := range p.contains {
		if shas[sha] {
			branches = append(branches, b)
		}
	}
	sort.Strings(branches)
	if len(branches) > 0 {
		return branches[0]
	}
	return ""
}
