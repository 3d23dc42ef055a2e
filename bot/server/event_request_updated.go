package server

import (
	"context"
	"fmt"

	"github.com/tmbot/tmbot/bot/commitid"
	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/store"
)

// requestUpdated records a request's new state (a request turned into a
// draft): nothing to review.
func (d *delivery) requestUpdated(ctx context.Context, e forge.RequestUpdated) error {
	_, err := d.remember(ctx, store.Pull{PullRequest: e.Pull, UpdatedAt: e.UpdatedAt}, e.NoBase)
	return err
}

// remember records a request's new state. A payload without the base
// commit (noBase) is recorded only when the store knows the request,
// keeping its base and author (a merged request keeps only a base that is
// a commit, as its target branch has moved past the merge). known: the
// store knows the request now.
func (d *delivery) remember(ctx context.Context, pull store.Pull, noBase bool) (known bool, err error) {
	if noBase {
		stored, known := d.stored(ctx, pull.Key())
		if !known {
			return false, nil
		}
		pull.Author = stored.Author
		pull.BaseSHA = stored.BaseSHA
		if pull.State == "merged" && !commitid.Valid(pull.BaseSHA) {
			pull.BaseSHA = ""
		}
	}
	if _, err := d.s.store.UpsertPull(ctx, d.tx, pull); err != nil {
		return false, fmt.Errorf("record %s: %w", pull.Key(), err)
	}
	return true, nil
}
