package server

import (
	"context"

	"github.com/google/go-github/v92/github"
)

// checkRunHandler: a person asked GitHub to re-run the "Threat model" check.
type checkRunHandler struct{}

func (checkRunHandler) Handle(ctx context.Context, d *delivery, e any) error {
	ev := e.(*github.CheckRunEvent)
	if ev.GetAction() != "rerequested" || ev.GetCheckRun().GetApp().GetID() != d.s.settings.GitHub.AppID && d.s.settings.GitHub.AppID != 0 {
		return nil
	}
	return d.rerequest(ev.Installation, ev.GetRepo(), ev.GetCheckRun().PullRequests, "check_run.rerequested")
}

// checkSuiteHandler: a person asked GitHub to re-run all checks.
type checkSuiteHandler struct{}

func (checkSuiteHandler) Handle(ctx context.Context, d *delivery, e any) error {
	ev := e.(*github.CheckSuiteEvent)
	if ev.GetAction() != "rerequested" {
		return nil
	}
	return d.rerequest(ev.Installation, ev.GetRepo(), ev.GetCheckSuite().PullRequests, "check_suite.rerequested")
}

// rerequest queues a forced review of each request a check belongs to. A
// check on a fork's request lists no request; those are found again by the
// next synchronize or the resync.
func (d *delivery) rerequest(inst *github.Installation, r *github.Repository, prs []*github.PullRequest, reason string) error {
	repo := githubRepo(inst, r)
	for _, p := range prs {
		pull := githubPull(repo, p)
		pull.State = "open"
		if known, err := d.s.store.GetPull(d.ctx(), pull.Key()); err == nil {
			pull = known // the payload's copy is partial; keep what the store knows
		}
		if err := d.enqueueReview(pull, reason, "", true); err != nil {
			return err
		}
	}
	return nil
}
