package server

import (
	"context"
	"strings"

	"github.com/google/go-github/v92/github"

	"github.com/tmbot/tmbot/bot/queue"
)

// pushHandler: a push to the default branch reconciles the repository's
// tracking issues with the models that landed.
type pushHandler struct{}

func (pushHandler) Handle(ctx context.Context, d *delivery, e any) error {
	ev := e.(*github.PushEvent)
	branch := strings.TrimPrefix(ev.GetRef(), "refs/heads/")
	def := ev.GetRepo().GetDefaultBranch()
	if def == "" || branch != def || ev.GetDeleted() {
		return nil
	}
	r := ev.GetRepo()
	repo := githubRepo(ev.Installation, &github.Repository{ID: r.ID, Name: r.Name, FullName: r.FullName,
		DefaultBranch: r.DefaultBranch, Owner: &github.User{Login: r.GetOwner().Login}})
	if repo.Owner == "" {
		repo.Owner = r.GetOwner().GetName()
	}
	if err := d.s.store.UpsertRepo(ctx, d.tx, repo); err != nil {
		return err
	}
	return d.s.queue.InsertTrackTx(ctx, d.tx, queue.TrackArgs{RepoKey: repo.Key(), Repo: repo, Reason: "push"})
}

// issuesHandler: a person closed or reopened a tracking issue → reconcile
// (the bot comments once, or resumes tracking). Issue events the bot caused
// itself are ignored.
type issuesHandler struct{}

func (issuesHandler) Handle(ctx context.Context, d *delivery, e any) error {
	ev := e.(*github.IssuesEvent)
	if ev.GetSender().GetType() == "Bot" {
		return nil
	}
	switch ev.GetAction() {
	case "closed", "reopened":
	default:
		return nil
	}
	tracked := false
	for _, l := range ev.GetIssue().Labels {
		tracked = tracked || l.GetName() == "threat-model"
	}
	if !tracked && !strings.Contains(ev.GetIssue().GetBody(), "<!-- tmbot:") {
		return nil
	}
	repo := githubRepo(ev.Installation, ev.GetRepo())
	return d.s.queue.InsertTrackTx(ctx, d.tx, queue.TrackArgs{RepoKey: repo.Key(), Repo: repo, Reason: "issues." + ev.GetAction()})
}
