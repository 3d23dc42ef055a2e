package review

import (
	"context"
	"errors"
	"testing"
)

// A Limiter lends as many slots as it was made with (at least one), makes
// a review wait while none is free, and gives up when the review's context
// ends; a nil Limiter never waits.
func TestLimiter(t *testing.T) {
	l := NewLimiter(0)
	release, err := l.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.acquire(ended); !errors.Is(err, context.Canceled) {
		t.Fatalf("full limiter: got %v, want the context's end", err)
	}
	release()
	again, err := l.acquire(ended) // a free slot is taken even now
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	again()

	two := NewLimiter(2)
	r1, _ := two.acquire(context.Background())
	r2, err := two.acquire(context.Background())
	if err != nil {
		t.Fatalf("second slot: %v", err)
	}
	if _, err := two.acquire(ended); err == nil {
		t.Fatal("a third review got a slot of two")
	}
	r1()
	r2()

	var none *Limiter
	for range 3 {
		r, err := none.acquire(ended)
		if err != nil {
			t.Fatalf("nil limiter: %v", err)
		}
		r()
	}
}
