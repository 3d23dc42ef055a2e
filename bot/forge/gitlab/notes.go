package gitlab

import (
	"context"
	"fmt"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/tmbot/tmbot/bot/forge"
)

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
