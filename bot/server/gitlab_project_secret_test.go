package server

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tmbot/tmbot/bot/forge/gitlab"
	"github.com/tmbot/tmbot/bot/forge/gitlab/gitlabtest"
	"github.com/tmbot/tmbot/bot/store/storetest"
)

const glServiceSecret = "service-secret-5be1"

// gitlabTestServer is a server with GitLab webhooks on SQLite (no queue:
// the deliveries below are events the bot records and does not act on).
func gitlabTestServer(t *testing.T, opts ...func(*Config)) (*Server, http.Handler, *bytes.Buffer) {
	t.Helper()
	settings := testConfig()
	settings.GitLab.WebhookSecret = glServiceSecret
	for _, o := range opts {
		o(&settings)
	}
	logs := &bytes.Buffer{}
	srv := New(settings, storetest.Open(t, "sqlite"), nil, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	return srv, srv.Handler(), logs
}

var glN int

func gitlabPost(h http.Handler, body string, headers map[string]string) *httptest.ResponseRecorder {
	glN++
	req := httptest.NewRequest(http.MethodPost, "/webhooks/gitlab", strings.NewReader(body))
	req.Header.Set("X-Gitlab-Event", "Pipeline Hook")
	req.Header.Set("Idempotency-Key", fmt.Sprint("idem-", glN))
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// A maintainer of project A knows A's secret: with it, an event for
// project B is refused, whether the payload names B as its project or as
// the target of a merge request; A's own event is accepted. The same holds
// for A's signing token.
func TestGitLabProjectSecretIsForItsProjectOnly(t *testing.T) {
	_, h, _ := gitlabTestServer(t)
	secretA := gitlab.ProjectSecret(glServiceSecret, 100)
	for name, c := range map[string]struct {
		body string
		want int
	}{
		"own project":                    {`{"object_kind":"pipeline","project":{"id":100}}`, http.StatusAccepted},
		"other project":                  {`{"object_kind":"pipeline","project":{"id":200}}`, http.StatusUnauthorized},
		"other project_id":               {`{"object_kind":"push","project_id":200}`, http.StatusUnauthorized},
		"own project, other target":      {`{"object_kind":"merge_request","project":{"id":100},"object_attributes":{"target_project_id":200}}`, http.StatusForbidden},
		"own project, other note target": {`{"object_kind":"note","project":{"id":100},"merge_request":{"target_project_id":200}}`, http.StatusForbidden},
		"own project, other project_id":  {`{"object_kind":"push","project":{"id":100},"project_id":200}`, http.StatusForbidden},
		"no project":                     {`{"object_kind":"pipeline"}`, http.StatusUnauthorized},
		"not an object":                  {`[100]`, http.StatusUnauthorized},
	} {
		if w := gitlabPost(h, c.body, map[string]string{"X-Gitlab-Token": secretA}); w.Code != c.want {
			t.Errorf("token, %s: %d, want %d", name, w.Code, c.want)
		}
		now := time.Now().Unix()
		id := fmt.Sprint("msg_", glN)
		sig := gitlabtest.SignStandard(gitlab.ProjectSigningToken(glServiceSecret, 100), id, now, []byte(c.body))
		w := gitlabPost(h, c.body, map[string]string{"webhook-id": id, "webhook-timestamp": fmt.Sprint(now), "webhook-signature": sig})
		if w.Code != c.want {
			t.Errorf("signed, %s: %d, want %d", name, w.Code, c.want)
		}
	}
}

// The service's own secret (and the shared signing key) is refused unless
// TMBOT_GITLAB_SHARED_SECRET=allow; each use is counted.
func TestGitLabSharedSecretRefusedUnlessAllowed(t *testing.T) {
	const sharedKey = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	body := `{"object_kind":"pipeline","project":{"id":100}}`
	for _, allow := range []bool{false, true} {
		srv, h, logs := gitlabTestServer(t, func(s *Config) {
			s.GitLab.SigningKey = sharedKey
			if allow {
				s.GitLab.SharedSecret = SharedSecretAllow
			}
		})
		want := http.StatusUnauthorized
		if allow {
			want = http.StatusAccepted
		}
		if w := gitlabPost(h, body, map[string]string{"X-Gitlab-Token": glServiceSecret}); w.Code != want {
			t.Errorf("allow %v, shared token: %d, want %d", allow, w.Code, want)
		}
		now := time.Now().Unix()
		id := fmt.Sprint("msg_", glN)
		sig := gitlabtest.SignStandard(sharedKey, id, now, []byte(body))
		if w := gitlabPost(h, body, map[string]string{"webhook-id": id, "webhook-timestamp": fmt.Sprint(now), "webhook-signature": sig}); w.Code != want {
			t.Errorf("allow %v, shared signing key: %d, want %d", allow, w.Code, want)
		}
		result := map[bool]string{false: "refused", true: "accepted"}[allow]
		if n := counted(t, srv, "tmbot_gitlab_shared_secret_total", map[string]string{"result": result}); n != 2 {
			t.Errorf("allow %v: tmbot_gitlab_shared_secret_total{result=%q} = %v, want 2", allow, result, n)
		}
		if strings.Contains(logs.String(), glServiceSecret) {
			t.Error("the secret reached the log")
		}
	}
}

// A signed delivery replayed inside the signature's five minutes with a
// new Idempotency-Key (which the signature does not cover) is the same
// delivery: it is done once.
func TestGitLabSignedReplayWithNewIdempotencyKey(t *testing.T) {
	srv, h, _ := gitlabTestServer(t)
	body := `{"object_kind":"pipeline","project":{"id":100}}`
	now := time.Now().Unix()
	sig := gitlabtest.SignStandard(gitlab.ProjectSigningToken(glServiceSecret, 100), "msg_replayed", now, []byte(body))
	headers := map[string]string{"webhook-id": "msg_replayed", "webhook-timestamp": fmt.Sprint(now), "webhook-signature": sig}
	var codes []int
	for _, idem := range []string{"idem-first", "idem-second", "idem-third"} {
		headers["Idempotency-Key"] = idem
		headers["X-Gitlab-Event-UUID"] = "uuid-" + idem
		codes = append(codes, gitlabPost(h, body, headers).Code)
	}
	if codes[0] != http.StatusAccepted || codes[1] != http.StatusOK || codes[2] != http.StatusOK {
		t.Errorf("answers %v, want 202 then 200 (duplicate)", codes)
	}
	if n := counted(t, srv, "tmbot_webhook_deliveries_total", map[string]string{"forge": "gitlab", "event": "Pipeline Hook", "result": "accepted"}); n != 1 {
		t.Errorf("%v deliveries accepted, want 1", n)
	}
}
