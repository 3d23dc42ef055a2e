// Package queue is tmbot's durable work queue: River
// (github.com/riverqueue/river) over the store's *sql.DB, with the
// riversqlite driver on SQLite and riverdatabasesql on PostgreSQL, polling
// (no LISTEN/NOTIFY) every FetchPollInterval.
//
// Two kinds of job:
//
//   - "review" (ReviewArgs): review one request. A webhook inserts it in
//     the transaction that records the delivery (InsertReviewTx), so an
//     accepted delivery is never lost. At most one review of a request waits
//     at a time (available, scheduled, retryable or pending); one that is
//     running does not count, so a delivery during a review queues the next
//     one, and the job reads the newest head from the store when it runs.
//     Work for one request is serialised across replicas by a lease in the
//     store (store.TryLock); a job that finds the lease held snoozes for a
//     second.
//   - "resync" (ResyncArgs): the periodic catch-up, run by the elected
//     leader every ResyncInterval, first ResyncFirst after start.
//
// A handler's error decides what happens: a *forge.RateLimitError
// postpones the job to the time the forge gives, at most MaxRateWait (a
// snooze: it does not use up an attempt); a failing forge
// (retry.Transient) snoozes it for at most a minute, without using up an
// attempt either; forge.ErrGone ends it cleanly; any other error retries
// it with exponential backoff and jitter, and after MaxAttempts the job is
// discarded (River's dead letter state) and logged at error level.
package queue

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/forge/retry"
	"github.com/tmbot/tmbot/bot/store"
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
	// Reason says why (the event, "resync", "command"…), for logs.
	Reason string `json:"reason"`
	// Requester is the person who asked for the review with a command;
	// the job checks that they may write to the repository.
	Requester string `json:"requester,omitempty"`
	// Force writes the check again even when nothing changed (a person
	// asked GitHub to re-run it).
	Force bool `json:"force,omitempty"`
}

// Kind is "review".
func (ReviewArgs) Kind() string { return KindReview }

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
	Reason  string     `json:"reason"`
	// PRKeys are merged requests whose comments are updated with the
	// issues' links after the reconcile.
	PRKeys []string `json:"pr_keys,omitempty"`
}

// Kind is "track".
func (TrackArgs) Kind() string { return KindTrack }

// Handlers do the work.
type Handlers struct {
	// Review reviews a request. It reads the request's newest state from
	// the store. See the package comment for what its error does.
	Review func(ctx context.Context, a ReviewArgs) error
	// Resync is the periodic catch-up (nil: none).
	Resync func(ctx context.Context) error
	// Track reconciles a repository's tracking issues (nil: none).
	Track func(ctx context.Context, a TrackArgs) error
}

// Options configure the queue. Zero values take the defaults.
type Options struct {
	// Workers is how many reviews run at once in this process (default 4).
	Workers int
	// ResyncInterval is the period of the resync job (0, or a nil
	// Handlers.Resync: no periodic resync).
	ResyncInterval time.Duration
	// ResyncFirst is when, after Start, the first resync runs (default 3
	// minutes, at most ResyncInterval).
	ResyncFirst time.Duration
	// Log receives the queue's logs (default: discarded). River's own
	// logs below warning level are left out.
	Log *slog.Logger
	// LockTTL is the lease on a request while its review runs; it is
	// renewed every LockTTL/3, so it only bounds how long a request waits
	// after a replica dies mid-review (default 2 minutes).
	LockTTL time.Duration

	// JobTimeout cancels a job's context after this long (default 5
	// minutes).
	JobTimeout time.Duration
	// RescueStuckJobsAfter is how long a job may stay running before it is
	// taken for the work of a dead process and retried (default JobTimeout
	// + 1 minute; River requires more than JobTimeout). The request lease
	// keeps a rescued job from running beside a live one.
	RescueStuckJobsAfter time.Duration
	// MaxAttempts is how many times a job runs before it is discarded
	// (default 20). Snoozes (rate limits, a busy request) do not count.
	MaxAttempts int
	// RetryBase and RetryMax shape the backoff after a failure: RetryBase ·
	// 2^(failures-1), ±20%, at most RetryMax (defaults 2 s and 10 min).
	RetryBase, RetryMax time.Duration
	// FetchPollInterval is how often each queue looks for new jobs
	// (default 50 ms).
	FetchPollInterval time.Duration
	// OutageWait caps the wait before a job that failed because the forge
	// is failing (retry.Transient: 5xx or no answer, after each call's own
	// retries) runs again: RetryBase·2^n, at most OutageWait, ±20%
	// (default 50 s, so that work resumes within a minute once the forge
	// recovers). Such a failure does not use up an attempt while the job
	// is younger than OutagePatience (default 24 hours): an outage does
	// not discard work.
	OutageWait, OutagePatience time.Duration

	// testOnly sets River's TestOnly (no staggered start of maintenance).
	testOnly bool
}

func (o *Options) defaults() {
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.ResyncInterval < 0 {
		o.ResyncInterval = 0
	}
	if o.ResyncFirst <= 0 {
		o.ResyncFirst = 3 * time.Minute
	}
	if o.ResyncInterval > 0 && o.ResyncFirst > o.ResyncInterval {
		o.ResyncFirst = o.ResyncInterval
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.LockTTL <= 0 {
		o.LockTTL = 2 * time.Minute
	}
	if o.JobTimeout <= 0 {
		o.JobTimeout = 5 * time.Minute
	}
	if o.RescueStuckJobsAfter <= o.JobTimeout {
		o.RescueStuckJobsAfter = o.JobTimeout + time.Minute
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 20
	}
	if o.RetryBase <= 0 {
		o.RetryBase = 2 * time.Second
	}
	if o.RetryMax <= 0 {
		o.RetryMax = 10 * time.Minute
	}
	if o.FetchPollInterval <= 0 {
		o.FetchPollInterval = 50 * time.Millisecond
	}
	if o.OutageWait <= 0 {
		o.OutageWait = DefaultOutageWait
	}
	if o.OutagePatience <= 0 {
		o.OutagePatience = 24 * time.Hour
	}
}

// Queue is the River client and its workers.
type Queue struct {
	st     *store.Store
	h      Handlers
	o      Options
	log    *slog.Logger
	client *river.Client[*sql.Tx]
	// procID names this process in lease owners.
	procID string
	// resync is the periodic schedule (nil: none); Start sets its start.
	resync *firstThenEvery

	mu      sync.Mutex
	started bool
}

// New builds a queue over st's database (migrated by store.Open). It does
// not start working: see Start. A queue that is never started can still
// insert jobs. Stop the queue before closing the store.
func New(st *store.Store, h Handlers, o Options) (*Queue, error) {
	if st == nil {
		return nil, errors.New("queue: nil store")
	}
	if h.Review == nil {
		return nil, errors.New("queue: Handlers.Review is required")
	}
	o.defaults()
	var b [8]byte
	_, _ = rand.Read(b[:])
	q := &Queue{st: st, h: h, o: o, log: o.Log, procID: hex.EncodeToString(b[:])}

	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &reviewWorker{q: q}); err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &trackWorker{q: q}); err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &resyncWorker{q: q}); err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}

	var periodic []*river.PeriodicJob
	if o.ResyncInterval > 0 && h.Resync != nil {
		q.resync = &firstThenEvery{first: o.ResyncFirst, every: o.ResyncInterval, start: time.Now()}
		periodic = append(periodic, river.NewPeriodicJob(q.resync,
			func() (river.JobArgs, *river.InsertOpts) { return ResyncArgs{}, resyncInsertOpts() },
			&river.PeriodicJobOpts{ID: KindResync, RunOnStart: false},
		))
	}

	cfg := &river.Config{
		ID:                   "tmbot_" + q.procID,
		Logger:               slog.New(store.MinLevel(o.Log.Handler(), slog.LevelWarn)),
		PollOnly:             true,
		FetchPollInterval:    o.FetchPollInterval,
		FetchCooldown:        min(o.FetchPollInterval, 20*time.Millisecond),
		JobTimeout:           o.JobTimeout,
		RescueStuckJobsAfter: o.RescueStuckJobsAfter,
		MaxAttempts:          o.MaxAttempts,
		RetryPolicy:          &backoff{base: o.RetryBase, max: o.RetryMax},
		ErrorHandler:         &errorHandler{q: q},
		PeriodicJobs:         periodic,
		Queues: map[string]river.QueueConfig{
			QueueReviews:     {MaxWorkers: o.Workers},
			QueueMaintenance: {MaxWorkers: 1, FetchPollInterval: max(o.FetchPollInterval, time.Second)},
		},
		Workers:  workers,
		TestOnly: o.testOnly,
	}
	client, err := river.NewClient(st.RiverDriver(), cfg)
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	q.client = client
	return q, nil
}

// Start starts working jobs. Jobs run under contexts derived from ctx:
// cancelling it stops hard (like Stop with a done context); prefer Stop.
func (q *Queue) Start(ctx context.Context) error {
	if q.resync != nil {
		q.resync.start = time.Now() // read by River's goroutines, started below
	}
	if err := q.client.Start(ctx); err != nil {
		return fmt.Errorf("queue: start: %w", err)
	}
	q.mu.Lock()
	q.started = true
	q.mu.Unlock()
	return nil
}

// Running reports whether Start succeeded and Stop has not been called
// (for /readyz).
func (q *Queue) Running() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.started
}

// stopGrace is how long Stop waits for cancelled jobs to record their
// state after ctx is done.
const stopGrace = 10 * time.Second

// Stop shuts down gracefully: it stops fetching, lets running jobs finish
// until ctx is done, then cancels them (each snoozes, to run again at once
// when a queue next starts; nothing is lost) and waits a few seconds for
// that to be recorded.
func (q *Queue) Stop(ctx context.Context) error {
	q.mu.Lock()
	q.started = false
	q.mu.Unlock()
	err := q.client.Stop(ctx)
	if err == nil || ctx.Err() == nil {
		return err
	}
	q.log.WarnContext(ctx, "queue: jobs still running at shutdown: cancelling them")
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopGrace)
	defer cancel()
	if err := q.client.StopAndCancel(cctx); err != nil {
		return fmt.Errorf("queue: stop: %w", err)
	}
	return nil
}

// The SQLite queries for a waiting job of a request or a repository.
// "+kind" keeps SQLite off River's index on kind, which would walk every
// job of the kind still kept (finished ones stay a day) inside the
// webhook's transaction, which holds the single writer; the index on
// state finds the few that wait.
const (
	waitingReviewSQLite = `SELECT id FROM river_job
WHERE +kind = 'review' AND state IN ('available', 'scheduled', 'retryable', 'pending')
    AND json_extract(CAST(args AS TEXT), '$.pr_key') = ?
LIMIT 1`
	waitingTrackSQLite = `SELECT id, CAST(args AS TEXT) FROM river_job
WHERE +kind = 'track' AND state IN ('available', 'scheduled', 'retryable', 'pending')
    AND json_extract(CAST(args AS TEXT), '$.repo_key') = ?
LIMIT 1`
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
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", lockKey(a.PRKey)); err != nil {
			return fmt.Errorf("queue: insert review: %w", err)
		}
		waiting = `SELECT id FROM river_job
WHERE kind = 'review' AND state IN ('available', 'scheduled', 'retryable', 'pending')
    AND args->>'pr_key' = $1
LIMIT 1 FOR UPDATE`
	}
	var id int64
	err := tx.QueryRowContext(ctx, waiting, a.PRKey).Scan(&id)
	switch {
	case err == nil:
		q.log.DebugContext(ctx, "queue: review already queued", "pr", a.PRKey, "job", id, "reason", a.Reason)
		if a.Force || a.Requester != "" {
			// The waiting job takes over the request for a forced review.
			raw, err := json.Marshal(a)
			if err != nil {
				return fmt.Errorf("queue: insert review: %w", err)
			}
			var update string
			var arg any
			if q.st.Postgres() {
				update, arg = "UPDATE river_job SET args = $1::jsonb WHERE id = $2", string(raw)
			} else {
				update, arg = "UPDATE river_job SET args = ? WHERE id = ?", raw
			}
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
	q.log.DebugContext(ctx, "queue: review queued", "pr", a.PRKey, "job", res.Job.ID, "reason", a.Reason)
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
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", lockKey("track:"+a.RepoKey)); err != nil {
			return fmt.Errorf("queue: insert track: %w", err)
		}
		waiting = `SELECT id, args::text FROM river_job
WHERE kind = 'track' AND state IN ('available', 'scheduled', 'retryable', 'pending')
    AND args->>'repo_key' = $1
LIMIT 1 FOR UPDATE`
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
		update, arg := "UPDATE river_job SET args = ? WHERE id = ?", any(enc)
		if q.st.Postgres() {
			update, arg = "UPDATE river_job SET args = $1::jsonb WHERE id = $2", string(enc)
		}
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

// States are River's job states, in the order Stats reports them.
var States = []string{"available", "scheduled", "running", "retryable", "pending", "completed", "cancelled", "discarded"}

// Stats counts jobs by state (every state in States is present, 0 or
// more). "discarded" is the dead letter: jobs that failed MaxAttempts
// times. Finished jobs are kept a day (discarded a week) by River.
func (q *Queue) Stats(ctx context.Context) (map[string]int, error) {
	rows, err := q.st.ReadDB().QueryContext(ctx, "SELECT state, count(*) FROM river_job GROUP BY state")
	if err != nil {
		return nil, fmt.Errorf("queue: stats: %w", err)
	}
	defer rows.Close()
	out := make(map[string]int, len(States))
	for _, s := range States {
		out[s] = 0
	}
	for rows.Next() {
		var (
			state string
			n     int
		)
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("queue: stats: %w", err)
		}
		out[state] = n
	}
	return out, rows.Err()
}

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
			"reason", job.Args.Reason, "took", time.Since(start), "err", err)
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

// withLease runs fn holding the lease on key across replicas (renewed while
// it runs), and maps its error to what River does. A key held by another
// job snoozes this one.
func (q *Queue) withLease(ctx context.Context, job *rivertype.JobRow, key string, fn func(ctx context.Context) error) error {
	owner := fmt.Sprintf("%s/%d", q.procID, job.ID)
	ok, err := q.st.TryLock(ctx, key, owner, q.o.LockTTL)
	if err != nil {
		return q.outcome(ctx, job, err)
	}
	if !ok {
		q.log.DebugContext(ctx, "queue: busy, snoozing", "key", key, "job", job.ID)
		return river.JobSnooze(time.Second)
	}
	defer func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := q.st.Unlock(uctx, key, owner); err != nil {
			q.log.WarnContext(ctx, "queue: unlock", "key", key, "err", err)
		}
	}()

	// Renew the lease while the work runs (stopped before the unlock
	// above, even when fn panics).
	rctx, stopRenew := context.WithCancel(ctx)
	renewed := make(chan struct{})
	defer func() {
		stopRenew()
		<-renewed
	}()
	go func() {
		defer close(renewed)
		t := time.NewTicker(q.o.LockTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-rctx.Done():
				return
			case <-t.C:
				if ok, err := q.st.TryLock(rctx, key, owner, q.o.LockTTL); err != nil && rctx.Err() == nil {
					q.log.WarnContext(ctx, "queue: renewing the lease", "key", key, "err", err)
				} else if !ok && err == nil {
					q.log.WarnContext(ctx, "queue: the lease was taken over", "key", key, "job", job.ID)
				}
			}
		}
	}()
	return q.outcome(ctx, job, fn(ctx))
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

// outcome maps a handler's error to what River does with the job.
func (q *Queue) outcome(ctx context.Context, job *rivertype.JobRow, err error) error {
	if err == nil {
		return nil
	}
	attrs := []any{"kind", job.Kind, "job", job.ID}
	if k := prKey(job); k != "" {
		attrs = append(attrs, "pr", k)
	}
	var snooze *river.JobSnoozeError
	var cancel *river.JobCancelError
	if errors.As(err, &snooze) || errors.As(err, &cancel) {
		return err
	}
	if d, ok := forge.RetryAfter(err, time.Now()); ok {
		// A forge that asks for longer than its rate limits last (an
		// hour) is not taken at its word.
		d = min(d, MaxRateWait)
		q.log.InfoContext(ctx, "queue: rate limited, postponing", append(attrs, "for", d, "err", err)...)
		return river.JobSnooze(d)
	}
	if retry.Transient(err) && ctx.Err() == nil && time.Since(job.CreatedAt) < q.o.OutagePatience {
		d := OutageBackoff(q.o.RetryBase, q.o.OutageWait, snoozes(job), mrand.Float64())
		q.log.InfoContext(ctx, "queue: the forge is failing; trying again soon, without using up an attempt",
			append(attrs, "for", d, "err", err)...)
		return river.JobSnooze(d)
	}
	if errors.Is(err, forge.ErrGone) {
		q.log.InfoContext(ctx, "queue: gone, dropping the job", append(attrs, "err", err)...)
		return nil
	}
	if ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled) {
		// Shut down mid-job: run again as soon as a queue starts, without
		// using up an attempt.
		q.log.InfoContext(ctx, "queue: cancelled by shutdown, will run again", attrs...)
		return river.JobSnooze(0)
	}
	return err
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

// errorHandler logs failures; the last one (the job is discarded) at error
// level.
type errorHandler struct{ q *Queue }

func (h *errorHandler) HandleError(ctx context.Context, job *rivertype.JobRow, err error) *river.ErrorHandlerResult {
	h.log(ctx, job, err)
	return nil
}

func (h *errorHandler) HandlePanic(ctx context.Context, job *rivertype.JobRow, panicVal any, trace string) *river.ErrorHandlerResult {
	h.log(ctx, job, fmt.Errorf("panic: %v\n%s", panicVal, trace))
	return nil
}

func (h *errorHandler) log(ctx context.Context, job *rivertype.JobRow, err error) {
	attrs := []any{"kind", job.Kind, "job", job.ID, "attempt", job.Attempt, "max_attempts", job.MaxAttempts, "err", err}
	if k := prKey(job); k != "" {
		attrs = append(attrs, "pr", k)
	}
	if job.Attempt >= job.MaxAttempts {
		h.q.log.ErrorContext(ctx, "queue: job failed for the last time and is discarded (dead letter)", attrs...)
		return
	}
	h.q.log.WarnContext(ctx, "queue: job failed, will retry", attrs...)
}

// backoff is exponential backoff with jitter: base·2^(failures-1) ±20%,
// at most max.
type backoff struct{ base, max time.Duration }

func (b *backoff) NextRetry(job *rivertype.JobRow) time.Time {
	// job.Errors holds the earlier failures (snoozes add none).
	n := len(job.Errors)
	d := float64(b.base) * math.Pow(2, float64(min(n, 40)))
	d = min(d, float64(b.max))
	d *= 0.8 + 0.4*mrand.Float64()
	return time.Now().UTC().Add(time.Duration(d))
}

// firstThenEvery runs first after start, then every interval.
type firstThenEvery struct {
	first, every time.Duration
	start        time.Time
}

func (s *firstThenEvery) Next(t time.Time) time.Time {
	if f := s.start.Add(s.first); t.Before(f) {
		return f
	}
	return t.Add(s.every)
}

// DefaultOutageWait caps the wait of a job that the forge failed (see
// Options.OutageWait): with ±20% jitter, at most a minute.
const DefaultOutageWait = 50 * time.Second

// OutageBackoff is the wait of a job that the forge failed for the n-th
// time in a row (n from 0): base·2^n, at most limit, scaled by 0.8 + 0.4·r
// (r in [0, 1)).
func OutageBackoff(base, limit time.Duration, n int, r float64) time.Duration {
	d := float64(base) * math.Pow(2, float64(min(max(n, 0), 40)))
	d = min(d, float64(limit))
	return time.Duration(d * (0.8 + 0.4*r))
}

// snoozes is how often River snoozed the job (its metadata counts them).
func snoozes(job *rivertype.JobRow) int {
	var m struct {
		Snoozes int `json:"snoozes"`
	}
	_ = json.Unmarshal(job.Metadata, &m)
	return m.Snoozes
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

// MaxRateWait bounds how long a rate limit postpones a job: GitHub's and
// GitLab's primary limits reset within the hour, so a longer Retry-After
// or reset (a wrong clock, a misbehaving proxy) is cut to this.
const MaxRateWait = 65 * time.Minute
