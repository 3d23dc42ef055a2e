package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

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
