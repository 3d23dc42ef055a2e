package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/store"
)

// rateReporter is a forge client that knows what the last answer said of
// its primary rate limit (the GitHub adapter).
type rateReporter interface {
	RateRemaining() (remaining int, reset time.Time)
}

// budgetKey names the rate limit a repository's calls count against: the
// installation's on GitHub, the token's on GitLab.
func budgetKey(repo forge.Repo) string {
	return fmt.Sprintf("%s:%d", repo.Forge, repo.Installation)
}

// noteBudget records in the store, for every job and replica, what the
// client's last answer said of its rate limit.
func (d *Runner) noteBudget(ctx context.Context, client forge.Client, repo forge.Repo) {
	rr, ok := client.(rateReporter)
	if !ok {
		return
	}
	left, reset := rr.RateRemaining()
	if left < 0 || reset.IsZero() {
		return
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := d.Store.SaveRateBudget(sctx, store.RateBudget{Key: budgetKey(repo), Remaining: left, Reset: reset}); err != nil {
		d.Log.Warn("could not record the rate limit budget", "repo", repo.Key(), "err", err)
	}
}

// budgetLow reports whether fewer calls than the reserve are left to the
// repository's installation, by the newest of what this client saw and
// what the store holds (any replica's last answer), and when the limit
// resets.
func (d *Runner) budgetLow(ctx context.Context, client forge.Client, repo forge.Repo) (bool, time.Time, int, error) {
	now := d.now()
	left, reset := -1, time.Time{}
	if rr, ok := client.(rateReporter); ok {
		if l, r := rr.RateRemaining(); l >= 0 && r.After(now) {
			left, reset = l, r
		}
	}
	b, ok, err := d.Store.GetRateBudget(ctx, budgetKey(repo), now)
	if err != nil {
		return false, time.Time{}, 0, err
	}
	if ok && (left < 0 || b.Remaining < left) {
		left, reset = b.Remaining, b.Reset
	}
	return left >= 0 && left < d.reserveFor(repo), reset, left, nil
}

// yieldToReviews postpones background work (a resync's reconcile) until
// the rate limit resets when the installation's budget is low, so that
// the calls left go to reviews.
func (d *Runner) yieldToReviews(ctx context.Context, client forge.Client, repo forge.Repo) error {
	low, reset, left, err := d.budgetLow(ctx, client, repo)
	if err != nil || !low {
		return err
	}
	d.Log.Info("rate limit budget low: background work waits for the reset", "repo", repo.Key(), "remaining", left, "reset", reset)
	return &forge.RateLimitError{Until: reset, Reason: fmt.Sprintf("%d calls left to the installation: kept for reviews", left)}
}
