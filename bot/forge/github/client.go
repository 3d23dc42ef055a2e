package github

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v92/github"

	"github.com/tmbot/tmbot/bot/cache"
	"github.com/tmbot/tmbot/bot/commitid"
	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/review"
)

// MaxFileSize is the largest file ReadFile reads whole (brief §2: a model
// over 16 MiB is refused). A larger file is returned cut at MaxFileSize+1
// bytes, so that the loader sees it is too large without the bot holding
// all of it.
const MaxFileSize = 16 << 20

// Bounds of a Client's caches.
const (
	fileCacheEntries  = 512
	fileCacheBytes    = 64 << 20
	fileCacheLargest  = fileCacheBytes / 4 // a larger file would push out too much
	checkCacheEntries = 4096
	perPage           = 100
)

// rawMediaType asks the contents API for the file itself, in one call, for
// files up to 100 MB.
const rawMediaType = "application/vnd.github.raw+json"

var _ forge.Client = (*Client)(nil)

// Client is one installation's forge.Client. It is safe for concurrent use.
type Client struct {
	app          *App // nil for a token client (token.go)
	installation int64
	gh           *github.Client
	tr           *installationRoundTripper

	// A token client's identity, and the slug of the App whose check
	// runs it adopts (NewTokenClient).
	bot      forge.Identity
	checkApp string

	calls atomic.Int64

	rateMu        sync.Mutex
	rateKnown     bool
	rateRemaining int
	rateReset     time.Time

	files  *cache.LRU[fileKey, fileEntry]
	blobs  *cache.LRU[blobKey, []byte]
	listed *cache.LRU[fileKey, listed]
	checks *cache.LRU[string, checkState]
	locks  cache.KeyedMutex
}

type fileKey struct{ repo, sha, path string }

type fileEntry struct {
	data  []byte
	found bool
}

// withCaches gives a new Client its bounded caches (every kind of Client).
func withCaches(c *Client) *Client {
	c.files = cache.New[fileKey, fileEntry](cache.Limits{Entries: fileCacheEntries, Bytes: fileCacheBytes, ValueBytes: fileCacheLargest}, func(e fileEntry) int64 { return int64(len(e.data)) + 64 })
	c.blobs = cache.New[blobKey, []byte](cache.Limits{Entries: fileCacheEntries, Bytes: fileCacheBytes, ValueBytes: fileCacheLargest}, func(b []byte) int64 { return int64(len(b)) + 64 })
	c.listed = cache.New[fileKey, listed](cache.Limits{Entries: listingCacheEntries}, nil)
	c.checks = cache.New[string, checkState](cache.Limits{Entries: checkCacheEntries}, nil)
	return c
}

func newClient(a *App, installation int64) (*Client, error) {
	c := withCaches(&Client{app: a, installation: installation})
	c.tr = &installationRoundTripper{app: a, installation: installation,
		next: func(t *ghinstallation.Transport) http.RoundTripper { return &countingTransport{c: c, next: t} }}
	c.tr.cur.Store(a.installationTransport(installation))
	// Each call is retried in place (bot/forge/retry): every try goes
	// through the token and the count, bounded by the timeout; the call
	// as a whole by its context.
	gh, err := a.newGitHubTimeout(a.retry.Transport(c.tr, a.timeout), 0)
	if err != nil {
		return nil, err
	}
	c.gh = gh
	return c, nil
}

// countingTransport counts the calls that reach GitHub and keeps the
// rate-limit headers of the last answer.
type countingTransport struct {
	c    *Client
	next http.RoundTripper
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	var tokenErr *ghinstallation.HTTPError
	if err == nil || !errors.As(err, &tokenErr) {
		// A call that failed for want of a token never left.
		t.c.calls.Add(1)
	}
	if err == nil && resp != nil {
		t.c.noteRate(resp.Header)
	}
	return resp, err
}

func (c *Client) noteRate(h http.Header) {
	rem, err := strconv.Atoi(h.Get("X-RateLimit-Remaining"))
	if err != nil {
		return
	}
	reset, _ := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64)
	c.rateMu.Lock()
	defer c.rateMu.Unlock()
	c.rateKnown, c.rateRemaining = true, rem
	if reset > 0 {
		c.rateReset = time.Unix(reset, 0)
	}
}

// Installation is the installation the client acts for.
func (c *Client) Installation() int64 { return c.installation }

// Calls counts the API calls this client has made (token requests are not
// counted; a call go-github refused before sending, during a known rate
// limit, is not either).
func (c *Client) Calls() int64 { return c.calls.Load() }

// RateRemaining is what the last answer said of the primary rate limit:
// the calls left and when it resets; remaining is -1 before any answer.
func (c *Client) RateRemaining() (remaining int, reset time.Time) {
	c.rateMu.Lock()
	defer c.rateMu.Unlock()
	if !c.rateKnown {
		return -1, time.Time{}
	}
	return c.rateRemaining, c.rateReset
}

// GitHub is the underlying go-github client, for calls the forge interface
// does not have.
func (c *Client) GitHub() *github.Client { return c.gh }

// notFound wraps a 404 of a call on a repository: when the repository
// itself is gone (or no longer visible to the installation), it is
// forge.ErrGone. It costs one more call, only on a 404.
func (c *Client) notFound(ctx context.Context, repo forge.Repo, err error) error {
	if !errors.Is(err, forge.ErrNotFound) {
		return err
	}
	_, _, gerr := c.gh.Repositories.Get(ctx, repo.Owner, repo.Name)
	if gerr == nil {
		return err
	}
	if gone := c.mapError("read repository "+repo.FullName(), gerr); errors.Is(gone, forge.ErrNotFound) || errors.Is(gone, forge.ErrGone) {
		var e *Error
		if errors.As(err, &e) {
			cp := *e
			cp.Kind = forge.ErrGone
			cp.Message = "the repository is gone or the App no longer has access to it"
			return &cp
		}
	}
	return err
}

// PullRequest implements forge.Client.
func (c *Client) PullRequest(ctx context.Context, repo forge.Repo, number int) (*forge.PullRequest, error) {
	pr, _, err := c.gh.PullRequests.Get(ctx, repo.Owner, repo.Name, number)
	if err != nil {
		return nil, c.notFound(ctx, repo, c.mapError(fmt.Sprintf("read pull request %s#%d", repo.FullName(), number), err))
	}
	p := toPull(repo, pr)
	return &p, nil
}

func toPull(repo forge.Repo, pr *github.PullRequest) forge.PullRequest {
	base, head := pr.GetBase(), pr.GetHead()
	if repo.DefaultBranch == "" {
		repo.DefaultBranch = base.GetRepo().GetDefaultBranch()
	}
	if repo.ID == 0 {
		repo.ID = base.GetRepo().GetID()
	}
	if repo.Forge == "" {
		repo.Forge = "github"
	}
	state := pr.GetState()
	if pr.GetMerged() || pr.MergedAt != nil {
		state = "merged"
	}
	return forge.PullRequest{
		Repo: repo, Number: pr.GetNumber(), Title: pr.GetTitle(),
		BaseRef: base.GetRef(), BaseSHA: base.GetSHA(), HeadSHA: head.GetSHA(),
		HeadRepo: head.GetRepo().GetFullName(), Draft: pr.GetDraft(), State: state,
		Author: pr.GetUser().GetLogin(),
	}
}

// ListOpenPullRequests implements forge.Client (all pages).
func (c *Client) ListOpenPullRequests(ctx context.Context, repo forge.Repo) ([]forge.PullRequest, error) {
	opts := &github.PullRequestListOptions{State: "open", ListOptions: github.ListOptions{PerPage: perPage}}
	var out []forge.PullRequest
	for {
		prs, resp, err := c.gh.PullRequests.List(ctx, repo.Owner, repo.Name, opts)
		if err != nil {
			return nil, c.notFound(ctx, repo, c.mapError("list the open pull requests of "+repo.FullName(), err))
		}
		for _, pr := range prs {
			out = append(out, toPull(repo, pr))
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}

// ChangedFiles implements forge.Client (all pages; GitHub lists at most
// 3000 files of a pull request).
func (c *Client) ChangedFiles(ctx context.Context, pr *forge.PullRequest) ([]review.FileChange, error) {
	opts := &github.ListOptions{PerPage: perPage}
	var out []review.FileChange
	for {
		files, resp, err := c.gh.PullRequests.ListFiles(ctx, pr.Repo.Owner, pr.Repo.Name, pr.Number, opts)
		if err != nil {
			return nil, c.notFound(ctx, pr.Repo, c.mapError(fmt.Sprintf("list the files of pull request %s#%d", pr.Repo.FullName(), pr.Number), err))
		}
		for _, f := range files {
			fc := review.FileChange{Path: f.GetFilename(), Status: fileStatus(f.GetStatus())}
			if f.GetStatus() == "renamed" {
				fc.OldPath = f.GetPreviousFilename()
			}
			out = append(out, fc)
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}

// fileStatus maps GitHub's status of a pull request's file to
// review.FileChange's: a copy is a new file at its path; "changed" (mode
// only) and "unchanged" read as modified; anything unknown is left empty,
// so that both sides are read.
func fileStatus(s string) string {
	switch s {
	case "added", "copied":
		return review.FileAdded
	case "removed":
		return review.FileRemoved
	case "renamed":
		return review.FileRenamed
	case "modified", "changed", "unchanged":
		return review.FileModified
	}
	return ""
}

func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

// ReadFile implements forge.Client: one call (the contents API, raw), and
// none when the same file at the same commit was read before, found or
// not. A fork's commits are read through the base repository.
func (c *Client) ReadFile(ctx context.Context, repo forge.Repo, sha, path string) ([]byte, bool, error) {
	path = strings.Trim(path, "/")
	op := fmt.Sprintf("read %s at %s in %s", path, shortSHA(sha), repo.FullName())
	if sha == "" || path == "" {
		return nil, false, &Error{Forge: "github", Op: op, Message: "a commit and a path are needed"}
	}
	key := fileKey{repo: repo.Key(), sha: sha, path: path}
	// Only what is read at a full commit id is cached: a branch moves.
	cacheable := commitid.Valid(sha)
	if cacheable {
		if e, ok := c.files.Get(key); ok {
			return bytes.Clone(e.data), e.found, nil
		}
	}
	u := fmt.Sprintf("repos/%s/%s/contents/%s?ref=%s", url.PathEscape(repo.Owner), url.PathEscape(repo.Name),
		escapePath(path), url.QueryEscape(sha))
	req, err := c.gh.NewRequest(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, false, &Error{Forge: "github", Op: op, Message: err.Error(), Cause: err}
	}
	req.Header.Set("Accept", rawMediaType)
	resp, err := c.gh.BareDo(req)
	if err != nil {
		mapped := c.mapError(op, err)
		var e *Error
		if errors.Is(mapped, forge.ErrNotFound) && errors.As(mapped, &e) && !strings.HasPrefix(e.Message, "No commit found") {
			if cacheable {
				c.files.Put(key, fileEntry{})
			}
			return nil, false, nil
		}
		return nil, false, mapped
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxFileSize+1))
	if err != nil {
		return nil, false, c.mapError(op, err)
	}
	if data == nil {
		data = []byte{}
	}
	if cacheable {
		c.files.Put(key, fileEntry{data: data, found: true})
	}
	return bytes.Clone(data), true, nil
}

func shortSHA(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

// ListComments implements forge.Client (all pages, oldest first).
func (c *Client) ListComments(ctx context.Context, pr *forge.PullRequest) ([]forge.Comment, error) {
	opts := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: perPage}}
	var out []forge.Comment
	for {
		cs, resp, err := c.gh.Issues.ListComments(ctx, pr.Repo.Owner, pr.Repo.Name, pr.Number, opts)
		if err != nil {
			return nil, c.notFound(ctx, pr.Repo, c.mapError(fmt.Sprintf("list the comments of %s#%d", pr.Repo.FullName(), pr.Number), err))
		}
		for _, cm := range cs {
			out = append(out, forge.Comment{ID: cm.GetID(), Body: cm.GetBody(), Author: cm.GetUser().GetLogin(), AuthorID: cm.GetUser().GetID()})
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}

// CreateComment implements forge.Client.
func (c *Client) CreateComment(ctx context.Context, pr *forge.PullRequest, body string) (*forge.Comment, error) {
	cm, _, err := c.gh.Issues.CreateComment(ctx, pr.Repo.Owner, pr.Repo.Name, pr.Number, github.IssueCommentRequest{Body: body})
	if err != nil {
		return nil, c.notFound(ctx, pr.Repo, c.mapError(fmt.Sprintf("comment on %s#%d", pr.Repo.FullName(), pr.Number), err))
	}
	return &forge.Comment{ID: cm.GetID(), Body: cm.GetBody(), Author: cm.GetUser().GetLogin(), AuthorID: cm.GetUser().GetID()}, nil
}

// UpdateComment implements forge.Client: forge.ErrNotFound when the
// comment is gone, forge.ErrGone when the repository is.
func (c *Client) UpdateComment(ctx context.Context, pr *forge.PullRequest, id int64, body string) error {
	_, _, err := c.gh.Issues.UpdateComment(ctx, pr.Repo.Owner, pr.Repo.Name, id, github.IssueCommentRequest{Body: body})
	if err != nil {
		return c.notFound(ctx, pr.Repo, c.mapError(fmt.Sprintf("edit comment %d on %s#%d", id, pr.Repo.FullName(), pr.Number), err))
	}
	return nil
}

// CanWrite implements forge.Client: admin, maintain and write may; a user
// GitHub does not know may not.
func (c *Client) CanWrite(ctx context.Context, repo forge.Repo, user string) (bool, error) {
	if user == "" {
		return false, nil
	}
	p, _, err := c.gh.Repositories.GetPermissionLevel(ctx, repo.Owner, repo.Name, user)
	if err != nil {
		mapped := c.mapError(fmt.Sprintf("read the permission of %s on %s", user, repo.FullName()), err)
		if errors.Is(mapped, forge.ErrNotFound) {
			return false, nil
		}
		return false, mapped
	}
	switch p.GetRoleName() {
	case "admin", "maintain", "write":
		return true, nil
	}
	switch p.GetPermission() {
	case "admin", "maintain", "write":
		return true, nil
	}
	return false, nil
}
