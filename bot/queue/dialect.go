package queue

// The SQL that differs between SQLite and PostgreSQL: finding a waiting
// job of a request or a repository, and replacing its args. Everything
// else goes through River's drivers.

// The SQLite queries for a waiting job of a request or a repository.
// "+kind" keeps SQLite off River's index on kind, which would walk every
// job of the kind still kept (finished ones stay a day) inside the
// webhook's transaction, which holds the single writer; the index on
// state finds the few that wait.
const (
	waitingReviewSQLite = `SELECT id FROM river_job
WHERE +kind = 'review' AND state IN ('available', 'scheduled', 'retryable', 'pending')
    AND json_extract(CAST(args AS TEXT), '$.pr_key') = ?
LIMIT 1`
	waitingTrackSQLite = `SELECT id, CAST(args AS TEXT) FROM river_job
WHERE +kind = 'track' AND state IN ('available', 'scheduled', 'retryable', 'pending')
    AND json_extract(CAST(args AS TEXT), '$.repo_key') = ?
LIMIT 1`
)

// The PostgreSQL queries: a transaction-scoped advisory lock on the key
// (lockKey) serialises concurrent inserts, and FOR UPDATE keeps the
// waiting job's row locked until commit, so that River's fetch, which
// skips locked rows, cannot start it before the transaction's state is
// visible. (On SQLite the transaction already holds the write lock.)
const (
	advisoryLockPostgres  = "SELECT pg_advisory_xact_lock($1)"
	waitingReviewPostgres = `SELECT id FROM river_job
WHERE kind = 'review' AND state IN ('available', 'scheduled', 'retryable', 'pending')
    AND args->>'pr_key' = $1
LIMIT 1 FOR UPDATE`
	waitingTrackPostgres = `SELECT id, args::text FROM river_job
WHERE kind = 'track' AND state IN ('available', 'scheduled', 'retryable', 'pending')
    AND args->>'repo_key' = $1
LIMIT 1 FOR UPDATE`
)

// setArgs is the statement that replaces a waiting job's args with raw
// (JSON), and the value to bind for them.
func (q *Queue) setArgs(raw []byte) (update string, arg any) {
	if q.st.Postgres() {
		return "UPDATE river_job SET args = $1::jsonb WHERE id = $2", string(raw)
	}
	return "UPDATE river_job SET args = ? WHERE id = ?", raw
}
