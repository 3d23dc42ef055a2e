// Package metrics is the service's Prometheus metrics, on their own
// registry (no package-level state): the webhook deliveries and their
// answer times, which bot/server counts; the jobs' durations and their
// forges' API use, which bot/jobs counts; the queue's jobs by state,
// refreshed when /metrics is read. cmd/tmbot makes one Metrics and gives
// it to both. A nil *Metrics records nothing, so tests need none.
//
// The names, help texts and labels of the tmbot_* families are an
// interface (dashboards and alerts read them, docs/operations.md lists
// them); testdata/families.golden pins them.
//
// It imports the Prometheus client only: no forge, store, queue or HTTP
// routing of the service.
package metrics
