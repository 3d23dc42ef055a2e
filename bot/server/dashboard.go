package server

import (
	"net/http"

	"github.com/tmbot/tmbot/bot/dashboard"
)

// dashboardRoutes adds the dashboard and its API (bot/dashboard) to mux
// when a dashboard token is set; without one the paths stay unknown (404).
func (s *Server) dashboardRoutes(mux *http.ServeMux) {
	if s.cfg.DashboardToken == "" {
		return
	}
	dashboard.New(dashboard.Config{Token: s.cfg.DashboardToken, Targets: s.cfg.DashboardTargets,
		TrustedProxies: s.cfg.TrustedProxies, GitHubAPI: s.cfg.GitHub.APIURL, GitLabURL: s.cfg.GitLab.URL},
		s.store, s.log).Routes(mux)
}
