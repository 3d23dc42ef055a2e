package githubtest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

func (s *Server) userJSON(login string) map[string]any {
	typ := "User"
	if strings.HasSuffix(login, "[bot]") {
		typ = "Bot"
	}
	return map[string]any{"login": login, "id": int64(len(login)) * 7919, "type": typ,
		"url": s.srv.URL + "/users/" + url.PathEscape(login), "html_url": "https://github.com/" + login}
}

func (s *Server) repoJSON(rr *repo) map[string]any {
	return map[string]any{
		"id": rr.id, "node_id": fmt.Sprintf("R_%d", rr.id), "name": rr.name, "full_name": rr.fullName(),
		"owner": s.userJSON(rr.owner), "private": true, "fork": false, "default_branch": rr.defaultBranch,
		"html_url": "https://github.com/" + rr.fullName(), "url": s.srv.URL + s.prefix + "/repos/" + rr.fullName(),
		"archived": false, "disabled": false,
	}
}

func (s *Server) pullByText(rr *repo, text string) *pull {
	n, err := strconv.Atoi(text)
	if err != nil {
		return nil
	}
	return rr.pulls[n]
}

func (s *Server) pullJSON(rr *repo, p *pull, full bool) map[string]any {
	headRepo := rr
	if p.HeadRepo != "" {
		headRepo = s.repos[strings.ToLower(p.HeadRepo)]
	}
	side := func(r *repo, ref, sha string) map[string]any {
		m := map[string]any{"ref": ref, "sha": sha}
		if r != nil {
			m["label"] = r.owner + ":" + ref
			m["user"] = s.userJSON(r.owner)
			rj := s.repoJSON(r)
			rj["fork"] = r != rr
			m["repo"] = rj
		} else {
			m["repo"] = nil
		}
		return m
	}
	state := p.State
	merged := state == "merged"
	if merged {
		state = "closed"
	}
	out := map[string]any{
		"id": p.id, "node_id": fmt.Sprintf("PR_%d", p.id), "number": p.Number, "state": state, "title": p.Title,
		"body": p.Body,
		"user": s.userJSON(p.Author), "draft": p.Draft, "locked": false,
		"created_at": p.createdAt.Format(time.RFC3339), "updated_at": p.createdAt.Format(time.RFC3339),
		"merged_at": nil,
		"head":      side(headRepo, p.HeadRef, p.HeadSHA),
		"base":      side(rr, p.BaseRef, p.BaseSHA),
		"url":       fmt.Sprintf("%s%s/repos/%s/pulls/%d", s.srv.URL, s.prefix, rr.fullName(), p.Number),
		"html_url":  fmt.Sprintf("https://github.com/%s/pull/%d", rr.fullName(), p.Number),
	}
	if merged {
		out["merged_at"] = p.createdAt.Format(time.RFC3339)
	}
	if full {
		out["merged"] = merged
		out["changed_files"] = len(p.Files)
		out["mergeable"] = nil
	}
	return out
}

func (s *Server) listPulls(rp *reply, rr *repo) {
	state := rp.r.URL.Query().Get("state")
	if state == "" {
		state = "open"
	}
	if state != "open" && state != "closed" && state != "all" {
		s.invalid(rp, "Validation Failed")
		return
	}
	var ps []*pull
	for _, p := range rr.pulls {
		open := p.State == "open"
		if state == "all" || (state == "open") == open {
			ps = append(ps, p)
		}
	}
	// Newest first, as GitHub's default (sort=created, direction=desc).
	sort.Slice(ps, func(i, j int) bool { return ps[i].Number > ps[j].Number })
	lo, hi, _ := s.paginate(rp, len(ps))
	out := []any{}
	for _, p := range ps[lo:hi] {
		out = append(out, s.pullJSON(rr, p, false))
	}
	s.write(rp, http.StatusOK, out)
}

func (s *Server) pullFiles(rp *reply, rr *repo, num string) {
	p := s.pullByText(rr, num)
	if p == nil {
		s.fail(rp, http.StatusNotFound, "Not Found", docsREST)
		return
	}
	files := p.Files
	if len(files) > 3000 { // GitHub lists at most 3000 files
		files = files[:3000]
	}
	lo, hi, _ := s.paginate(rp, len(files))
	out := []any{}
	for _, f := range files[lo:hi] {
		status := f.Status
		if status == "" {
			status = s.derivedStatus(rr, p, f)
		}
		sum := sha256.Sum256([]byte(p.HeadSHA + f.Path))
		m := map[string]any{
			"sha": hex.EncodeToString(sum[:20]), "filename": f.Path, "status": status,
			"additions": 1, "deletions": 0, "changes": 1,
			"blob_url":     fmt.Sprintf("https://github.com/%s/blob/%s/%s", rr.fullName(), p.HeadSHA, f.Path),
			"raw_url":      fmt.Sprintf("https://github.com/%s/raw/%s/%s", rr.fullName(), p.HeadSHA, f.Path),
			"contents_url": fmt.Sprintf("%s%s/repos/%s/contents/%s?ref=%s", s.srv.URL, s.prefix, rr.fullName(), f.Path, p.HeadSHA),
			"patch":        "@@ -0,0 +1 @@",
		}
		if f.OldPath != "" && (status == "renamed" || status == "copied") {
			m["previous_filename"] = f.OldPath
		}
		out = append(out, m)
	}
	s.write(rp, http.StatusOK, out)
}

// derivedStatus is the status GitHub would give a file whose status the
// test left out, from the file's presence at the base and the head:
// added, removed, renamed (with an OldPath) or modified.
func (s *Server) derivedStatus(rr *repo, p *pull, f PullFile) string {
	if f.OldPath != "" {
		return "renamed"
	}
	_, baseFiles, baseOK := s.resolve(rr, p.BaseSHA)
	_, headFiles, headOK := s.resolve(rr, p.HeadSHA)
	_, atBase := baseFiles[f.Path]
	_, atHead := headFiles[f.Path]
	switch {
	case baseOK && headOK && !atBase && atHead:
		return "added"
	case baseOK && headOK && atBase && !atHead:
		return "removed"
	}
	return "modified"
}
