package server

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tmbot/tmbot/bot/config"
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
	// (dashboard_targets.go).
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
	// (0: review.DefaultBudget); see settings_review.go.
	ReviewMaxFiles int             `yaml:"review_max_files"`
	ReviewMaxBytes config.ByteSize `yaml:"review_max_bytes"`
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

// DefaultSettings are the settings before the file and the environment.
func DefaultSettings() Settings {
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
	s.MaxBodyBytes = MaxWebhookBody
	s.LogLevel = "info"
	t := DefaultTargets
	s.DashboardTargets.Critical, s.DashboardTargets.High, s.DashboardTargets.Medium, s.DashboardTargets.Low = t.Critical, t.High, t.Medium, t.Low
	return s
}

// LoadSettings reads the file (if any) over the defaults, then the
// environment through getenv.
func LoadSettings(file string, getenv func(string) string) (Settings, error) {
	s := DefaultSettings()
	if file != "" {
		data, err := os.ReadFile(file)
		if errors.Is(err, fs.ErrNotExist) {
			return s, fmt.Errorf("the settings file %s (--config) does not exist", file)
		}
		if err != nil {
			return s, fmt.Errorf("read settings: %w", err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&s); err != nil {
			return s, fmt.Errorf("settings file %s: %s", file, withoutValues(err))
		}
	}
	str := func(name string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	str("TMBOT_ADDR", &s.Addr)
	str("TMBOT_DATABASE", &s.Database)
	if v := getenv("TMBOT_GITHUB_APP_ID"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return s, errors.New("TMBOT_GITHUB_APP_ID is not a number (the App's ID, on its settings page)")
		}
		s.GitHub.AppID = id
	}
	str("TMBOT_GITHUB_PRIVATE_KEY_FILE", &s.GitHub.PrivateKeyFile)
	str("TMBOT_GITHUB_PRIVATE_KEY", &s.GitHub.PrivateKey)
	str("TMBOT_GITHUB_WEBHOOK_SECRET", &s.GitHub.WebhookSecret)
	str("TMBOT_GITHUB_WEBHOOK_SECRET_PREVIOUS", &s.GitHub.WebhookSecretPrevious)
	str("TMBOT_GITHUB_API_URL", &s.GitHub.APIURL)
	str("TMBOT_GITLAB_URL", &s.GitLab.URL)
	str("TMBOT_GITLAB_TOKEN", &s.GitLab.Token)
	str("TMBOT_GITLAB_WEBHOOK_SECRET", &s.GitLab.WebhookSecret)
	str("TMBOT_GITLAB_WEBHOOK_SECRET_PREVIOUS", &s.GitLab.WebhookSecretPrevious)
	str("TMBOT_GITLAB_WEBHOOK_SIGNING_KEY", &s.GitLab.SigningKey)
	str("TMBOT_GITLAB_BOT_USERNAME", &s.GitLab.BotUsername)
	str("TMBOT_GITLAB_SHARED_SECRET", &s.GitLab.SharedSecret)
	switch s.GitLab.SharedSecret {
	case "", SharedSecretAllow, SharedSecretRefuse:
	default:
		return s, fmt.Errorf("TMBOT_GITLAB_SHARED_SECRET (gitlab.shared_secret) must be %s or %s", SharedSecretAllow, SharedSecretRefuse)
	}
	str("TMBOT_DASHBOARD_TOKEN", &s.DashboardToken)
	if v := getenv("TMBOT_TRUSTED_PROXIES"); v != "" {
		s.TrustedProxies = strings.Split(v, ",")
	}
	if _, err := parsePrefixes(s.TrustedProxies); err != nil {
		return s, err
	}
	str("TMBOT_POLICIES_DIR", &s.PoliciesDir)
	str("TMBOT_LOG_LEVEL", &s.LogLevel)
	if v := getenv("TMBOT_RESYNC_INTERVAL"); v != "" {
		d, err := parseDuration(v)
		if err != nil {
			return s, fmt.Errorf("TMBOT_RESYNC_INTERVAL %w", err)
		}
		s.ResyncInterval = d
	}
	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{
		{"TMBOT_JOB_TIMEOUT", &s.JobTimeout},
		{"TMBOT_JOB_RESCUE_AFTER", &s.JobRescueAfter},
		{"TMBOT_JOB_LOCK_TTL", &s.JobLockTTL},
		{"TMBOT_RETRY_BASE", &s.RetryBase},
		{"TMBOT_RETRY_MAX", &s.RetryMax},
		{"TMBOT_CUE_TIMEOUT", &s.CUETimeout},
	} {
		if v := getenv(d.name); v != "" {
			t, err := parseDuration(v)
			if err != nil {
				return s, fmt.Errorf("%s %w", d.name, err)
			}
			*d.dst = t
		}
	}
	if s.JobRescueAfter != 0 && s.JobRescueAfter <= s.JobTimeout {
		return s, errors.New("the job rescue delay (TMBOT_JOB_RESCUE_AFTER, job_rescue_after) must be longer than the job timeout (TMBOT_JOB_TIMEOUT, job_timeout)")
	}
	if v := getenv("TMBOT_RESYNC_RESERVE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return s, errors.New("TMBOT_RESYNC_RESERVE is not a number of calls (0 or more)")
		}
		s.ResyncReserve = n
	}
	if v := getenv("TMBOT_ORG_POLICIES_OVERRIDABLE"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return s, fmt.Errorf("TMBOT_ORG_POLICIES_OVERRIDABLE: write true or false")
		}
		s.OrgPoliciesOverridable = b
	}
	if v := getenv("TMBOT_CUE_MEMORY"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return s, fmt.Errorf("TMBOT_CUE_MEMORY: write a number of bytes, such as 536870912 for 512 MiB")
		}
		s.CUEMemory = n
	}
	if v := getenv("TMBOT_WORKERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return s, errors.New("TMBOT_WORKERS is not a positive number")
		}
		s.Workers = n
	}
	if err := s.loadReviewBudget(getenv); err != nil {
		return s, err
	}
	if err := s.loadTargets(getenv); err != nil {
		return s, err
	}
	if s.GitHub.PrivateKey == "" && s.GitHub.PrivateKeyFile != "" {
		key, err := readPrivateKey(s.GitHub.PrivateKeyFile)
		if err != nil {
			return s, err
		}
		s.GitHub.PrivateKey = string(key)
	}
	if s.GitHub.AppID != 0 && (s.GitHub.PrivateKey == "" || s.GitHub.WebhookSecret == "") {
		return s, fmt.Errorf("the GitHub App needs TMBOT_GITHUB_PRIVATE_KEY_FILE (or TMBOT_GITHUB_PRIVATE_KEY) and TMBOT_GITHUB_WEBHOOK_SECRET")
	}
	if s.GitLab.URL != "" && (s.GitLab.Token == "" || s.GitLab.WebhookSecret == "") {
		return s, fmt.Errorf("GitLab needs TMBOT_GITLAB_TOKEN and TMBOT_GITLAB_WEBHOOK_SECRET")
	}
	s.GitHub.APIURL = withSlash(s.GitHub.APIURL)
	s.GitLab.URL = strings.TrimRight(s.GitLab.URL, "/")
	return s, nil
}

// parsePrefixes reads the trusted proxies: addresses or CIDR prefixes.
func parsePrefixes(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for i, v := range list {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if p, err := netip.ParsePrefix(v); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return nil, fmt.Errorf("TMBOT_TRUSTED_PROXIES (trusted_proxies): entry %d is not an IP address or a CIDR prefix", i+1)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// parseDuration reads "0", "3600" (seconds) or a Go duration ("1h"). Its
// error does not repeat the value (settings may hold secrets).
func parseDuration(v string) (time.Duration, error) {
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, errors.New("is not a duration (write 1h, 30m or a number of seconds; 0 turns it off)")
	}
	return d, nil
}

// readPrivateKey reads the GitHub App's key from the file named by
// TMBOT_GITHUB_PRIVATE_KEY_FILE. Neither the setting's value (which may be
// the key itself, pasted in the wrong place) nor the file's content
// reaches the error.
func readPrivateKey(file string) ([]byte, error) {
	if strings.Contains(file, "-----BEGIN") || strings.ContainsAny(file, "\n\r") || len(file) > 4096 {
		return nil, errors.New("TMBOT_GITHUB_PRIVATE_KEY_FILE (github.private_key_file) holds a key, not the path of a file: " +
			"put the key in TMBOT_GITHUB_PRIVATE_KEY, or in a file whose path goes in TMBOT_GITHUB_PRIVATE_KEY_FILE")
	}
	key, err := os.ReadFile(file)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // without the path
		}
		return nil, fmt.Errorf("read the GitHub App private key, the file named by TMBOT_GITHUB_PRIVATE_KEY_FILE: %w", err)
	}
	return key, nil
}

// yamlQuoted is how yaml.v3 quotes a value in its errors.
var yamlQuoted = regexp.MustCompile("`[^`]*`")

// withoutValues is a settings file's decoding error without the values
// yaml.v3 quotes in it ("line 3: cannot unmarshal !!str `...` into int64").
func withoutValues(err error) string {
	return yamlQuoted.ReplaceAllString(err.Error(), "(a value)")
}

func withSlash(u string) string {
	if u != "" && !strings.HasSuffix(u, "/") {
		return u + "/"
	}
	return u
}
