package gitlab

import (
	"context"
	"fmt"
	"strings"
	"time"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/tmbot/tmbot/bot/forge"
)

// Issues on GitLab
//
// Every method is one call (plus one per assignee whose username the
// client has not resolved yet), and a 404 "Project Not Found" is
// forge.ErrGone. Besides:
//
//   - An issue's number is its iid (per project); its body its
//     description; its state open or closed (GitLab's "opened" is "open").
//     GitLab's issues have no close reason: StateReason stays empty, and
//     CloseIssue does not send the reason — the caller's comment says why.
//   - ListIssues gives ClosedBy (GitLab's list has closed_by) and Due.
//   - CreateIssue and UpdateIssue cut the title to forge.MaxIssueTitle
//     characters and the description to MaxIssueDescription, each ending
//     in "…" when cut. Assignees are usernames, resolved to ids (GET
//     /users?username=); one GitLab does not know is left out (check with
//     CanAssign first). spec.Due sets the due date (cleared when empty on
//     an update). Labels the project lacks are created by GitLab.

func toIssue(is *gl.Issue) forge.Issue {
	out := forge.Issue{Number: int(is.IID), Title: is.Title, Body: is.Description, State: is.State, URL: is.WebURL,
		Labels: []string{}, Assignees: []string{}}
	if out.State == "opened" {
		out.State = "open"
	}
	out.Labels = append(out.Labels, is.Labels...)
	for _, a := range is.Assignees {
		if a != nil && a.Username != "" {
			out.Assignees = append(out.Assignees, a.Username)
		}
	}
	if len(out.Assignees) == 0 && is.Assignee != nil && is.Assignee.Username != "" {
		out.Assignees = append(out.Assignees, is.Assignee.Username)
	}
	if is.Author != nil {
		out.Author, out.AuthorID = is.Author.Username, is.Author.ID
	}
	if is.ClosedBy != nil && out.State == "closed" {
		out.ClosedBy = is.ClosedBy.Username
	}
	if is.DueDate != nil && !time.Time(*is.DueDate).IsZero() {
		out.Due = time.Time(*is.DueDate).Format(time.DateOnly)
	}
	return out
}

// ListIssues implements forge.Client: the issues, open and closed, that
// carry label (all of them when label is ""), oldest first, 100 to a call.
func (c *Client) ListIssues(ctx context.Context, repo forge.Repo, label string) ([]forge.Issue, error) {
	op := "list the issues of " + repo.FullName()
	opts := &gl.ListProjectIssuesOptions{State: gl.Ptr("all"), OrderBy: gl.Ptr("created_at"), Sort: gl.Ptr("asc"),
		ListOptions: gl.ListOptions{PerPage: perPage}}
	if label != "" {
		op = fmt.Sprintf("list the issues labelled %q of %s", label, repo.FullName())
		opts.Labels = &gl.LabelOptions{label}
	}
	var out []forge.Issue
	seen := map[int64]bool{}
	for {
		page, resp, err := c.gl.Issues.ListProjectIssues(pid(repo), opts, gl.WithContext(ctx))
		if err != nil {
			return nil, c.fail(ctx, repo, op, resp, err)
		}
		for _, is := range page {
			if seen[is.IID] {
				continue
			}
			seen[is.IID] = true
			out = append(out, toIssue(is))
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}

// assigneeIDs resolves usernames to ids; unknown users are left out.
func (c *Client) assigneeIDs(ctx context.Context, users []string) ([]int64, error) {
	ids := []int64{}
	for _, u := range users {
		id, err := c.userID(ctx, u)
		if err != nil {
			return nil, err
		}
		if id != 0 {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

func dueDate(s string) (*gl.ISOTime, bool) {
	if s == "" {
		return nil, false
	}
	t, err := gl.ParseISOTime(strings.TrimSpace(s))
	if err != nil {
		return nil, false
	}
	return &t, true
}

// CreateIssue implements forge.Client.
func (c *Client) CreateIssue(ctx context.Context, repo forge.Repo, spec forge.IssueSpec) (*forge.Issue, error) {
	title := forge.CutIssueTitle(spec.Title)
	op := fmt.Sprintf("create issue %q in %s", forge.Cut(title, 60), repo.FullName())
	if strings.TrimSpace(title) == "" {
		return nil, &Error{Forge: "gitlab", Op: op, Message: "an issue needs a title"}
	}
	ids, err := c.assigneeIDs(ctx, spec.Assignees)
	if err != nil {
		return nil, err
	}
	opts := &gl.CreateIssueOptions{Title: gl.Ptr(title), Description: gl.Ptr(forge.Cut(spec.Body, MaxIssueDescription)),
		Labels: &gl.LabelOptions{}}
	*opts.Labels = append(*opts.Labels, spec.Labels...)
	if len(ids) > 0 {
		opts.AssigneeIDs = &ids
	}
	if d, ok := dueDate(spec.Due); ok {
		opts.DueDate = d
	}
	is, resp, err := c.gl.Issues.CreateIssue(pid(repo), opts, gl.WithContext(ctx))
	if err != nil {
		return nil, c.fail(ctx, repo, op, resp, err)
	}
	out := toIssue(is)
	return &out, nil
}

// UpdateIssue implements forge.Client (one call): title, description,
// labels, assignees and due date become spec's; the state is left as it
// is.
func (c *Client) UpdateIssue(ctx context.Context, repo forge.Repo, number int, spec forge.IssueSpec) error {
	title := forge.CutIssueTitle(spec.Title)
	op := fmt.Sprintf("edit issue %s#%d", repo.FullName(), number)
	if strings.TrimSpace(title) == "" {
		return &Error{Forge: "gitlab", Op: op, Message: "an issue needs a title"}
	}
	ids, err := c.assigneeIDs(ctx, spec.Assignees)
	if err != nil {
		return err
	}
	labels := gl.LabelOptions(append([]string{}, spec.Labels...))
	opts := &gl.UpdateIssueOptions{Title: gl.Ptr(title), Description: gl.Ptr(forge.Cut(spec.Body, MaxIssueDescription)),
		Labels: &labels, AssigneeIDs: &ids}
	if d, ok := dueDate(spec.Due); ok {
		opts.DueDate = d
	} else {
		opts.ResetDueDate = true
	}
	_, resp, err := c.gl.Issues.UpdateIssue(pid(repo), int64(number), opts, gl.WithContext(ctx))
	if err != nil {
		return c.fail(ctx, repo, op, resp, err)
	}
	return nil
}

// CloseIssue implements forge.Client (one call). GitLab has no close
// reason: reason is checked, not sent; the caller comments why.
func (c *Client) CloseIssue(ctx context.Context, repo forge.Repo, number int, reason string) error {
	if reason == "" {
		reason = forge.ReasonCompleted
	}
	op := fmt.Sprintf("close issue %s#%d as %s", repo.FullName(), number, reason)
	if reason != forge.ReasonCompleted && reason != forge.ReasonNotPlanned {
		return &Error{Forge: "gitlab", Op: op, Message: "the reason must be completed or not_planned"}
	}
	_, resp, err := c.gl.Issues.UpdateIssue(pid(repo), int64(number), &gl.UpdateIssueOptions{StateEvent: gl.Ptr("close")}, gl.WithContext(ctx))
	if err != nil {
		return c.fail(ctx, repo, op, resp, err)
	}
	return nil
}

// ReopenIssue implements forge.Client (one call).
func (c *Client) ReopenIssue(ctx context.Context, repo forge.Repo, number int) error {
	_, resp, err := c.gl.Issues.UpdateIssue(pid(repo), int64(number), &gl.UpdateIssueOptions{StateEvent: gl.Ptr("reopen")}, gl.WithContext(ctx))
	if err != nil {
		return c.fail(ctx, repo, fmt.Sprintf("reopen issue %s#%d", repo.FullName(), number), resp, err)
	}
	return nil
}

// CommentOnIssue implements forge.Client (one call).
func (c *Client) CommentOnIssue(ctx context.Context, repo forge.Repo, number int, body string) error {
	_, resp, err := c.gl.Notes.CreateIssueNote(pid(repo), int64(number),
		&gl.CreateIssueNoteOptions{Body: gl.Ptr(forge.Cut(body, MaxNoteBody))}, gl.WithContext(ctx))
	if err != nil {
		return c.fail(ctx, repo, fmt.Sprintf("comment on issue %s#%d", repo.FullName(), number), resp, err)
	}
	return nil
}

// RecentIssues lists the newest n issues (at most 100), open and closed,
// that carry label, newest first, in one call: after a create whose
// answer was lost, what the try may have made is among them.
func (c *Client) RecentIssues(ctx context.Context, repo forge.Repo, label string, n int) ([]forge.Issue, error) {
	n = min(max(n, 1), perPage)
	opts := &gl.ListProjectIssuesOptions{State: gl.Ptr("all"), OrderBy: gl.Ptr("created_at"), Sort: gl.Ptr("desc"),
		ListOptions: gl.ListOptions{PerPage: int64(n)}}
	if label != "" {
		opts.Labels = &gl.LabelOptions{label}
	}
	page, resp, err := c.gl.Issues.ListProjectIssues(pid(repo), opts, gl.WithContext(ctx))
	if err != nil {
		return nil, c.fail(ctx, repo, "list the newest issues of "+repo.FullName(), resp, err)
	}
	out := make([]forge.Issue, 0, len(page))
	for _, is := range page {
		out = append(out, toIssue(is))
	}
	return out, nil
}
