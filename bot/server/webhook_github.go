package server

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"

	"github.com/tmbot/tmbot/bot/forge/github"
)

// handleGitHub is POST /webhooks/github: the signature first (its header
// before the body is read, the HMAC while it is read, the comparison
// before anything is parsed: bot/forge/github/webhook.go); then the
// adapter parses the delivery into neutral events, and the delivery and
// what its events make are stored in one transaction (accept); then the
// answer. A delivery seen before is answered and ignored.
func (s *Server) handleGitHub(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	refuse := func() {
		s.metrics.Delivery("github", "", "bad_signature")
		s.log.Warn("github delivery with a missing or bad signature", "remote", r.RemoteAddr)
		http.Error(w, "bad signature", http.StatusUnauthorized)
	}
	sig, ok := github.NewSignature(r.Header.Get("X-Hub-Signature-256"),
		s.cfg.GitHub.WebhookSecret, s.cfg.GitHub.WebhookSecretPrevious)
	if !ok {
		refuse() // before the body is read
		return
	}
	body, res := s.readBody(w, r, sig.Writer())
	if res != readOK {
		s.metrics.Delivery("github", "", string(res))
		return
	}
	ok, previous := sig.Verify()
	if !ok {
		refuse()
		return
	}
	if previous {
		s.previousSecret("github")
	}
	event := r.Header.Get("X-GitHub-Event")
	id := r.Header.Get("X-GitHub-Delivery")
	log := s.log.With("forge", "github", "event", event, "delivery", id)
	if event == "" || id == "" {
		http.Error(w, "missing X-GitHub-Event or X-GitHub-Delivery", http.StatusBadRequest)
		return
	}
	if event == "ping" {
		s.metrics.Delivery("github", event, "ok")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "pong\n")
		return
	}
	events, err := github.ParseWebhook(event, body, s.cfg.GitHub.AppID)
	if err != nil {
		s.metrics.Delivery("github", event, "bad_payload")
		log.Warn("unreadable payload", "err", err)
		http.Error(w, "cannot parse the payload", http.StatusBadRequest)
		return
	}
	// The signature covers the body, not the delivery id: a signed body
	// replayed with a new X-GitHub-Delivery is the same delivery.
	sum := sha256.Sum256(body)
	s.accept(w, r, "github", id, event, log, events, "body-sha256:"+hex.EncodeToString(sum[:]))
}
