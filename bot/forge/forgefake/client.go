package forgefake

import (
	"context"
	"fmt"
	"slices"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/review"
)

// PullRequest implements forge.Client.
func (f *Fake) PullRequest(ctx context.Context, repo forge.Repo, number int) (*forge.PullRequest, error) {
	var out forge.PullRequest
	err := f.do(ctx, "PullRequest", func() error {
		p, err := f.pull(repo, number)
		if err == nil {
			out = p.pr
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ListOpenPullRequests implements forge.Client, by number.
func (f *Fake) ListOpenPullRequests(ctx context.Context, repo forge.Repo) ([]forge.PullRequest, error) {
	var out []forge.PullRequest
	err := f.do(ctx, "ListOpenPullRequests", func() error {
		r, err := f.repo(repo)
		if err != nil {
			return err
		}
		for _, p := range r.pulls {
			if p.pr.State == "open" {
				out = append(out, p.pr)
			}
		}
		slices.SortFunc(out, func(a, b forge.PullRequest) int { return a.Number - b.Number })
		return nil
	})
	return out, err
}

// ChangedFiles implements forge.Client.
func (f *Fake) ChangedFiles(ctx context.Context, pr *forge.PullRequest) ([]review.FileChange, error) {
	var out []review.FileChange
	err := f.do(ctx, "ChangedFiles", func() error {
		p, err := f.pull(pr.Repo, pr.Number)
		if err == nil {
			out = slices.Clone(p.changes)
		}
		return err
	})
	return out, err
}

// ReadFile implements forge.Client. An unknown commit is an error; an
// unknown path at a known commit is not found.
func (f *Fake) ReadFile(ctx context.Context, repo forge.Repo, sha, path string) ([]byte, bool, error) {
	var data []byte
	var found bool
	err := f.do(ctx, "ReadFile", func() error {
		tree, err := f.commit(repo, sha)
		if err != nil {
			return err
		}
		c, ok := tree[path]
		data, found = slices.Clone(c), ok
		return nil
	})
	return data, found, err
}

// ListComments implements forge.Client.
func (f *Fake) ListComments(ctx context.Context, pr *forge.PullRequest) ([]forge.Comment, error) {
	var out []forge.Comment
	err := f.do(ctx, "ListComments", func() error {
		p, err := f.pull(pr.Repo, pr.Number)
		if err == nil {
			out = slices.Clone(p.comments)
		}
		return err
	})
	return out, err
}

// CreateComment implements forge.Client: the bot writes it.
func (f *Fake) CreateComment(ctx context.Context, pr *forge.PullRequest, body string) (*forge.Comment, error) {
	var out forge.Comment
	err := f.do(ctx, "CreateComment", func() error {
		p, err := f.pull(pr.Repo, pr.Number)
		if err != nil {
			return err
		}
		f.nextID++
		out = forge.Comment{ID: f.nextID, Body: body, Author: f.bot.Login, AuthorID: f.bot.ID}
		p.comments = append(p.comments, out)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateComment implements forge.Client: forge.ErrNotFound for an id the
// request does not have, and a refusal (403) for a comment the bot did
// not write, as both forges answer.
func (f *Fake) UpdateComment(ctx context.Context, pr *forge.PullRequest, id int64, body string) error {
	return f.do(ctx, "UpdateComment", func() error {
		p, err := f.pull(pr.Repo, pr.Number)
		if err != nil {
			return err
		}
		for i, c := range p.comments {
			if c.ID != id {
				continue
			}
			if !f.bot.Wrote(c.Author, c.AuthorID) {
				return &forge.APIError{Forge: "fake", Op: fmt.Sprintf("edit comment %d", id), Status: 403,
					Message: "the comment is someone else's"}
			}
			p.comments[i].Body = body
			return nil
		}
		return &forge.APIError{Forge: "fake", Op: fmt.Sprintf("edit comment %d on %s", id, pr.Key()),
			Status: 404, Kind: forge.ErrNotFound}
	})
}

// SetCheck implements forge.Client: a Fresh check is created without
// looking (so a wrong Fresh makes a second check for the head, which
// Checks shows); otherwise the head's newest check is updated, or one
// created.
func (f *Fake) SetCheck(ctx context.Context, pr *forge.PullRequest, c forge.Check) error {
	return f.do(ctx, "SetCheck", func() error {
		p, err := f.pull(pr.Repo, pr.Number)
		if err != nil {
			return err
		}
		c.Findings = slices.Clone(c.Findings)
		c.Summary.Lists = slices.Clone(c.Summary.Lists)
		runs := p.checks[pr.HeadSHA]
		if c.Fresh || len(runs) == 0 {
			p.checks[pr.HeadSHA] = append(runs, c)
		} else {
			runs[len(runs)-1] = c
		}
		return nil
	})
}

// CanWrite implements forge.Client (AddWriter).
func (f *Fake) CanWrite(ctx context.Context, repo forge.Repo, user string) (bool, error) {
	var ok bool
	err := f.do(ctx, "CanWrite", func() error {
		r, err := f.repo(repo)
		if err == nil {
			ok = r.writers[user]
		}
		return err
	})
	return ok, err
}

// ListTree implements forge.Client, sorted by path.
func (f *Fake) ListTree(ctx context.Context, repo forge.Repo, sha string) ([]string, error) {
	var out []string
	err := f.do(ctx, "ListTree", func() error {
		tree, err := f.commit(repo, sha)
		if err != nil {
			return err
		}
		for p := range tree {
			out = append(out, p)
		}
		slices.Sort(out)
		return nil
	})
	return out, err
}

// BranchHead implements forge.Client; forge.ErrNotFound for an unknown
// branch.
func (f *Fake) BranchHead(ctx context.Context, repo forge.Repo, branch string) (string, error) {
	var sha string
	err := f.do(ctx, "BranchHead", func() error {
		r, err := f.repo(repo)
		if err != nil {
			return err
		}
		var ok bool
		if sha, ok = r.branches[branch]; !ok {
			return fmt.Errorf("forgefake: branch %s of %s: %w", branch, repo.FullName(), forge.ErrNotFound)
		}
		return nil
	})
	return sha, err
}

// ListIssues implements forge.Client: oldest first, those with label
// (all when label is "").
func (f *Fake) ListIssues(ctx context.Context, repo forge.Repo, label string) ([]forge.Issue, error) {
	var out []forge.Issue
	err := f.do(ctx, "ListIssues", func() error {
		r, err := f.repo(repo)
		if err != nil {
			return err
		}
		for _, is := range r.issues {
			if label == "" || slices.Contains(is.issue.Labels, label) {
				out = append(out, cloneIssue(is.issue))
			}
		}
		return nil
	})
	return out, err
}

// CreateIssue implements forge.Client: the bot opens it.
func (f *Fake) CreateIssue(ctx context.Context, repo forge.Repo, spec forge.IssueSpec) (*forge.Issue, error) {
	var out forge.Issue
	err := f.do(ctx, "CreateIssue", func() error {
		r, err := f.repo(repo)
		if err != nil {
			return err
		}
		n := len(r.issues) + 1
		is := forge.Issue{Number: n, State: "open", Author: f.bot.Login, AuthorID: f.bot.ID,
			URL: fmt.Sprintf("https://forge.invalid/%s/issues/%d", repo.FullName(), n)}
		setSpec(&is, spec)
		r.issues = append(r.issues, &issueState{issue: is})
		out = cloneIssue(is)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateIssue implements forge.Client.
func (f *Fake) UpdateIssue(ctx context.Context, repo forge.Repo, number int, spec forge.IssueSpec) error {
	return f.do(ctx, "UpdateIssue", func() error {
		is, err := f.issue(repo, number)
		if err == nil {
			setSpec(&is.issue, spec)
		}
		return err
	})
}

// CloseIssue implements forge.Client; the bot closes it.
func (f *Fake) CloseIssue(ctx context.Context, repo forge.Repo, number int, reason string) error {
	return f.do(ctx, "CloseIssue", func() error {
		is, err := f.issue(repo, number)
		if err == nil {
			is.issue.State, is.issue.StateReason, is.issue.ClosedBy = "closed", reason, f.bot.Login
		}
		return err
	})
}

// ReopenIssue implements forge.Client.
func (f *Fake) ReopenIssue(ctx context.Context, repo forge.Repo, number int) error {
	return f.do(ctx, "ReopenIssue", func() error {
		is, err := f.issue(repo, number)
		if err == nil {
			is.issue.State, is.issue.StateReason, is.issue.ClosedBy = "open", "reopened", ""
		}
		return err
	})
}

// CommentOnIssue implements forge.Client.
func (f *Fake) CommentOnIssue(ctx context.Context, repo forge.Repo, number int, body string) error {
	return f.do(ctx, "CommentOnIssue", func() error {
		is, err := f.issue(repo, number)
		if err == nil {
			is.comments = append(is.comments, body)
		}
		return err
	})
}

// CanAssign implements forge.Client: whoever may write may be assigned.
func (f *Fake) CanAssign(ctx context.Context, repo forge.Repo, user string) (bool, error) {
	var ok bool
	err := f.do(ctx, "CanAssign", func() error {
		r, err := f.repo(repo)
		if err == nil {
			ok = r.writers[user]
		}
		return err
	})
	return ok, err
}

// BotLogin implements forge.Client.
func (f *Fake) BotLogin(ctx context.Context) (string, error) {
	var login string
	err := f.do(ctx, "BotLogin", func() error { login = f.bot.Login; return nil })
	return login, err
}

// Bot implements forge.Client.
func (f *Fake) Bot(ctx context.Context) (forge.Identity, error) {
	var id forge.Identity
	err := f.do(ctx, "Bot", func() error { id = f.bot; return nil })
	return id, err
}

func setSpec(is *forge.Issue, spec forge.IssueSpec) {
	is.Title, is.Body, is.Due = spec.Title, spec.Body, spec.Due
	is.Labels, is.Assignees = slices.Clone(spec.Labels), slices.Clone(spec.Assignees)
}

func cloneIssue(is forge.Issue) forge.Issue {
	is.Labels, is.Assignees = slices.Clone(is.Labels), slices.Clone(is.Assignees)
	return is
}
