package gitlab

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/tmbot/tmbot/bot/cache"
	"github.com/tmbot/tmbot/bot/commitid"
	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/forge/retry"
	"github.com/tmbot/tmbot/bot/review"
)

// MaxFileSize is the largest file ReadFile reads whole (brief §2: a model
// over 16 MiB is refused). A larger file is returned cut at MaxFileSize+1
// bytes, so that the loader sees it is too large without the bot holding
// all of it.
const MaxFileSize = 16 << 20

// DefaultTimeout bounds one API call when the http.Client given to New
// sets no timeout of its own.
const DefaultTimeout = 60 * time.Second

// GitLab's limits on what the bot writes.
const (
	// MaxNoteBody: "Note is too long (maximum is 1000000 characters)".
	MaxNoteBody = 1_000_000
	// MaxIssueDescription: an issue's description holds 1,048,576
	// characters at most.
	MaxIssueDescription = 1_048_576
	// MaxStatusDescription: a commit status's description holds 255
	// characters at most.
	MaxStatusDescription = 255
)

// Bounds of a Client's caches.
const (
	fileCacheEntries = 512
	fileCacheBytes   = 64 << 20
	fileCacheLargest = fileCacheBytes / 4 // a larger file would push out too much
	smallCache       = 4096
	perPage          = 100
)

// Access levels (GitLab's Developer may push; any member may be assigned).
const (
	accessGuest     = 10
	accessDeveloper = 30
)

var _ forge.Client = (*Client)(nil)

// Client is a forge.Client for one GitLab instance and one token (a project,
// group or personal access token with the api scope). It is safe for
// concurrent use.
type Client struct {
	gl   *gl.Client
	root string // the instance root, without a trailing slash

	calls atomic.Int64

	rateMu        sync.Mutex
	rateKnown     bool
	rateRemaining int
	rateReset     time.Time

	files    *cache.LRU[fileKey, fileEntry]
	statuses *cache.LRU[string, string]     // repo@head → fingerprint of the status written
	findings *cache.LRU[string, string]     // repo#iid → fingerprint of the findings it has discussions for
	noDisc   *cache.LRU[string, bool]       // repo#iid → the bot has no finding discussion there
	mrs      *cache.LRU[string, mrInfo]     // repo#iid → what the API said of it
	diffs    *cache.LRU[string, []fileDiff] // repo#iid@head → the diffs, for positions
	users    *cache.LRU[string, int64]      // lower-case username → id (0: no such user)
	locks    cache.KeyedMutex

	botMu sync.Mutex
	bot   forge.Identity // the token's user, once read
}

type fileKey struct{ repo, sha, path string }

type fileEntry struct {
	data  []byte
	found bool
}

// mrInfo is what the adapter keeps of a merge request it read.
type mrInfo struct {
	head, base, start string
	sourceBranch      string
	sourceProject     int64
	targetProject     int64
}

// New makes a client for the GitLab instance at baseURL (its root, e.g.
// https://gitlab.example.com; /api/v4 is added, and a root given with
// /api/v4 or a trailing slash is accepted) with an access token. It makes
// no call. httpClient, optional, gives the transport and timeout.
//
// Each call is retried in place by client-go's own retrying client
// (go-retryablehttp), configured with retry's default policy: see
// NewWithRetry. client-go's client-side rate limiter is off: a rate limit
// that asks for a long wait postpones the job (*forge.RateLimitError).
func New(baseURL, token string, httpClient *http.Client) (*Client, error) {
	return NewWithRetry(baseURL, token, httpClient, nil)
}

// NewWithRetry is New with the policy by which calls are retried in place
// (nil: retry's defaults; &retry.Off: never). httpClient's timeout bounds
// each try.
func NewWithRetry(baseURL, token string, httpClient *http.Client, policy *retry.Policy) (*Client, error) {
	var p retry.Policy
	if policy != nil {
		p = *policy
	}
	root, err := NormalizeURL(baseURL)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(token) == "" {
		return nil, errors.New("gitlab: an access token is needed")
	}
	base := http.DefaultTransport
	timeout := DefaultTimeout
	if httpClient != nil {
		if httpClient.Transport != nil {
			base = httpClient.Transport
		}
		timeout = httpClient.Timeout
	}
	c := &Client{root: root,
		files:    cache.New[fileKey, fileEntry](cache.Limits{Entries: fileCacheEntries, Bytes: fileCacheBytes, ValueBytes: fileCacheLargest}, func(e fileEntry) int64 { return int64(len(e.data)) + 64 }),
		statuses: cache.New[string, string](cache.Limits{Entries: smallCache}, nil),
		findings: cache.New[string, string](cache.Limits{Entries: smallCache}, nil),
		noDisc:   cache.New[string, bool](cache.Limits{Entries: smallCache}, nil),
		mrs:      cache.New[string, mrInfo](cache.Limits{Entries: smallCache}, nil),
		diffs: cache.New[string, []fileDiff](cache.Limits{Entries: 64, Bytes: 32 << 20, ValueBytes: 8 << 20}, func(ds []fileDiff) int64 {
			var n int64
			for _, d := range ds {
				n += int64(len(d.newPath)+len(d.oldPath)) + int64(len(d.lines))*16 + 64
			}
			return n
		}),
		users: cache.New[string, int64](cache.Limits{Entries: smallCache}, nil),
	}
	hc := &http.Client{Transport: &countingTransport{c: c, next: base}, Timeout: timeout}
	g, err := gl.NewClient(token,
		gl.WithBaseURL(root+"/api/v4"),
		gl.WithHTTPClient(hc),
		// client-go's retrying client, given bot/forge/retry's policy:
		// creates (POST) are not sent again after a 5xx, waits asked for
		// are honoured up to the policy's MaxWait.
		gl.WithCustomRetry(p.CheckRetry),
		gl.WithCustomBackoff(p.Backoff),
		gl.WithCustomRetryMax(p.Retries()),
		gl.WithCustomLimiter(noLimit{}),
		gl.WithUserAgent("tmbot"),
		gl.WithURLWarningLogger(slog.New(slog.DiscardHandler)),
	)
	if err != nil {
		return nil, fmt.Errorf("gitlab: %w", err)
	}
	c.gl = g
	return c, nil
}

// NormalizeURL checks an instance root and gives it without a trailing
// slash and without /api/v4.
func NormalizeURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("gitlab: the instance URL is empty (TMBOT_GITLAB_URL, e.g. https://gitlab.example.com)")
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("gitlab: %q is not an http(s) URL of a GitLab instance", s)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("gitlab: the instance URL must have no query, fragment or credentials")
	}
	p := strings.TrimRight(u.Path, "/")
	p = strings.TrimSuffix(p, "/api/v4")
	u.Path, u.RawPath = strings.TrimRight(p, "/"), ""
	return strings.TrimRight(u.String(), "/"), nil
}

type noLimit struct{}

func (noLimit) Wait(context.Context) error { return nil }

// countingTransport counts the calls that reach GitLab, and keeps the
// message of a 404 answer (see messageHeader).
type countingTransport struct {
	c    *Client
	next http.RoundTripper
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	t.c.calls.Add(1)
	if err == nil && resp != nil {
		t.c.noteRate(resp.Header)
	}
	if err == nil && resp != nil && resp.StatusCode == http.StatusNotFound && resp.Body != nil {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(data))
		var body struct {
			Message any    `json:"message"`
			Error   string `json:"error"`
		}
		if json.Unmarshal(data, &body) == nil {
			msg := body.Error
			if s, ok := body.Message.(string); ok && s != "" {
				msg = s
			}
			if msg != "" {
				resp.Header.Set(messageHeader, msg)
			}
		}
	}
	return resp, err
}

// Calls counts the API calls this client has made.
func (c *Client) Calls() int64 { return c.calls.Load() }

// URL is the instance root the client talks to.
func (c *Client) URL() string { return c.root }

// GitLab is the underlying client-go client, for calls the forge interface
// does not have.
func (c *Client) GitLab() *gl.Client { return c.gl }

// pid names a project in API paths: its id when known (it survives
// renames), else its full path.
func pid(repo forge.Repo) any {
	if repo.ID != 0 {
		return repo.ID
	}
	return repo.FullName()
}

func mrKey(repo forge.Repo, iid int) string { return fmt.Sprintf("%s#%d", repo.Key(), iid) }

// gone maps a 403 of a call on a project: when the project itself cannot
// be read any more it is forge.ErrGone. It costs one more call, only on a
// 403 (a 404 says itself whether the project is gone).
func (c *Client) gone(ctx context.Context, repo forge.Repo, err error) error {
	if !isStatus(err, http.StatusForbidden) {
		return err
	}
	_, resp, perr := c.gl.Projects.GetProject(pid(repo), nil, gl.WithContext(ctx))
	if perr == nil {
		return err
	}
	mapped := mapError("read project "+repo.FullName(), resp, perr)
	if errors.Is(mapped, forge.ErrGone) || errors.Is(mapped, forge.ErrNotFound) || isStatus(mapped, http.StatusForbidden) {
		var e *Error
		if errors.As(err, &e) {
			cp := *e
			cp.Kind = forge.ErrGone
			cp.Message = "the project is gone or the token may no longer use it: " + e.Message
			return &cp
		}
	}
	return err
}

func (c *Client) fail(ctx context.Context, repo forge.Repo, op string, resp *gl.Response, err error) error {
	return c.gone(ctx, repo, mapError(op, resp, err))
}

// PullRequest implements forge.Client: the merge request with its diff
// refs (one call; a second, for the target branch's head, only while
// GitLab has not computed the diff yet). BaseSHA is the merge base
// (diff_refs.base_sha): the review compares what the request changes.
func (c *Client) PullRequest(ctx context.Context, repo forge.Repo, number int) (*forge.PullRequest, error) {
	op := fmt.Sprintf("read merge request %s!%d", repo.FullName(), number)
	mr, resp, err := c.gl.MergeRequests.GetMergeRequest(pid(repo), int64(number), nil, gl.WithContext(ctx))
	if err != nil {
		return nil, c.fail(ctx, repo, op, resp, err)
	}
	p, err := c.toPull(ctx, repo, &mr.BasicMergeRequest, &mr.DiffRefs)
	if err != nil {
		return nil, err
	}
	return &p, nil
}

func (c *Client) toPull(ctx context.Context, repo forge.Repo, mr *gl.BasicMergeRequest, refs *gl.MergeRequestDiffRefs) (forge.PullRequest, error) {
	if repo.Forge == "" {
		repo.Forge = "gitlab"
	}
	if repo.ID == 0 {
		repo.ID = mr.ProjectID
	}
	head := mr.SHA
	if head == "" && refs != nil {
		head = refs.HeadSha
	}
	info := mrInfo{head: head, sourceBranch: mr.SourceBranch, sourceProject: mr.SourceProjectID, targetProject: mr.TargetProjectID}
	if refs != nil && (refs.HeadSha == "" || refs.HeadSha == head) {
		info.base, info.start = refs.BaseSha, refs.StartSha
	}
	base := info.base
	if base == "" {
		base = info.start
	}
	if base == "" {
		// GitLab computes the diff after the request opens: until then
		// the target branch's head stands for the base.
		sha, err := c.BranchHead(ctx, repo, mr.TargetBranch)
		if err != nil {
			return forge.PullRequest{}, err
		}
		base = sha
	} else {
		c.mrs.Put(mrKey(repo, int(mr.IID)), info)
	}
	state := mr.State
	switch state {
	case "opened", "locked":
		state = "open"
	case "merged", "closed":
	default:
		if mr.MergedAt != nil {
			state = "merged"
		}
	}
	headRepo := repo.FullName()
	if mr.SourceProjectID != 0 && mr.TargetProjectID != 0 && mr.SourceProjectID != mr.TargetProjectID {
		headRepo = "project:" + strconv.FormatInt(mr.SourceProjectID, 10)
	}
	author := ""
	if mr.Author != nil {
		author = mr.Author.Username
	}
	return forge.PullRequest{Repo: repo, Number: int(mr.IID), Title: mr.Title, BaseRef: mr.TargetBranch,
		BaseSHA: base, HeadSHA: head, HeadRepo: headRepo, Draft: mr.Draft, State: state,
		Author: author}, nil
}

// ListOpenPullRequests implements forge.Client: the open merge requests,
// all pages, each with its base. GitLab's list has no diff refs, so each
// request whose head the client has not seen costs one more call.
func (c *Client) ListOpenPullRequests(ctx context.Context, repo forge.Repo) ([]forge.PullRequest, error) {
	op := "list the open merge requests of " + repo.FullName()
	opts := &gl.ListProjectMergeRequestsOptions{State: gl.Ptr("opened"), OrderBy: gl.Ptr("created_at"), Sort: gl.Ptr("asc"),
		ListOptions: gl.ListOptions{PerPage: perPage}}
	var out []forge.PullRequest
	for {
		page, resp, err := c.gl.MergeRequests.ListProjectMergeRequests(pid(repo), opts, gl.WithContext(ctx))
		if err != nil {
			return nil, c.fail(ctx, repo, op, resp, err)
		}
		for _, mr := range page {
			info, ok := c.mrs.Get(mrKey(repo, int(mr.IID)))
			if ok && info.head == mr.SHA && info.base != "" {
				p, err := c.toPull(ctx, repo, mr, &gl.MergeRequestDiffRefs{BaseSha: info.base, StartSha: info.start, HeadSha: info.head})
				if err != nil {
					return nil, err
				}
				out = append(out, p)
				continue
			}
			p, err := c.PullRequest(ctx, repo, int(mr.IID))
			if err != nil {
				if errors.Is(err, forge.ErrNotFound) {
					continue // gone meanwhile
				}
				return nil, err
			}
			if p.State == "open" {
				out = append(out, *p)
			}
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}

// ChangedFiles implements forge.Client: the merge request's diffs, all
// pages. A request from a fork is listed through the target project. The
// diffs are kept for the positions of the findings' discussions.
func (c *Client) ChangedFiles(ctx context.Context, pr *forge.PullRequest) ([]review.FileChange, error) {
	op := fmt.Sprintf("list the changes of merge request %s!%d", pr.Repo.FullName(), pr.Number)
	opts := &gl.ListMergeRequestDiffsOptions{ListOptions: gl.ListOptions{PerPage: perPage}}
	var out []review.FileChange
	var diffs []fileDiff
	for {
		page, resp, err := c.gl.MergeRequests.ListMergeRequestDiffs(pid(pr.Repo), int64(pr.Number), opts, gl.WithContext(ctx))
		if err != nil {
			return nil, c.fail(ctx, pr.Repo, op, resp, err)
		}
		for _, d := range page {
			fc := review.FileChange{Path: d.NewPath}
			if d.DeletedFile && d.OldPath != "" {
				fc.Path = d.OldPath
			}
			switch {
			case d.NewFile:
				fc.Status = review.FileAdded
			case d.DeletedFile:
				fc.Status = review.FileRemoved
			case d.RenamedFile && d.OldPath != d.NewPath:
				fc.Status = review.FileRenamed
			default:
				fc.Status = review.FileModified
			}
			if d.RenamedFile && d.OldPath != d.NewPath {
				fc.OldPath = d.OldPath
			}
			out = append(out, fc)
			if !d.DeletedFile {
				diffs = append(diffs, parseDiff(d.OldPath, d.NewPath, d.NewFile, d.Diff))
			}
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	if pr.HeadSHA != "" {
		c.diffs.Put(fmt.Sprintf("%s@%s", mrKey(pr.Repo, pr.Number), pr.HeadSHA), diffs)
	}
	return out, nil
}

func shortSHA(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

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

// ListComments implements forge.Client: the merge request's notes, all
// pages, oldest first; system notes ("added 1 commit") are left out.
func (c *Client) ListComments(ctx context.Context, pr *forge.PullRequest) ([]forge.Comment, error) {
	op := fmt.Sprintf("list the notes of %s!%d", pr.Repo.FullName(), pr.Number)
	opts := &gl.ListMergeRequestNotesOptions{OrderBy: gl.Ptr("created_at"), Sort: gl.Ptr("asc"),
		ListOptions: gl.ListOptions{PerPage: perPage}}
	var out []forge.Comment
	for {
		page, resp, err := c.gl.Notes.ListMergeRequestNotes(pid(pr.Repo), int64(pr.Number), opts, gl.WithContext(ctx))
		if err != nil {
			return nil, c.fail(ctx, pr.Repo, op, resp, err)
		}
		for _, n := range page {
			if n.System {
				continue
			}
			out = append(out, forge.Comment{ID: n.ID, Body: n.Body, Author: n.Author.Username, AuthorID: n.Author.ID})
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}

// CreateComment implements forge.Client: a note on the merge request.
func (c *Client) CreateComment(ctx context.Context, pr *forge.PullRequest, body string) (*forge.Comment, error) {
	op := fmt.Sprintf("comment on %s!%d", pr.Repo.FullName(), pr.Number)
	n, resp, err := c.gl.Notes.CreateMergeRequestNote(pid(pr.Repo), int64(pr.Number),
		&gl.CreateMergeRequestNoteOptions{Body: gl.Ptr(forge.Cut(body, MaxNoteBody))}, gl.WithContext(ctx))
	if err != nil {
		return nil, c.fail(ctx, pr.Repo, op, resp, err)
	}
	return &forge.Comment{ID: n.ID, Body: n.Body, Author: n.Author.Username, AuthorID: n.Author.ID}, nil
}

// UpdateComment implements forge.Client: forge.ErrNotFound when the note is
// gone, forge.ErrGone when the project is.
func (c *Client) UpdateComment(ctx context.Context, pr *forge.PullRequest, id int64, body string) error {
	op := fmt.Sprintf("edit note %d on %s!%d", id, pr.Repo.FullName(), pr.Number)
	_, resp, err := c.gl.Notes.UpdateMergeRequestNote(pid(pr.Repo), int64(pr.Number), id,
		&gl.UpdateMergeRequestNoteOptions{Body: gl.Ptr(forge.Cut(body, MaxNoteBody))}, gl.WithContext(ctx))
	if err != nil {
		return c.fail(ctx, pr.Repo, op, resp, err)
	}
	return nil
}

// userID finds a user's id by username (cached; 0 when there is none).
func (c *Client) userID(ctx context.Context, username string) (int64, error) {
	username = strings.TrimPrefix(strings.TrimSpace(username), "@")
	if username == "" {
		return 0, nil
	}
	k := strings.ToLower(username)
	if id, ok := c.users.Get(k); ok {
		return id, nil
	}
	users, resp, err := c.gl.Users.ListUsers(&gl.ListUsersOptions{Username: gl.Ptr(username)}, gl.WithContext(ctx))
	if err != nil {
		return 0, mapError("look up user "+username, resp, err)
	}
	var id int64
	for _, u := range users {
		if strings.EqualFold(u.Username, username) {
			id = u.ID
			break
		}
	}
	c.users.Put(k, id)
	return id, nil
}

// accessLevel is a user's access to a project, direct or inherited from
// its groups (0 when the user is no member).
func (c *Client) accessLevel(ctx context.Context, repo forge.Repo, username string) (int, error) {
	id, err := c.userID(ctx, username)
	if err != nil || id == 0 {
		return 0, err
	}
	m, resp, err := c.gl.ProjectMembers.GetInheritedProjectMember(pid(repo), id, gl.WithContext(ctx))
	if err != nil {
		mapped := c.fail(ctx, repo, fmt.Sprintf("read the membership of %s in %s", username, repo.FullName()), resp, err)
		if errors.Is(mapped, forge.ErrNotFound) && !errors.Is(mapped, forge.ErrGone) {
			return 0, nil
		}
		return 0, mapped
	}
	if m.State != "" && m.State != "active" {
		return 0, nil
	}
	return int(m.AccessLevel), nil
}

// CanWrite implements forge.Client: Developer (30) or more, directly or
// through a group, may push.
func (c *Client) CanWrite(ctx context.Context, repo forge.Repo, user string) (bool, error) {
	lvl, err := c.accessLevel(ctx, repo, user)
	return lvl >= accessDeveloper, err
}

// CanAssign implements forge.Client: a member of the project (Guest or
// more, directly or through a group) can be assigned its issues.
func (c *Client) CanAssign(ctx context.Context, repo forge.Repo, user string) (bool, error) {
	lvl, err := c.accessLevel(ctx, repo, user)
	return lvl >= accessGuest, err
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

// BotLogin implements forge.Client: the username of the token's user (for
// a project or group access token, its bot user), read once.
func (c *Client) BotLogin(ctx context.Context) (string, error) {
	id, err := c.Bot(ctx)
	return id.Login, err
}

// Bot implements forge.Client: the token's user, its username and id
// (GET /user), read once and kept.
func (c *Client) Bot(ctx context.Context) (forge.Identity, error) {
	c.botMu.Lock()
	defer c.botMu.Unlock()
	if c.bot.Login != "" {
		return c.bot, nil
	}
	const op = "read the token's user (GET /user)"
	u, resp, err := c.gl.Users.CurrentUser(gl.WithContext(ctx))
	if err != nil {
		return forge.Identity{}, mapError(op, resp, err)
	}
	if u.Username == "" || u.ID == 0 {
		return forge.Identity{}, &Error{Forge: "gitlab", Op: op, Message: "GitLab's answer names no username or id"}
	}
	c.bot = forge.Identity{Login: u.Username, ID: u.ID}
	return c.bot, nil
}

// noteRate keeps what an answer said of the rate limit (GitLab.com sends
// RateLimit-Remaining and RateLimit-Reset, a Unix time; a self-managed
// instance may send neither).
func (c *Client) noteRate(h http.Header) {
	rem, err := strconv.Atoi(h.Get("RateLimit-Remaining"))
	if err != nil {
		return
	}
	c.rateMu.Lock()
	defer c.rateMu.Unlock()
	c.rateKnown, c.rateRemaining = true, rem
	if reset, err := strconv.ParseInt(h.Get("RateLimit-Reset"), 10, 64); err == nil {
		c.rateReset = time.Unix(reset, 0)
	}
}

// RateRemaining is what the last answer said of the rate limit: the calls
// left and when it resets; remaining is -1 before any answer that said.
func (c *Client) RateRemaining() (remaining int, reset time.Time) {
	c.rateMu.Lock()
	defer c.rateMu.Unlock()
	if !c.rateKnown {
		return -1, time.Time{}
	}
	return c.rateRemaining, c.rateReset
}
