package githubtest

import (
	"bytes"
	"fmt"
	"strings"
	"time"
)

// mustSHA insists on full commit ids, as GitHub's check runs do.
func (s *Server) mustSHA(sha string) {
	s.t.Helper()
	if !isSHA(sha) {
		s.t.Fatalf("githubtest: %q is not a commit id (40 or 64 lower-case hex digits)", sha)
	}
}

func (s *Server) mustRepo(fullName string) *repo {
	s.t.Helper()
	r := s.repos[strings.ToLower(fullName)]
	if r == nil {
		s.t.Fatalf("githubtest: no repository %q (AddRepo first)", fullName)
	}
	return r
}

// AddCommit makes a commit known in a repository (a commit with files is
// known once PutFile put one there).
func (s *Server) AddCommit(fullName, sha string) {
	s.t.Helper()
	s.mustSHA(sha)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustRepo(fullName).commits[sha] = true
}

// PutFile stores a file of a repository at a commit.
func (s *Server) PutFile(fullName, sha, path string, data []byte) {
	s.t.Helper()
	s.mustSHA(sha)
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepo(fullName)
	r.commits[sha] = true
	if r.files[sha] == nil {
		r.files[sha] = map[string][]byte{}
	}
	r.files[sha][strings.Trim(path, "/")] = bytes.Clone(data)
}

// CopyCommit makes commit to hold the files of commit from (then PutFile
// changes some).
func (s *Server) CopyCommit(fullName, from, to string) {
	s.t.Helper()
	s.mustSHA(from)
	s.mustSHA(to)
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepo(fullName)
	r.commits[to] = true
	m := map[string][]byte{}
	for p, d := range r.files[from] {
		m[p] = d
	}
	r.files[to] = m
}

// SetBranch points a branch at a commit.
func (s *Server) SetBranch(fullName, branch, sha string) {
	s.t.Helper()
	s.mustSHA(sha)
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepo(fullName)
	r.branches[branch] = sha
	r.commits[sha] = true
}

// AddPull adds (or replaces) a pull request.
func (s *Server) AddPull(fullName string, p Pull) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepo(fullName)
	if p.Number <= 0 {
		s.t.Fatalf("githubtest: AddPull: a number is needed")
	}
	s.mustSHA(p.BaseSHA)
	s.mustSHA(p.HeadSHA)
	if p.State == "" {
		p.State = "open"
	}
	if p.BaseRef == "" {
		p.BaseRef = r.defaultBranch
	}
	if p.HeadRef == "" {
		p.HeadRef = fmt.Sprintf("pr-%d", p.Number)
	}
	if p.Author == "" {
		p.Author = "octocat"
	}
	if p.HeadRepo != "" && !strings.EqualFold(p.HeadRepo, fullName) {
		s.mustRepo(p.HeadRepo).commits[p.HeadSHA] = true
	} else {
		p.HeadRepo = ""
		r.commits[p.HeadSHA] = true
	}
	r.commits[p.BaseSHA] = true
	s.users[strings.ToLower(p.Author)] = true
	p.Files = append([]PullFile(nil), p.Files...)
	s.nextID++
	r.pulls[p.Number] = &pull{Pull: p, id: s.nextID, createdAt: time.Now().UTC()}
}

// SetPullFiles replaces the files a pull request changes.
func (s *Server) SetPullFiles(fullName string, number int, files []PullFile) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustRepo(fullName).pulls[number]
	if p == nil {
		s.t.Fatalf("githubtest: no pull request %s#%d", fullName, number)
	}
	p.Files = append([]PullFile(nil), files...)
}

// SetPermission gives a user a permission on a repository: admin,
// maintain, write, triage, read or none.
func (s *Server) SetPermission(fullName, user, perm string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustRepo(fullName).perms[strings.ToLower(user)] = perm
	s.users[strings.ToLower(user)] = true
}

// AddComment adds a comment by a user to a pull request and returns its id.
func (s *Server) AddComment(fullName string, number int, user, body string) int64 {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepo(fullName)
	if r.pulls[number] == nil {
		s.t.Fatalf("githubtest: no pull request %s#%d", fullName, number)
	}
	s.users[strings.ToLower(user)] = true
	return s.addComment(r, number, user, body).ID
}

func (s *Server) addComment(r *repo, number int, user, body string) *Comment {
	s.nextID++
	now := time.Now().UTC().Truncate(time.Second)
	c := &Comment{ID: s.nextID, Number: number, Body: body, User: user, CreatedAt: now, UpdatedAt: now}
	r.comments = append(r.comments, c)
	return c
}

// Comments are a pull request's comments, oldest first.
func (s *Server) Comments(fullName string, number int) []Comment {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Comment
	for _, c := range s.mustRepo(fullName).comments {
		if c.Number == number {
			out = append(out, *c)
		}
	}
	return out
}

// CheckRuns are the check runs on a commit of a repository, oldest first.
func (s *Server) CheckRuns(fullName, sha string) []CheckRun {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []CheckRun
	for _, c := range s.mustRepo(fullName).checkRuns {
		if c.HeadSHA == sha {
			cp := *c
			cp.Annotations = append([]Annotation(nil), c.Annotations...)
			out = append(out, cp)
		}
	}
	return out
}

// AddCheckRun adds a check run as another App (or this one) made it, and
// returns its id. Only the App that made a run may update it.
func (s *Server) AddCheckRun(fullName string, c CheckRun) int64 {
	s.t.Helper()
	s.mustSHA(c.HeadSHA)
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepo(fullName)
	if c.AppID == 0 {
		c.AppID = s.appID
	}
	if c.Status == "" {
		c.Status = "completed"
	}
	if c.StartedAt.IsZero() {
		c.StartedAt = time.Now().UTC().Truncate(time.Second)
	}
	s.nextID++
	c.ID = s.nextID
	c.Annotations = append([]Annotation(nil), c.Annotations...)
	r.commits[c.HeadSHA] = true
	r.checkRuns = append(r.checkRuns, &c)
	return c.ID
}
