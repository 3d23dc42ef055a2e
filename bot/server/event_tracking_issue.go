package server

import (
	"context"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/queue"
)

// trackingIssueChanged: a person closed or reopened a tracking issue; the
// reconcile comments once, or resumes tracking.
func (d *delivery) trackingIssueChanged(ctx context.Context, e forge.TrackingIssueChanged) error {
	reason := queue.TrackIssueClosed
	if e.Reopened {
		reason = queue.TrackIssueReopened
	}
	return d.s.queue.InsertTrackTx(ctx, d.tx, queue.TrackArgs{RepoKey: e.Repo.Key(), Repo: e.Repo, Reason: reason})
}
