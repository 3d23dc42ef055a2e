// Package settings reads the service's settings (tmbot serve, tmbot
// gitlab-secret): a YAML file (--config), then the TMBOT_* environment
// variables, the environment winning, over the defaults; and checks them,
// with errors that name a setting and never quote its value (a value may
// be a secret). docs/operations.md lists every setting.
//
// Settings.Server is the part the HTTP server takes (server.Config);
// cmd/tmbot hands the rest to the queue, the jobs and the store. The
// dashboard's own settings (its targets, the trusted proxies) are checked
// by the dashboard's code in bot/server.
//
// It imports bot/server (its Config, the dashboard's checks and
// defaults), bot/config (sizes in bytes) and bot/review (the review
// budget); nothing imports it but cmd/tmbot and the deploy tests.
package settings
