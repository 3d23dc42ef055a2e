package server

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

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
	off := New(testConfig(), st, nil, slog.New(slog.DiscardHandler)).Handler()
	for _, p := range paths {
		if code := get(off, http.MethodGet, p); code != http.StatusNotFound {
			t.Errorf("%s without a dashboard token: %d, want 404", p, code)
		}
	}
	if code := get(off, http.MethodPost, "/dashboard/login"); code != http.StatusNotFound {
		t.Errorf("POST /dashboard/login: %d", code)
	}
	settings := testConfig()
	settings.DashboardToken = "dash-T0ken-for-tests-5f1c2e9a"
	on := New(settings, st, nil, slog.New(slog.DiscardHandler)).Handler()
	for _, p := range paths[2:] {
		if code := get(on, http.MethodGet, p); code != http.StatusUnauthorized {
			t.Errorf("%s with a wrong token: %d, want 401", p, code)
		}
	}
}
