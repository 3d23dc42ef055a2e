package queue

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/store"
	"github.com/tmbot/tmbot/bot/store/storetest"
)

// syncBuffer is a log sink the test can read while River writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func testRepo() forge.Repo {
	return forge.Repo{Forge: "github", Installation: 1, Owner: "acme", Name: "app"}
}

func reviewArgs(n int) ReviewArgs {
	r := testRepo()
	return ReviewArgs{PRKey: forge.PullRequest{Repo: r, Number: n}.Key(), Repo: r, Number: n, Trigger: forge.TriggerOpened}
}

// fast are options for tests: quick polling and retries.
func fast(t *testing.T) Options {
	return Options{
		Workers:           4,
		FetchPollInterval: 20 * time.Millisecond,
		RetryBase:         50 * time.Millisecond,
		RetryMax:          200 * time.Millisecond,
		LockTTL:           3 * time.Second,
		Log:               slog.New(slog.NewTextHandler(newTestWriter(t), &slog.HandlerOptions{Level: slog.LevelDebug})),
		testOnly:          true,
	}
}

// testWriter logs to t until the test ends (River may log while it
// stops).
type testWriter struct {
	t    *testing.T
	done *atomic.Bool
}

func newTestWriter(t *testing.T) testWriter {
	w := testWriter{t, new(atomic.Bool)}
	t.Cleanup(func() { w.done.Store(true) })
	return w
}

func (w testWriter) Write(p []byte) (int, error) {
	if !w.done.Load() {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

// newQueue builds a queue and stops it at cleanup.
func newQueue(t *testing.T, st *store.Store, h Handlers, o Options) *Queue {
	t.Helper()
	q, err := New(st, h, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = q.Stop(ctx)
	})
	return q
}

func start(t *testing.T, q *Queue) {
	t.Helper()
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func insert(t *testing.T, q *Queue, a ReviewArgs) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := q.InsertReview(ctx, a); err != nil {
		t.Fatal(err)
	}
}

func jobs(t *testing.T, q *Queue, kind string) []*rivertype.JobRow {
	t.Helper()
	res, err := q.client.JobList(context.Background(), river.NewJobListParams().Kinds(kind).First(1000))
	if err != nil {
		t.Fatal(err)
	}
	return res.Jobs
}

// waitFor polls cond until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func allInState(t *testing.T, q *Queue, kind string, n int, state rivertype.JobState) func() bool {
	return func() bool {
		js := jobs(t, q, kind)
		if len(js) != n {
			return false
		}
		for _, j := range js {
			if j.State != state {
				return false
			}
		}
		return true
	}
}

func TestReviewRuns(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		var got []ReviewArgs
		var mu sync.Mutex
		q := newQueue(t, st, Handlers{Review: func(ctx context.Context, a ReviewArgs) error {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, a)
			return nil
		}}, fast(t))
		a := reviewArgs(1)
		a.PRKey = "" // filled from Repo and Number
		insert(t, q, a)
		start(t, q)
		waitFor(t, 10*time.Second, "completed", allInState(t, q, KindReview, 1, rivertype.JobStateCompleted))
		mu.Lock()
		defer mu.Unlock()
		if len(got) != 1 || got[0] != reviewArgs(1) {
			t.Fatalf("handler got %+v", got)
		}
		// The lease was given back.
		if ok, err := st.TryLock(context.Background(), reviewArgs(1).PRKey, "other", time.Minute); err != nil || !ok {
			t.Fatalf("lease kept: %v %v", ok, err)
		}
	})
}

func TestInsertDedupe(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		q := newQueue(t, st, Handlers{Review: func(context.Context, ReviewArgs) error { return nil }}, fast(t))
		insert(t, q, reviewArgs(1))
		insert(t, q, reviewArgs(1))
		insert(t, q, reviewArgs(2))
		// Twice in one transaction.
		err := st.InTx(context.Background(), func(tx *sql.Tx) error {
			for range 2 {
				if err := q.InsertReviewTx(context.Background(), tx, reviewArgs(3)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// Racing transactions.
		var wg sync.WaitGroup
		for range 6 {
			wg.Go(func() {
				if err := q.InsertReview(context.Background(), reviewArgs(4)); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		js := jobs(t, q, KindReview)
		per := map[string]int{}
		for _, j := range js {
			per[prKey(j)]++
		}
		if len(js) != 4 || per[reviewArgs(1).PRKey] != 1 || per[reviewArgs(4).PRKey] != 1 {
			t.Fatalf("jobs per request: %v", per)
		}
		// A rolled-back insert leaves nothing.
		boom := errors.New("boom")
		err = st.InTx(context.Background(), func(tx *sql.Tx) error {
			if err := q.InsertReviewTx(context.Background(), tx, reviewArgs(5)); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) || len(jobs(t, q, KindReview)) != 4 {
			t.Fatalf("rollback: %v", err)
		}
	})
}

func TestInsertWhileRunning(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		var calls atomic.Int32
		entered := make(chan struct{}, 10)
		release := make(chan struct{})
		o := fast(t)
		o.Workers = 1 // the next job waits for the running one's slot
		q := newQueue(t, st, Handlers{Review: func(ctx context.Context, a ReviewArgs) error {
			if calls.Add(1) == 1 {
				entered <- struct{}{}
				select {
				case <-release:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			return nil
		}}, o)
		start(t, q)
		insert(t, q, reviewArgs(1))
		<-entered
		// A delivery during the review queues the next one, once.
		insert(t, q, reviewArgs(1))
		insert(t, q, reviewArgs(1))
		js := jobs(t, q, KindReview)
		if len(js) != 2 || js[0].State != rivertype.JobStateRunning || js[1].State != rivertype.JobStateAvailable {
			t.Fatalf("%d jobs while one runs", len(js))
		}
		close(release)
		waitFor(t, 10*time.Second, "both completed", allInState(t, q, KindReview, 2, rivertype.JobStateCompleted))
		if calls.Load() != 2 {
			t.Fatalf("calls %d", calls.Load())
		}
	})
}

func TestOneReviewOfARequestAtATime(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		var calls, active, maxActive atomic.Int32
		var mu sync.Mutex
		var logs syncBuffer
		o := fast(t)
		o.Log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		// Two replicas on one database, four workers each.
		h := Handlers{Review: func(ctx context.Context, a ReviewArgs) error {
			mu.Lock()
			n := active.Add(1)
			maxActive.Store(max(maxActive.Load(), n))
			mu.Unlock()
			defer active.Add(-1)
			calls.Add(1)
			select {
			case <-time.After(300 * time.Millisecond):
			case <-ctx.Done():
				return ctx.Err()
			}
			return nil
		}}
		q1 := newQueue(t, st, h, o)
		q2 := newQueue(t, st, h, o)
		start(t, q1)
		start(t, q2)
		// Deliveries keep coming while reviews run.
		for range 8 {
			insert(t, q1, reviewArgs(1))
			time.Sleep(60 * time.Millisecond)
		}
		waitFor(t, 20*time.Second, "all completed", func() bool {
			js := jobs(t, q1, KindReview)
			for _, j := range js {
				if j.State != rivertype.JobStateCompleted {
					return false
				}
			}
			return len(js) >= 2
		})
		n := len(jobs(t, q1, KindReview))
		if maxActive.Load() != 1 || int(calls.Load()) != n {
			t.Fatalf("%d jobs, %d calls, at most %d at once", n, calls.Load(), maxActive.Load())
		}
		if !strings.Contains(logs.String(), "request busy") {
			t.Log("no job met a busy request")
		}
	})
}

func TestRateLimitSnoozes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		var calls atomic.Int32
		var first, second time.Time
		q := newQueue(t, st, Handlers{Review: func(ctx context.Context, a ReviewArgs) error {
			if calls.Add(1) == 1 {
				first = time.Now()
				return fmt.Errorf("reading files: %w", &forge.RateLimitError{Until: time.Now().Add(time.Second), Reason: "secondary"})
			}
			second = time.Now()
			return nil
		}}, fast(t))
		insert(t, q, reviewArgs(1))
		start(t, q)
		waitFor(t, 10*time.Second, "completed", allInState(t, q, KindReview, 1, rivertype.JobStateCompleted))
		j := jobs(t, q, KindReview)[0]
		if calls.Load() != 2 || j.Attempt != 1 || len(j.Errors) != 0 {
			t.Fatalf("calls %d attempt %d errors %d", calls.Load(), j.Attempt, len(j.Errors))
		}
		if d := second.Sub(first); d < 900*time.Millisecond {
			t.Fatalf("ran again after %s, before the limit's end", d)
		}
	})
}

func TestGoneEndsCleanly(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		var calls atomic.Int32
		q := newQueue(t, st, Handlers{Review: func(ctx context.Context, a ReviewArgs) error {
			calls.Add(1)
			return fmt.Errorf("repository: %w", forge.ErrGone)
		}}, fast(t))
		insert(t, q, reviewArgs(1))
		start(t, q)
		waitFor(t, 10*time.Second, "completed", allInState(t, q, KindReview, 1, rivertype.JobStateCompleted))
		if j := jobs(t, q, KindReview)[0]; calls.Load() != 1 || len(j.Errors) != 0 {
			t.Fatalf("calls %d errors %d", calls.Load(), len(j.Errors))
		}
	})
}

func TestRetryThenSucceed(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		var calls atomic.Int32
		q := newQueue(t, st, Handlers{Review: func(ctx context.Context, a ReviewArgs) error {
			if calls.Add(1) <= 2 {
				return errors.New("forge 502")
			}
			return nil
		}}, fast(t))
		insert(t, q, reviewArgs(1))
		start(t, q)
		waitFor(t, 10*time.Second, "completed", allInState(t, q, KindReview, 1, rivertype.JobStateCompleted))
		if j := jobs(t, q, KindReview)[0]; calls.Load() != 3 || j.Attempt != 3 || len(j.Errors) != 2 {
			t.Fatalf("calls %d attempt %d errors %d", calls.Load(), j.Attempt, len(j.Errors))
		}
	})
}

func TestDeadLetter(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		var logs syncBuffer
		o := fast(t)
		o.MaxAttempts = 2
		o.Log = slog.New(slog.NewTextHandler(&logs, nil))
		var calls atomic.Int32
		q := newQueue(t, st, Handlers{Review: func(ctx context.Context, a ReviewArgs) error {
			calls.Add(1)
			return errors.New("always")
		}}, o)
		insert(t, q, reviewArgs(7))
		start(t, q)
		waitFor(t, 10*time.Second, "discarded", allInState(t, q, KindReview, 1, rivertype.JobStateDiscarded))
		if calls.Load() != 2 {
			t.Fatalf("calls %d", calls.Load())
		}
		stats, err := q.Stats(context.Background())
		if err != nil || stats["discarded"] != 1 {
			t.Fatalf("stats %v %v", stats, err)
		}
		var dead string
		for _, l := range strings.Split(logs.String(), "\n") {
			if strings.Contains(l, "level=ERROR") {
				dead = l
			}
		}
		if !strings.Contains(dead, "dead letter") || !strings.Contains(dead, reviewArgs(7).PRKey) {
			t.Fatalf("no error log naming the request: %s", logs.String())
		}
	})
}

func TestStopWaitsForRunningJob(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		entered := make(chan struct{})
		release := make(chan struct{})
		q := newQueue(t, st, Handlers{Review: func(ctx context.Context, a ReviewArgs) error {
			close(entered)
			select {
			case <-release:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}}, fast(t))
		start(t, q)
		insert(t, q, reviewArgs(1))
		<-entered
		stopped := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			stopped <- q.Stop(ctx)
		}()
		select {
		case err := <-stopped:
			t.Fatalf("Stop returned while the job ran: %v", err)
		case <-time.After(300 * time.Millisecond):
		}
		close(release)
		select {
		case err := <-stopped:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Stop did not return")
		}
		if !allInState(t, q, KindReview, 1, rivertype.JobStateCompleted)() {
			t.Fatalf("job not completed: %+v", jobs(t, q, KindReview)[0])
		}
	})
}

func TestStopCancelsAndNothingIsLost(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		entered := make(chan struct{})
		q := newQueue(t, st, Handlers{Review: func(ctx context.Context, a ReviewArgs) error {
			close(entered)
			<-ctx.Done()
			return ctx.Err()
		}}, fast(t))
		start(t, q)
		insert(t, q, reviewArgs(1))
		<-entered
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		if err := q.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		j := jobs(t, q, KindReview)[0]
		if j.State != rivertype.JobStateAvailable || j.Attempt != 0 || len(j.Errors) != 0 {
			t.Fatalf("after cancel: state %s attempt %d errors %d", j.State, j.Attempt, len(j.Errors))
		}
		// The next process runs it.
		var calls atomic.Int32
		q2 := newQueue(t, st, Handlers{Review: func(ctx context.Context, a ReviewArgs) error {
			calls.Add(1)
			return nil
		}}, fast(t))
		start(t, q2)
		waitFor(t, 10*time.Second, "completed", allInState(t, q2, KindReview, 1, rivertype.JobStateCompleted))
		if calls.Load() != 1 {
			t.Fatalf("calls %d", calls.Load())
		}
	})
}

func TestJobOfKilledProcessRunsAgain(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := context.Background()
		a := reviewArgs(1)

		// A process inserted the job, started it, took the request's
		// lease, and died.
		dead := newQueue(t, st, Handlers{Review: func(context.Context, ReviewArgs) error { return nil }}, fast(t))
		insert(t, dead, a)
		j := jobs(t, dead, KindReview)[0]
		attemptedAt := time.Now().Add(-time.Minute)
		_, err := st.RiverDriver().GetExecutor().JobUpdateFull(ctx, &riverdriver.JobUpdateFullParams{
			ID:                  j.ID,
			StateDoUpdate:       true,
			State:               rivertype.JobStateRunning,
			AttemptDoUpdate:     true,
			Attempt:             1,
			AttemptedAtDoUpdate: true,
			AttemptedAt:         &attemptedAt,
			AttemptedByDoUpdate: true,
			AttemptedBy:         []string{"dead-process"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := st.TryLock(ctx, a.PRKey, "dead-process/1", 1500*time.Millisecond); err != nil || !ok {
			t.Fatal("lock", ok, err)
		}

		var calls atomic.Int32
		o := fast(t)
		o.JobTimeout = 500 * time.Millisecond
		o.RescueStuckJobsAfter = time.Second
		q := newQueue(t, st, Handlers{Review: func(ctx context.Context, a ReviewArgs) error {
			calls.Add(1)
			return nil
		}}, o)
		start(t, q)
		waitFor(t, 20*time.Second, "rescued and completed", allInState(t, q, KindReview, 1, rivertype.JobStateCompleted))
		j = jobs(t, q, KindReview)[0]
		if calls.Load() != 1 || len(j.Errors) != 1 || !strings.Contains(j.Errors[0].Error, "rescued") {
			t.Fatalf("calls %d, errors %+v", calls.Load(), j.Errors)
		}
	})
}

func TestStats(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		q := newQueue(t, st, Handlers{Review: func(context.Context, ReviewArgs) error { return nil }}, fast(t))
		insert(t, q, reviewArgs(1))
		insert(t, q, reviewArgs(2))
		stats, err := q.Stats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(stats) != len(States) || stats["available"] != 2 || stats["completed"] != 0 {
			t.Fatalf("before: %v", stats)
		}
		start(t, q)
		waitFor(t, 10*time.Second, "completed", allInState(t, q, KindReview, 2, rivertype.JobStateCompleted))
		stats, err = q.Stats(context.Background())
		if err != nil || stats["completed"] != 2 || stats["available"] != 0 {
			t.Fatalf("after: %v %v", stats, err)
		}
	})
}

func TestPeriodicResync(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		var calls atomic.Int32
		o := fast(t)
		o.ResyncInterval = time.Second
		o.ResyncFirst = 300 * time.Millisecond
		q := newQueue(t, st, Handlers{
			Review: func(context.Context, ReviewArgs) error { return nil },
			Resync: func(ctx context.Context) error { calls.Add(1); return nil },
		}, o)
		started := time.Now()
		start(t, q)
		waitFor(t, 15*time.Second, "a resync", func() bool { return calls.Load() >= 1 })
		if d := time.Since(started); d < 250*time.Millisecond {
			t.Fatalf("first resync after %s, before ResyncFirst", d)
		}
	})
}

func TestNoPeriodicResyncWhenOff(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t, "sqlite")
	var calls atomic.Int32
	o := fast(t)
	q := newQueue(t, st, Handlers{
		Review: func(context.Context, ReviewArgs) error { return nil },
		Resync: func(ctx context.Context) error { calls.Add(1); return nil },
	}, o)
	if q.resync != nil {
		t.Fatal("periodic job registered with ResyncInterval 0")
	}
	// Manual resyncs: one waits at a time.
	for range 2 {
		if err := q.InsertResync(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(jobs(t, q, KindResync)); n != 1 {
		t.Fatalf("%d resync jobs", n)
	}
}

func TestBackoff(t *testing.T) {
	b := &backoff{base: 2 * time.Second, max: 10 * time.Minute}
	for n, want := range map[int]time.Duration{0: 2 * time.Second, 1: 4 * time.Second, 5: 64 * time.Second, 12: 10 * time.Minute, 100: 10 * time.Minute} {
		job := &rivertype.JobRow{Errors: make([]rivertype.AttemptError, n)}
		d := time.Until(b.NextRetry(job))
		if d < want*8/10-time.Second || d > want*12/10+time.Second {
			t.Errorf("after %d failures: %s, want %s ±20%%", n, d, want)
		}
	}
	s := &firstThenEvery{first: 3 * time.Minute, every: time.Hour, start: time.Unix(1000, 0)}
	if got := s.Next(time.Unix(1000, 0)); !got.Equal(time.Unix(1180, 0)) {
		t.Errorf("first run %v", got)
	}
	if got := s.Next(time.Unix(1180, 0)); !got.Equal(time.Unix(1180+3600, 0)) {
		t.Errorf("second run %v", got)
	}
}

func TestOutcome(t *testing.T) {
	q := &Queue{log: slog.New(slog.DiscardHandler)}
	job := &rivertype.JobRow{Kind: KindReview, EncodedArgs: []byte(`{"pr_key":"k"}`)}
	ctx := context.Background()
	var snooze *river.JobSnoozeError
	err := q.outcome(ctx, job, fmt.Errorf("x: %w", &forge.RateLimitError{Until: time.Now().Add(time.Hour)}))
	if !errors.As(err, &snooze) || snooze.Duration < 59*time.Minute {
		t.Fatalf("rate limit: %v", err)
	}
	if err := q.outcome(ctx, job, fmt.Errorf("x: %w", forge.ErrGone)); err != nil {
		t.Fatalf("gone: %v", err)
	}
	other := errors.New("other")
	if err := q.outcome(ctx, job, other); err != other {
		t.Fatalf("other: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := q.outcome(cctx, job, cctx.Err()); !errors.As(err, &snooze) || snooze.Duration != 0 {
		t.Fatalf("shutdown: %v", err)
	}
	tctx, cancel2 := context.WithTimeout(ctx, -1)
	defer cancel2()
	if err := q.outcome(tctx, job, tctx.Err()); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("timeout: %v", err)
	}
}

func TestPanicRetriesAndReleasesTheLease(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		var calls atomic.Int32
		q := newQueue(t, st, Handlers{Review: func(ctx context.Context, a ReviewArgs) error {
			if calls.Add(1) == 1 {
				panic("bug")
			}
			return nil
		}}, fast(t))
		insert(t, q, reviewArgs(1))
		start(t, q)
		waitFor(t, 10*time.Second, "completed", allInState(t, q, KindReview, 1, rivertype.JobStateCompleted))
		if j := jobs(t, q, KindReview)[0]; calls.Load() != 2 || j.Attempt != 2 || len(j.Errors) != 1 {
			t.Fatalf("calls %d attempt %d errors %d", calls.Load(), j.Attempt, len(j.Errors))
		}
		if ok, err := st.TryLock(context.Background(), reviewArgs(1).PRKey, "other", time.Minute); err != nil || !ok {
			t.Fatalf("lease kept: %v %v", ok, err)
		}
	})
}

// The webhook's look-up of a waiting job uses the index on state, not the
// one on kind (which walks every finished job kept).
func TestWaitingQueriesUseTheStateIndex(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t, "sqlite")
	for _, query := range []string{waitingReviewSQLite, waitingTrackSQLite} {
		rows, err := st.DB().Query("EXPLAIN QUERY PLAN "+query, "x")
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		if p := strings.Join(plan, "; "); !strings.Contains(p, "river_job_prioritized_fetching_index (state=?)") {
			t.Errorf("plan of %q:\n%s", query, p)
		}
	}
}

// TestOutageUsesNoAttempt: a job that fails because the forge is failing
// (a 502 after the call's own retries) is snoozed, not retried: with one
// attempt allowed it is not discarded, and runs again once the forge
// answers.
func TestOutageUsesNoAttempt(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		var calls atomic.Int32
		o := fast(t)
		o.MaxAttempts, o.OutageWait = 1, 20*time.Millisecond
		q := newQueue(t, st, Handlers{Review: func(ctx context.Context, a ReviewArgs) error {
			if calls.Add(1) <= 3 {
				return fmt.Errorf("read: %w", &forge.APIError{Forge: "github", Op: "read", Status: 502})
			}
			return nil
		}}, o)
		insert(t, q, reviewArgs(1))
		start(t, q)
		waitFor(t, 10*time.Second, "completed", allInState(t, q, KindReview, 1, rivertype.JobStateCompleted))
		if j := jobs(t, q, KindReview)[0]; calls.Load() != 4 || len(j.Errors) != 0 {
			t.Fatalf("calls %d errors %d", calls.Load(), len(j.Errors))
		}
	})
}

// TestOutageBackoffIsCapped: however long the outage, a job waits at most
// a minute between two runs (DefaultOutageWait with +20% jitter).
func TestOutageBackoffIsCapped(t *testing.T) {
	q := &Queue{log: slog.New(slog.DiscardHandler), o: Options{RetryBase: 2 * time.Second, OutageWait: DefaultOutageWait, OutagePatience: time.Hour}}
	var snooze *river.JobSnoozeError
	for _, n := range []int{0, 3, 10, 100} {
		job := &rivertype.JobRow{Kind: KindTrack, CreatedAt: time.Now(), Metadata: []byte(fmt.Sprintf(`{"snoozes": %d}`, n))}
		err := q.outcome(context.Background(), job, &forge.APIError{Forge: "gitlab", Op: "x", Status: 503})
		if !errors.As(err, &snooze) || snooze.Duration > time.Minute || snooze.Duration <= 0 {
			t.Errorf("after %d snoozes: %v", n, err)
		}
	}
	if d := OutageBackoff(2*time.Second, DefaultOutageWait, 50, 0.9999); d > time.Minute {
		t.Errorf("longest wait %v", d)
	}
	// A job older than the patience counts its failures again.
	old := &rivertype.JobRow{Kind: KindTrack, CreatedAt: time.Now().Add(-2 * time.Hour)}
	if err := q.outcome(context.Background(), old, &forge.APIError{Forge: "gitlab", Op: "x", Status: 503}); errors.As(err, &snooze) {
		t.Errorf("old job snoozed: %v", err)
	}
}

// TestRateWaitIsBounded: a forge asking for a wait of a year postpones
// the job by at most MaxRateWait.
func TestRateWaitIsBounded(t *testing.T) {
	q := &Queue{log: slog.New(slog.DiscardHandler)}
	job := &rivertype.JobRow{Kind: KindTrack, CreatedAt: time.Now()}
	var snooze *river.JobSnoozeError
	err := q.outcome(context.Background(), job, &forge.RateLimitError{Until: time.Now().Add(365 * 24 * time.Hour)})
	if !errors.As(err, &snooze) || snooze.Duration > MaxRateWait {
		t.Fatalf("%v", err)
	}
}
