package settings

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tmbot/tmbot/bot/dashboard"
	"github.com/tmbot/tmbot/bot/server"
)

// Load reads the file (if any) over the defaults, then the environment
// through getenv, and checks the result. Its errors name the setting,
// never its value (a value may be a secret).
func Load(file string, getenv func(string) string) (Settings, error) {
	s := Default()
	if file != "" {
		if err := s.loadFile(file); err != nil {
			return s, err
		}
	}
	for _, load := range []func(func(string) string) error{
		s.loadForges,
		s.loadService,
		s.loadTimes,
		s.loadNumbers,
		s.loadReviewBudget,
		s.loadTargets,
	} {
		if err := load(getenv); err != nil {
			return s, err
		}
	}
	if err := s.checkForges(); err != nil {
		return s, err
	}
	s.GitHub.APIURL = withSlash(s.GitHub.APIURL)
	s.GitLab.URL = strings.TrimRight(s.GitLab.URL, "/")
	return s, nil
}

// loadFile reads the settings file over s; an unknown key is an error.
func (s *Settings) loadFile(file string) error {
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("the settings file %s (--config) does not exist", file)
	}
	if err != nil {
		return fmt.Errorf("read settings: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(s); err != nil {
		return fmt.Errorf("settings file %s: %s", file, withoutValues(err))
	}
	return nil
}

// setString sets *dst to the variable's value when it has one.
func setString(getenv func(string) string, name string, dst *string) {
	if v := getenv(name); v != "" {
		*dst = v
	}
}

// loadForges reads the address, the database, the GitHub App's and
// GitLab's settings.
func (s *Settings) loadForges(getenv func(string) string) error {
	setString(getenv, "TMBOT_ADDR", &s.Addr)
	setString(getenv, "TMBOT_DATABASE", &s.Database)
	if v := getenv("TMBOT_GITHUB_APP_ID"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return errors.New("TMBOT_GITHUB_APP_ID is not a number (the App's ID, on its settings page)")
		}
		s.GitHub.AppID = id
	}
	for name, dst := range map[string]*string{
		"TMBOT_GITHUB_PRIVATE_KEY_FILE":        &s.GitHub.PrivateKeyFile,
		"TMBOT_GITHUB_PRIVATE_KEY":             &s.GitHub.PrivateKey,
		"TMBOT_GITHUB_WEBHOOK_SECRET":          &s.GitHub.WebhookSecret,
		"TMBOT_GITHUB_WEBHOOK_SECRET_PREVIOUS": &s.GitHub.WebhookSecretPrevious,
		"TMBOT_GITHUB_API_URL":                 &s.GitHub.APIURL,
		"TMBOT_GITLAB_URL":                     &s.GitLab.URL,
		"TMBOT_GITLAB_TOKEN":                   &s.GitLab.Token,
		"TMBOT_GITLAB_WEBHOOK_SECRET":          &s.GitLab.WebhookSecret,
		"TMBOT_GITLAB_WEBHOOK_SECRET_PREVIOUS": &s.GitLab.WebhookSecretPrevious,
		"TMBOT_GITLAB_WEBHOOK_SIGNING_KEY":     &s.GitLab.SigningKey,
		"TMBOT_GITLAB_BOT_USERNAME":            &s.GitLab.BotUsername,
		"TMBOT_GITLAB_SHARED_SECRET":           &s.GitLab.SharedSecret,
	} {
		setString(getenv, name, dst)
	}
	switch s.GitLab.SharedSecret {
	case "", server.SharedSecretAllow, server.SharedSecretRefuse:
	default:
		return fmt.Errorf("TMBOT_GITLAB_SHARED_SECRET (gitlab.shared_secret) must be %s or %s", server.SharedSecretAllow, server.SharedSecretRefuse)
	}
	return nil
}

// loadService reads the dashboard's token and trusted proxies, the
// organisation's policies and the log level.
func (s *Settings) loadService(getenv func(string) string) error {
	setString(getenv, "TMBOT_DASHBOARD_TOKEN", &s.DashboardToken)
	if v := getenv("TMBOT_TRUSTED_PROXIES"); v != "" {
		s.TrustedProxies = strings.Split(v, ",")
	}
	if _, err := dashboard.ParseTrustedProxies(s.TrustedProxies); err != nil {
		return err
	}
	setString(getenv, "TMBOT_POLICIES_DIR", &s.PoliciesDir)
	setString(getenv, "TMBOT_LOG_LEVEL", &s.LogLevel)
	return nil
}

// loadTimes reads the resync interval and the jobs' timing, and checks
// that a stuck job is rescued only after its timeout.
func (s *Settings) loadTimes(getenv func(string) string) error {
	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{
		{"TMBOT_RESYNC_INTERVAL", &s.ResyncInterval},
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
				return fmt.Errorf("%s %w", d.name, err)
			}
			*d.dst = t
		}
	}
	if s.JobRescueAfter != 0 && s.JobRescueAfter <= s.JobTimeout {
		return errors.New("the job rescue delay (TMBOT_JOB_RESCUE_AFTER, job_rescue_after) must be longer than the job timeout (TMBOT_JOB_TIMEOUT, job_timeout)")
	}
	return nil
}

// loadNumbers reads the resync's reserve, whether the organisation's
// policies may be overridden, the CUE memory bound and the workers.
func (s *Settings) loadNumbers(getenv func(string) string) error {
	if v := getenv("TMBOT_RESYNC_RESERVE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return errors.New("TMBOT_RESYNC_RESERVE is not a number of calls (0 or more)")
		}
		s.ResyncReserve = n
	}
	if v := getenv("TMBOT_ORG_POLICIES_OVERRIDABLE"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("TMBOT_ORG_POLICIES_OVERRIDABLE: write true or false")
		}
		s.OrgPoliciesOverridable = b
	}
	if v := getenv("TMBOT_CUE_MEMORY"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("TMBOT_CUE_MEMORY: write a number of bytes, such as 536870912 for 512 MiB")
		}
		s.CUEMemory = n
	}
	if v := getenv("TMBOT_WORKERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errors.New("TMBOT_WORKERS is not a positive number")
		}
		s.Workers = n
	}
	return nil
}

// checkForges reads the GitHub App's key from its file, when it was not
// given itself, and checks that each forge that is on has what it needs.
func (s *Settings) checkForges() error {
	if s.GitHub.PrivateKey == "" && s.GitHub.PrivateKeyFile != "" {
		key, err := readPrivateKey(s.GitHub.PrivateKeyFile)
		if err != nil {
			return err
		}
		s.GitHub.PrivateKey = string(key)
	}
	if s.GitHub.AppID != 0 && (s.GitHub.PrivateKey == "" || s.GitHub.WebhookSecret == "") {
		return fmt.Errorf("the GitHub App needs TMBOT_GITHUB_PRIVATE_KEY_FILE (or TMBOT_GITHUB_PRIVATE_KEY) and TMBOT_GITHUB_WEBHOOK_SECRET")
	}
	if s.GitLab.URL != "" && (s.GitLab.Token == "" || s.GitLab.WebhookSecret == "") {
		return fmt.Errorf("GitLab needs TMBOT_GITLAB_TOKEN and TMBOT_GITLAB_WEBHOOK_SECRET")
	}
	return nil
}
