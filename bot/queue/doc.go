// Package queue is tmbot's durable work queue: River
// (github.com/riverqueue/river) over the store's *sql.DB, with the
// riversqlite driver on SQLite and riverdatabasesql on PostgreSQL, polling
// (no LISTEN/NOTIFY) every FetchPollInterval.
//
// Three kinds of job (kinds.go):
//
//   - "review" (ReviewArgs): review one request. A webhook inserts it in
//     the transaction that records the delivery (InsertReviewTx), so an
//     accepted delivery is never lost. At most one review of a request waits
//     at a time (available, scheduled, retryable or pending); one that is
//     running does not count, so a delivery during a review queues the next
//     one, and the job reads the newest head from the store when it runs. A
//     forced review or a command hands its args to the waiting job.
//   - "track" (TrackArgs): reconcile a repository's tracking issues. At
//     most one waits per repository; a newer insert adds its merged
//     requests to the waiting job and drops the repository's checkpoint,
//     so the job reads afresh. Handlers get the job's id (JobID) to keep
//     checkpoints across attempts.
//   - "resync" (ResyncArgs): the periodic catch-up, run by the elected
//     leader every ResyncInterval, first ResyncFirst after start, on its
//     own queue, one at a time.
//
// Leases (lease.go): a review runs holding a lease on its request, a track
// job one on its repository, in the store (store.TryLock), renewed every
// LockTTL/3 while it runs, so that work for one request or repository is
// serialised across replicas; a job that finds the lease held snoozes for
// a second.
//
// Retry (retry.go): a handler's error decides what happens. A
// *forge.RateLimitError postpones the job to the time the forge gives, at
// most MaxRateWait (a snooze: it does not use up an attempt); a failing
// forge (retry.Transient) snoozes it with OutageBackoff, at most
// OutageWait, without using up an attempt while the job is younger than
// OutagePatience; forge.ErrGone ends it cleanly; a shutdown snoozes it to
// run again at once; any other error retries it with exponential backoff
// and jitter, and after MaxAttempts the job is discarded (River's dead
// letter state) and logged at error level.
//
// River's unique jobs cannot be unique while a job runs (v0.31), so the
// inserts (insert.go) look for a waiting job themselves, in SQL that
// differs between the two databases (dialect.go). queue.go holds the
// options, the client's life (New, Start, Stop) and Stats.
//
// It imports bot/store and bot/forge (the error types) and nothing of
// the jobs, the engine or HTTP.
package queue
