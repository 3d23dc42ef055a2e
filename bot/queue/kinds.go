package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tmbot/tmbot/bot/forge"
)

// Job kinds and queues.
const (
	KindReview = "review"
	KindResync = "resync"
	KindTrack  = "track"

	// QueueReviews works review jobs (Options.Workers at a time).
	QueueReviews = "reviews"
	// QueueMaintenance works resync jobs, one at a time.
	QueueMaintenance = "maintenance"
)

// ReviewArgs asks for a review of one request.
type ReviewArgs struct {
	// PRKey is forge.PullRequest.Key(): jobs are unique and serialised on
	// it. InsertReviewTx fills it from Repo and Number when empty.
	PRKey  string     `json:"pr_key"`
	Repo   forge.Repo `json:"repo"`
	Number int        `json:"number"`
	// Trigger says why: the jobs decide on it (a new request or a new
	// head skips looking for what an earlier review wrote). Jobs queued
	// before it existed carry a "reason" instead (see UnmarshalJSON).
	Trigger forge.Trigger `json:"trigger"`
	// Requester is the person who asked for the review with a command;
	// the job checks that they may write to the repository.
	Requester string `json:"requester,omitempty"`
	// Force writes the check again even when nothing changed (a person
	// asked GitHub to re-run it).
	Force bool `json:"force,omitempty"`
}

// Kind is "review".
func (ReviewArgs) Kind() string { return KindReview }

// UnmarshalJSON reads a review job's arguments, also as they were queued
// before the trigger existed: with the event's name in "reason"
// ("pull_request.opened"…), which legacyTrigger maps.
func (a *ReviewArgs) UnmarshalJSON(b []byte) error {
	type plain ReviewArgs // without this method
	var v struct {
		plain
		Reason string `json:"reason"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("decode review job arguments: %w", err)
	}
	*a = ReviewArgs(v.plain)
	if a.Trigger == "" {
		a.Trigger = legacyTrigger(v.Reason)
	}
	return nil
}

// legacyTrigger is the trigger of a reason review jobs were queued with
// before the trigger existed (GitLab's merge requests sent GitHub's names
// for a new request and a new head). An unknown reason has no trigger,
// which looks for everything an earlier review may have written.
func legacyTrigger(reason string) forge.Trigger {
	switch reason {
	case "pull_request.opened":
		return forge.TriggerOpened
	case "pull_request.synchronize":
		return forge.TriggerNewHead
	case "pull_request.reopened", "merge_request.reopen":
		return forge.TriggerReopened
	case "pull_request.ready_for_review", "pull_request.edited", "merge_request.retarget", "merge_request.ready":
		return forge.TriggerChanged
	case "check_run.rerequested", "check_suite.rerequested":
		return forge.TriggerRerun
	case "issue_comment", "note":
		return forge.TriggerCommand
	case "resync":
		return forge.TriggerResync
	case "merged":
		return forge.TriggerMerged
	case "ci":
		return forge.TriggerCI
	}
	return ""
}

// ResyncArgs asks for the periodic catch-up.
type ResyncArgs struct{}

// Kind is "resync".
func (ResyncArgs) Kind() string { return KindResync }

// TrackArgs asks for a repository's tracking to be reconciled with the
// models on its default branch (a push, a merge, an issue a person closed
// or reopened, the resync). Jobs are unique per repository while waiting
// and serialised on it.
type TrackArgs struct {
	RepoKey string     `json:"repo_key"`
	Repo    forge.Repo `json:"repo"`
	// Reason says why; a resync's reconcile is the one that yields to
	// reviews when the forge's budget is low.
	Reason TrackReason `json:"reason"`
	// PRKeys are merged requests whose comments are updated with the
	// issues' links after the reconcile.
	PRKeys []string `json:"pr_keys,omitempty"`
}

// Kind is "track".
func (TrackArgs) Kind() string { return KindTrack }

// TrackReason says why a repository's tracking is reconciled. Jobs queued
// before these names carry the event's name ("pull_request.merged"…), which
// is only logged.
type TrackReason string

// Reasons of track jobs.
const (
	// TrackPush: commits landed on the default branch.
	TrackPush TrackReason = "push"
	// TrackMerged: a request was merged into the default branch.
	TrackMerged TrackReason = "merged"
	// TrackIssueClosed, TrackIssueReopened: a person closed or reopened a
	// tracking issue.
	TrackIssueClosed   TrackReason = "issue.closed"
	TrackIssueReopened TrackReason = "issue.reopened"
	// TrackResync: the periodic catch-up.
	TrackResync TrackReason = "resync"
)

// reviewWorker runs Handlers.Review under the request's lease.
type reviewWorker struct {
	river.WorkerDefaults[ReviewArgs]
	q *Queue
}

func (w *reviewWorker) Work(ctx context.Context, job *river.Job[ReviewArgs]) error {
	return w.q.withLease(ctx, job.JobRow, job.Args.PRKey, func(ctx context.Context) error {
		start := time.Now()
		err := w.q.h.Review(ctx, job.Args)
		w.q.log.DebugContext(ctx, "queue: review ran", "pr", job.Args.PRKey, "job", job.ID, "attempt", job.Attempt,
			"trigger", job.Args.Trigger, "took", time.Since(start), "err", err)
		return err
	})
}

// trackWorker runs Handlers.Track, serialised per repository.
type trackWorker struct {
	river.WorkerDefaults[TrackArgs]
	q *Queue
}

func (w *trackWorker) Work(ctx context.Context, job *river.Job[TrackArgs]) error {
	if w.q.h.Track == nil {
		return nil
	}
	return w.q.withLease(ctx, job.JobRow, "track:"+job.Args.RepoKey, func(ctx context.Context) error {
		return w.q.h.Track(WithJobID(ctx, job.ID), job.Args)
	})
}

// resyncWorker runs Handlers.Resync.
type resyncWorker struct {
	river.WorkerDefaults[ResyncArgs]
	q *Queue
}

func (w *resyncWorker) Work(ctx context.Context, job *river.Job[ResyncArgs]) error {
	if w.q.h.Resync == nil {
		return nil
	}
	return w.q.outcome(ctx, job.JobRow, w.q.h.Resync(ctx))
}

// prKey is the request key of a review job ("" for others).
func prKey(job *rivertype.JobRow) string {
	if job.Kind != KindReview {
		return ""
	}
	var a ReviewArgs
	_ = json.Unmarshal(job.EncodedArgs, &a)
	return a.PRKey
}

type jobIDKey struct{}

// WithJobID gives ctx the id of the job it runs (the queue does it for
// track jobs; callers that run a handler themselves may too).
func WithJobID(ctx context.Context, id int64) context.Context {
	return context.WithValue(ctx, jobIDKey{}, id)
}

// JobID is the id of the queue's job that ctx runs (a track job's), so
// that its handler can keep checkpoints across the job's attempts.
func JobID(ctx context.Context) (int64, bool) {
	id, ok := ctx.Value(jobIDKey{}).(int64)
	return id, ok
}
