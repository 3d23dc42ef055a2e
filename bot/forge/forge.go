// Package forge is the interface that GitHub and GitLab both implement for
// the bot: read a request's files by commit, keep one review comment, set
// the check, and (for tracking) manage issues. The jobs that review and
// track are written against it; bot/forge/github and bot/forge/gitlab adapt
// the real APIs; bot/forge/forgefake is an in-memory fake for unit tests
// of the jobs, and bot/forge/forgetest holds the faults the HTTP-level
// fakes (githubtest, gitlabtest) inject. event.go names what a webhook
// delivery asks of the service in words of no forge (a review and its
// Trigger, a request closed or merged, the default branch moved…): each
// adapter parses its own deliveries into those events.
//
// It imports bot/review for the file-change type and the check's values
// (findings and summary), bot/markdown for its one cut, and nothing that
// knows HTTP or a database.
package forge

import (
	"context"
	"errors"
	"fmt"
	"strings"
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
	ID   int64  `json:"id"`
	Body string `json:"body"`
	// Author and AuthorID are who wrote it, as the forge says (the login,
	// and the user's numeric id; 0 when the forge gave none).
	Author   string `json:"author,omitempty"`
	AuthorID int64  `json:"author_id,omitempty"`
}

// Identity is who the bot writes as: on GitHub the App's "<slug>[bot]"
// user, on GitLab the token's user. The bot adopts (edits, resolves,
// closes) only what this identity wrote: anyone can write a comment that
// starts with the bot's marker.
type Identity struct {
	// Login is the user's login ("tmbot[bot]", "project_7_bot_1f2e").
	Login string `json:"login"`
	// ID is the user's numeric id, 0 when unknown (GitHub's GET /app does
	// not give the bot user's id; its login, which ends in "[bot]", is one
	// no person can take).
	ID int64 `json:"id,omitempty"`
}

// Wrote reports whether something written by (login, id) is the bot's.
// Ids are compared when both are known (a GitLab user can change their
// username, not their id), logins otherwise, without regard to case. An
// empty identity wrote nothing.
func (b Identity) Wrote(login string, id int64) bool {
	if b.ID != 0 && id != 0 {
		return b.ID == id
	}
	return b.Login != "" && strings.EqualFold(b.Login, login)
}

// Check is the result a request's head gets: a check run named "Threat
// model" on GitHub, a commit status "threat-model" on GitLab. It carries
// what the review found as values, uncut: each adapter decides how to
// show them and keeps them within its platform's limits (GitHub: check-run
// annotations, 50 to a request; GitLab: a discussion on the line of each
// error the diff shows).
type Check struct {
	// Conclusion is success or failure.
	Conclusion string
	// Title is one plain line: the verdict.
	Title string
	// Summary is the verdict told in Markdown (GitHub shows it on the
	// check run; GitLab's status has no room for it).
	Summary review.CheckSummary
	// Findings are what the review says about lines of files.
	Findings []review.CheckFinding
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

// How the adapters know a tracking issue in a webhook, before any
// configuration is read: by the default label or by the hidden marker that
// bot/track writes into every issue it opens.
const (
	// TrackingLabel is the tracking issues' label when .tmbot.yaml names
	// none (bot/config's default).
	TrackingLabel = "threat-model"
	// TrackingMarkerPrefix begins every hidden marker in the bot's issues.
	TrackingMarkerPrefix = "<!-- tmbot:"
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

	// ListTree lists the paths of the files of the repository at a commit
	// (for the models on the default branch).
	ListTree(ctx context.Context, repo Repo, sha string) ([]string, error)
	// BranchHead gives the commit a branch points at.
	BranchHead(ctx context.Context, repo Repo, branch string) (string, error)

	// ListIssues lists the repository's issues, open and closed, that
	// carry a label (all pages; pull requests left out).
	ListIssues(ctx context.Context, repo Repo, label string) ([]Issue, error)
	// CreateIssue opens an issue.
	CreateIssue(ctx context.Context, repo Repo, spec IssueSpec) (*Issue, error)
	// UpdateIssue sets an issue's title, body, labels, assignees and due
	// date (where the forge has one) to spec.
	UpdateIssue(ctx context.Context, repo Repo, number int, spec IssueSpec) error
	// CloseIssue closes an issue as completed or not_planned (GitLab has
	// no reason: the caller says it in a comment).
	CloseIssue(ctx context.Context, repo Repo, number int, reason string) error
	// ReopenIssue reopens an issue.
	ReopenIssue(ctx context.Context, repo Repo, number int) error
	// CommentOnIssue adds a comment to an issue.
	CommentOnIssue(ctx context.Context, repo Repo, number int, body string) error
	// CanAssign reports whether a user can be assigned issues in the
	// repository.
	CanAssign(ctx context.Context, repo Repo, user string) (bool, error)
	// BotLogin is the login the bot writes as (to tell its own actions
	// from people's): Bot's Login.
	BotLogin(ctx context.Context) (string, error)
	// Bot is who the bot writes as, read once per client and kept.
	Bot(ctx context.Context) (Identity, error)
}

// Issue is an issue as the forge has it.
type Issue struct {
	Number int    `json:"number"`
	Title  string `json:"title"`
	Body   string `json:"body"`
	// State is open or closed; StateReason completed, not_planned,
	// reopened or empty (GitLab has none).
	State       string   `json:"state"`
	StateReason string   `json:"state_reason,omitempty"`
	Labels      []string `json:"labels"`
	Assignees   []string `json:"assignees"`
	URL         string   `json:"url"`
	// ClosedBy is the login of whoever closed it, when closed.
	ClosedBy string `json:"closed_by,omitempty"`
	// Author and AuthorID are who opened it (AuthorID 0 when the forge
	// gave none).
	Author   string `json:"author,omitempty"`
	AuthorID int64  `json:"author_id,omitempty"`
	Due      string `json:"due,omitempty"`
}

// IssueSpec is what the bot wants an issue to be.
type IssueSpec struct {
	Title     string
	Body      string
	Labels    []string
	Assignees []string
	// Due is a date YYYY-MM-DD, for forges that have due dates (GitLab);
	// GitHub has none, so the body carries it.
	Due string
}

// Issue close reasons.
const (
	ReasonCompleted  = "completed"
	ReasonNotPlanned = "not_planned"
)

// MaxIssueTitle is the longest issue title the bot writes: GitHub rejects
// titles over 256 characters ("title is too long (maximum is 256
// characters)"), GitLab over 255; the lower bound serves both.
const MaxIssueTitle = 255

// Errors callers branch on. Adapters wrap them with what was being done.
var (
	// ErrNotFound: the thing asked for does not exist (or the bot may not
	// see it).
	ErrNotFound = errors.New("not found")
	// ErrGone: the repository or request is gone or the installation
	// removed: the job ends cleanly.
	ErrGone = errors.New("gone")
)

// Forbidden reports whether err is the forge refusing a call (HTTP 403)
// for want of a right: for example an edit of a comment someone else
// wrote. A rate limit is not one.
func Forbidden(err error) bool {
	var ae *APIError
	if _, limited := RetryAfter(err, time.Now()); limited || !errors.As(err, &ae) {
		return false
	}
	return ae.Status == 403
}

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

// ChangeProposer is a forge that can propose a change to one file as a
// pull request (optional: tracking falls back to a comment without it).
type ChangeProposer interface {
	// ProposeChange puts content at path on a new branch made from base
	// (a commit), and opens a pull request into baseBranch with title and
	// body. It is idempotent by branch: when the branch exists it returns
	// the open pull request from it (or opens one), and never a second.
	ProposeChange(ctx context.Context, repo Repo, p Proposal) (url string, err error)
}

// Proposal is one proposed change.
type Proposal struct {
	BaseBranch, BaseSHA, Branch, Path string
	Content                           []byte
	Message, Title, Body              string
}

// APIError is a forge call that failed. It unwraps to ErrNotFound or
// ErrGone when it is one (Kind), and to the underlying error (Cause). Its
// text never quotes a request's headers, so no token reaches it.
type APIError struct {
	// Forge is "github" or "gitlab".
	Forge string
	// Op says what was being done.
	Op string
	// Status is the HTTP status, 0 when there was no answer.
	Status int
	// Message is the forge's message, or the failure's.
	Message string
	// Kind is ErrNotFound, ErrGone or nil.
	Kind  error
	Cause error
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString(e.Forge + ": " + e.Op)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Kind != nil {
		b.WriteString(" (" + e.Kind.Error() + ")")
	}
	return b.String()
}

// Unwrap gives the sentinel and the cause.
func (e *APIError) Unwrap() []error {
	var out []error
	if e.Kind != nil {
		out = append(out, e.Kind)
	}
	if e.Cause != nil {
		out = append(out, e.Cause)
	}
	return out
}
