package server

import (
	"context"
	"strings"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/tmbot/tmbot/bot/queue"
)

// pushHookHandler: a push to the default branch reconciles the project's
// tracking issues with the models that landed.
type pushHookHandler struct{}

func (pushHookHandler) Handle(ctx context.Context, d *delivery, e any) error {
	ev := e.(*gl.PushEvent)
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
	branch, isBranch := strings.CutPrefix(ev.Ref, "refs/heads/")
	if !isBranch || repo.DefaultBranch == "" || branch != repo.DefaultBranch || strings.Trim(ev.After, "0") == "" {
		return nil
	}
	return d.s.queue.InsertTrackTx(ctx, d.tx, queue.TrackArgs{RepoKey: repo.Key(), Repo: repo, Reason: "push"})
}

// issueHookHandler: a person closed or reopened a tracking issue →
// reconcile (the bot comments once, or resumes tracking). The bot's own
// issue events are ignored.
type issueHookHandler struct{}

func (issueHookHandler) Handle(ctx context.Context, d *delivery, e any) error {
	ev := e.(*gl.IssueEvent)
	repo := gitlabRepo(ev.Project.ID, ev.Project.PathWithNamespace, ev.Project.DefaultBranch)
	if repo.Name == "" {
		return nil
	}
	if err := d.s.store.UpsertRepo(ctx, d.tx, repo); err != nil {
		return err
	}
	a := ev.ObjectAttributes
	if a.Action != "close" && a.Action != "reopen" {
		return nil
	}
	if ev.User != nil && d.s.isGitLabBot(ev.User.Username) {
		return nil
	}
	tracked := strings.Contains(a.Description, "<!-- tmbot:")
	for _, ls := range [][]*gl.EventLabel{ev.Labels, a.Labels} {
		for _, l := range ls {
			tracked = tracked || (l != nil && l.Title == "threat-model")
		}
	}
	if !tracked {
		return nil
	}
	return d.s.queue.InsertTrackTx(ctx, d.tx, queue.TrackArgs{RepoKey: repo.Key(), Repo: repo, Reason: "issue." + a.Action})
}
