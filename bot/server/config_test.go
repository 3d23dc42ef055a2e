package server

import (
	"errors"
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/metrics"
)

// testConfig is the Config the service starts from (cmd/tmbot/settings'
// defaults), with metrics of its own.
func testConfig() Config {
	return Config{GitHub: GitHubConfig{APIURL: "https://api.github.com/"}, DashboardTargets: DefaultTargets,
		MaxBodyBytes: MaxWebhookBody, Metrics: metrics.New()}
}

// DefaultSettings is testConfig, and LoadSettings reads the dashboard's
// settings from getenv over it: the dashboard's tests (dashboard*_test.go)
// call them by these names, until the dashboard moves out of this package
// (issue 20). The service's settings are read by cmd/tmbot/settings.
func DefaultSettings() Config { return testConfig() }

func LoadSettings(file string, getenv func(string) string) (Config, error) {
	if file != "" {
		return Config{}, errors.New("the server's tests read no settings file")
	}
	c := testConfig()
	if v := getenv("TMBOT_TRUSTED_PROXIES"); v != "" {
		c.TrustedProxies = strings.Split(v, ",")
	}
	if err := CheckTrustedProxies(c.TrustedProxies); err != nil {
		return c, err
	}
	return c, c.DashboardTargets.Load(getenv)
}

// counted is the value of a counter of srv's metrics: its family, and all
// its labels.
func counted(t *testing.T, srv *Server, family string, labels map[string]string) float64 {
	t.Helper()
	families, err := srv.metrics.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != family {
			continue
		}
	series:
		for _, m := range f.GetMetric() {
			if len(m.GetLabel()) != len(labels) {
				continue
			}
			for _, l := range m.GetLabel() {
				if v, ok := labels[l.GetName()]; !ok || v != l.GetValue() {
					continue series
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}
