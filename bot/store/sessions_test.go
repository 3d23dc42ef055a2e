package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/tmbot/tmbot/bot/store/storetest"
)

// A dashboard session is active until it expires or is deleted, on both
// backends.
func TestDashboardSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := context.Background()
		now := time.Now()
		if err := st.CreateSession(ctx, "a", now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateSession(ctx, "b", now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		for id, want := range map[string]bool{"a": true, "b": true, "c": false} {
			if got, err := st.SessionActive(ctx, id, now); err != nil || got != want {
				t.Errorf("%s: %v %v, want %v", id, got, err, want)
			}
		}
		if got, _ := st.SessionActive(ctx, "a", now.Add(2*time.Hour)); got {
			t.Error("an expired session is active")
		}
		if err := st.DeleteSession(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.SessionActive(ctx, "a", now); got {
			t.Error("a deleted session is active")
		}
		if got, _ := st.SessionActive(ctx, "b", now); !got {
			t.Error("deleting one session ended another")
		}
	})
}
