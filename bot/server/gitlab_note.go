package server

import (
	"context"
	"strings"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/review"
)

// noteHookHandler: "/tmbot review" in a new note on a merge request →
// review again. Whether the person may ask (Developer or more) is checked
// by the job; the webhook answers at once.
type noteHookHandler struct{}

func (noteHookHandler) Handle(ctx context.Context, d *delivery, e any) error {
	ev, ok := e.(*gl.MergeCommentEvent)
	if !ok {
		return nil // a note on an issue, a commit or a snippet
	}
	id := ev.Project.ID
	if id == 0 {
		id = ev.ProjectID
	}
	repo := gitlabRepo(id, ev.Project.PathWithNamespace, ev.Project.DefaultBranch)
	if repo.Name == "" {
		return nil
	}
	if err := d.s.store.UpsertRepo(ctx, d.tx, repo); err != nil {
		return err
	}
	a := ev.ObjectAttributes
	if (a.Action != "" && a.Action != "create") || a.System || ev.MergeRequest.IID <= 0 || ev.User == nil {
		return nil
	}
	if strings.HasPrefix(strings.TrimSpace(a.Note), review.Marker) || d.s.isGitLabBot(ev.User.Username) || !isReviewCommand(a.Note) {
		return nil
	}
	number := int(ev.MergeRequest.IID)
	key := forge.PullRequest{Repo: repo, Number: number}.Key()
	return d.enqueueOnly(repo, number, key, "note", ev.User.Username)
}
