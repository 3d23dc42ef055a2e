package server

import (
	"context"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/queue"
	"github.com/tmbot/tmbot/bot/store"
)

// requestClosed records a closed or merged request. A merge into the
// default branch landed its models: the same reconcile as a push (one job
// per repository: never a second issue); then, when the store knows the
// request, its comment links the issues that opened.
func (d *delivery) requestClosed(ctx context.Context, e forge.RequestClosed) error {
	pull := store.Pull{PullRequest: e.Pull, UpdatedAt: e.UpdatedAt}
	known, err := d.remember(ctx, pull, e.NoBase)
	if err != nil {
		return err
	}
	if pull.State != "merged" || pull.BaseRef != pull.Repo.DefaultBranch {
		return nil
	}
	args := queue.TrackArgs{RepoKey: pull.Repo.Key(), Repo: pull.Repo, Reason: queue.TrackMerged}
	if known {
		args.PRKeys = []string{pull.Key()}
	}
	return d.s.queue.InsertTrackTx(ctx, d.tx, args)
}
