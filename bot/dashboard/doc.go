// Package dashboard is the security team's dashboard: server-rendered
// pages under /dashboard (inline CSS, no script, no external asset), the
// same data as JSON under /api/v1/ and as CSV, behind a token or a session
// (auth.go, throttle.go). It reads what the tracking job stores (bot/store:
// tracked issues, model and threat snapshots, first sightings, risk
// history), keeps the rows between changes (cache.go, work.go) and makes
// the views from them (views.go, overview.go, lists.go, api.go,
// chart.go); the templates and the stylesheet are embedded
// (templates/). The service (bot/server) adds its routes with
// New(cfg, store, log).Routes(mux) when a dashboard token is set.
// docs/dashboard.md describes it for its readers.
//
// It imports the store and bot/model, and must not import bot/server, the
// jobs or any forge adapter (bot/forge/...): forge links are made from the
// repository keys and the web roots in Config.
package dashboard
