package server

import (
	"testing"

	"github.com/tmbot/tmbot/bot/dashboard"
	"github.com/tmbot/tmbot/bot/metrics"
)

// testConfig is the Config the service starts from (cmd/tmbot/settings'
// defaults), with metrics of its own.
func testConfig() Config {
	return Config{GitHub: GitHubConfig{APIURL: "https://api.github.com/"}, DashboardTargets: dashboard.DefaultTargets,
		MaxBodyBytes: MaxWebhookBody, Metrics: metrics.New()}
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
