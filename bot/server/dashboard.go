package server

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/tmbot/tmbot/bot/dashboard"
)

// dashboardRoutes adds the dashboard and its API (bot/dashboard) to mux
// when a dashboard token is set; without one the paths stay unknown (404).
func (s *Server) dashboardRoutes(mux *http.ServeMux) {
	if s.settings.DashboardToken == "" {
		return
	}
	proxies, _ := parsePrefixes(s.settings.TrustedProxies) // checked by LoadSettings
	dashboard.New(dashboard.Config{Token: s.settings.DashboardToken, Targets: s.settings.targets(), TrustedProxies: proxies,
		GitHubAPI: s.settings.GitHub.APIURL, GitLabURL: s.settings.GitLab.URL}, s.store, s.log).Routes(mux)
}

// DefaultTargets are the dashboard's default target times.
var DefaultTargets = dashboard.DefaultTargets

// targets are the settings' target times.
func (s *Settings) targets() dashboard.Targets { return dashboard.Targets(s.DashboardTargets) }

// maxTargetDays bounds a target (ten years).
const maxTargetDays = 3660

// loadTargets reads TMBOT_DASHBOARD_TARGET_CRITICAL, _HIGH, _MEDIUM and
// _LOW over the file's dashboard_targets, and checks them.
func (s *Settings) loadTargets(getenv func(string) string) error {
	for _, v := range []struct {
		risk, name string
		dst        *int
	}{{"critical", "TMBOT_DASHBOARD_TARGET_CRITICAL", &s.DashboardTargets.Critical},
		{"high", "TMBOT_DASHBOARD_TARGET_HIGH", &s.DashboardTargets.High},
		{"medium", "TMBOT_DASHBOARD_TARGET_MEDIUM", &s.DashboardTargets.Medium},
		{"low", "TMBOT_DASHBOARD_TARGET_LOW", &s.DashboardTargets.Low}} {
		name := v.name
		if e := getenv(name); e != "" {
			n, err := strconv.Atoi(e)
			if err != nil {
				return fmt.Errorf("%s: write a number of days (0: no target)", name)
			}
			*v.dst = n
		}
		if *v.dst < 0 || *v.dst > maxTargetDays {
			return fmt.Errorf("the dashboard target for %s risk (%s, dashboard_targets.%s) must be 0 to %d days", v.risk, name, v.risk, maxTargetDays)
		}
	}
	return nil
}
