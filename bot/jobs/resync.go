package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/queue"
	"github.com/tmbot/tmbot/bot/store"
)

// Resync catches up missed webhooks: for every installed repository it
// lists the open requests and queues a review of each whose head has not
// been reviewed. A repository that is gone or rate limited is skipped
// until the next resync; the others go on.
func (d *Runner) Resync(ctx context.Context, q *queue.Queue) error {
	// Delivery ids are kept long enough for any redelivery (GitHub lets a
	// person redeliver for 3 days), then forgotten.
	if n, err := d.Store.PruneDeliveries(ctx, d.now().Add(-DeliveryRetention)); err != nil {
		return err
	} else if n > 0 {
		d.Log.Info("forgot old deliveries", "count", n)
	}
	repos, err := d.Store.ListRepos(ctx)
	if err != nil {
		return fmt.Errorf("list repositories: %w", err)
	}
	queued := 0
	for _, repo := range repos {
		if err := ctx.Err(); err != nil {
			return err
		}
		client, err := d.Client(repo)
		if err != nil {
			d.Log.Warn("resync: no client", "repo", repo.Key(), "err", err)
			continue
		}
		// Leave most of the installation's rate limit to the webhooks: the
		// resync stops for an installation whose remaining calls fall
		// under the reserve, and catches up next time.
		// The budget is the store's (every replica's last answer) or this
		// client's, whichever is lower.
		if low, _, left, err := d.budgetLow(ctx, client, repo); err != nil {
			return err
		} else if low {
			d.Log.Info("resync: rate limit reserve reached; the rest waits for the next resync", "repo", repo.Key(), "remaining", left)
			continue
		}
		// Stale tracking: the default branch moved since the last reconcile.
		if repo.DefaultBranch != "" {
			if head, err := client.BranchHead(ctx, repo, repo.DefaultBranch); err == nil {
				rt, err := d.Store.GetRepoTracking(ctx, repo.Key())
				if err != nil {
					return err
				}
				if rt.SHA != head {
					err := d.Store.InTx(ctx, func(tx *sql.Tx) error {
						return q.InsertTrackTx(ctx, tx, queue.TrackArgs{RepoKey: repo.Key(), Repo: repo, Reason: queue.TrackResync})
					})
					if err != nil {
						return fmt.Errorf("queue the tracking of %s: %w", repo.Key(), err)
					}
				}
			}
		}
		prs, err := client.ListOpenPullRequests(ctx, repo)
		if err != nil {
			if _, limited := forge.RetryAfter(err, d.now()); limited || errors.Is(err, forge.ErrGone) {
				d.Log.Warn("resync: skipped", "repo", repo.Key(), "err", err)
				continue
			}
			return fmt.Errorf("resync %s: %w", repo.Key(), err)
		}
		for _, pr := range prs {
			done, err := d.Store.Reviewed(ctx, pr.Key(), pr.HeadSHA)
			if err != nil {
				return err
			}
			if done {
				continue
			}
			pull := store.Pull{PullRequest: pr, UpdatedAt: d.now().UTC()}
			err = d.Store.InTx(ctx, func(tx *sql.Tx) error {
				if _, err := d.Store.UpsertPull(ctx, tx, pull); err != nil {
					return err
				}
				return q.InsertReviewTx(ctx, tx, queue.ReviewArgs{PRKey: pr.Key(), Repo: pr.Repo, Number: pr.Number, Trigger: forge.TriggerResync})
			})
			if err != nil {
				return fmt.Errorf("queue the review of %s: %w", pr.Key(), err)
			}
			queued++
		}
	}
	d.Log.Info("resync done", "repos", len(repos), "queued", queued)
	return nil
}

// DefaultResyncReserve is the share of an installation's hourly rate limit
// (5,000 calls for a GitHub App installation at least) that the resync
// leaves to webhooks: it stops when fewer calls than this remain.
const DefaultResyncReserve = 2000

// GitLabResyncReserve is the reserve on GitLab, whose limit is counted
// per minute (2,000 calls a minute for an authenticated user on GitLab.com,
// docs.gitlab.com "GitLab.com-specific rate limits"): a tenth of it. The
// configured reserve applies there when it is smaller.
const GitLabResyncReserve = 200

func (d *Runner) resyncReserve() int {
	if d.ResyncReserve > 0 {
		return d.ResyncReserve
	}
	return DefaultResyncReserve
}

// reserveFor is the resync's reserve for a repository's forge.
func (d *Runner) reserveFor(repo forge.Repo) int {
	if repo.Forge == "gitlab" {
		return min(d.resyncReserve(), GitLabResyncReserve)
	}
	return d.resyncReserve()
}

// DeliveryRetention is how long a delivery id is remembered for
// deduplication: longer than GitHub's 3 days of redeliverable history.
const DeliveryRetention = 7 * 24 * time.Hour
