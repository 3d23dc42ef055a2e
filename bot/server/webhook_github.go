package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/google/go-github/v92/github"
)

// eventHandler turns one kind of event into stored state and queued jobs,
// inside the transaction that records the delivery. Actions it does not
// handle return nil. One small file per event and forge.
type eventHandler interface {
	Handle(ctx context.Context, d *delivery, event any) error
}

// delivery is one webhook delivery being accepted.
type delivery struct {
	c     context.Context
	s     *Server
	tx    *sql.Tx
	id    string
	event string
}

func (s *Server) eventHandlers() map[string]eventHandler {
	return map[string]eventHandler{
		"pull_request":              pullRequestHandler{},
		"check_run":                 checkRunHandler{},
		"check_suite":               checkSuiteHandler{},
		"issue_comment":             issueCommentHandler{},
		"installation":              installationHandler{},
		"installation_repositories": installationReposHandler{},
		"push":                      pushHandler{},
		"issues":                    issuesHandler{},
	}
}

func (d *delivery) ctx() context.Context { return d.c }

// verifyGitHubSignature checks X-Hub-Signature-256, an HMAC-SHA256 of the
// body with the webhook secret, in constant time.
func verifyGitHubSignature(secret []byte, header string, body []byte) bool {
	sig, ok := strings.CutPrefix(header, "sha256=")
	if !ok || len(secret) == 0 {
		return false
	}
	got, err := hex.DecodeString(sig)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// webhookSecrets checks a delivery against the current secret and, while
// one is rotated, the previous one (check does it in constant time for
// one secret). Both are checked whatever the first answer, so the time
// taken does not tell which matched. A delivery that only the previous
// secret authenticates is counted in tmbot_webhook_previous_secret_total.
func (s *Server) webhookSecrets(forgeName, current, previous string, check func(secret string) bool) bool {
	cur := check(current)
	prev := previous != "" && check(previous)
	if prev && !cur {
		s.metrics.previous.WithLabelValues(forgeName).Inc()
		s.log.Debug("delivery authenticated by the previous webhook secret", "forge", forgeName)
	}
	return cur || prev
}

// readBody reads a webhook body up to the limit: false and 413 when larger.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.settings.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			http.Error(w, "payload too large", http.StatusRequestEntityTooLarge)
		} else {
			http.Error(w, "cannot read the body", http.StatusBadRequest)
		}
		return nil, false
	}
	return body, true
}

// handleGitHub is POST /webhooks/github: signature first, before anything
// is parsed; then the delivery and its jobs are stored in one transaction;
// then the answer. A delivery seen before is answered and ignored.
func (s *Server) handleGitHub(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, ok := s.readBody(w, r)
	if !ok {
		s.metrics.delivery("github", "", "too_large")
		return
	}
	sig := r.Header.Get("X-Hub-Signature-256")
	if !s.webhookSecrets("github", s.settings.GitHub.WebhookSecret, s.settings.GitHub.WebhookSecretPrevious,
		func(secret string) bool { return verifyGitHubSignature([]byte(secret), sig, body) }) {
		s.metrics.delivery("github", "", "bad_signature")
		s.log.Warn("github delivery with a missing or bad signature", "remote", r.RemoteAddr)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	event := r.Header.Get("X-GitHub-Event")
	id := r.Header.Get("X-GitHub-Delivery")
	log := s.log.With("forge", "github", "event", event, "delivery", id)
	if event == "" || id == "" {
		http.Error(w, "missing X-GitHub-Event or X-GitHub-Delivery", http.StatusBadRequest)
		return
	}
	if event == "ping" {
		s.metrics.delivery("github", event, "ok")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "pong\n")
		return
	}
	h, handled := s.eventHandlers()[event]
	var payload any
	if handled {
		p, err := github.ParseWebHook(event, body)
		if err != nil {
			s.metrics.delivery("github", event, "bad_payload")
			log.Warn("unreadable payload", "err", err)
			http.Error(w, "cannot parse the payload", http.StatusBadRequest)
			return
		}
		payload = p
	}
	if !handled {
		h = nil
	}
	s.accept(w, r, "github", id, event, log, h, payload)
}

// accept stores a verified delivery and what its handler makes of it in
// one transaction, then answers: 202 when accepted, 200 for a delivery seen
// before (nothing is done twice), 503 when it could not be stored (the
// forge redelivers). A nil handler records the delivery only.
func (s *Server) accept(w http.ResponseWriter, r *http.Request, forgeName, id, event string, log *slog.Logger, h eventHandler, payload any) {
	dup := false
	err := s.store.InTx(r.Context(), func(tx *sql.Tx) error {
		isNew, err := s.store.RecordDelivery(r.Context(), tx, forgeName, id, event)
		if err != nil || !isNew {
			dup = !isNew
			return err
		}
		if h == nil {
			return nil
		}
		return h.Handle(r.Context(), &delivery{c: r.Context(), s: s, tx: tx, id: id, event: event}, payload)
	})
	switch {
	case err != nil:
		s.metrics.delivery(forgeName, event, "error")
		log.Error("could not store the delivery", "err", err)
		http.Error(w, "could not store the delivery; please redeliver", http.StatusServiceUnavailable)
	case dup:
		s.metrics.delivery(forgeName, event, "duplicate")
		log.Info("duplicate delivery ignored")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "duplicate\n")
	default:
		s.metrics.delivery(forgeName, event, "accepted")
		log.Debug("delivery accepted")
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, "accepted\n")
	}
}
