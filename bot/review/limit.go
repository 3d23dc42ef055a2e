package review

import "context"

// Limiter bounds how many reviews compute at once. A review is CPU-bound
// once its files are read (loading the models, the diff, the policies,
// the report), while its forge calls only wait; a service runs more
// reviews than it has cores so that their waits overlap, and a Limiter
// keeps their computing to fewer than the cores, leaving one for the
// webhooks, whose acknowledgement must not wait (docs/performance.md).
type Limiter struct {
	slots chan struct{}
}

// NewLimiter lets n reviews compute at once (at least 1).
func NewLimiter(n int) *Limiter {
	return &Limiter{slots: make(chan struct{}, max(1, n))}
}

// acquire waits for a slot; a nil Limiter has slots for all.
func (l *Limiter) acquire(ctx context.Context) (release func(), err error) {
	if l == nil {
		return func() {}, nil
	}
	release = func() { <-l.slots }
	select {
	case l.slots <- struct{}{}: // a free slot first, whatever the context
		return release, nil
	default:
	}
	select {
	case l.slots <- struct{}{}:
		return release, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
