package githubtest

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// blob serves GET /repos/{o}/{r}/git/blobs/{sha}: a file's content by
// git's blob id, of any commit of the repository (and of the heads of
// pull requests from forks, as GitHub serves them through the base), raw
// with a raw media type, else JSON with the content in base64.
func (s *Server) blob(rp *reply, rr *repo, sha string) {
	data, ok := s.findBlob(rr, strings.ToLower(sha))
	if !ok {
		s.fail(rp, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/git/blobs#get-a-blob")
		return
	}
	accept := rp.r.Header.Get("Accept")
	if strings.Contains(accept, "vnd.github.raw") || strings.Contains(accept, "vnd.github.v3.raw") {
		writeRaw(rp, data)
		return
	}
	s.write(rp, http.StatusOK, map[string]any{
		"sha": sha, "node_id": "B_" + sha[:min(12, len(sha))], "size": len(data),
		"url":     fmt.Sprintf("%s%s/repos/%s/git/blobs/%s", s.srv.URL, s.prefix, rr.fullName(), sha),
		"content": base64.StdEncoding.EncodeToString(data), "encoding": "base64",
	})
}

func (s *Server) findBlob(rr *repo, sha string) ([]byte, bool) {
	look := func(r *repo) ([]byte, bool) {
		for _, files := range r.files {
			for _, data := range files {
				if blobSHA(data) == sha {
					return data, true
				}
			}
		}
		return nil, false
	}
	if data, ok := look(rr); ok {
		return data, true
	}
	for _, p := range rr.pulls {
		if fork := s.repos[strings.ToLower(p.HeadRepo)]; p.HeadRepo != "" && fork != nil {
			for _, data := range fork.files[p.HeadSHA] {
				if blobSHA(data) == sha {
					return data, true
				}
			}
		}
	}
	return nil, false
}

// writeRaw answers with a file's content as GitHub's raw media type does.
func writeRaw(rp *reply, data []byte) {
	rp.status = http.StatusOK
	rp.w.Header().Set("Content-Type", "application/vnd.github.raw")
	rp.w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	rp.w.WriteHeader(http.StatusOK)
	_, _ = rp.w.Write(data)
}
