package retry

import (
	"context"
	"fmt"
)

// Create makes something that must exist once (an issue, a comment). It
// calls create; when that fails in a way that may have made the thing all
// the same (Transient: a 5xx, no answer), it looks with find for what the
// try may have made before it tries again, up to p's retries. find
// reports whether it found the thing.
func Create[T any](ctx context.Context, p Policy, find func(context.Context) (T, bool, error), create func(context.Context) (T, error)) (T, error) {
	var zero T
	for attempt := 0; ; attempt++ {
		v, err := create(ctx)
		if err == nil {
			return v, nil
		}
		if !Transient(err) || attempt >= p.Retries() {
			return zero, err
		}
		if perr := p.Pause(ctx, attempt); perr != nil {
			return zero, err
		}
		got, found, ferr := find(ctx)
		if ferr != nil {
			return zero, fmt.Errorf("%w (and looking for what it may have made: %v)", err, ferr)
		}
		if found {
			return got, nil
		}
	}
}
