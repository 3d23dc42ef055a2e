package queue

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tmbot/tmbot/bot/forge"
)

// InsertReviewTx queues a review of a request in tx (the transaction that
// records the delivery), unless one is already waiting (available,
// scheduled, retryable or pending): that one will read the newest state.
// A review that is running does not count: another is queued after it.
func (q *Queue) InsertReviewTx(ctx context.Context, tx *sql.Tx, a ReviewArgs) error {
	if a.PRKey == "" {
		if a.Repo.Forge == "" || a.Number <= 0 {
			return errors.New("queue: ReviewArgs needs PRKey, or Repo and Number")
		}
		a.PRKey = forge.PullRequest{Repo: a.Repo, Number: a.Number}.Key()
	}
	// River's unique jobs must count running ones (v0.31 refuses a
	// ByState without running), so uniqueness is checked here. On
	// PostgreSQL a transaction-scoped advisory lock on the key serialises
	// concurrent inserts, and the waiting job's row is locked until
	// commit, so that River cannot start it (its fetch skips locked rows)
	// before the state this transaction writes is visible. On SQLite the
	// transaction already holds the write lock.
	waiting := waitingReviewSQLite
	if q.st.Postgres() {
		if _, err := tx.ExecContext(ctx, advisoryLockPostgres, lockKey(a.PRKey)); err != nil {
			return fmt.Errorf("queue: insert review: %w", err)
		}
		waiting = waitingReviewPostgres
	}
	var id int64
	err := tx.QueryRowContext(ctx, waiting, a.PRKey).Scan(&id)
	switch {
	case err == nil:
		q.log.DebugContext(ctx, "queue: review already queued", "pr", a.PRKey, "job", id, "trigger", a.Trigger)
		if a.Force || a.Requester != "" {
			// The waiting job takes over the request for a forced review.
			raw, err := json.Marshal(a)
			if err != nil {
				return fmt.Errorf("queue: insert review: %w", err)
			}
			update, arg := q.setArgs(raw)
			if _, err := tx.ExecContext(ctx, update, arg, id); err != nil {
				return fmt.Errorf("queue: insert review: %w", err)
			}
		}
		return nil
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("queue: insert review: %w", err)
	}
	res, err := q.client.InsertTx(ctx, tx, a, &river.InsertOpts{Queue: QueueReviews, MaxAttempts: q.o.MaxAttempts})
	if err != nil {
		return fmt.Errorf("queue: insert review: %w", err)
	}
	q.log.DebugContext(ctx, "queue: review queued", "pr", a.PRKey, "job", res.Job.ID, "trigger", a.Trigger)
	return nil
}

// InsertReview is InsertReviewTx in a transaction of its own (resync, a
// command).
func (q *Queue) InsertReview(ctx context.Context, a ReviewArgs) error {
	return q.st.InTx(ctx, func(tx *sql.Tx) error { return q.InsertReviewTx(ctx, tx, a) })
}

// InsertTrackTx queues a reconcile of a repository's tracking, unless one
// is waiting (its PRKeys are then added to the waiting job).
func (q *Queue) InsertTrackTx(ctx context.Context, tx *sql.Tx, a TrackArgs) error {
	if a.RepoKey == "" {
		a.RepoKey = a.Repo.Key()
	}
	waiting := waitingTrackSQLite
	if q.st.Postgres() {
		if _, err := tx.ExecContext(ctx, advisoryLockPostgres, lockKey("track:"+a.RepoKey)); err != nil {
			return fmt.Errorf("queue: insert track: %w", err)
		}
		waiting = waitingTrackPostgres
	}
	var id int64
	var raw string
	err := tx.QueryRowContext(ctx, waiting, a.RepoKey).Scan(&id, &raw)
	switch {
	case err == nil:
		// New work for the repository: the waiting job reads and lists
		// afresh rather than from its checkpoint.
		if err := q.st.DeleteCheckpoint(ctx, tx, a.RepoKey); err != nil {
			return fmt.Errorf("queue: insert track: %w", err)
		}
		if len(a.PRKeys) == 0 {
			return nil
		}
		var have TrackArgs
		_ = json.Unmarshal([]byte(raw), &have)
		have.PRKeys = append(have.PRKeys, a.PRKeys...)
		enc, err := json.Marshal(have)
		if err != nil {
			return fmt.Errorf("queue: insert track: %w", err)
		}
		update, arg := q.setArgs(enc)
		if _, err := tx.ExecContext(ctx, update, arg, id); err != nil {
			return fmt.Errorf("queue: insert track: %w", err)
		}
		return nil
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("queue: insert track: %w", err)
	}
	if _, err := q.client.InsertTx(ctx, tx, a, &river.InsertOpts{Queue: QueueReviews, MaxAttempts: q.o.MaxAttempts}); err != nil {
		return fmt.Errorf("queue: insert track: %w", err)
	}
	return nil
}

// InsertResync queues a resync now, unless one is waiting or running.
func (q *Queue) InsertResync(ctx context.Context) error {
	_, err := q.client.Insert(ctx, ResyncArgs{}, resyncInsertOpts())
	if err != nil {
		return fmt.Errorf("queue: insert resync: %w", err)
	}
	return nil
}

func resyncInsertOpts() *river.InsertOpts {
	return &river.InsertOpts{
		Queue:       QueueMaintenance,
		MaxAttempts: 3,
		UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
			rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
			rivertype.JobStateRetryable, rivertype.JobStateScheduled,
		}},
	}
}

// lockKey is the advisory lock key of a request.
func lockKey(prKey string) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte("tmbot review insert\x00" + prKey))
	return int64(h.Sum64())
}
