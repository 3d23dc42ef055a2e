package settings

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/dashboard"
	"github.com/tmbot/tmbot/bot/server"
)

// TMBOT_GITLAB_SHARED_SECRET is allow or refuse; anything else is refused
// without being echoed.
func TestSharedSecretMode(t *testing.T) {
	for v, ok := range map[string]bool{"": true, "allow": true, "refuse": true, "yes-please": false} {
		s, err := Load("", func(k string) string { return map[string]string{"TMBOT_GITLAB_SHARED_SECRET": v}[k] })
		if (err == nil) != ok || (err != nil && strings.Contains(err.Error(), v)) {
			t.Errorf("TMBOT_GITLAB_SHARED_SECRET=%q: %v", v, err)
		}
		if ok && s.Server().GitLab.SharedSecret != v {
			t.Errorf("TMBOT_GITLAB_SHARED_SECRET=%q: the server gets %q", v, s.Server().GitLab.SharedSecret)
		}
	}
}

// The server's part of the settings: the webhooks' secrets, the
// dashboard's, the body bound, with the URLs as Load writes them.
func TestServerConfig(t *testing.T) {
	env := map[string]string{"TMBOT_GITHUB_APP_ID": "7", "TMBOT_GITHUB_PRIVATE_KEY": "key", "TMBOT_GITHUB_WEBHOOK_SECRET": "gh",
		"TMBOT_GITHUB_WEBHOOK_SECRET_PREVIOUS": "gh-old", "TMBOT_GITHUB_API_URL": "https://ghe.example.com/api/v3",
		"TMBOT_GITLAB_URL": "https://gitlab.example.com/", "TMBOT_GITLAB_TOKEN": "glpat", "TMBOT_GITLAB_WEBHOOK_SECRET": "gl",
		"TMBOT_GITLAB_WEBHOOK_SECRET_PREVIOUS": "gl-old", "TMBOT_GITLAB_WEBHOOK_SIGNING_KEY": "whsec_a2V5",
		"TMBOT_GITLAB_BOT_USERNAME": "@bot", "TMBOT_GITLAB_SHARED_SECRET": "allow", "TMBOT_DASHBOARD_TOKEN": "dash",
		"TMBOT_TRUSTED_PROXIES": "10.0.0.0/8,192.0.2.1", "TMBOT_DASHBOARD_TARGET_LOW": "365"}
	s, err := Load("", func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	want := server.Config{
		GitHub: server.GitHubConfig{AppID: 7, WebhookSecret: "gh", WebhookSecretPrevious: "gh-old", APIURL: "https://ghe.example.com/api/v3/"},
		GitLab: server.GitLabConfig{URL: "https://gitlab.example.com", WebhookSecret: "gl", WebhookSecretPrevious: "gl-old",
			SigningKey: "whsec_a2V5", SharedSecret: "allow", BotUsername: "@bot"},
		DashboardToken:   "dash",
		DashboardTargets: dashboard.Targets{Critical: 14, High: 30, Medium: 90, Low: 365},
		TrustedProxies:   []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.1/32")},
		MaxBodyBytes:     server.MaxWebhookBody,
	}
	got := s.Server()
	if got.GitHub != want.GitHub || got.GitLab != want.GitLab || got.DashboardToken != want.DashboardToken ||
		got.DashboardTargets != want.DashboardTargets || !slices.Equal(got.TrustedProxies, want.TrustedProxies) ||
		got.MaxBodyBytes != want.MaxBodyBytes || got.Metrics != nil {
		t.Errorf("server config\n got %+v\nwant %+v", got, want)
	}
}

// The dashboard's settings are checked as the service's are read: a bad
// trusted proxy or target is refused, naming the setting.
func TestDashboardSettingsChecked(t *testing.T) {
	for name, v := range map[string]string{"TMBOT_TRUSTED_PROXIES": "10.0.0.1,not-an-address", "TMBOT_DASHBOARD_TARGET_HIGH": "4000"} {
		_, err := Load("", func(k string) string { return map[string]string{name: v}[k] })
		if err == nil || !strings.Contains(err.Error(), name) || strings.Contains(err.Error(), "not-an-address") {
			t.Errorf("%s=%s: %v", name, v, err)
		}
	}
}
