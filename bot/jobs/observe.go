package jobs

import (
	"context"
	"time"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/queue"
)

// ReviewJob runs a review job from the queue (ReviewPR), and records its
// duration and its forge client's API use in Metrics. A review that a
// track job runs (after a merge) is counted with the track job.
func (d *Runner) ReviewJob(ctx context.Context, a queue.ReviewArgs) error {
	start := time.Now()
	err := d.ReviewPR(ctx, a)
	d.observe("review", a.Repo, start, err)
	return err
}

// TrackJob runs a track job from the queue (Track), and records it as
// ReviewJob does.
func (d *Runner) TrackJob(ctx context.Context, a queue.TrackArgs) error {
	start := time.Now()
	err := d.Track(ctx, a)
	d.observe("track", a.Repo, start, err)
	return err
}

// observe records a job's duration and its forge client's API use (when
// the client counts calls and knows its rate limit).
func (d *Runner) observe(kind string, repo forge.Repo, start time.Time, err error) {
	if d.Metrics == nil {
		return
	}
	d.Metrics.Job(kind, time.Since(start), err)
	client, _ := d.Client(repo)
	d.Metrics.APIUse(repo.Forge, repo.Installation, client)
}
