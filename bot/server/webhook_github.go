package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"hash"
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

// githubSignature reads X-Hub-Signature-256 ("sha256=" and 64 hex
// digits): the HMAC-SHA256 of the body under the webhook secret. ok is
// false when the header is missing or malformed (then the body is not even
// read).
func githubSignature(header string) (sig []byte, ok bool) {
	h, ok := strings.CutPrefix(header, "sha256=")
	if !ok || len(h) != 2*sha256.Size {
		return nil, false
	}
	sig, err := hex.DecodeString(h)
	return sig, err == nil
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

// handleGitHub is POST /webhooks/github: signature first, before anything
// is parsed; then the delivery and its jobs are stored in one transaction;
// then the answer. A delivery seen before is answered and ignored.
func (s *Server) handleGitHub(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	refuse := func() {
		s.metrics.delivery("github", "", "bad_signature")
		s.log.Warn("github delivery with a missing or bad signature", "remote", r.RemoteAddr)
		http.Error(w, "bad signature", http.StatusUnauthorized)
	}
	sig, ok := githubSignature(r.Header.Get("X-Hub-Signature-256"))
	if !ok || s.settings.GitHub.WebhookSecret == "" {
		refuse() // before the body is read
		return
	}
	// The HMACs under the current and the previous secret are computed
	// while the body is read.
	macs := map[string]hash.Hash{}
	var tees []io.Writer
	for _, secret := range []string{s.settings.GitHub.WebhookSecret, s.settings.GitHub.WebhookSecretPrevious} {
		if _, seen := macs[secret]; secret != "" && !seen {
			macs[secret] = hmac.New(sha256.New, []byte(secret))
			tees = append(tees, macs[secret])
		}
	}
	body, res := s.readBody(w, r, io.MultiWriter(tees...))
	if res != readOK {
		s.metrics.delivery("github", "", string(res))
		return
	}
	if !s.webhookSecrets("github", s.settings.GitHub.WebhookSecret, s.settings.GitHub.WebhookSecretPrevious,
		func(secret string) bool { return hmac.Equal(sig, macs[secret].Sum(nil)) }) {
		refuse()
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
	// The signature covers the body, not the delivery id: a signed body
	// replayed with a new X-GitHub-Delivery is the same delivery.
	sum := sha256.Sum256(body)
	s.accept(w, r, "github", id, event, log, h, payload, "body-sha256:"+hex.EncodeToString(sum[:]))
}

// accept stores a verified delivery and what its handler makes of it in
// one transaction, then answers: 202 when accepted, 200 for a delivery seen
// before (nothing is done twice), 503 when it could not be stored (the
// forge redelivers). A nil handler records the delivery only. also are
// more keys the delivery is known by (its body's hash): seen before under
// any of them, it is a duplicate. Keys are remembered for
// jobs.DeliveryRetention.
func (s *Server) accept(w http.ResponseWriter, r *http.Request, forgeName, id, event string, log *slog.Logger, h eventHandler, payload any, also ...string) {
	dup := false
	err := s.store.InTx(r.Context(), func(tx *sql.Tx) error {
		for _, key := range append([]string{id}, also...) {
			isNew, err := s.store.RecordDelivery(r.Context(), tx, forgeName, key, event)
			if err != nil || !isNew {
				dup = !isNew
				return err
			}
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
