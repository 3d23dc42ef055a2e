package server

import (
	"context"

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
	case "closed", "converted_to_draft":
		_, err := d.s.store.UpsertPull(ctx, d.tx, pull)
		return err
	}
	return nil
}
