package github

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/tmbot/tmbot/bot/commitid"
	"github.com/tmbot/tmbot/bot/forge"
)

var _ forge.BlobReader = (*Client)(nil)

// Bounds of the listing cache: what Blobs learnt of a path at a commit.
const listingCacheEntries = 8192

type blobKey struct{ repo, id string }

// listed is a path at a commit as a complete listing gave it: a blob, or
// absent (found false).
type listed struct {
	blob  forge.Blob
	found bool
}

// Blobs implements forge.BlobReader: one call (the git trees API,
// recursive) for the whole commit, and none when every path was listed
// before at that commit. Only what a complete listing says is kept, the
// named paths alone, so a large repository's tree is not held.
//
// GitHub truncates a recursive listing past 100,000 entries or 7 MB; the
// answer is then marked incomplete, and the caller reads what is missing
// by path (ListTree walks such a tree level by level instead, which can
// take hundreds of calls: more than the reads it would save here).
func (c *Client) Blobs(ctx context.Context, repo forge.Repo, sha string, paths []string) (map[string]forge.Blob, bool, error) {
	op := fmt.Sprintf("list the files of %s at %s", repo.FullName(), shortSHA(sha))
	if sha == "" {
		return nil, false, &Error{Forge: "github", Op: op, Message: "a commit is needed"}
	}
	out := make(map[string]forge.Blob, len(paths))
	// Only what is read at a full commit id is cached: a branch moves.
	cacheable := commitid.Valid(sha)
	if cacheable {
		all := true
		for _, p := range paths {
			e, ok := c.listed.Get(fileKey{repo: repo.Key(), sha: sha, path: strings.Trim(p, "/")})
			if !ok {
				all = false
				break
			}
			if e.found {
				out[p] = e.blob
			}
		}
		if all {
			return out, true, nil
		}
		clear(out)
	}
	if len(paths) == 0 {
		return out, true, nil
	}
	want := make(map[string]string, len(paths)) // trimmed → as asked
	for _, p := range paths {
		want[strings.Trim(p, "/")] = p
	}
	t, _, err := c.gh.Git.GetTree(ctx, repo.Owner, repo.Name, sha, true)
	if err != nil {
		return nil, false, c.notFound(ctx, repo, c.mapError(op, err))
	}
	for _, e := range t.Entries {
		p, ok := want[e.GetPath()]
		if !ok {
			continue
		}
		b := forge.Blob{ID: e.GetSHA(), Size: int64(e.GetSize())}
		if e.GetType() != "blob" || e.GetMode() == "120000" || b.ID == "" {
			b = forge.Blob{Size: -1} // a link, a submodule: read by path
		}
		out[p] = b
	}
	complete := !t.GetTruncated()
	if cacheable {
		for trimmed, p := range want {
			b, found := out[p]
			if found || complete {
				c.listed.Put(fileKey{repo: repo.Key(), sha: sha, path: trimmed}, listed{blob: b, found: found})
			}
		}
	}
	return out, complete, nil
}

// ReadBlob implements forge.BlobReader: one call (the git blobs API, raw),
// and none when the same blob of the repository was read before. The
// content is cut at forge.MaxBlobRead bytes (go-github's GetBlobRaw reads
// an answer whole, whatever its size, so the request is sent through
// BareDo here).
func (c *Client) ReadBlob(ctx context.Context, repo forge.Repo, id string) ([]byte, error) {
	op := fmt.Sprintf("read blob %s in %s", shortSHA(id), repo.FullName())
	if !commitid.Valid(id) {
		return nil, &Error{Forge: "github", Op: op, Message: "a blob id (hex) is needed"}
	}
	key := blobKey{repo: repo.Key(), id: strings.ToLower(id)}
	if data, ok := c.blobs.Get(key); ok {
		return bytes.Clone(data), nil
	}
	u := fmt.Sprintf("repos/%s/%s/git/blobs/%s", url.PathEscape(repo.Owner), url.PathEscape(repo.Name), key.id)
	req, err := c.gh.NewRequest(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, &Error{Forge: "github", Op: op, Message: err.Error(), Cause: err}
	}
	req.Header.Set("Accept", rawMediaType)
	resp, err := c.gh.BareDo(req)
	if err != nil {
		return nil, c.notFound(ctx, repo, c.mapError(op, err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, forge.MaxBlobRead))
	if err != nil {
		return nil, c.mapError(op, err)
	}
	if data == nil {
		data = []byte{}
	}
	c.blobs.Put(key, data)
	return bytes.Clone(data), nil
}
