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
// of pushes) on SQLite and PostgreSQL (with CI=true), with a day's worth of
// finished review jobs kept (River keeps completed jobs a day):
//
//	CI=true go test ./bot/queue -run '^$' -bench InsertReviewTx
func BenchmarkInsertReviewTx(b *testing.B) {
	for _, c := range []struct {
		backend string
		kept    int
	}{{"sqlite", 0}, {"sqlite", 20000}, {"postgres", 0}, {"postgres", 20000}} {
		backend, kept := c.backend, c.kept
		b.Run(fmt.Sprintf("%s/finished=%d", backend, kept), func(b *testing.B) {
			st := storetest.Open(b, backend)
			q, err := New(st, Handlers{Review: func(context.Context, ReviewArgs) error { return nil }}, Options{})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			err = st.InTx(ctx, func(tx *sql.Tx) error {
				for i := range kept {
					a := reviewArgs(1000 + i)
					insert := `INSERT INTO river_job (args, kind, max_attempts, queue, state, finalized_at)
VALUES (?, 'review', 20, 'reviews', 'completed', datetime('now'))`
					if backend == "postgres" {
						insert = `INSERT INTO river_job (args, kind, max_attempts, queue, state, finalized_at)
VALUES ($1::jsonb, 'review', 20, 'reviews', 'completed', now())`
					}
					_, err := tx.ExecContext(ctx, insert, fmt.Sprintf(`{"pr_key":%q}`, a.PRKey))
					if err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			if backend == "postgres" {
				// As autovacuum would soon: without statistics the planner
				// reads the finished jobs through the index on kind.
				if _, err := st.DB().ExecContext(ctx, "ANALYZE river_job"); err != nil {
					b.Fatal(err)
				}
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
