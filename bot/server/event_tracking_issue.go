package server

import (
	"context"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/queue"
)

// trackingIssueChanged: a person closed or reopened a tracking issue; the
// reconcile comments once, or resumes tracking.
func (d *delivery) trackingIssueChanged(ctx context.Context, e forge.TrackingIssueChanged) error {
	return d.s.queue.InsertTrackTx(ctx, d.tx, queue.TrackArgs{RepoKey: e.Repo.Key(), Repo: e.Repo,
		Reason: queue.TrackIssue + "." + e.Action})
}
