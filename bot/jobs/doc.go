// Package jobs is what the bot does when a job runs: review a pull request
// on its forge and post the result (one comment, one check; review.go),
// reconcile a repository's tracking issues with the models on its default
// branch and record what the dashboard reads (track.go,
// track_dashboard.go, with a checkpoint across attempts), and resync
// requests whose webhooks were missed, within a share of the rate limit
// (resync.go, budget.go). It is written against forge.Client, so GitHub
// and GitLab share it (its unit tests use bot/forge/forgefake), and
// against the store for what the bot remembers. ReviewJob and TrackJob are
// the queue's handlers: they count each job's duration and its forge's API
// use in the Runner's bot/metrics (observe.go). It uses bot/queue for the
// jobs' arguments only, and knows nothing of HTTP or of the queue's
// machinery.
package jobs
