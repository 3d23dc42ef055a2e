package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/forge/retry"
)

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

// MaxRateWait bounds how long a rate limit postpones a job: GitHub's and
// GitLab's primary limits reset within the hour, so a longer Retry-After
// or reset (a wrong clock, a misbehaving proxy) is cut to this.
const MaxRateWait = 65 * time.Minute
