package github

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/google/go-github/v92/github"

	"github.com/tmbot/tmbot/bot/forge"
)

// maxTreeCalls bounds the calls ListTree makes for one commit when GitHub
// truncates the recursive listing (over 100,000 entries or 7 MB): past it
// the tree is refused as too large.
const maxTreeCalls = 1000

// ListTree implements forge.Client: the paths of the regular files
// (blobs; not symbolic links, not submodules) of the repository at a
// commit, sorted. sha may be a commit id or a branch name.
//
// It costs one call (the git trees API, recursive). When GitHub truncates
// the recursive listing, ListTree lists the root tree alone and then each
// subtree recursively, and a subtree that is truncated again level by
// level, in at most maxTreeCalls calls; a tree that needs more is refused
// with an error that says it is too large. Nothing is cached: callers that
// list the default branch again should compare BranchHead with the commit
// they listed last.
func (c *Client) ListTree(ctx context.Context, repo forge.Repo, sha string) ([]string, error) {
	op := fmt.Sprintf("list the files of %s at %s", repo.FullName(), shortSHA(sha))
	if sha == "" {
		return nil, &Error{Forge: "github", Op: op, Message: "a commit is needed"}
	}
	t, _, err := c.gh.Git.GetTree(ctx, repo.Owner, repo.Name, sha, true)
	if err != nil {
		return nil, c.notFound(ctx, repo, c.mapError(op, err))
	}
	var out []string
	if !t.GetTruncated() {
		out = appendBlobs(out, "", t.Entries)
	} else {
		calls := 1
		out, err = c.walkTree(ctx, repo, op, sha, "", false, &calls, out)
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(out)
	return out, nil
}

// walkTree lists a tree whose recursive listing was truncated: this level
// alone, then each subtree recursively (and level by level again when that
// is truncated too).
func (c *Client) walkTree(ctx context.Context, repo forge.Repo, op, sha, prefix string, recursive bool, calls *int, out []string) ([]string, error) {
	if *calls >= maxTreeCalls {
		return nil, &Error{Forge: "github", Op: op, Message: fmt.Sprintf("the tree is too large to list (GitHub truncates it, and walking it needs more than %d calls)", maxTreeCalls)}
	}
	*calls++
	t, _, err := c.gh.Git.GetTree(ctx, repo.Owner, repo.Name, sha, recursive)
	if err != nil {
		return nil, c.notFound(ctx, repo, c.mapError(fmt.Sprintf("%s: list %s", op, strings.TrimSuffix(prefix, "/")), err))
	}
	if recursive && !t.GetTruncated() {
		return appendBlobs(out, prefix, t.Entries), nil
	}
	if recursive {
		// Truncated again: this level alone.
		return c.walkTree(ctx, repo, op, sha, prefix, false, calls, out)
	}
	for _, e := range t.Entries {
		switch e.GetType() {
		case "blob":
			out = appendBlobs(out, prefix, []*github.TreeEntry{e})
		case "tree":
			if e.GetSHA() == "" {
				continue
			}
			out, err = c.walkTree(ctx, repo, op, e.GetSHA(), prefix+e.GetPath()+"/", true, calls, out)
			if err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// appendBlobs adds the regular files among tree entries.
func appendBlobs(out []string, prefix string, entries []*github.TreeEntry) []string {
	for _, e := range entries {
		if e.GetType() != "blob" || e.GetMode() == "120000" || e.GetPath() == "" {
			continue
		}
		out = append(out, prefix+e.GetPath())
	}
	return out
}

// BranchHead implements forge.Client: one call (GET
// /repos/{owner}/{repo}/branches/{branch}). It is sent through go-github's
// Do rather than Repositories.GetBranch, which reads error answers itself
// and so would hide GitHub's status (404: forge.ErrNotFound) and its rate
// limits.
func (c *Client) BranchHead(ctx context.Context, repo forge.Repo, branch string) (string, error) {
	op := fmt.Sprintf("read branch %s of %s", branch, repo.FullName())
	if branch == "" {
		return "", &Error{Forge: "github", Op: op, Message: "a branch is needed"}
	}
	u := fmt.Sprintf("repos/%s/%s/branches/%s", url.PathEscape(repo.Owner), url.PathEscape(repo.Name), url.PathEscape(branch))
	req, err := c.gh.NewRequest(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", &Error{Forge: "github", Op: op, Message: err.Error(), Cause: err}
	}
	var b github.Branch
	if _, err := c.gh.Do(req, &b); err != nil {
		return "", c.notFound(ctx, repo, c.mapError(op, err))
	}
	sha := b.GetCommit().GetSHA()
	if sha == "" {
		return "", &Error{Forge: "github", Op: op, Message: "GitHub's answer names no commit"}
	}
	return sha, nil
}
