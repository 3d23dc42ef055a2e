package gitlab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/tmbot/tmbot/bot/commitid"
	"github.com/tmbot/tmbot/bot/forge"
)

// capWriter keeps the first n bytes written to it and drops the rest.
type capWriter struct {
	buf bytes.Buffer
	n   int
}

func (w *capWriter) Write(p []byte) (int, error) {
	if room := w.n - w.buf.Len(); room > 0 {
		w.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// ReadFile implements forge.Client: one call (the raw file API at
// ref=sha), and none when the same file at the same commit was read before,
// found or not. A fork's commits are read through the target project (it
// has them: GitLab keeps every request's head under
// refs/merge-requests/<iid>/head).
func (c *Client) ReadFile(ctx context.Context, repo forge.Repo, sha, path string) ([]byte, bool, error) {
	path = strings.Trim(path, "/")
	op := fmt.Sprintf("read %s at %s in %s", path, shortSHA(sha), repo.FullName())
	if sha == "" || path == "" {
		return nil, false, &Error{Forge: "gitlab", Op: op, Message: "a commit and a path are needed"}
	}
	key := fileKey{repo: repo.Key(), sha: sha, path: path}
	// Only what is read at a full commit id is cached: a branch moves.
	cacheable := commitid.Valid(sha)
	if cacheable {
		if e, ok := c.files.Get(key); ok {
			return bytes.Clone(e.data), e.found, nil
		}
	}
	id := pid(repo)
	idText := ""
	switch v := id.(type) {
	case int64:
		idText = strconv.FormatInt(v, 10)
	case string:
		idText = v
	}
	u := fmt.Sprintf("projects/%s/repository/files/%s/raw", gl.PathEscape(idText), gl.PathEscape(path))
	req, err := c.gl.NewRequest(http.MethodGet, u, &gl.GetRawFileOptions{Ref: gl.Ptr(sha)}, []gl.RequestOptionFunc{gl.WithContext(ctx)})
	if err != nil {
		return nil, false, &Error{Forge: "gitlab", Op: op, Message: err.Error(), Cause: err}
	}
	w := &capWriter{n: MaxFileSize + 1}
	resp, err := c.gl.Do(req, w)
	if err != nil {
		mapped := mapError(op, resp, err)
		var e *Error
		if errors.As(mapped, &e) && e.Status == http.StatusNotFound && errors.Is(mapped, forge.ErrNotFound) &&
			strings.Contains(strings.ToLower(e.Message), "file not found") {
			if cacheable {
				c.files.Put(key, fileEntry{})
			}
			return nil, false, nil
		}
		return nil, false, c.gone(ctx, repo, mapped)
	}
	data := w.buf.Bytes()
	if data == nil {
		data = []byte{}
	}
	if cacheable {
		c.files.Put(key, fileEntry{data: data, found: true})
	}
	return bytes.Clone(data), true, nil
}

// ListTree implements forge.Client: the paths of the regular files (not
// symbolic links, not submodules) of the project at a commit, sorted; all
// pages of the recursive tree.
func (c *Client) ListTree(ctx context.Context, repo forge.Repo, sha string) ([]string, error) {
	op := fmt.Sprintf("list the files of %s at %s", repo.FullName(), shortSHA(sha))
	if sha == "" {
		return nil, &Error{Forge: "gitlab", Op: op, Message: "a commit is needed"}
	}
	opts := &gl.ListTreeOptions{Ref: gl.Ptr(sha), Recursive: gl.Ptr(true), ListOptions: gl.ListOptions{PerPage: perPage}}
	var out []string
	var extra []gl.RequestOptionFunc
	for {
		page, resp, err := c.gl.Repositories.ListTree(pid(repo), opts, append([]gl.RequestOptionFunc{gl.WithContext(ctx)}, extra...)...)
		if err != nil {
			return nil, c.fail(ctx, repo, op, resp, err)
		}
		for _, n := range page {
			if n.Type == "blob" && n.Mode != "120000" && n.Path != "" {
				out = append(out, n.Path)
			}
		}
		switch {
		case resp.NextPage != 0:
			opts.Page = resp.NextPage
		case resp.NextLink != "" && len(page) > 0:
			// Keyset pagination (large trees).
			extra = []gl.RequestOptionFunc{gl.WithKeysetPaginationParameters(resp.NextLink)}
		default:
			sort.Strings(out)
			return out, nil
		}
	}
}

// BranchHead implements forge.Client: one call.
func (c *Client) BranchHead(ctx context.Context, repo forge.Repo, branch string) (string, error) {
	op := fmt.Sprintf("read branch %s of %s", branch, repo.FullName())
	if branch == "" {
		return "", &Error{Forge: "gitlab", Op: op, Message: "a branch is needed"}
	}
	b, resp, err := c.gl.Branches.GetBranch(pid(repo), branch, gl.WithContext(ctx))
	if err != nil {
		return "", c.fail(ctx, repo, op, resp, err)
	}
	if b.Commit == nil || b.Commit.ID == "" {
		return "", &Error{Forge: "gitlab", Op: op, Message: "GitLab's answer names no commit"}
	}
	return b.Commit.ID, nil
}
