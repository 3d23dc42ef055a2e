// Package server is the HTTP side of the service: the GitHub and GitLab
// webhooks (one endpoint per forge, webhook_github.go and webhook_gitlab.go:
// the forge's adapter checks the signature first and parses the delivery
// into neutral events; then one transaction records the delivery and what
// its events make, webhook_accept.go; then the answer), health,
// readiness and /metrics (metrics_handler.go: bot/metrics, which the
// deliveries are counted in, with the queue's jobs by state refreshed on
// each read), and the routes of the security team's dashboard when a token
// is set (dashboard.go; the dashboard itself is bot/dashboard). One small
// handler per neutral event (event_*.go) turns it into stored state and
// queued jobs; the work happens later, in bot/jobs.
//
// It takes its Config already read and checked (config.go;
// cmd/tmbot/settings reads the settings file and the environment).
//
// It imports the store, the queue, the forge types and the adapters'
// webhook parsing (bot/forge/github, bot/forge/gitlab), bot/metrics,
// bot/commitid and bot/dashboard; not the jobs, not cmd/tmbot/settings,
// not the Prometheus client (bot/metrics has it); it makes no forge client.
package server
