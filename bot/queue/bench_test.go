package queue

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"github.com/tmbot/tmbot/bot/store/storetest"
)

// BenchmarkInsertReviewTx is the queue's part of a webhook's transaction
// (a review already waits for the request, the common case under a burst
// of pushes) on SQLite, with a day's worth of finished review jobs kept
// (River keeps completed jobs a day):
//
//	go test ./bot/queue -run '^$' -bench InsertReviewTx
func BenchmarkInsertReviewTx(b *testing.B) {
	for _, kept := range []int{0, 20000} {
		b.Run(fmt.Sprintf("finished=%d", kept), func(b *testing.B) {
			st := storetest.Open(b, "sqlite")
			q, err := New(st, Handlers{Review: func(context.Context, ReviewArgs) error { return nil }}, Options{})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			err = st.InTx(ctx, func(tx *sql.Tx) error {
				for i := range kept {
					a := reviewArgs(1000 + i)
					_, err := tx.ExecContext(ctx, `INSERT INTO river_job (args, kind, max_attempts, queue, state, finalized_at)
VALUES (?, 'review', 20, 'reviews', 'completed', datetime('now'))`, fmt.Sprintf(`{"pr_key":%q}`, a.PRKey))
					if err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			if err := q.InsertReview(ctx, reviewArgs(1)); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				if err := q.InsertReview(ctx, reviewArgs(1)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
