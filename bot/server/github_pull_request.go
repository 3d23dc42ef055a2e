package server

import (
	"context"

	"github.com/tmbot/tmbot/bot/queue"

	"github.com/google/go-github/v92/github"
)

// pullRequestHandler: opened, synchronize, reopened, ready_for_review, and
// edited when the base changed → review; closed → remember it.
type pullRequestHandler struct{}

func (pullRequestHandler) Handle(ctx context.Context, d *delivery, e any) error {
	ev := e.(*github.PullRequestEvent)
	repo := githubRepo(ev.Installation, ev.GetRepo())
	pull := githubPull(repo, ev.GetPullRequest())
	switch ev.GetAction() {
	case "opened", "synchronize", "reopened", "ready_for_review":
		return d.enqueueReview(pull, "pull_request."+ev.GetAction(), "", false)
	case "edited":
		if ev.GetChanges().GetBase() == nil {
			return nil // title or body: nothing to review again
		}
		return d.enqueueReview(pull, "pull_request.edited", "", false)
	case "closed":
		if _, err := d.s.store.UpsertPull(ctx, d.tx, pull); err != nil {
			return err
		}
		if pull.State != "merged" || pull.BaseRef != repo.DefaultBranch {
			return nil
		}
		// The models landed: the same reconcile as the push (never a second
		// issue: both are one job per repository), then the comment links
		// the issues that opened.
		return d.s.queue.InsertTrackTx(ctx, d.tx, queue.TrackArgs{RepoKey: repo.Key(), Repo: repo,
			Reason: "pull_request.merged", PRKeys: []string{pull.Key()}})
	case "converted_to_draft":
		_, err := d.s.store.UpsertPull(ctx, d.tx, pull)
		return err
	}
	return nil
}
