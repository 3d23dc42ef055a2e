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
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/tmbot/tmbot/bot/cache"
	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/forge/retry"
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
