package queue

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/tmbot/tmbot/bot/store"
)

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
