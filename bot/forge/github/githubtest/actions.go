package githubtest

import (
	"strconv"
	"testing"
	"time"
)

// ActionsAppID is the id of the GitHub Actions App on GitHub.com, whose
// installation token a workflow job gets as GITHUB_TOKEN.
const ActionsAppID = 15368

// NewActions starts a fake GitHub whose App is GitHub Actions (id
// ActionsAppID, slug "github-actions"): what it writes is by
// "github-actions[bot]", as a workflow's GITHUB_TOKEN writes.
func NewActions(t testing.TB) *Server {
	s := New(t, ActionsAppID)
	s.mu.Lock()
	s.appSlug = "github-actions"
	s.mu.Unlock()
	return s
}

// JobToken issues an installation token for installation, as GitHub
// issues GITHUB_TOKEN to a workflow job (it lasts an hour here; a job's
// lasts until the job ends). It counts among Secrets.
func (s *Server) JobToken(installation int64) string {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.installations[installation] == nil {
		s.t.Fatalf("githubtest: JobToken: no installation %d", installation)
	}
	tok := "ghs_" + randomText(36)
	s.tokens[tok] = &token{installation: installation, expires: time.Now().Add(tokenLifetime)}
	s.secrets = append(s.secrets, tok)
	return tok
}

// slugOf is the slug of the App with the id: this server's own, or a
// made-up one for another App's runs (AddCheckRun).
func (s *Server) slugOf(appID int64) string {
	if appID == s.appID {
		return s.appSlug
	}
	return "other-app-" + strconv.FormatInt(appID, 10)
}
