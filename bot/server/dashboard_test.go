package server

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/dashboard"
	"github.com/tmbot/tmbot/bot/store/storetest"
)

// TestDashboardOffWithoutToken: without a dashboard token the dashboard's
// paths are unknown; with one they ask for it.
func TestDashboardOffWithoutToken(t *testing.T) {
	st := storetest.Open(t, "sqlite")
	paths := []string{"/dashboard", "/dashboard/login", "/dashboard/threats", "/dashboard/vendors", "/api/v1/mitigations",
		"/api/v1/mitigations.csv", "/api/v1/systems", "/api/v1/threats/summary", "/api/v1/risk-history", "/api/v1/overview"}
	get := func(h http.Handler, method, path string) int {
		var req *http.Request
		if method == http.MethodPost {
			req = httptest.NewRequest(method, path, strings.NewReader(url.Values{"token": {""}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			req = httptest.NewRequest(method, path, nil)
			req.Header.Set("Authorization", "Bearer anything")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	off := New(DefaultSettings(), st, nil, slog.New(slog.DiscardHandler)).Handler()
	for _, p := range paths {
		if code := get(off, http.MethodGet, p); code != http.StatusNotFound {
			t.Errorf("%s without a dashboard token: %d, want 404", p, code)
		}
	}
	if code := get(off, http.MethodPost, "/dashboard/login"); code != http.StatusNotFound {
		t.Errorf("POST /dashboard/login: %d", code)
	}
	settings := DefaultSettings()
	settings.DashboardToken = "dash-T0ken-for-tests-5f1c2e9a"
	on := New(settings, st, nil, slog.New(slog.DiscardHandler)).Handler()
	for _, p := range paths[2:] {
		if code := get(on, http.MethodGet, p); code != http.StatusUnauthorized {
			t.Errorf("%s with a wrong token: %d, want 401", p, code)
		}
	}
}

// TestDashboardTargetsSettings: the targets' defaults, the environment
// over the file, and the bounds.
func TestDashboardTargetsSettings(t *testing.T) {
	s, err := LoadSettings("", func(string) string { return "" })
	if err != nil || s.targets() != (dashboard.Targets{Critical: 14, High: 30, Medium: 90}) {
		t.Errorf("defaults: %+v %v", s.targets(), err)
	}
	env := map[string]string{"TMBOT_DASHBOARD_TARGET_CRITICAL": "7", "TMBOT_DASHBOARD_TARGET_LOW": "365"}
	s, err = LoadSettings("", func(k string) string { return env[k] })
	if err != nil || s.targets() != (dashboard.Targets{Critical: 7, High: 30, Medium: 90, Low: 365}) {
		t.Errorf("from the environment: %+v %v", s.targets(), err)
	}
	for _, bad := range []string{"-1", "soon", "4000"} {
		env := map[string]string{"TMBOT_DASHBOARD_TARGET_HIGH": bad}
		if _, err := LoadSettings("", func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "TMBOT_DASHBOARD_TARGET_HIGH") {
			t.Errorf("high = %q: %v", bad, err)
		}
	}
}

// TestTrustedProxiesSettings: a trusted proxy that is no address or prefix
// is refused, without its value in the message.
func TestTrustedProxiesSettings(t *testing.T) {
	for _, bad := range []string{"not-an-address", "10.0.0.0/33"} {
		_, err := LoadSettings("", func(k string) string { return map[string]string{"TMBOT_TRUSTED_PROXIES": "10.0.0.1," + bad}[k] })
		if err == nil || strings.Contains(err.Error(), bad) {
			t.Errorf("TMBOT_TRUSTED_PROXIES with %q: %v", bad, err)
		}
	}
}
