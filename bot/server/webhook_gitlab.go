package server

import (
	"net/http"
	"time"

	"github.com/tmbot/tmbot/bot/forge/gitlab"
)

// GitLab webhooks
//
// POST /webhooks/gitlab takes project and group webhooks. A delivery is
// authenticated first, before anything is parsed, by its project's own
// secret token or signing token (bot/forge/gitlab/webhook_auth.go); the
// service's shared secret and signing key only while
// TMBOT_GITLAB_SHARED_SECRET=allow, each use counted in
// tmbot_gitlab_shared_secret_total. Anything else is 401, a payload that
// names another project than its secret's 403, and a body over the limit
// 413. Then the adapter parses the delivery into neutral events
// (bot/forge/gitlab/webhook.go), and the delivery and what its events make
// are stored in one transaction (accept), deduplicated by
// gitlab.DeliveryKey: a delivery seen before is answered 200 and does
// nothing. New deliveries are answered 202.

// gitlabKeys are the service's GitLab webhook secrets.
func (s *Server) gitlabKeys() gitlab.WebhookKeys {
	st := s.gitlab()
	st.mu.Lock()
	defer st.mu.Unlock()
	return gitlab.WebhookKeys{Secret: s.cfg.GitLab.WebhookSecret, Previous: s.cfg.GitLab.WebhookSecretPrevious,
		SigningKey: st.signingKey, SharedRefused: !s.sharedAllowed()}
}

func (s *Server) sharedAllowed() bool { return s.cfg.GitLab.SharedSecret == SharedSecretAllow }

// handleGitLab is POST /webhooks/gitlab.
func (s *Server) handleGitLab(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	refuse := func(why string) {
		s.metrics.Delivery("gitlab", "", "bad_signature")
		s.log.Warn("gitlab delivery refused: "+why, "remote", r.RemoteAddr)
		http.Error(w, "bad token or signature", http.StatusUnauthorized)
	}
	const sharedRefused = "the service's shared secret or signing key is refused (TMBOT_GITLAB_SHARED_SECRET is not allow); give the webhook its project's secret (tmbot gitlab-secret)"
	now := time.Now()
	keys := s.gitlabKeys()
	if ok, shared := gitlab.PreCheck(r.Header, keys, now); !ok {
		if shared {
			s.metrics.SharedSecret("refused")
			refuse(sharedRefused)
			return
		}
		refuse("a missing or wrong token or signature")
		return
	}
	body, res := s.readBody(w, r, nil)
	if res != readOK {
		s.metrics.Delivery("gitlab", "", string(res))
		return
	}
	project, consistent := gitlab.PayloadProject(body)
	auth, ok := gitlab.Authenticate(r.Header, body, project, keys, now)
	if ok && auth.Previous {
		s.previousSecret("gitlab")
	}
	switch {
	case !ok:
		refuse("a missing or wrong token or signature")
		return
	case auth.Shared && !s.sharedAllowed():
		s.metrics.SharedSecret("refused")
		refuse(sharedRefused)
		return
	case auth.Shared:
		s.metrics.SharedSecret("accepted")
	case !consistent:
		// The secret is this project's, but the payload names another
		// project too (a target project, a merge request's).
		s.metrics.Delivery("gitlab", "", "wrong_project")
		s.log.Warn("gitlab delivery refused: the payload names a project other than the one its secret belongs to",
			"remote", r.RemoteAddr, "project", auth.Project)
		http.Error(w, "the payload names a project other than the one this webhook's secret belongs to", http.StatusForbidden)
		return
	}
	event := r.Header.Get("X-Gitlab-Event")
	if event == "" {
		http.Error(w, "missing X-Gitlab-Event", http.StatusBadRequest)
		return
	}
	key := gitlab.DeliveryKey(r.Header, body, auth.Signed)
	log := s.log.With("forge", "gitlab", "event", event, "delivery", key)
	events, err := gitlab.ParseWebhook(event, body, s.isGitLabBot)
	if err != nil {
		s.metrics.Delivery("gitlab", event, "bad_payload")
		log.Warn("unreadable payload", "err", err)
		http.Error(w, "cannot parse the payload", http.StatusBadRequest)
		return
	}
	s.accept(w, r, "gitlab", key, event, log, events)
}
