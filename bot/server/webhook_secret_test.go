package server

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"

	"github.com/tmbot/tmbot/bot/forge/github/githubtest"
	"github.com/tmbot/tmbot/bot/forge/gitlab"
	"github.com/tmbot/tmbot/bot/store/storetest"
)

// While a webhook secret is rotated, deliveries signed with the current or
// the previous secret are accepted, and those with the previous one are
// counted; any other secret gets 401. Without a previous secret, the old
// one is refused. Neither secret reaches the log or the metrics.
func TestWebhookSecretRotation(t *testing.T) {
	const current, previous, other = "new-secret-7f3a", "old-secret-91c2", "someone-elses"
	for _, rotating := range []bool{true, false} {
		settings := testConfig()
		settings.GitHub.WebhookSecret = current
		settings.GitLab.WebhookSecret = current
		if rotating {
			settings.GitHub.WebhookSecretPrevious = previous
			settings.GitLab.WebhookSecretPrevious = previous
		}
		logs := &bytes.Buffer{}
		log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		srv := New(settings, storetest.Open(t, "sqlite"), nil, log)
		h := srv.Handler()
		do := func(req *http.Request) int {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			return w.Code
		}
		n := 0
		github := func(secret string) int {
			n++
			body := []byte(`{"zen":"Keep it logically awesome."}`)
			req := httptest.NewRequest(http.MethodPost, "/webhooks/github", bytes.NewReader(body))
			req.Header.Set("X-GitHub-Event", "ping")
			req.Header.Set("X-GitHub-Delivery", fmt.Sprint("delivery-", n))
			req.Header.Set("X-Hub-Signature-256", githubtest.Sign([]byte(secret), body))
			return do(req)
		}
		gitlab := func(token string) int {
			n++
			req := httptest.NewRequest(http.MethodPost, "/webhooks/gitlab", strings.NewReader(`{"object_kind":"pipeline","project":{"id":7}}`))
			req.Header.Set("X-Gitlab-Event", "Pipeline Hook")
			req.Header.Set("X-Gitlab-Token", gitlab.ProjectSecret(token, 7)) // the project's own secret
			req.Header.Set("Idempotency-Key", fmt.Sprint("delivery-", n))
			return do(req)
		}
		wantPrevious := http.StatusUnauthorized
		if rotating {
			wantPrevious = 0 // accepted: 200 for GitHub's ping, 202 for GitLab
		}
		for name, c := range map[string]struct {
			got, want int
		}{
			"github current":  {github(current), http.StatusOK},
			"github other":    {github(other), http.StatusUnauthorized},
			"gitlab current":  {gitlab(current), http.StatusAccepted},
			"gitlab other":    {gitlab(other), http.StatusUnauthorized},
			"github previous": {github(previous), map[bool]int{true: http.StatusOK, false: wantPrevious}[rotating]},
			"gitlab previous": {gitlab(previous), map[bool]int{true: http.StatusAccepted, false: wantPrevious}[rotating]},
		} {
			if c.got != c.want {
				t.Errorf("rotating %v, %s: %d, want %d", rotating, name, c.got, c.want)
			}
		}
		// /metrics needs the queue; the registry behind it is read here.
		families, err := srv.metrics.Gatherer().Gather()
		if err != nil {
			t.Fatal(err)
		}
		var text bytes.Buffer
		for _, mf := range families {
			if _, err := expfmt.MetricFamilyToText(&text, mf); err != nil {
				t.Fatal(err)
			}
		}
		metrics := text.String()
		for _, f := range []string{"github", "gitlab"} {
			line := `tmbot_webhook_previous_secret_total{forge="` + f + `"} 1`
			if got := strings.Contains(metrics, line); got != rotating {
				t.Errorf("rotating %v: metrics have %q: %v", rotating, line, got)
			}
		}
		for _, secret := range []string{current, previous, other} {
			if strings.Contains(logs.String(), secret) || strings.Contains(metrics, secret) {
				t.Errorf("rotating %v: a secret reached the log or the metrics", rotating)
			}
		}
	}
}
