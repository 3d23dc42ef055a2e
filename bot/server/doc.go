// Package server is the HTTP side of the service: the GitHub and GitLab
// webhooks (signature first, then a durable record of the delivery and its
// jobs, then the answer; webhook_*.go, github_*.go, gitlab_*.go), health,
// readiness and Prometheus metrics (metrics.go, which the jobs report to
// through ObserveJob), the security team's dashboard (dashboard*.go: pages,
// a JSON API and CSV over what the tracking job stores, behind a session),
// and the service settings (settings*.go: the YAML file and the
// environment). One small handler per event turns a delivery into stored
// state and queued jobs; the work happens later, in bot/jobs.
//
// It imports the store, the queue, the forge types, bot/config and
// bot/review (the review budget, the comment marker), and neither the
// jobs nor a forge's client.
package server
