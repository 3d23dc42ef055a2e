package githubtest

// Proposing a change: creating a branch (POST git/refs), committing one
// file to it (PUT contents/{path}), opening a pull request from it (POST
// pulls), and finding it again (GET pulls?head=owner:branch).
//
// Strict where GitHub is: a ref must be refs/heads/… at a commit the
// repository has, and one that exists answers 422 "Reference already
// exists"; a file that exists can only be replaced with its blob sha (git's
// object id, which the contents API reports), 422 without one and 409 with
// another; each commit is a new commit on the branch, which moves to it
// (open pull requests from the branch follow); a pull request needs a
// title and its head and base branches, and a second open one from the
// same head answers 422 "A pull request already exists for owner:branch.",
// one whose head has no commit the base lacks 422 "No commits between …".
// The list of pull requests filters by head (owner:branch; a head without
// the owner is ignored, as GitHub ignores it) and base. Creating a pull
// request and committing count against the creation limit.

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Commit is a commit made through the API (PUT contents).
type Commit struct {
	SHA string
	// Parent is the commit the branch was at.
	Parent  string
	Branch  string
	Path    string
	Message string
}

// proposeState is the Server's state for what this file serves.
type proposeState struct {
	commits map[*repo][]*Commit
	made    map[*pull]bool // pull requests opened through the API
}

// ---- helpers for tests ----

// Branch is the commit a branch points at, and whether it exists.
func (s *Server) Branch(fullName, branch string) (sha string, ok bool) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	sha, ok = s.mustRepo(fullName).branches[branch]
	return sha, ok
}

// FileAt is a file of a repository at a ref (a commit or a branch), and
// whether it is there.
func (s *Server) FileAt(fullName, ref, path string) ([]byte, bool) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	_, files, ok := s.resolve(s.mustRepo(fullName), ref)
	if !ok {
		return nil, false
	}
	data, ok := files[strings.Trim(path, "/")]
	if !ok {
		return nil, false
	}
	return append([]byte{}, data...), true
}

// Pulls are a repository's pull requests, by number.
func (s *Server) Pulls(fullName string) []Pull {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Pull
	for _, p := range s.mustRepo(fullName).pulls {
		cp := p.Pull
		cp.Files = append([]PullFile(nil), p.Files...)
		out = append(out, cp)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}

// Commits are the commits made through the API in a repository, oldest
// first.
func (s *Server) Commits(fullName string) []Commit {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Commit
	for _, c := range s.prop.commits[s.mustRepo(fullName)] {
		out = append(out, *c)
	}
	return out
}

// ---- the HTTP side ----

// routePropose serves what this file adds under /repos/{owner}/{repo};
// false leaves the request to the other routes.
func (s *Server) routePropose(rp *reply, rr *repo, rest []string) bool {
	m := rp.r.Method
	n := len(rest)
	q := rp.r.URL.Query()
	switch {
	case n == 2 && rest[0] == "git" && rest[1] == "refs" && m == http.MethodPost:
		s.createRef(rp, rr)
	case n >= 2 && rest[0] == "contents" && m == http.MethodPut:
		if s.allowCreation(rp) {
			s.putContents(rp, rr, strings.Join(rest[1:], "/"))
		}
	case n == 1 && rest[0] == "pulls" && m == http.MethodPost:
		if s.allowCreation(rp) {
			s.createPull(rp, rr)
		}
	case n == 1 && rest[0] == "pulls" && m == http.MethodGet && (q.Has("head") || q.Has("base")):
		s.listPullsBy(rp, rr)
	default:
		return false
	}
	return true
}

const (
	docsRefs     = "https://docs.github.com/rest/git/refs#create-a-reference"
	docsContents = "https://docs.github.com/rest/repos/contents#create-or-update-file-contents"
	docsPulls    = "https://docs.github.com/rest/pulls/pulls#create-a-pull-request"
)

// validBranchName applies git's rules for ref names (check-ref-format) to
// a branch name, as far as the fake needs them.
func validBranchName(name string) bool {
	if name == "" || strings.HasPrefix(name, "/") || strings.HasSuffix(name, "/") || strings.HasPrefix(name, "-") ||
		strings.HasSuffix(name, ".") || strings.HasSuffix(name, ".lock") || strings.Contains(name, "..") ||
		strings.Contains(name, "//") || strings.Contains(name, "@{") || name == "@" {
		return false
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(" ~^:?*[\\", r) {
			return false
		}
	}
	for _, part := range strings.Split(name, "/") {
		if strings.HasPrefix(part, ".") {
			return false
		}
	}
	return true
}

func (s *Server) refJSON(rr *repo, branch, sha string) map[string]any {
	api := fmt.Sprintf("%s%s/repos/%s", s.srv.URL, s.prefix, rr.fullName())
	return map[string]any{"ref": "refs/heads/" + branch, "node_id": "REF_" + sha[:12],
		"url":    api + "/git/refs/heads/" + branch,
		"object": map[string]any{"type": "commit", "sha": sha, "url": api + "/git/commits/" + sha}}
}

// createRef serves POST /repos/{o}/{r}/git/refs (branches only).
func (s *Server) createRef(rp *reply, rr *repo) {
	var in struct {
		Ref *string `json:"ref"`
		SHA *string `json:"sha"`
	}
	if !s.decode(rp, &in) {
		return
	}
	switch {
	case in.Ref == nil:
		s.invalid(rp, "Invalid request.\n\n\"ref\" wasn't supplied.")
		return
	case in.SHA == nil:
		s.invalid(rp, "Invalid request.\n\n\"sha\" wasn't supplied.")
		return
	case !strings.HasPrefix(*in.Ref, "refs/") || strings.Count(*in.Ref, "/") < 2:
		s.fail(rp, http.StatusUnprocessableEntity, "ref must start with \"refs\" and have at least two slashes.", docsRefs)
		return
	}
	branch, ok := strings.CutPrefix(*in.Ref, "refs/heads/")
	switch {
	case !ok:
		s.fail(rp, http.StatusUnprocessableEntity, "githubtest keeps branches only (refs/heads/…)", docsRefs)
		return
	case !validBranchName(branch):
		s.fail(rp, http.StatusUnprocessableEntity, "Reference name is invalid", docsRefs)
		return
	}
	if _, exists := rr.branches[branch]; exists {
		s.fail(rp, http.StatusUnprocessableEntity, "Reference already exists", docsRefs)
		return
	}
	if !isSHA(*in.SHA) || !rr.commits[*in.SHA] {
		s.fail(rp, http.StatusUnprocessableEntity, "Object does not exist", docsRefs)
		return
	}
	rr.branches[branch] = *in.SHA
	rp.w.Header().Set("Location", fmt.Sprintf("%s%s/repos/%s/git/refs/heads/%s", s.srv.URL, s.prefix, rr.fullName(), branch))
	s.write(rp, http.StatusCreated, s.refJSON(rr, branch, *in.SHA))
}

// putContents serves PUT /repos/{o}/{r}/contents/{path}: one commit on the
// branch with the file set to content.
func (s *Server) putContents(rp *reply, rr *repo, path string) {
	path = strings.Trim(path, "/")
	var in struct {
		Message   *string        `json:"message"`
		Content   *string        `json:"content"`
		SHA       *string        `json:"sha"`
		Branch    *string        `json:"branch"`
		Committer map[string]any `json:"committer"`
		Author    map[string]any `json:"author"`
	}
	if !s.decode(rp, &in) {
		return
	}
	switch {
	case path == "":
		s.fail(rp, http.StatusNotFound, "Not Found", docsContents)
		return
	case in.Message == nil:
		s.invalid(rp, "Invalid request.\n\n\"message\" wasn't supplied.")
		return
	case in.Content == nil:
		s.invalid(rp, "Invalid request.\n\n\"content\" wasn't supplied.")
		return
	}
	data, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\n", "", "\r", "").Replace(*in.Content))
	if err != nil {
		s.invalid(rp, "content is not valid Base64")
		return
	}
	branch := rr.defaultBranch
	if in.Branch != nil && *in.Branch != "" {
		branch = strings.TrimPrefix(*in.Branch, "refs/heads/")
	}
	parent, ok := rr.branches[branch]
	if !ok {
		s.fail(rp, http.StatusNotFound, "Branch "+branch+" not found", docsContents)
		return
	}
	files := rr.files[parent]
	old, exists := files[path]
	for p := range files {
		if strings.HasPrefix(p, path+"/") {
			s.invalid(rp, path+" is a directory")
			return
		}
	}
	switch {
	case exists && (in.SHA == nil || *in.SHA == ""):
		s.invalid(rp, "Invalid request.\n\n\"sha\" wasn't supplied.")
		return
	case exists && *in.SHA != blobSHA(old):
		s.fail(rp, http.StatusConflict, path+" does not match "+*in.SHA, docsContents)
		return
	}

	sha := s.commitFile(rr, branch, parent, path, data, *in.Message)

	api := fmt.Sprintf("%s%s/repos/%s", s.srv.URL, s.prefix, rr.fullName())
	now := time.Now().UTC().Truncate(time.Second).Format(time.RFC3339)
	who := map[string]any{"name": s.BotLogin(), "email": s.BotLogin() + "@users.noreply.github.com", "date": now}
	status := http.StatusCreated
	if exists {
		status = http.StatusOK
	}
	s.write(rp, status, map[string]any{
		"content": map[string]any{
			"type": "file", "name": path[strings.LastIndex(path, "/")+1:], "path": path, "size": len(data),
			"sha":      blobSHA(data),
			"url":      fmt.Sprintf("%s/contents/%s?ref=%s", api, path, branch),
			"html_url": fmt.Sprintf("https://github.com/%s/blob/%s/%s", rr.fullName(), branch, path),
		},
		"commit": map[string]any{
			"sha": sha, "node_id": "C_" + sha[:12], "url": api + "/git/commits/" + sha,
			"html_url": fmt.Sprintf("https://github.com/%s/commit/%s", rr.fullName(), sha),
			"author":   who, "committer": who, "message": *in.Message,
			"tree":    map[string]any{"sha": treeSHA(sha, ""), "url": api + "/git/trees/" + treeSHA(sha, "")},
			"parents": []any{map[string]any{"sha": parent, "url": api + "/git/commits/" + parent}},
		},
	})
}

// commitFile makes a commit on branch, child of parent, with the file at
// path set to data, and moves the branch and the open pull requests from it
// to the commit, whose id it returns.
func (s *Server) commitFile(rr *repo, branch, parent, path string, data []byte, message string) string {
	files := rr.files[parent]
	s.nextID++
	sum := sha1.Sum(fmt.Appendf(nil, "commit %s\x00%s\x00%s\x00%s\x00%d", parent, path, blobSHA(data), message, s.nextID))
	sha := hex.EncodeToString(sum[:])
	m := make(map[string][]byte, len(files)+1)
	for p, d := range files {
		m[p] = d
	}
	m[path] = append([]byte{}, data...)
	rr.files[sha] = m
	rr.commits[sha] = true
	rr.branches[branch] = sha
	if s.prop.commits == nil {
		s.prop.commits = map[*repo][]*Commit{}
	}
	c := &Commit{SHA: sha, Parent: parent, Branch: branch, Path: path, Message: message}
	s.prop.commits[rr] = append(s.prop.commits[rr], c)
	// Open pull requests from the branch follow it.
	for _, p := range rr.pulls {
		if p.State == "open" && p.HeadRepo == "" && p.HeadRef == branch {
			p.HeadSHA = sha
			if s.prop.made[p] {
				p.Files = s.diffFiles(rr, p.BaseSHA, sha)
			}
		}
	}
	return sha
}

// isAncestor reports whether commit anc is of or one of its ancestors, as
// far as the fake knows parents (the commits made through the API).
func (s *Server) isAncestor(rr *repo, anc, of string) bool {
	parents := map[string]string{}
	for _, c := range s.prop.commits[rr] {
		parents[c.SHA] = c.Parent
	}
	for sha, seen := of, 0; sha != "" && seen <= len(parents); seen++ {
		if sha == anc {
			return true
		}
		sha = parents[sha]
	}
	return false
}

// diffFiles lists the files that differ between two commits, by path.
func (s *Server) diffFiles(rr *repo, base, head string) []PullFile {
	bf, hf := rr.files[base], rr.files[head]
	var out []PullFile
	for p, d := range hf {
		old, ok := bf[p]
		switch {
		case !ok:
			out = append(out, PullFile{Path: p, Status: "added"})
		case string(old) != string(d):
			out = append(out, PullFile{Path: p, Status: "modified"})
		}
	}
	for p := range bf {
		if _, ok := hf[p]; !ok {
			out = append(out, PullFile{Path: p, Status: "removed"})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// headOwner is the owner of the repository a pull request's head is in.
func (s *Server) headOwner(rr *repo, p *pull) string {
	if p.HeadRepo != "" {
		owner, _, _ := strings.Cut(p.HeadRepo, "/")
		return owner
	}
	return rr.owner
}

// createPull serves POST /repos/{o}/{r}/pulls, from a branch of the
// repository itself.
func (s *Server) createPull(rp *reply, rr *repo) {
	var in struct {
		Title               *string `json:"title"`
		Head                *string `json:"head"`
		HeadRepo            *string `json:"head_repo"`
		Base                *string `json:"base"`
		Body                *string `json:"body"`
		Issue               *int    `json:"issue"`
		MaintainerCanModify *bool   `json:"maintainer_can_modify"`
		Draft               *bool   `json:"draft"`
	}
	if !s.decode(rp, &in) {
		return
	}
	missing := func(field string) {
		s.validationFailed(rp, docsPulls, map[string]any{"resource": "PullRequest", "field": field, "code": "missing_field"})
	}
	invalidField := func(field string) {
		s.validationFailed(rp, docsPulls, map[string]any{"resource": "PullRequest", "field": field, "code": "invalid"})
	}
	custom := func(msg string) {
		s.validationFailed(rp, docsPulls, map[string]any{"resource": "PullRequest", "code": "custom", "message": msg})
	}
	switch {
	case in.Issue != nil:
		s.invalid(rp, "githubtest does not turn issues into pull requests")
		return
	case in.Title == nil || strings.TrimSpace(*in.Title) == "":
		missing("title")
		return
	case in.Head == nil || *in.Head == "":
		missing("head")
		return
	case in.Base == nil || *in.Base == "":
		missing("base")
		return
	case in.Body != nil && len([]rune(*in.Body)) > maxIssueBody:
		custom("body is too long (maximum is 65536 characters)")
		return
	}
	head := *in.Head
	if owner, branch, ok := strings.Cut(head, ":"); ok {
		if !strings.EqualFold(owner, rr.owner) {
			invalidField("head") // the fake opens pull requests from the repository's own branches only
			return
		}
		head = branch
	}
	headSHA, ok := rr.branches[head]
	if !ok {
		invalidField("head")
		return
	}
	baseSHA, ok := rr.branches[*in.Base]
	if !ok {
		invalidField("base")
		return
	}
	for _, p := range rr.pulls {
		if p.State == "open" && p.HeadRepo == "" && p.HeadRef == head {
			custom(fmt.Sprintf("A pull request already exists for %s:%s.", rr.owner, head))
			return
		}
	}
	if s.isAncestor(rr, headSHA, baseSHA) {
		custom(fmt.Sprintf("No commits between %s and %s", *in.Base, head))
		return
	}
	p := Pull{Number: s.nextNumber(rr), Title: *in.Title, Author: s.BotLogin(), BaseRef: *in.Base, BaseSHA: baseSHA,
		HeadRef: head, HeadSHA: headSHA, State: "open", Files: s.diffFiles(rr, baseSHA, headSHA)}
	if in.Body != nil {
		p.Body = *in.Body
	}
	if in.Draft != nil {
		p.Draft = *in.Draft
	}
	s.nextID++
	pr := &pull{Pull: p, id: s.nextID, createdAt: time.Now().UTC().Truncate(time.Second)}
	rr.pulls[p.Number] = pr
	if s.prop.made == nil {
		s.prop.made = map[*pull]bool{}
	}
	s.prop.made[pr] = true
	rp.w.Header().Set("Location", fmt.Sprintf("%s%s/repos/%s/pulls/%d", s.srv.URL, s.prefix, rr.fullName(), p.Number))
	s.write(rp, http.StatusCreated, s.pullJSON(rr, pr, true))
}

// listPullsBy serves GET /repos/{o}/{r}/pulls with head or base: the list,
// filtered.
func (s *Server) listPullsBy(rp *reply, rr *repo) {
	q := rp.r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "open"
	}
	if state != "open" && state != "closed" && state != "all" {
		s.invalid(rp, "Validation Failed")
		return
	}
	headOwner, headRef, byHead := strings.Cut(q.Get("head"), ":")
	base := q.Get("base")
	var ps []*pull
	for _, p := range rr.pulls {
		open := p.State == "open"
		if state != "all" && (state == "open") != open {
			continue
		}
		if byHead && (!strings.EqualFold(s.headOwner(rr, p), headOwner) || p.HeadRef != headRef) {
			continue
		}
		if base != "" && p.BaseRef != base {
			continue
		}
		ps = append(ps, p)
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].Number > ps[j].Number })
	lo, hi, _ := s.paginate(rp, len(ps))
	out := []any{}
	for _, p := range ps[lo:hi] {
		out = append(out, s.pullJSON(rr, p, false))
	}
	s.write(rp, http.StatusOK, out)
}
