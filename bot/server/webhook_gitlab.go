package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	gl "gitlab.com/gitlab-org/api/client-go/v2"
)

// GitLab webhooks
//
// POST /webhooks/gitlab takes project and group webhooks. A delivery is
// authenticated first, before anything is parsed:
//
//   - when it carries webhook-signature (GitLab's signing token, in the
//     Standard Webhooks format: "v1,<base64 HMAC-SHA256 of
//     {webhook-id}.{webhook-timestamp}.{body}>") and the service has a
//     signing key, the signature must match and the timestamp be within
//     five minutes (an X-Gitlab-Token sent along must match too);
//   - otherwise X-Gitlab-Token must equal TMBOT_GITLAB_WEBHOOK_SECRET
//     (compared in constant time).
//
// Anything else is 401, and a body over the limit 413. Then the delivery
// and its jobs are stored in one transaction, deduplicated by
// Idempotency-Key (else X-Gitlab-Event-UUID, else webhook-id, else the
// body's SHA-256): a delivery seen before is answered 200 and does
// nothing. New deliveries are answered 202.
//
// The handlers (gitlab_*.go): Merge Request Hook (open, reopen, an update
// that changed the code or the target branch, marked ready → review;
// merge → reconcile the tracking; close → remember it), Push Hook to the
// default branch (→ reconcile the tracking), Issue Hook (a person closed or
// reopened a tracking issue → reconcile), Note Hook ("/tmbot review" on a
// merge request → review, if the author may push). Every delivery upserts
// its project, so that the resync knows it.
//
// Two settings are read from the environment only (Settings has no field
// for them yet): TMBOT_GITLAB_WEBHOOK_SIGNING_KEY, the webhook's signing
// token ("whsec_<base64>" is decoded, anything else used as it is), and
// TMBOT_GITLAB_BOT_USERNAME, the username of the token's user. Without
// the latter the service learns it from GitLab (GET /user, in the
// background, once; see SetGitLabBot) and, meanwhile, takes usernames of
// the form project_<id>_bot… or group_<id>_bot… (access tokens' bot users)
// for bots.

// gitlabState is the GitLab webhook's configuration beyond Settings.
type gitlabState struct {
	mu         sync.Mutex
	signingKey []byte
	bot        string
	lookup     func(context.Context) (string, error)
	looking    bool
	lastTry    time.Time
}

func (s *Server) gitlab() *gitlabState { return &s.gl }

// signingKey reads a signing key: "whsec_<base64>" is the decoded bytes.
func signingKey(k string) []byte {
	k = strings.TrimSpace(k)
	if k == "" {
		return nil
	}
	if rest, ok := strings.CutPrefix(k, "whsec_"); ok {
		if dec, err := base64.StdEncoding.DecodeString(rest); err == nil && len(dec) > 0 {
			return dec
		}
	}
	return []byte(k)
}

// SetGitLabBot tells the server how to learn the bot's GitLab username (the
// GitLab client's BotLogin), to ignore the issue events the bot caused. It
// starts looking at once, in the background, unless
// TMBOT_GITLAB_BOT_USERNAME named it.
func (s *Server) SetGitLabBot(lookup func(context.Context) (string, error)) {
	st := s.gitlab()
	st.mu.Lock()
	st.lookup = lookup
	st.mu.Unlock()
	s.gitlabBot()
}

// gitlabBot is the bot's username, "" while unknown; when unknown it starts
// a lookup in the background (at most one a minute).
func (s *Server) gitlabBot() string {
	st := s.gitlab()
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.bot != "" || st.lookup == nil || st.looking || time.Since(st.lastTry) < time.Minute {
		return st.bot
	}
	st.looking, st.lastTry = true, time.Now()
	lookup := st.lookup
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		name, err := lookup(ctx)
		st.mu.Lock()
		defer st.mu.Unlock()
		st.looking = false
		if err != nil {
			s.log.Warn("could not learn the bot's GitLab username; access-token bot users are taken for the bot meanwhile", "err", err)
			return
		}
		st.bot = name
	}()
	return st.bot
}

// accessTokenBot matches the usernames GitLab gives the bot users of
// project and group access tokens.
var accessTokenBot = regexp.MustCompile(`^(project|group)_\d+_bot(_[0-9a-f]+)?\d*$`)

// isGitLabBot reports whether a username is the bot's (or an access
// token's bot user, while the bot's own is unknown).
func (s *Server) isGitLabBot(username string) bool {
	if username == "" {
		return false
	}
	if bot := s.gitlabBot(); bot != "" {
		return strings.EqualFold(bot, username)
	}
	return accessTokenBot.MatchString(username)
}

// verifyGitLabToken compares X-Gitlab-Token with the secret in constant
// time.
func verifyGitLabToken(secret, header string) bool {
	if secret == "" || header == "" {
		return false
	}
	a := sha256.Sum256([]byte(secret))
	b := sha256.Sum256([]byte(header))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// signatureTolerance bounds the age (and the advance) of a signed
// delivery's timestamp.
const signatureTolerance = 5 * time.Minute

// verifyStandardWebhook checks a Standard Webhooks signature: one of the
// space-separated "v1,<base64>" entries of header must be the HMAC-SHA256,
// under key, of "{id}.{timestamp}.{body}", and the timestamp within the
// tolerance of now.
func verifyStandardWebhook(key []byte, id, timestamp, header string, body []byte, now time.Time) bool {
	if len(key) == 0 || id == "" || timestamp == "" || header == "" {
		return false
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return false
	}
	if d := now.Sub(time.Unix(ts, 0)); d > signatureTolerance || d < -signatureTolerance {
		return false
	}
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s.%s.", id, timestamp)
	m.Write(body)
	want := m.Sum(nil)
	for _, sig := range strings.Fields(header) {
		v, b64, ok := strings.Cut(sig, ",")
		if !ok || v != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(b64)
		if err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}

// gitlabAuth is who a delivery was authenticated as.
type gitlabAuth struct {
	project int64 // the project whose own secret or signing token matched
	shared  bool  // the service's shared secret or signing key matched
	signed  bool  // a Standard Webhooks signature was verified
}

// gitlabPreCheck refuses, before the body is read, a delivery that cannot
// be authenticated whatever its body: no token and no signature; a
// signature without a valid id and a timestamp within the tolerance; the
// shared secret token alone while it is refused.
func (s *Server) gitlabPreCheck(r *http.Request, now time.Time) (ok bool, sharedRefused bool) {
	token := r.Header.Get("X-Gitlab-Token")
	sig := r.Header.Get("webhook-signature")
	if token == "" && sig == "" {
		return false, false
	}
	if sig != "" {
		ts, err := strconv.ParseInt(r.Header.Get("webhook-timestamp"), 10, 64)
		if err != nil || r.Header.Get("webhook-id") == "" {
			return false, false
		}
		if d := now.Sub(time.Unix(ts, 0)); d > signatureTolerance || d < -signatureTolerance {
			return false, false
		}
		return true, false
	}
	if !s.sharedAllowed() && s.isSharedToken(token) {
		return false, true
	}
	return true, false
}

func (s *Server) sharedAllowed() bool { return s.settings.GitLab.SharedSecret == SharedSecretAllow }

// isSharedToken reports whether token is the service's own secret (or the
// previous one), compared in constant time.
func (s *Server) isSharedToken(token string) bool {
	cur := verifyGitLabToken(s.settings.GitLab.WebhookSecret, token)
	prev := verifyGitLabToken(s.settings.GitLab.WebhookSecretPrevious, token)
	return cur || prev
}

// gitlabAuthenticate authenticates a delivery for the project its payload
// names (see gitlab_secret.go), or as the shared secret. ok is false when
// nothing matched.
func (s *Server) gitlabAuthenticate(r *http.Request, body []byte, project int64, now time.Time) (gitlabAuth, bool) {
	st := s.gitlab()
	st.mu.Lock()
	sharedKey := st.signingKey
	st.mu.Unlock()
	cur, prev := s.settings.GitLab.WebhookSecret, s.settings.GitLab.WebhookSecretPrevious
	token := r.Header.Get("X-Gitlab-Token")
	projectToken := func() bool {
		return project > 0 && s.webhookSecrets("gitlab", cur, prev, func(secret string) bool {
			return secret != "" && verifyGitLabToken(GitLabProjectSecret(secret, project), token)
		})
	}
	if sig := r.Header.Get("webhook-signature"); sig != "" {
		id, stamp := r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp")
		verify := func(key []byte) bool { return verifyStandardWebhook(key, id, stamp, sig, body, now) }
		var auth gitlabAuth
		switch {
		case project > 0 && s.webhookSecrets("gitlab", cur, prev, func(secret string) bool {
			return secret != "" && verify(gitlabProjectSigningKey(secret, project))
		}):
			auth = gitlabAuth{project: project, signed: true}
		case len(sharedKey) > 0 && verify(sharedKey):
			auth = gitlabAuth{shared: true, signed: true}
		default:
			return gitlabAuth{}, false
		}
		// A secret token sent along must be right too: the project's, or
		// the shared one with the shared signing key.
		if token != "" && !projectToken() && !(auth.shared && s.isSharedToken(token)) {
			return gitlabAuth{}, false
		}
		return auth, true
	}
	if projectToken() {
		return gitlabAuth{project: project}, true
	}
	if s.isSharedToken(token) {
		if prev != "" && !verifyGitLabToken(cur, token) {
			s.metrics.previous.WithLabelValues("gitlab").Inc()
		}
		return gitlabAuth{shared: true}, true
	}
	return gitlabAuth{}, false
}

// gitlabDeliveryKey is what a delivery is deduplicated by: a verified
// signature's webhook-id (signed, so a replay with a new Idempotency-Key is
// still the same delivery; GitLab sends the Idempotency-Key's value in
// it); else Idempotency-Key, X-Gitlab-Event-UUID, webhook-id, and last the
// body's SHA-256.
func gitlabDeliveryKey(r *http.Request, body []byte, signed bool) string {
	if id := strings.TrimSpace(r.Header.Get("webhook-id")); signed && id != "" {
		return id
	}
	for _, h := range []string{"Idempotency-Key", "X-Gitlab-Event-UUID", "webhook-id"} {
		if v := strings.TrimSpace(r.Header.Get(h)); v != "" {
			return v
		}
	}
	sum := sha256.Sum256(body)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func eventHandlers() map[gl.EventType]eventHandler {
	return map[gl.EventType]eventHandler{
		gl.EventTypeMergeRequest:  mergeRequestHookHandler{},
		gl.EventTypePush:          pushHookHandler{},
		gl.EventTypeIssue:         issueHookHandler{},
		gl.EventConfidentialIssue: issueHookHandler{},
		gl.EventTypeNote:          noteHookHandler{},
		gl.EventConfidentialNote:  noteHookHandler{},
	}
}

// handleGitLab is POST /webhooks/gitlab.
func (s *Server) handleGitLab(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	refuse := func(why string) {
		s.metrics.delivery("gitlab", "", "bad_signature")
		s.log.Warn("gitlab delivery refused: "+why, "remote", r.RemoteAddr)
		http.Error(w, "bad token or signature", http.StatusUnauthorized)
	}
	now := time.Now()
	if ok, sharedRefused := s.gitlabPreCheck(r, now); !ok {
		if sharedRefused {
			s.metrics.shared.WithLabelValues("refused").Inc()
			refuse("the service's shared secret is refused (TMBOT_GITLAB_SHARED_SECRET is not allow); give the webhook its project's secret (tmbot gitlab-secret)")
			return
		}
		refuse("a missing or wrong token or signature")
		return
	}
	body, res := s.readBody(w, r, nil)
	if res != readOK {
		s.metrics.delivery("gitlab", "", string(res))
		return
	}
	project, consistent := gitlabPayloadProject(body)
	auth, ok := s.gitlabAuthenticate(r, body, project, now)
	switch {
	case !ok:
		refuse("a missing or wrong token or signature")
		return
	case auth.shared && !s.sharedAllowed():
		s.metrics.shared.WithLabelValues("refused").Inc()
		refuse("the service's shared secret or signing key is refused (TMBOT_GITLAB_SHARED_SECRET is not allow); give the webhook its project's secret (tmbot gitlab-secret)")
		return
	case auth.shared:
		s.metrics.shared.WithLabelValues("accepted").Inc()
	case !consistent:
		// The secret is this project's, but the payload names another
		// project too (a target project, a merge request's).
		s.metrics.delivery("gitlab", "", "wrong_project")
		s.log.Warn("gitlab delivery refused: the payload names a project other than the one its secret belongs to",
			"remote", r.RemoteAddr, "project", auth.project)
		http.Error(w, "the payload names a project other than the one this webhook's secret belongs to", http.StatusForbidden)
		return
	}
	event := r.Header.Get("X-Gitlab-Event")
	if event == "" {
		http.Error(w, "missing X-Gitlab-Event", http.StatusBadRequest)
		return
	}
	key := gitlabDeliveryKey(r, body, auth.signed)
	log := s.log.With("forge", "gitlab", "event", event, "delivery", key)
	h, handled := eventHandlers()[gl.EventType(event)]
	var payload any
	if handled {
		p, err := gl.ParseWebhook(gl.EventType(event), body)
		switch {
		case err != nil && (event == string(gl.EventTypeNote) || event == string(gl.EventConfidentialNote)) &&
			strings.Contains(err.Error(), "unexpected noteable type"):
			handled = false // a note on a snippet, a design…
		case err != nil:
			s.metrics.delivery("gitlab", event, "bad_payload")
			log.Warn("unreadable payload", "err", err)
			http.Error(w, "cannot parse the payload", http.StatusBadRequest)
			return
		}
		payload = p
	}
	if !handled {
		h = nil
	}
	s.accept(w, r, "gitlab", key, event, log, h, payload)
}
