package githubtest

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

func treeSHA(commit, dir string) string {
	sum := sha1.Sum([]byte("tree\x00" + commit + "\x00" + dir))
	return hex.EncodeToString(sum[:])
}

func blobSHA(data []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(data))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// gitTree serves GET /repos/{o}/{r}/git/trees/{sha}: sha is a tree's (as
// an earlier listing gave it), a commit's or a branch's; recursive, with
// any value, lists the subtrees too, truncated past the tree limit.
func (s *Server) gitTree(rp *reply, rr *repo, ref string) {
	commit, dir := "", ""
	if tr, ok := s.ext.trees[ref]; ok && tr.repo == rr {
		commit, dir = tr.commit, tr.dir
	} else if sha, _, ok := s.resolve(rr, ref); ok {
		commit = sha
	} else {
		s.fail(rp, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/git/trees#get-a-tree")
		return
	}
	_, files, _ := s.resolve(rr, commit)
	recursive := rp.r.URL.Query().Has("recursive")
	if s.ext.trees == nil {
		s.ext.trees = map[string]treeRef{}
	}
	api := fmt.Sprintf("%s%s/repos/%s/git", s.srv.URL, s.prefix, rr.fullName())
	entries := map[string]map[string]any{}
	addTree := func(rel string) {
		if _, ok := entries[rel]; ok {
			return
		}
		full := strings.TrimPrefix(dir+"/"+rel, "/")
		sha := treeSHA(commit, full)
		s.ext.trees[sha] = treeRef{repo: rr, commit: commit, dir: full}
		entries[rel] = map[string]any{"path": rel, "mode": "040000", "type": "tree", "sha": sha, "url": api + "/trees/" + sha}
	}
	for p, data := range files {
		rel := p
		if dir != "" {
			var ok bool
			if rel, ok = strings.CutPrefix(p, dir+"/"); !ok {
				continue
			}
		}
		parts := strings.Split(rel, "/")
		if !recursive && len(parts) > 1 {
			addTree(parts[0])
			continue
		}
		for i := 1; i < len(parts); i++ {
			addTree(strings.Join(parts[:i], "/"))
		}
		sha := blobSHA(data)
		entries[rel] = map[string]any{"path": rel, "mode": "100644", "type": "blob", "sha": sha, "size": len(data),
			"url": api + "/blobs/" + sha}
	}
	if dir != "" && len(entries) == 0 {
		s.fail(rp, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/git/trees#get-a-tree")
		return
	}
	paths := make([]string, 0, len(entries))
	for p := range entries {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	limit := s.ext.treeLimit
	if limit == 0 {
		limit = defaultTreeLimit
	}
	truncated := recursive && len(paths) > limit
	if truncated {
		paths = paths[:limit]
	}
	out := make([]any, 0, len(paths))
	for _, p := range paths {
		out = append(out, entries[p])
	}
	sha := treeSHA(commit, dir)
	s.ext.trees[sha] = treeRef{repo: rr, commit: commit, dir: dir}
	s.write(rp, http.StatusOK, map[string]any{"sha": sha, "url": api + "/trees/" + sha, "tree": out, "truncated": truncated})
}

// branch serves GET /repos/{o}/{r}/branches/{branch}.
func (s *Server) branch(rp *reply, rr *repo, name string) {
	sha, ok := rr.branches[name]
	if !ok {
		s.fail(rp, http.StatusNotFound, "Branch not found", "https://docs.github.com/rest/branches/branches#get-a-branch")
		return
	}
	api := fmt.Sprintf("%s%s/repos/%s", s.srv.URL, s.prefix, rr.fullName())
	s.write(rp, http.StatusOK, map[string]any{
		"name": name,
		"commit": map[string]any{
			"sha": sha, "node_id": "C_" + sha[:12], "url": api + "/commits/" + sha,
			"html_url": fmt.Sprintf("https://github.com/%s/commit/%s", rr.fullName(), sha),
			"commit": map[string]any{"message": "commit " + sha[:7],
				"tree": map[string]any{"sha": treeSHA(sha, ""), "url": api + "/git/trees/" + treeSHA(sha, "")}},
		},
		"_links":    map[string]any{"self": api + "/branches/" + name, "html": fmt.Sprintf("https://github.com/%s/tree/%s", rr.fullName(), name)},
		"protected": false,
	})
}
