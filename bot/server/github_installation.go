package server

import (
	"context"

	"github.com/google/go-github/v92/github"

	"github.com/tmbot/tmbot/bot/store"
)

// installationHandler: the App was installed, uninstalled, suspended.
type installationHandler struct{}

func (installationHandler) Handle(ctx context.Context, d *delivery, e any) error {
	ev := e.(*github.InstallationEvent)
	inst := ev.GetInstallation()
	switch ev.GetAction() {
	case "deleted":
		return d.s.store.DeleteInstallation(ctx, d.tx, inst.GetID())
	case "created", "new_permissions_accepted", "suspend", "unsuspend":
		err := d.s.store.UpsertInstallation(ctx, d.tx, store.Installation{ID: inst.GetID(),
			Account: inst.GetAccount().GetLogin(), Suspended: ev.GetAction() == "suspend"})
		if err != nil {
			return err
		}
		for _, r := range ev.Repositories {
			if err := d.s.store.UpsertRepo(ctx, d.tx, githubRepo(inst, r)); err != nil {
				return err
			}
		}
	}
	return nil
}

// installationReposHandler: repositories added to or removed from an
// installation.
type installationReposHandler struct{}

func (installationReposHandler) Handle(ctx context.Context, d *delivery, e any) error {
	ev := e.(*github.InstallationRepositoriesEvent)
	inst := ev.GetInstallation()
	if err := d.s.store.UpsertInstallation(ctx, d.tx, store.Installation{ID: inst.GetID(), Account: inst.GetAccount().GetLogin()}); err != nil {
		return err
	}
	for _, r := range ev.RepositoriesAdded {
		if err := d.s.store.UpsertRepo(ctx, d.tx, githubRepo(inst, r)); err != nil {
			return err
		}
	}
	for _, r := range ev.RepositoriesRemoved {
		if err := d.s.store.DeleteRepo(ctx, d.tx, githubRepo(inst, r).Key()); err != nil {
			return err
		}
	}
	return nil
}
