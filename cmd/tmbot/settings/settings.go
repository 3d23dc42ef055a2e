package settings

import (
	"time"

	"github.com/tmbot/tmbot/bot/config"
	"github.com/tmbot/tmbot/bot/dashboard"
	"github.com/tmbot/tmbot/bot/server"
)

// Settings configure the service: a YAML file, then the environment, the
// environment winning (docs/operations.md lists every setting).
type Settings struct {
	Addr     string `yaml:"addr"`
	Database string `yaml:"database"`
	GitHub   struct {
		AppID          int64  `yaml:"app_id"`
		PrivateKeyFile string `yaml:"private_key_file"`
		PrivateKey     string `yaml:"-"` // only from the environment or the file above
		WebhookSecret  string `yaml:"webhook_secret"`
		// WebhookSecretPrevious, while a secret is rotated, is the old
		// one, still accepted (docs/operations.md).
		WebhookSecretPrevious string `yaml:"webhook_secret_previous"`
		APIURL                string `yaml:"api_url"`
	} `yaml:"github"`
	GitLab struct {
		URL           string `yaml:"url"`
		Token         string `yaml:"token"`
		WebhookSecret string `yaml:"webhook_secret"`
		// WebhookSecretPrevious: as GitHub's.
		WebhookSecretPrevious string `yaml:"webhook_secret_previous"`
		// SigningKey verifies GitLab's signed webhooks (Standard
		// Webhooks; "whsec_<base64>" is decoded) when they carry a
		// signature.
		SigningKey string `yaml:"webhook_signing_key"`
		// SharedSecret: "allow" accepts WebhookSecret itself (and
		// SigningKey) from any project, for the migration to one secret
		// per project (bot/forge/gitlab/webhook_auth.go); anything else refuses it.
		SharedSecret string `yaml:"shared_secret"`
		// BotUsername is the token's user, to ignore the bot's own issue
		// events; learned from GitLab when empty.
		BotUsername string `yaml:"bot_username"`
	} `yaml:"gitlab"`
	DashboardToken string `yaml:"dashboard_token"`
	// DashboardTargets are the days a threat or mitigation of each risk
	// may stay open before the dashboard counts it over target
	// (bot/dashboard).
	DashboardTargets struct {
		Critical int `yaml:"critical"`
		High     int `yaml:"high"`
		Medium   int `yaml:"medium"`
		Low      int `yaml:"low"`
	} `yaml:"dashboard_targets"`
	// TrustedProxies are the reverse proxies (addresses or CIDR prefixes)
	// whose X-Forwarded-For names the client, for the dashboard's
	// wrong-token throttle; a request from anywhere else is its own client.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// ResyncInterval: how often missed webhooks are caught up; 0 turns it
	// off. The first resync runs ResyncFirst after start.
	ResyncInterval time.Duration `yaml:"resync_interval"`
	ResyncFirst    time.Duration `yaml:"resync_first"`
	Workers        int           `yaml:"workers"`
	// ResyncReserve is how many calls of an installation's rate limit the
	// resync leaves to webhooks (it stops for that installation below it).
	ResyncReserve int `yaml:"resync_reserve"`
	// Job timing. JobTimeout cancels a review that runs longer. A job
	// left running by a process that died is run again JobRescueAfter
	// after it started (0: JobTimeout + 1 minute; more than JobTimeout).
	// The lease a review holds on its request lapses JobLockTTL after its
	// process died. A failed job is retried after RetryBase·2^(n-1), at
	// most RetryMax, for the nth failure.
	JobTimeout     time.Duration `yaml:"job_timeout"`
	JobRescueAfter time.Duration `yaml:"job_rescue_after"`
	JobLockTTL     time.Duration `yaml:"job_lock_ttl"`
	RetryBase      time.Duration `yaml:"retry_base"`
	RetryMax       time.Duration `yaml:"retry_max"`
	// PoliciesDir holds the organisation's own CUE policies (*.cue).
	PoliciesDir string `yaml:"policies_dir"`
	// OrgPoliciesOverridable lets a repository's .tmbot.yaml turn off or
	// lower the organisation's policies, and make their errors
	// non-blocking (default: it cannot).
	OrgPoliciesOverridable bool `yaml:"org_policies_overridable"`
	// CUETimeout and CUEMemory bound the evaluation of one CUE model file
	// and of one repository policy on one model file (0: 10 s, 512 MiB).
	CUETimeout time.Duration `yaml:"cue_timeout"`
	CUEMemory  int64         `yaml:"cue_memory"`
	// MaxBodyBytes bounds a webhook body; larger ones get 413.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
	// LogLevel: debug, info, warn or error.
	LogLevel string `yaml:"log_level"`
	// ReviewMaxFiles and ReviewMaxBytes are the budget of one review
	// (0: review.DefaultBudget); see review.go.
	ReviewMaxFiles int             `yaml:"review_max_files"`
	ReviewMaxBytes config.ByteSize `yaml:"review_max_bytes"`
}

// Default are the settings before the file and the environment.
func Default() Settings {
	var s Settings
	s.Addr = ":8080"
	s.Database = "sqlite:tmbot.db"
	s.GitHub.APIURL = "https://api.github.com/"
	s.ResyncInterval = time.Hour
	s.ResyncFirst = 3 * time.Minute
	s.Workers = 4
	s.ResyncReserve = 2000
	s.JobTimeout = 5 * time.Minute
	s.JobLockTTL = 2 * time.Minute
	s.RetryBase = 2 * time.Second
	s.RetryMax = 10 * time.Minute
	s.MaxBodyBytes = server.MaxWebhookBody
	s.LogLevel = "info"
	s.setTargets(dashboard.DefaultTargets)
	return s
}

// Server is what the HTTP server needs of the settings (its Metrics are
// the caller's to set).
func (s *Settings) Server() server.Config {
	proxies, _ := dashboard.ParseTrustedProxies(s.TrustedProxies) // checked by Load
	return server.Config{
		GitHub: server.GitHubConfig{AppID: s.GitHub.AppID, WebhookSecret: s.GitHub.WebhookSecret,
			WebhookSecretPrevious: s.GitHub.WebhookSecretPrevious, APIURL: s.GitHub.APIURL},
		GitLab: server.GitLabConfig{URL: s.GitLab.URL, WebhookSecret: s.GitLab.WebhookSecret,
			WebhookSecretPrevious: s.GitLab.WebhookSecretPrevious, SigningKey: s.GitLab.SigningKey,
			SharedSecret: s.GitLab.SharedSecret, BotUsername: s.GitLab.BotUsername},
		DashboardToken:   s.DashboardToken,
		DashboardTargets: dashboard.Targets(s.DashboardTargets),
		TrustedProxies:   proxies,
		MaxBodyBytes:     s.MaxBodyBytes,
	}
}

// setTargets sets the dashboard's targets.
func (s *Settings) setTargets(t dashboard.Targets) {
	s.DashboardTargets.Critical, s.DashboardTargets.High, s.DashboardTargets.Medium, s.DashboardTargets.Low = t.Critical, t.High, t.Medium, t.Low
}

// loadTargets reads the dashboard's targets over the file's and checks
// them (bot/dashboard).
func (s *Settings) loadTargets(getenv func(string) string) error {
	t := dashboard.Targets(s.DashboardTargets)
	if err := t.Load(getenv); err != nil {
		return err
	}
	s.setTargets(t)
	return nil
}
