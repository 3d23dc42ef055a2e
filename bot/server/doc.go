// Package server is the HTTP side of the service: the GitHub and GitLab
// webhooks (one endpoint per forge, webhook_github.go and webhook_gitlab.go:
// the forge's adapter checks the signature first and parses the delivery
// into neutral events; then one transaction records the delivery and what
// its events make, webhook_accept.go; then the answer), health,
// readiness and Prometheus metrics (metrics.go, which the jobs report to
// through ObserveJob), the routes of the security team's dashboard when a
// token is set (dashboard.go; the dashboard itself is bot/dashboard), and
// the service settings (settings*.go: the YAML file and the
// environment). One small handler per neutral event (event_*.go) turns it
// into stored state and queued jobs; the work happens later, in bot/jobs.
//
// It imports the store, the queue, the forge types and the adapters'
// webhook parsing (bot/forge/github, bot/forge/gitlab), bot/config and
// bot/review (the review budget, the comment marker) and bot/dashboard,
// and not the jobs; it makes no forge client.
package server
