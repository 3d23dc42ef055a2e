package server

import (
	"net/http"

	"github.com/tmbot/tmbot/bot/dashboard"
)

// dashboardRoutes adds the dashboard and its API (bot/dashboard) to mux
// when a dashboard token is set; without one the paths stay unknown (404).
func (s *Server) dashboardRoutes(mux *http.ServeMux) {
	if s.settings.DashboardToken == "" {
		return
	}
	dashboard.New(dashboard.Config{Token: s.settings.DashboardToken, Targets: s.settings.DashboardTargets,
		TrustedProxies: s.settings.TrustedProxies, GitHubAPI: s.settings.GitHub.APIURL, GitLabURL: s.settings.GitLab.URL},
		s.store, s.log).Routes(mux)
}
