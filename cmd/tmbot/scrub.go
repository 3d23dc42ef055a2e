package main

import (
	"errors"
	"net"
	"net/url"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tmbot/tmbot/cmd/tmbot/settings"
)

// settingFragments are the values of the string settings, and the parts
// of them an error could quote (a URL's user, password, host and path; a
// SQLite file's path; each line of a key), each with the name of its
// setting. The shortest fragment kept is minFragment bytes, so that
// ordinary words are not taken for a value.
func settingFragments(s settings.Settings) [][2]string {
	const minFragment = 4
	var out [][2]string
	add := func(name, v string) {
		v = strings.TrimSpace(v)
		if len(v) >= minFragment {
			out = append(out, [2]string{v, name})
		}
	}
	for _, v := range []struct{ name, value string }{
		{"TMBOT_ADDR", s.Addr}, {"TMBOT_DATABASE", s.Database},
		{"TMBOT_GITHUB_PRIVATE_KEY_FILE", s.GitHub.PrivateKeyFile}, {"TMBOT_GITHUB_PRIVATE_KEY", s.GitHub.PrivateKey},
		{"TMBOT_GITHUB_WEBHOOK_SECRET", s.GitHub.WebhookSecret}, {"TMBOT_GITHUB_WEBHOOK_SECRET_PREVIOUS", s.GitHub.WebhookSecretPrevious},
		{"TMBOT_GITHUB_API_URL", s.GitHub.APIURL}, {"TMBOT_GITLAB_URL", s.GitLab.URL}, {"TMBOT_GITLAB_TOKEN", s.GitLab.Token},
		{"TMBOT_GITLAB_WEBHOOK_SECRET", s.GitLab.WebhookSecret}, {"TMBOT_GITLAB_WEBHOOK_SECRET_PREVIOUS", s.GitLab.WebhookSecretPrevious},
		{"TMBOT_GITLAB_WEBHOOK_SIGNING_KEY", s.GitLab.SigningKey}, {"TMBOT_DASHBOARD_TOKEN", s.DashboardToken},
		{"TMBOT_POLICIES_DIR", s.PoliciesDir},
	} {
		add(v.name, v.value)
		for _, line := range strings.Split(v.value, "\n") {
			if !strings.HasPrefix(strings.TrimSpace(line), "-----") {
				add(v.name, line)
			}
		}
		if path, ok := strings.CutPrefix(v.value, "sqlite:"); ok {
			// The file and the folders above it (an error names the first
			// one that is missing).
			// Not the top folder alone (/var, /tmp): it says nothing.
			for p := strings.TrimPrefix(path, "//"); strings.Count(strings.Trim(p, "/"), "/") >= 1; p = filepath.Dir(p) {
				add(v.name, p)
			}
			add(v.name, filepath.Base(path))
		}
		if host, port, err := net.SplitHostPort(v.value); err == nil && v.name == "TMBOT_ADDR" {
			add(v.name, host)
			add(v.name, port)
		}
		if u, err := url.Parse(v.value); err == nil && u.Host != "" {
			add(v.name, u.User.Username())
			pw, _ := u.User.Password()
			add(v.name, pw)
			add(v.name, u.Hostname())
			add(v.name, strings.Trim(u.Path, "/"))
		}
	}
	// Longest first, so that a value is replaced whole before its parts.
	slices.SortFunc(out, func(a, b [2]string) int { return len(b[0]) - len(a[0]) })
	return out
}

// scrub keeps the settings' values out of an error that is logged or
// printed: each is replaced by the name of its setting. The errors of
// the libraries serve calls (the database driver, the listener, the forge
// clients) may quote what they were given.
func scrub(err error, s settings.Settings) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for _, f := range settingFragments(s) {
		msg = strings.ReplaceAll(msg, f[0], "(the value of "+f[1]+")")
	}
	if msg == err.Error() {
		return err
	}
	return errors.New(msg)
}
