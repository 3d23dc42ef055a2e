package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/google/go-github/v92/github"

	"github.com/tmbot/tmbot/bot/forge"
)

// MaxIssueBody is the longest issue body GitHub takes (characters); a
// longer one is cut, with "…".
const MaxIssueBody = 65536

// Issues on GitHub
//
// Every method is one call, and a 404 of one whose repository is gone is
// forge.ErrGone, as for the review's calls. Besides:
//
//   - ListIssues leaves Issue.ClosedBy empty: GitHub's list of issues does
//     not say who closed one (only GET /repos/{o}/{r}/issues/{n} does, and
//     the "closed" issues webhook's sender). Pull requests, which the list
//     carries too, are left out.
//   - CreateIssue and UpdateIssue cut the title to forge.MaxIssueTitle
//     characters and the body to MaxIssueBody, each ending in "…" when cut
//     (forge.CutIssueTitle); spec.Due is not sent (GitHub has no due dates: the
//     body carries it). Labels the repository lacks are created by GitHub.
//     An assignee who cannot be assigned makes GitHub refuse the whole call
//     (422, "… cannot be assigned to this issue"): check with CanAssign
//     first.
//   - An issue that was deleted answers 410: it is forge.ErrNotFound. A
//     repository whose issues are disabled answers 410 "Issues are
//     disabled for this repo" to every issue call: that is forge.ErrGone.
//   - Creating issues and comments counts against GitHub's secondary limit
//     on content creation (about 80 a minute, 500 an hour): past it, a
//     *forge.RateLimitError until now + Retry-After.

// issueError maps an issue call's failure: a deleted issue (410) is
// forge.ErrNotFound, a 422 says GitHub's reasons, and a 404 of a
// repository that is gone is forge.ErrGone.
func (c *Client) issueError(ctx context.Context, repo forge.Repo, op string, err error) error {
	mapped := c.mapError(op, err)
	var e *Error
	if errors.As(mapped, &e) {
		switch e.Status {
		case http.StatusGone:
			if !strings.Contains(strings.ToLower(e.Message), "disabled") {
				e.Kind = forge.ErrNotFound
			}
		case http.StatusUnprocessableEntity:
			if d := validationDetails(err); d != "" {
				e.Message += ": " + d
			}
		}
	}
	return c.notFound(ctx, repo, mapped)
}

// validationDetails gives the reasons of a 422 answer.
func validationDetails(err error) string {
	var er *github.ErrorResponse
	if !errors.As(err, &er) {
		return ""
	}
	var parts []string
	for _, d := range er.Errors {
		switch {
		case d.Message != "":
			parts = append(parts, d.Message)
		case d.Field != "":
			parts = append(parts, d.Field+" "+d.Code)
		case d.Code != "":
			parts = append(parts, d.Code)
		}
	}
	return strings.Join(parts, "; ")
}

func toIssue(is *github.Issue) forge.Issue {
	out := forge.Issue{Number: is.GetNumber(), Title: is.GetTitle(), Body: is.GetBody(), State: is.GetState(),
		StateReason: is.GetStateReason(), URL: is.GetHTMLURL(), ClosedBy: is.GetClosedBy().GetLogin(),
		Author: is.GetUser().GetLogin(), AuthorID: is.GetUser().GetID(), Labels: []string{}, Assignees: []string{}}
	for _, l := range is.Labels {
		if l.GetName() != "" {
			out.Labels = append(out.Labels, l.GetName())
		}
	}
	for _, u := range is.Assignees {
		if u.GetLogin() != "" {
			out.Assignees = append(out.Assignees, u.GetLogin())
		}
	}
	if len(out.Assignees) == 0 && is.GetAssignee().GetLogin() != "" {
		out.Assignees = append(out.Assignees, is.GetAssignee().GetLogin())
	}
	return out
}

// ListIssues implements forge.Client: the issues, open and closed, that
// carry label (all of them when label is ""), oldest first, 100 to a call.
// Pull requests are left out, and ClosedBy is empty (GitHub's list does not
// say it). A label with a comma in it cannot be asked for (GitHub reads
// the comma as "and").
func (c *Client) ListIssues(ctx context.Context, repo forge.Repo, label string) ([]forge.Issue, error) {
	op := "list the issues of " + repo.FullName()
	if label != "" {
		op = fmt.Sprintf("list the issues labelled %q of %s", label, repo.FullName())
	}
	// Oldest first: an issue opened while the pages are read comes last
	// rather than shifting the pages already read.
	opts := &github.IssueListByRepoOptions{State: "all", Sort: "created", Direction: "asc",
		ListOptions: github.ListOptions{PerPage: perPage}}
	if label != "" {
		opts.Labels = []string{label}
	}
	var out []forge.Issue
	seen := map[int]bool{}
	for {
		page, resp, err := c.gh.Issues.ListByRepo(ctx, repo.Owner, repo.Name, opts)
		if err != nil {
			return nil, c.issueError(ctx, repo, op, err)
		}
		for _, is := range page {
			if is.IsPullRequest() || seen[is.GetNumber()] {
				continue
			}
			seen[is.GetNumber()] = true
			out = append(out, toIssue(is))
		}
		switch {
		case resp.NextPage != 0:
			opts.ListOptions.Page = resp.NextPage
		case resp.After != "":
			opts.ListCursorOptions.After = resp.After
		default:
			return out, nil
		}
	}
}

// CreateIssue implements forge.Client (one call).
func (c *Client) CreateIssue(ctx context.Context, repo forge.Repo, spec forge.IssueSpec) (*forge.Issue, error) {
	title := forge.CutIssueTitle(spec.Title)
	op := fmt.Sprintf("create issue %q in %s", forge.Cut(title, 60), repo.FullName())
	if strings.TrimSpace(title) == "" {
		return nil, &Error{Forge: "github", Op: op, Message: "an issue needs a title"}
	}
	req := github.CreateIssueRequest{Title: title, Body: github.Ptr(forge.Cut(spec.Body, MaxIssueBody)),
		Labels: nonNil(spec.Labels), Assignees: nonNil(spec.Assignees)}
	is, _, err := c.gh.Issues.Create(ctx, repo.Owner, repo.Name, req)
	if err != nil {
		return nil, c.issueError(ctx, repo, op, err)
	}
	out := toIssue(is)
	return &out, nil
}

// UpdateIssue implements forge.Client (one call): title, body, labels and
// assignees become spec's (labels and assignees replaced, emptied when
// spec has none). The state is left as it is.
func (c *Client) UpdateIssue(ctx context.Context, repo forge.Repo, number int, spec forge.IssueSpec) error {
	title := forge.CutIssueTitle(spec.Title)
	op := fmt.Sprintf("edit issue %s#%d", repo.FullName(), number)
	if strings.TrimSpace(title) == "" {
		return &Error{Forge: "github", Op: op, Message: "an issue needs a title"}
	}
	_, _, err := c.gh.Issues.Update(ctx, repo.Owner, repo.Name, number, github.UpdateIssueRequest{
		Title: github.Ptr(title), Body: github.Ptr(forge.Cut(spec.Body, MaxIssueBody)),
		Labels: nonNil(spec.Labels), Assignees: nonNil(spec.Assignees),
	})
	if err != nil {
		return c.issueError(ctx, repo, op, err)
	}
	return nil
}

// nonNil copies a list, empty rather than nil: go-github leaves a nil list
// out of an edit (no change) where an empty one empties it.
func nonNil(s []string) []string { return append([]string{}, s...) }

// CloseIssue implements forge.Client (one call): reason is
// forge.ReasonCompleted (also for "") or forge.ReasonNotPlanned.
func (c *Client) CloseIssue(ctx context.Context, repo forge.Repo, number int, reason string) error {
	if reason == "" {
		reason = forge.ReasonCompleted
	}
	op := fmt.Sprintf("close issue %s#%d as %s", repo.FullName(), number, reason)
	if reason != forge.ReasonCompleted && reason != forge.ReasonNotPlanned {
		return &Error{Forge: "github", Op: op, Message: "the reason must be completed or not_planned"}
	}
	_, _, err := c.gh.Issues.Update(ctx, repo.Owner, repo.Name, number, github.UpdateIssueRequest{
		State: github.Ptr("closed"), StateReason: github.Ptr(reason),
	})
	if err != nil {
		return c.issueError(ctx, repo, op, err)
	}
	return nil
}

// ReopenIssue implements forge.Client (one call; GitHub sets the state
// reason to reopened).
func (c *Client) ReopenIssue(ctx context.Context, repo forge.Repo, number int) error {
	_, _, err := c.gh.Issues.Update(ctx, repo.Owner, repo.Name, number, github.UpdateIssueRequest{State: github.Ptr("open")})
	if err != nil {
		return c.issueError(ctx, repo, fmt.Sprintf("reopen issue %s#%d", repo.FullName(), number), err)
	}
	return nil
}

// CommentOnIssue implements forge.Client (one call).
func (c *Client) CommentOnIssue(ctx context.Context, repo forge.Repo, number int, body string) error {
	_, _, err := c.gh.Issues.CreateComment(ctx, repo.Owner, repo.Name, number, github.IssueCommentRequest{Body: body})
	if err != nil {
		return c.issueError(ctx, repo, fmt.Sprintf("comment on issue %s#%d", repo.FullName(), number), err)
	}
	return nil
}

// CanAssign implements forge.Client (one call): GitHub answers 204 for a
// user who can be assigned issues in the repository, 404 for one who
// cannot (or who does not exist).
func (c *Client) CanAssign(ctx context.Context, repo forge.Repo, user string) (bool, error) {
	if user == "" {
		return false, nil
	}
	ok, _, err := c.gh.Issues.IsAssignee(ctx, repo.Owner, repo.Name, user)
	if err != nil {
		return false, c.mapError(fmt.Sprintf("check whether %s can be assigned in %s", user, repo.FullName()), err)
	}
	return ok, nil
}

// BotLogin implements forge.Client: "<slug>[bot]", the login of what the
// App writes. The slug is read once per App (GET /app, with the App's
// JWT), then kept; that one call counts among this client's Calls.
func (c *Client) BotLogin(ctx context.Context) (string, error) {
	if c.app == nil { // a token client (token.go)
		return c.bot.Login, nil
	}
	slug, err := c.app.appSlug(ctx, &c.calls)
	if err != nil {
		return "", c.mapError("read the App (GET /app)", err)
	}
	return slug + "[bot]", nil
}

// Bot implements forge.Client: the App's "<slug>[bot]" user, by login
// (GET /app gives the slug, not the bot user's id; no person can take a
// login that ends in "[bot]"). As BotLogin, one call per App, then kept.
func (c *Client) Bot(ctx context.Context) (forge.Identity, error) {
	if c.app == nil {
		return c.bot, nil
	}
	login, err := c.BotLogin(ctx)
	if err != nil {
		return forge.Identity{}, err
	}
	return forge.Identity{Login: login}, nil
}

// BotLogin is the login of what the App writes, "<slug>[bot]" (GET /app
// once, with the App's JWT).
func (a *App) BotLogin(ctx context.Context) (string, error) {
	slug, err := a.appSlug(ctx, nil)
	if err != nil {
		return "", (&Client{app: a}).mapError("read the App (GET /app)", err)
	}
	return slug + "[bot]", nil
}

// appSlug reads the App's slug once and keeps it; calls, when not nil,
// counts the call.
func (a *App) appSlug(ctx context.Context, calls *atomic.Int64) (string, error) {
	a.slugMu.Lock()
	defer a.slugMu.Unlock()
	if a.slug != "" {
		return a.slug, nil
	}
	gh, err := a.newGitHub(&appCallTransport{next: a.appsTransport(), calls: calls})
	if err != nil {
		return "", err
	}
	app, _, err := gh.Apps.Get(ctx, "")
	if err != nil {
		return "", err
	}
	if app.GetSlug() == "" {
		return "", errors.New("GitHub's answer names no slug")
	}
	a.slug = app.GetSlug()
	return a.slug, nil
}

// appCallTransport counts the calls made with the App's JWT.
type appCallTransport struct {
	next  http.RoundTripper
	calls *atomic.Int64
}

func (t *appCallTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if t.calls != nil && (err == nil || resp != nil) {
		t.calls.Add(1)
	}
	return resp, err
}

// RecentIssues lists the newest n issues (at most 100), open and closed,
// that carry label, newest first, in one call: after a create whose
// answer was lost, what the try may have made is among them. Pull
// requests are left out.
func (c *Client) RecentIssues(ctx context.Context, repo forge.Repo, label string, n int) ([]forge.Issue, error) {
	n = min(max(n, 1), perPage)
	opts := &github.IssueListByRepoOptions{State: "all", Sort: "created", Direction: "desc",
		ListOptions: github.ListOptions{PerPage: n}}
	if label != "" {
		opts.Labels = []string{label}
	}
	page, _, err := c.gh.Issues.ListByRepo(ctx, repo.Owner, repo.Name, opts)
	if err != nil {
		return nil, c.issueError(ctx, repo, fmt.Sprintf("list the newest issues of %s", repo.FullName()), err)
	}
	var out []forge.Issue
	for _, is := range page {
		if !is.IsPullRequest() {
			out = append(out, toIssue(is))
		}
	}
	return out, nil
}
