package server

import (
	"net/netip"

	"github.com/tmbot/tmbot/bot/dashboard"
	"github.com/tmbot/tmbot/bot/metrics"
)

// Config is what the server needs, read and checked already (by
// cmd/tmbot/settings, from the settings file and the environment;
// docs/operations.md lists them).
type Config struct {
	GitHub GitHubConfig
	GitLab GitLabConfig
	// DashboardToken turns the dashboard on (dashboard.go); empty, its
	// paths stay unknown.
	DashboardToken string
	// DashboardTargets are the days a threat or mitigation of each risk
	// may stay open before the dashboard counts it over target
	// (bot/dashboard).
	DashboardTargets dashboard.Targets
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client, for the dashboard's wrong-token throttle; a request from
	// anywhere else is its own client.
	TrustedProxies []netip.Prefix
	// MaxBodyBytes bounds a webhook body; larger ones get 413 (0:
	// MaxWebhookBody).
	MaxBodyBytes int64
	// Metrics count the deliveries (nil: nothing is counted, and /metrics
	// answers 404).
	Metrics *metrics.Metrics
}

// GitHubConfig is the GitHub App's side of the webhooks.
type GitHubConfig struct {
	AppID         int64
	WebhookSecret string
	// WebhookSecretPrevious, while a secret is rotated, is the old one,
	// still accepted (docs/operations.md).
	WebhookSecretPrevious string
	// APIURL is the REST API's root, with a trailing slash (the dashboard
	// links to the web pages of its host).
	APIURL string
}

// GitLabConfig is GitLab's side of the webhooks.
type GitLabConfig struct {
	// URL is the instance, without a trailing slash (the dashboard's
	// links).
	URL           string
	WebhookSecret string
	// WebhookSecretPrevious: as GitHub's.
	WebhookSecretPrevious string
	// SigningKey verifies GitLab's signed webhooks (Standard Webhooks;
	// "whsec_<base64>" is decoded) when they carry a signature.
	SigningKey string
	// SharedSecret: SharedSecretAllow accepts WebhookSecret itself (and
	// SigningKey) from any project, for the migration to one secret per
	// project (bot/forge/gitlab/webhook_auth.go); anything else refuses it.
	SharedSecret string
	// BotUsername is the token's user, to ignore the bot's own issue
	// events; learned from GitLab when empty.
	BotUsername string
}

// Values of TMBOT_GITLAB_SHARED_SECRET.
const (
	SharedSecretAllow  = "allow"
	SharedSecretRefuse = "refuse"
)

// MaxWebhookBody is GitHub's cap on a webhook payload ("Payloads are capped
// at 25 MB", GitHub Docs, Webhook events and payloads); a larger body is
// refused with 413.
const MaxWebhookBody = 25 << 20
