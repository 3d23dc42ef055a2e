package gitlab

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// GitLab webhooks: authentication
//
// A delivery is authenticated first, before anything is parsed:
//
//   - when it carries webhook-signature (GitLab's signing token, in the
//     Standard Webhooks format: "v1,<base64 HMAC-SHA256 of
//     {webhook-id}.{webhook-timestamp}.{body}>"), the signature must match
//     and the timestamp be within five minutes (an X-Gitlab-Token sent
//     along must match too);
//   - otherwise X-Gitlab-Token must match (compared in constant time).
//
// Each project's webhook has its own secret, derived from the service's
// webhook secret, and a delivery is accepted only for the project its
// secret belongs to; with one secret for every project, a maintainer of
// any project (who sees the secret in the webhook's settings) could forge
// deliveries for every other project:
//
//   - the secret token (X-Gitlab-Token) of project P is the lowercase hex
//     of HMAC-SHA256(service secret, P in decimal), 64 characters;
//   - the signing token (Standard Webhooks, webhook-signature) of project
//     P is "whsec_" and the standard, padded base64 of
//     HMAC-SHA256(service secret, "signing-token:" + P in decimal), a
//     32-byte key as GitLab wants it.
//
// `tmbot gitlab-secret P` prints both. The service's own secret (and
// TMBOT_GITLAB_WEBHOOK_SIGNING_KEY, one signing key for every project) is
// the shared secret: bot/server accepts it only while
// TMBOT_GITLAB_SHARED_SECRET=allow, for the migration.

// WebhookKeys are the service's secrets for GitLab's webhooks.
type WebhookKeys struct {
	// Secret is TMBOT_GITLAB_WEBHOOK_SECRET; Previous the one it replaces
	// while it is rotated ("" otherwise).
	Secret, Previous string
	// SigningKey is the shared signing key (see SigningKey), nil when none.
	SigningKey []byte
	// SharedRefused: the shared secret token alone is refused before the
	// body is read.
	SharedRefused bool
}

// Auth is who a delivery was authenticated as.
type Auth struct {
	// Project is the project whose own secret or signing token matched.
	Project int64
	// Shared: the service's shared secret or signing key matched.
	Shared bool
	// Signed: a Standard Webhooks signature was verified.
	Signed bool
	// Previous: only the previous webhook secret authenticated it.
	Previous bool
}

// ProjectSecret is the secret token of project's webhook: the hex
// HMAC-SHA256, under the service's webhook secret, of the project id in
// decimal.
func ProjectSecret(serviceSecret string, project int64) string {
	m := hmac.New(sha256.New, []byte(serviceSecret))
	m.Write([]byte(strconv.FormatInt(project, 10)))
	return hex.EncodeToString(m.Sum(nil))
}

// ProjectSigningToken is the signing token of project's webhook: "whsec_"
// and the base64 of HMAC-SHA256(service secret, "signing-token:" and the
// project id in decimal).
func ProjectSigningToken(serviceSecret string, project int64) string {
	return "whsec_" + base64.StdEncoding.EncodeToString(projectSigningKey(serviceSecret, project))
}

func projectSigningKey(serviceSecret string, project int64) []byte {
	m := hmac.New(sha256.New, []byte(serviceSecret))
	m.Write([]byte("signing-token:" + strconv.FormatInt(project, 10)))
	return m.Sum(nil)
}

// SigningKey reads a signing key: "whsec_<base64>" is the decoded bytes,
// anything else is used as it is.
func SigningKey(k string) []byte {
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

// verifyToken compares X-Gitlab-Token with the secret in constant time.
func verifyToken(secret, header string) bool {
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

// PreCheck refuses, before the body is read, a delivery that cannot be
// authenticated whatever its body: no token and no signature; a signature
// without an id and a timestamp within the tolerance; the shared secret
// token alone while it is refused (sharedRefused).
func PreCheck(h http.Header, keys WebhookKeys, now time.Time) (ok, sharedRefused bool) {
	token := h.Get("X-Gitlab-Token")
	sig := h.Get("webhook-signature")
	if token == "" && sig == "" {
		return false, false
	}
	if sig != "" {
		ts, err := strconv.ParseInt(h.Get("webhook-timestamp"), 10, 64)
		if err != nil || h.Get("webhook-id") == "" {
			return false, false
		}
		if d := now.Sub(time.Unix(ts, 0)); d > signatureTolerance || d < -signatureTolerance {
			return false, false
		}
		return true, false
	}
	if keys.SharedRefused && keys.isShared(token) {
		return false, true
	}
	return true, false
}

// isShared reports whether token is the service's own secret (or the
// previous one), both compared in constant time.
func (k WebhookKeys) isShared(token string) bool {
	cur := verifyToken(k.Secret, token)
	prev := verifyToken(k.Previous, token)
	return cur || prev
}

// either checks a delivery against the current secret and the previous
// one; both are checked whatever the first answer, so the time taken does
// not tell which matched. previousOnly: only the previous one did.
func (k WebhookKeys) either(check func(secret string) bool) (ok, previousOnly bool) {
	cur := check(k.Secret)
	prev := k.Previous != "" && check(k.Previous)
	return cur || prev, prev && !cur
}

// Authenticate authenticates a delivery for the project its payload names
// (PayloadProject), or as the shared secret. ok is false when nothing
// matched.
func Authenticate(h http.Header, body []byte, project int64, keys WebhookKeys, now time.Time) (Auth, bool) {
	token := h.Get("X-Gitlab-Token")
	projectToken := func() (ok, previous bool) {
		if project <= 0 {
			return false, false
		}
		return keys.either(func(secret string) bool {
			return secret != "" && verifyToken(ProjectSecret(secret, project), token)
		})
	}
	if sig := h.Get("webhook-signature"); sig != "" {
		id, stamp := h.Get("webhook-id"), h.Get("webhook-timestamp")
		verify := func(key []byte) bool { return verifyStandardWebhook(key, id, stamp, sig, body, now) }
		var auth Auth
		signedByProject, previous := false, false
		if project > 0 {
			signedByProject, previous = keys.either(func(secret string) bool {
				return secret != "" && verify(projectSigningKey(secret, project))
			})
		}
		switch {
		case signedByProject:
			auth = Auth{Project: project, Signed: true, Previous: previous}
		case len(keys.SigningKey) > 0 && verify(keys.SigningKey):
			auth = Auth{Shared: true, Signed: true}
		default:
			return Auth{}, false
		}
		// A secret token sent along must be right too: the project's, or
		// the shared one with the shared signing key.
		if token != "" {
			if ok, prev := projectToken(); ok {
				auth.Previous = auth.Previous || prev
			} else if !(auth.Shared && keys.isShared(token)) {
				return Auth{}, false
			}
		}
		return auth, true
	}
	if ok, prev := projectToken(); ok {
		return Auth{Project: project, Previous: prev}, true
	}
	if keys.isShared(token) {
		return Auth{Shared: true, Previous: keys.Previous != "" && !verifyToken(keys.Secret, token)}, true
	}
	return Auth{}, false
}

// DeliveryKey is what a delivery is deduplicated by: a verified
// signature's webhook-id (signed, so a replay with a new Idempotency-Key is
// still the same delivery; GitLab sends the Idempotency-Key's value in
// it); else Idempotency-Key, X-Gitlab-Event-UUID, webhook-id, and last the
// body's SHA-256.
func DeliveryKey(h http.Header, body []byte, signed bool) string {
	if id := strings.TrimSpace(h.Get("webhook-id")); signed && id != "" {
		return id
	}
	for _, name := range []string{"Idempotency-Key", "X-Gitlab-Event-UUID", "webhook-id"} {
		if v := strings.TrimSpace(h.Get(name)); v != "" {
			return v
		}
	}
	sum := sha256.Sum256(body)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// projectRefs are the project ids a payload names that the events are
// about (the same decoder as client-go's, so both read the same values).
type projectRefs struct {
	ProjectID int64 `json:"project_id"`
	Project   struct {
		ID int64 `json:"id"`
	} `json:"project"`
	ObjectAttributes struct {
		ProjectID       int64 `json:"project_id"`
		TargetProjectID int64 `json:"target_project_id"`
	} `json:"object_attributes"`
	MergeRequest struct {
		TargetProjectID int64 `json:"target_project_id"`
	} `json:"merge_request"`
}

// PayloadProject reads the project a payload is about (project.id, else
// project_id), and whether every project id the payload names is that
// one. A payload that does not decode (or is not a JSON object) names no
// project.
func PayloadProject(body []byte) (project int64, consistent bool) {
	var refs projectRefs
	if err := json.Unmarshal(body, &refs); err != nil {
		return 0, false
	}
	project = refs.Project.ID
	if project == 0 {
		project = refs.ProjectID
	}
	if project <= 0 {
		return 0, false
	}
	for _, id := range []int64{refs.ProjectID, refs.ObjectAttributes.ProjectID, refs.ObjectAttributes.TargetProjectID,
		refs.MergeRequest.TargetProjectID} {
		if id != 0 && id != project {
			return project, false
		}
	}
	return project, true
}
