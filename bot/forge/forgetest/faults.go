// Package forgetest holds what the fake forges (githubtest, gitlabtest)
// share: the faults they inject into their answers. It is for tests only
// and imports nothing of the project.
package forgetest

import (
	"math/rand/v2"
	"net/http"
)

// Fault is one failed answer: its status and headers; the fake forge
// writes the body in its own shape.
type Fault struct {
	Status  int
	Headers map[string]string
}

// Faults are the failures a fake forge has been told to inject: a queue of
// given ones first, then random ones at a rate. It is not safe for
// concurrent use: the fake forge's own lock guards it.
type Faults struct {
	queue    []Fault
	rate     float64
	statuses []int
	rng      *rand.Rand
}

// FailNext queues n faults with the status and headers.
func (f *Faults) FailNext(n, status int, headers map[string]string) {
	for range n {
		f.queue = append(f.queue, Fault{Status: status, Headers: headers})
	}
}

// SetRate makes a fraction p of the answers fail at random
// (deterministically seeded) with one of statuses (default 500, 502, 503
// and 429); a 429 carries Retry-After: 1. p = 0 turns it off.
func (f *Faults) SetRate(p float64, statuses ...int) {
	f.rate = p
	if len(statuses) == 0 {
		statuses = []int{500, 502, 503, 429}
	}
	f.statuses = statuses
}

// Next returns the fault to inject into the next answer, or nil.
func (f *Faults) Next() *Fault {
	switch {
	case len(f.queue) > 0:
		next := f.queue[0]
		f.queue = f.queue[1:]
		return &next
	case f.rate > 0:
		if f.rng == nil {
			f.rng = rand.New(rand.NewPCG(1, 2))
		}
		if f.rng.Float64() >= f.rate {
			return nil
		}
		st := f.statuses[f.rng.IntN(len(f.statuses))]
		next := &Fault{Status: st}
		if st == http.StatusTooManyRequests {
			next.Headers = map[string]string{"Retry-After": "1"}
		}
		return next
	}
	return nil
}
