package gitlab

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gl "gitlab.com/gitlab-org/api/client-go/v2"
)

// The Standard Webhooks specification's example, as the reference README
// gives it.
func TestGitLabStandardWebhookVector(t *testing.T) {
	key := SigningKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	id, stamp := "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330"
	body := []byte(`{"test": 2432232314}`)
	sig := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	at := time.Unix(1614265330, 0)
	if !verifyStandardWebhook(key, id, stamp, sig, body, at) {
		t.Fatal("the specification's vector does not verify")
	}
	if !verifyStandardWebhook(key, id, stamp, "v1,bm9wZQ== "+sig, body, at.Add(4*time.Minute)) {
		t.Error("a second signature in the header is not tried")
	}
	for name, ok := range map[string]bool{
		"other body":     verifyStandardWebhook(key, id, stamp, sig, []byte(`{"test": 2432232315}`), at),
		"other id":       verifyStandardWebhook(key, "msg_x", stamp, sig, body, at),
		"other key":      verifyStandardWebhook([]byte("other"), id, stamp, sig, body, at),
		"too old":        verifyStandardWebhook(key, id, stamp, sig, body, at.Add(6*time.Minute)),
		"too new":        verifyStandardWebhook(key, id, stamp, sig, body, at.Add(-6*time.Minute)),
		"v2 scheme":      verifyStandardWebhook(key, id, stamp, "v2,"+sig[3:], body, at),
		"no signature":   verifyStandardWebhook(key, id, stamp, "", body, at),
		"bad timestamp":  verifyStandardWebhook(key, id, "soon", sig, body, at),
		"no key":         verifyStandardWebhook(nil, id, stamp, sig, body, at),
		"garbage base64": verifyStandardWebhook(key, id, stamp, "v1,!!!", body, at),
	} {
		if ok {
			t.Errorf("%s: verified", name)
		}
	}
	if string(SigningKey("plain-key")) != "plain-key" {
		t.Error("a key without whsec_ is not used as it is")
	}
}

func TestGitLabToken(t *testing.T) {
	if !verifyToken("s3cret", "s3cret") {
		t.Error("the right token is refused")
	}
	for _, bad := range []string{"", "s3cre", "s3cret ", "S3CRET"} {
		if verifyToken("s3cret", bad) {
			t.Errorf("%q accepted", bad)
		}
	}
	if verifyToken("", "") {
		t.Error("no secret accepts everything")
	}
}

func TestGitLabDeliveryKey(t *testing.T) {
	r, _ := http.NewRequest("POST", "/", nil)
	body := []byte("{}")
	k0 := DeliveryKey(r.Header, body, false)
	r.Header.Set("webhook-id", "msg_1")
	if DeliveryKey(r.Header, body, false) != "msg_1" {
		t.Error("webhook-id")
	}
	r.Header.Set("X-Gitlab-Event-UUID", "uuid-1")
	if DeliveryKey(r.Header, body, false) != "uuid-1" {
		t.Error("X-Gitlab-Event-UUID")
	}
	r.Header.Set("Idempotency-Key", "idem-1")
	if DeliveryKey(r.Header, body, false) != "idem-1" {
		t.Error("Idempotency-Key")
	}
	if DeliveryKey(r.Header, body, true) != "msg_1" {
		t.Error("a verified signature's webhook-id does not come first")
	}
	if k0 == "" || k0 == DeliveryKey(http.Header{}, []byte("[]"), false) {
		t.Error("the body's hash does not tell bodies apart")
	}
}

func TestGitLabHelpers(t *testing.T) {
	for _, u := range []string{"project_12_bot", "project_12_bot_0a1b2c", "group_3_bot_ffee01", "project_12_bot1"} {
		if !IsAccessTokenBot(u) {
			t.Errorf("%s is not taken for an access token's bot", u)
		}
	}
	for _, u := range []string{"alice", "project_bot", "myproject_12_bot"} {
		if IsAccessTokenBot(u) {
			t.Errorf("%s is taken for a bot", u)
		}
	}
	want := time.Date(2013, 12, 3, 17, 23, 34, 0, time.UTC)
	for _, s := range []string{"2013-12-03T17:23:34Z", "2013-12-03 17:23:34 UTC", "2013-12-03 18:23:34 +0100"} {
		if got := webhookTime(s); !got.Equal(want) {
			t.Errorf("webhookTime(%q) = %v", s, got)
		}
	}
	r := webhookRepo(5, "group/sub/project", "main")
	if r.Owner != "group/sub" || r.Name != "project" || r.Key() != "gitlab:0:group/sub/project" || r.ID != 5 {
		t.Errorf("repo: %+v", r)
	}
}

// The payload examples of the reference (GitLab's docs, via go-gitlab's
// fixtures) parse into the events the handlers take.
func TestGitLabReferencePayloads(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "..", "shared", "reference", "gitlab-webhooks")
	for file, event := range map[string]gl.EventType{
		"merge_request.json": gl.EventTypeMergeRequest, "issue.json": gl.EventTypeIssue,
		"note_merge_request.json": gl.EventTypeNote, "note_issue.json": gl.EventTypeNote,
	} {
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Skipf("no reference payloads: %v", err)
		}
		ev, err := gl.ParseWebhook(event, data)
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		switch e := ev.(type) {
		case *gl.MergeEvent:
			if e.ObjectAttributes.Action != "open" || e.ObjectAttributes.LastCommit.ID == "" || e.Project.PathWithNamespace == "" {
				t.Errorf("%s: %+v", file, e.ObjectAttributes)
			}
		case *gl.IssueEvent:
			if e.ObjectAttributes.Action != "open" || e.User.Username != "root" {
				t.Errorf("%s: %+v", file, e.ObjectAttributes)
			}
		case *gl.MergeCommentEvent:
			if e.MergeRequest.IID == 0 {
				t.Errorf("%s: no merge request", file)
			}
		case *gl.IssueCommentEvent:
		default:
			t.Errorf("%s: %T", file, ev)
		}
	}
}

// The derived secrets are stable (documented in docs/gitlab.md): a change
// would break every configured webhook.
func TestProjectSecretFormat(t *testing.T) {
	s := ProjectSecret("s3cret", 42)
	if len(s) != 64 || strings.Trim(s, "0123456789abcdef") != "" {
		t.Errorf("secret token %q is not 64 lowercase hex digits", s)
	}
	if s == ProjectSecret("s3cret", 43) || s == ProjectSecret("s3cret2", 42) {
		t.Error("the secret does not depend on the project and the service secret")
	}
	tok := ProjectSigningToken("s3cret", 42)
	if key := SigningKey(tok); !strings.HasPrefix(tok, "whsec_") || len(key) != 32 {
		t.Errorf("signing token %q is not whsec_ and a 32-byte key", tok)
	}
}
