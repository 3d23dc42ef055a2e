package forgetest

import "testing"

// Queued faults come first and in order; then random ones at the rate,
// from the statuses given, a 429 with Retry-After; rate 0 injects none.
func TestFaults(t *testing.T) {
	var f Faults
	if f.Next() != nil {
		t.Fatal("a fault with none asked for")
	}
	f.SetRate(1, 429)
	f.FailNext(2, 503, map[string]string{"X": "y"})
	for i := range 2 {
		if n := f.Next(); n == nil || n.Status != 503 || n.Headers["X"] != "y" {
			t.Fatalf("queued fault %d: %+v", i, n)
		}
	}
	for range 5 {
		if n := f.Next(); n == nil || n.Status != 429 || n.Headers["Retry-After"] != "1" {
			t.Fatalf("random fault: %+v", n)
		}
	}
	f.SetRate(0.5)
	got := 0
	for range 1000 {
		if n := f.Next(); n != nil {
			got++
			if n.Status != 500 && n.Status != 502 && n.Status != 503 && n.Status != 429 {
				t.Fatalf("status %d not among the defaults", n.Status)
			}
		}
	}
	if got < 400 || got > 600 {
		t.Errorf("%d faults in 1000 at rate 0.5", got)
	}
	f.SetRate(0)
	if f.Next() != nil {
		t.Error("a fault at rate 0")
	}
}
