package server

import (
	"context"
	"fmt"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/store"
)

// installationChanged records what the service may see: the installation
// (deleted with its repositories), then the repositories added and
// removed.
func (d *delivery) installationChanged(ctx context.Context, e forge.InstallationChanged) error {
	if inst := e.Installation; inst != nil {
		if e.Deleted {
			return d.s.store.DeleteInstallation(ctx, d.tx, inst.ID)
		}
		err := d.s.store.UpsertInstallation(ctx, d.tx, store.Installation{ID: inst.ID, Account: inst.Account, Suspended: inst.Suspended})
		if err != nil {
			return fmt.Errorf("record installation %d: %w", inst.ID, err)
		}
	}
	for _, r := range e.Added {
		if err := d.s.store.UpsertRepo(ctx, d.tx, r); err != nil {
			return fmt.Errorf("record %s: %w", r.Key(), err)
		}
	}
	for _, r := range e.Removed {
		if err := d.s.store.DeleteRepo(ctx, d.tx, r.Key()); err != nil {
			return fmt.Errorf("forget %s: %w", r.Key(), err)
		}
	}
	return nil
}
