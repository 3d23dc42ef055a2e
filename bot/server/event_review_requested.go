package server

import (
	"context"
	"fmt"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/queue"
	"github.com/tmbot/tmbot/bot/store"
)

// reviewRequested records the request's newest state and queues its
// review. A command queues the review only: the job reads the request from
// the forge when the store does not know it. A payload without the base
// commit (NoBase) keeps the stored base while the target branch is the
// same, reads a known request whose target branch changed at the new
// branch's head, and records an unknown request without a base (the job
// reads it from the forge), so that its merge later finds it.
func (d *delivery) reviewRequested(ctx context.Context, e forge.ReviewRequested) error {
	pull := store.Pull{PullRequest: e.Pull, UpdatedAt: e.UpdatedAt}
	args := func() queue.ReviewArgs {
		return queue.ReviewArgs{PRKey: pull.Key(), Repo: pull.Repo, Number: pull.Number, Trigger: e.Trigger,
			Requester: e.Requester, Force: e.Force}
	}
	if e.CommandOnly {
		return d.s.queue.InsertReviewTx(ctx, d.tx, args())
	}
	if e.Partial || e.NoBase {
		stored, known := d.stored(ctx, pull.Key())
		switch {
		case e.Partial && known:
			pull = stored // the payload's copy is partial; keep what the store knows
		case e.NoBase && !known:
			pull.BaseSHA = ""
		case e.NoBase:
			pull.Author = stored.Author
			pull.BaseSHA = stored.BaseSHA
			if stored.BaseRef != pull.BaseRef || stored.BaseSHA == "" {
				pull.BaseSHA = pull.BaseRef
			}
		}
	}
	if _, err := d.s.store.UpsertPull(ctx, d.tx, pull); err != nil {
		return fmt.Errorf("record %s: %w", pull.Key(), err)
	}
	return d.s.queue.InsertReviewTx(ctx, d.tx, args())
}

// stored reads what the store knows of a request (known false when
// nothing).
func (d *delivery) stored(ctx context.Context, key string) (store.Pull, bool) {
	p, err := d.s.store.GetPull(ctx, key)
	return p, err == nil
}
