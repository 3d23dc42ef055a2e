package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tmbot/tmbot/bot/store"
	"github.com/tmbot/tmbot/bot/store/storetest"
)

// TestCheckpointAndBudget: a reconcile's checkpoint is saved, replaced,
// read back and deleted; a rate budget is shared, and forgotten once its
// reset has passed. On both backends.
func TestCheckpointAndBudget(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := context.Background()
		if _, err := st.GetCheckpoint(ctx, "github:1:a/b"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("no checkpoint: %v", err)
		}
		for _, state := range []string{`{"have_tree":true}`, `{"have_issues":true}`} {
			if err := st.SaveCheckpoint(ctx, store.Checkpoint{RepoKey: "github:1:a/b", JobID: 42, SHA: "abc", State: []byte(state)}); err != nil {
				t.Fatal(err)
			}
		}
		c, err := st.GetCheckpoint(ctx, "github:1:a/b")
		if err != nil || c.JobID != 42 || c.SHA != "abc" || string(c.State) != `{"have_issues":true}` || time.Since(c.UpdatedAt) > time.Minute {
			t.Fatalf("%+v %v", c, err)
		}
		if err := st.DeleteCheckpoint(ctx, nil, "github:1:a/b"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.GetCheckpoint(ctx, "github:1:a/b"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("after delete: %v", err)
		}

		now := time.Now()
		if _, ok, err := st.GetRateBudget(ctx, "github:1", now); ok || err != nil {
			t.Fatalf("no budget: %v %v", ok, err)
		}
		reset := now.Add(30 * time.Minute).Truncate(time.Second)
		if err := st.SaveRateBudget(ctx, store.RateBudget{Key: "github:1", Remaining: 17, Reset: reset}); err != nil {
			t.Fatal(err)
		}
		b, ok, err := st.GetRateBudget(ctx, "github:1", now)
		if !ok || err != nil || b.Remaining != 17 || !b.Reset.Equal(reset) {
			t.Fatalf("%+v %v %v", b, ok, err)
		}
		if _, ok, _ := st.GetRateBudget(ctx, "github:1", reset.Add(time.Second)); ok {
			t.Error("a budget past its reset still counts")
		}
	})
}
