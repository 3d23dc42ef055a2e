package githubtest

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// resolve finds a commit by sha or branch name; the files at a fork's
// head are visible through the base repository while a pull request from
// it is there, as on GitHub.
func (s *Server) resolve(rr *repo, ref string) (sha string, files map[string][]byte, ok bool) {
	if ref == "" {
		ref = rr.defaultBranch
	}
	ref = strings.TrimPrefix(ref, "refs/")
	ref = strings.TrimPrefix(ref, "heads/")
	if b, found := rr.branches[ref]; found {
		ref = b
	}
	if rr.commits[ref] {
		return ref, rr.files[ref], true
	}
	for _, p := range rr.pulls {
		if p.HeadSHA == ref && p.HeadRepo != "" {
			if fork := s.repos[strings.ToLower(p.HeadRepo)]; fork != nil && fork.commits[ref] {
				return ref, fork.files[ref], true
			}
		}
	}
	return "", nil, false
}

func (s *Server) contents(rp *reply, rr *repo, path string) {
	ref := rp.r.URL.Query().Get("ref")
	sha, files, ok := s.resolve(rr, ref)
	if !ok {
		s.fail(rp, http.StatusNotFound, "No commit found for the ref "+ref, docsREST)
		return
	}
	path = strings.Trim(path, "/")
	data, found := files[path]
	accept := rp.r.Header.Get("Accept")
	raw := strings.Contains(accept, "vnd.github.raw") || strings.Contains(accept, "vnd.github.v3.raw")
	if !found {
		// A directory?
		var entries []any
		names := map[string]bool{}
		for p := range files {
			rest, isUnder := strings.CutPrefix(p, path+"/")
			if path == "" {
				rest, isUnder = p, true
			}
			if !isUnder {
				continue
			}
			name, _, deeper := strings.Cut(rest, "/")
			if names[name] {
				continue
			}
			names[name] = true
			typ := "file"
			if deeper {
				typ = "dir"
			}
			full := strings.TrimPrefix(path+"/"+name, "/")
			entries = append(entries, map[string]any{"type": typ, "name": name, "path": full})
		}
		if len(entries) == 0 {
			s.fail(rp, http.StatusNotFound, "Not Found", docsREST)
			return
		}
		sort.Slice(entries, func(i, j int) bool {
			return entries[i].(map[string]any)["name"].(string) < entries[j].(map[string]any)["name"].(string)
		})
		s.write(rp, http.StatusOK, entries)
		return
	}
	if raw {
		writeRaw(rp, data)
		return
	}
	out := map[string]any{
		"type": "file", "name": path[strings.LastIndex(path, "/")+1:], "path": path, "size": len(data),
		"sha":          blobSHA(data), // git's blob id, as GitHub's
		"url":          fmt.Sprintf("%s%s/repos/%s/contents/%s?ref=%s", s.srv.URL, s.prefix, rr.fullName(), path, sha),
		"download_url": nil,
	}
	if len(data) <= maxJSONContentSize {
		enc := base64.StdEncoding.EncodeToString(data)
		var b strings.Builder
		for len(enc) > 60 {
			b.WriteString(enc[:60] + "\n")
			enc = enc[60:]
		}
		b.WriteString(enc)
		out["content"], out["encoding"] = b.String(), "base64"
	} else {
		out["content"], out["encoding"] = "", "none"
	}
	s.write(rp, http.StatusOK, out)
}
