// Package forge is the interface that GitHub and GitLab both implement for
// the bot: read a request's files by commit, keep one review comment, set
// the check, and (for tracking) manage issues. The jobs that review and
// track are written against it; bot/forge/github and bot/forge/gitlab adapt
// the real APIs, and bot/forge/forgetest is an in-memory fake for tests.
//
// It imports bot/review for the file-change type only, and nothing that
// knows HTTP or a database.
package forge

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tmbot/tmbot/bot/review"
)

// Repo identifies a repository on a forge.
type Repo struct {
	// Forge is "github" or "gitlab".
	Forge string `json:"forge"`
	// Installation is the GitHub App installation the repository belongs
	// to (0 on GitLab).
	Installation int64 `json:"installation,omitempty"`
	// ID is the forge's numeric id of the repository (GitLab project id).
	ID int64 `json:"id,omitempty"`
	// Owner and Name: on GitHub the owner login and repository name; on
	// GitLab the namespace path and project path.
	Owner string `json:"owner"`
	Name  string `json:"name"`
	// DefaultBranch, when known.
	DefaultBranch string `json:"default_branch,omitempty"`
}

// FullName is owner/name.
func (r Repo) FullName() string { return r.Owner + "/" + r.Name }

// Key identifies the repository across forges and installations; jobs,
// locks and stored state use it. One installation never sees another's
// keys.
func (r Repo) Key() string {
	return fmt.Sprintf("%s:%d:%s", r.Forge, r.Installation, r.FullName())
}

// PullRequest is a pull (GitHub) or merge (GitLab) request.
type PullRequest struct {
	Repo    Repo   `json:"repo"`
	Number  int    `json:"number"`
	Title   string `json:"title,omitempty"`
	BaseRef string `json:"base_ref"`
	BaseSHA string `json:"base_sha"`
	HeadSHA string `json:"head_sha"`
	// HeadRepo is the full name of the repository the head lives in: a
	// fork's, for a request from a fork. Files are read through the base
	// repository by SHA all the same.
	HeadRepo string `json:"head_repo,omitempty"`
	Draft    bool   `json:"draft"`
	// State is open, closed or merged.
	State  string `json:"state"`
	Author string `json:"author,omitempty"`
}

// Key identifies the request: work for one request is serialised on it.
func (p PullRequest) Key() string { return fmt.Sprintf("%s#%d", p.Repo.Key(), p.Number) }

// Comment is a comment on a request or an issue.
type Comment struct {
	ID     int64  `json:"id"`
	Body   string `json:"body"`
	Author string `json:"author,omitempty"`
}

// Check is the result a request's head gets: a check run named "Threat
// model" on GitHub, a commit status "threat-model" on GitLab.
type Check struct {
	// Conclusion is success or failure.
	Conclusion string
	Title      string
	Summary    string // Markdown
	// Annotations on model lines (GitHub only; GitLab gets discussions).
	Annotations []review.Annotation
	// DetailsURL links to more (optional).
	DetailsURL string
	// Fresh says that no check of the bot's can exist yet for this head
	// (the first review of a new head, with no write begun before), so the
	// adapter may create it without looking for one first.
	Fresh bool
}

// The check's name on each forge (brief §6).
const (
	CheckName       = "Threat model"
	StatusName      = "threat-model"
	ConclusionOK    = "success"
	ConclusionBlock = "failure"
)

// Client is one forge's API for one installation (GitHub) or token
// (GitLab), as the review and the tracking need it.
type Client interface {
	// PullRequest reads a request as it is now.
	PullRequest(ctx context.Context, repo Repo, number int) (*PullRequest, error)
	// ListOpenPullRequests lists a repository's open requests (resync).
	ListOpenPullRequests(ctx context.Context, repo Repo) ([]PullRequest, error)
	// ChangedFiles lists the files a request changes (all pages).
	ChangedFiles(ctx context.Context, pr *PullRequest) ([]review.FileChange, error)
	// ReadFile reads a file of the repository at a commit; found is false
	// when it does not exist there.
	ReadFile(ctx context.Context, repo Repo, sha, path string) (data []byte, found bool, err error)

	// ListComments lists a request's comments (all pages).
	ListComments(ctx context.Context, pr *PullRequest) ([]Comment, error)
	// CreateComment comments on a request and returns the new comment.
	CreateComment(ctx context.Context, pr *PullRequest, body string) (*Comment, error)
	// UpdateComment replaces a comment's body. ErrNotFound when it is gone.
	UpdateComment(ctx context.Context, pr *PullRequest, id int64, body string) error

	// SetCheck gives the head its one check (created once per head, then
	// updated in place).
	SetCheck(ctx context.Context, pr *PullRequest, c Check) error

	// CanWrite reports whether a user may push to the repository (for
	// "/tmbot review" comments).
	CanWrite(ctx context.Context, repo Repo, user string) (bool, error)
}

// Errors callers branch on. Adapters wrap them with what was being done.
var (
	// ErrNotFound: the thing asked for does not exist (or the bot may not
	// see it).
	ErrNotFound = errors.New("not found")
	// ErrGone: the repository or request is gone or the installation
	// removed: the job ends cleanly.
	ErrGone = errors.New("gone")
)

// RateLimitError says the forge asks to wait until Until (primary or
// secondary rate limit). The job is postponed to then, not dropped.
type RateLimitError struct {
	Until  time.Time
	Reason string
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("rate limited until %s: %s", e.Until.UTC().Format(time.RFC3339), e.Reason)
}

// RetryAfter returns how long a rate-limit error asks to wait, and
// whether err is one.
func RetryAfter(err error, now time.Time) (time.Duration, bool) {
	var rl *RateLimitError
	if !errors.As(err, &rl) {
		return 0, false
	}
	d := rl.Until.Sub(now)
	if d < time.Second {
		d = time.Second
	}
	return d, true
}
