package server

import (
	"context"
	"fmt"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/queue"
)

// defaultBranchMoved: commits landed on the default branch; the
// repository's tracking issues are reconciled with its models.
func (d *delivery) defaultBranchMoved(ctx context.Context, e forge.DefaultBranchMoved) error {
	if err := d.s.store.UpsertRepo(ctx, d.tx, e.Repo); err != nil {
		return fmt.Errorf("record %s: %w", e.Repo.Key(), err)
	}
	return d.s.queue.InsertTrackTx(ctx, d.tx, queue.TrackArgs{RepoKey: e.Repo.Key(), Repo: e.Repo, Reason: queue.TrackPush})
}
