package main

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tmbot/tmbot/bot/forge/github/githubtest"
	"github.com/tmbot/tmbot/bot/review"
	"github.com/tmbot/tmbot/bot/server"
	"github.com/tmbot/tmbot/cmd/tmbot/settings"
)

const (
	testAppID  = 4242
	testInst   = 7
	testSecret = "webhook-secret-for-tests"
	testRepo   = "alpine/pay"
	modelPath  = "threatmodels/alpinepay.threatmodel.yaml"
)

func sha(s string) string {
	h := sha1.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// service runs `tmbot serve` in-process against a fake GitHub, with SQLite
// in a temporary folder, and returns its base URL.
type service struct {
	url    string
	gh     *githubtest.Server
	logs   *bytes.Buffer
	cancel context.CancelFunc
	done   chan error
}

func startService(t *testing.T, gh *githubtest.Server, database string) *service {
	t.Helper()
	cfg := settings.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.Database = database
	cfg.GitHub.AppID = testAppID
	cfg.GitHub.PrivateKey = string(gh.PrivateKeyPEM())
	cfg.GitHub.WebhookSecret = testSecret
	cfg.GitHub.APIURL = gh.URL()
	cfg.ResyncInterval = 0
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewJSONHandler(&lockedWriter{w: logs, mu: make(chan struct{}, 1)}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	s := &service{gh: gh, logs: logs, cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- serve(ctx, cfg, log, ready) }()
	select {
	case addr := <-ready:
		s.url = "http://" + addr
	case err := <-s.done:
		t.Fatalf("serve: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("the service did not become ready")
	}
	t.Cleanup(func() { s.stop(t) })
	return s
}

func (s *service) stop(t *testing.T) {
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("serve returned %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("the service did not stop")
	}
}

type lockedWriter struct {
	mu chan struct{}
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	if l.mu == nil {
		l.mu = make(chan struct{}, 1)
	}
	l.mu <- struct{}{}
	defer func() { <-l.mu }()
	return l.w.Write(p)
}

// fakeGitHub has one installation and a repository whose PR 1 changes the
// AlpinePay model: the head adds an LLM assistant with an unplanned threat.
func fakeGitHub(t *testing.T) *githubtest.Server {
	gh := githubtest.New(t, testAppID)
	gh.AddInstallation(testInst, "alpine")
	gh.AddRepo(testInst, testRepo, "main")
	base, err := os.ReadFile("../../examples/alpinepay/alpinepay.threatmodel.yaml")
	if err != nil {
		t.Fatal(err)
	}
	head, err := os.ReadFile("../../examples/demo/unplanned/alpinepay.threatmodel.yaml")
	if err != nil {
		t.Fatal(err)
	}
	gh.PutFile(testRepo, sha("base"), modelPath, base)
	gh.PutFile(testRepo, sha("head"), modelPath, head)
	gh.AddPull(testRepo, githubtest.Pull{Number: 1, Title: "Add a support assistant", BaseRef: "main",
		BaseSHA: sha("base"), HeadSHA: sha("head")})
	gh.SetPullFiles(testRepo, 1, []githubtest.PullFile{{Path: modelPath}, {Path: "README.md"}})
	return gh
}

// pullRequestPayload is a pull_request delivery shaped like GitHub's.
func pullRequestPayload(action string, number int, headSHA string, updated time.Time) []byte {
	owner, name, _ := strings.Cut(testRepo, "/")
	p := map[string]any{
		"action": action,
		"number": number,
		"pull_request": map[string]any{
			"number": number, "state": "open", "title": "Add a support assistant", "draft": false,
			"user":       map[string]any{"login": "octocat", "type": "User"},
			"updated_at": updated.UTC().Format(time.RFC3339),
			"head": map[string]any{"sha": headSHA, "ref": "feature",
				"repo": map[string]any{"full_name": testRepo, "name": name, "owner": map[string]any{"login": owner}}},
			"base": map[string]any{"sha": sha("base"), "ref": "main",
				"repo": map[string]any{"full_name": testRepo, "name": name, "owner": map[string]any{"login": owner}}},
		},
		"repository": map[string]any{"id": 1, "name": name, "full_name": testRepo, "default_branch": "main",
			"owner": map[string]any{"login": owner}},
		"installation": map[string]any{"id": testInst},
		"sender":       map[string]any{"login": "octocat", "type": "User"},
	}
	b, _ := json.Marshal(p)
	return b
}

func deliver(t *testing.T, url, event, id string, body []byte, signature string) (int, time.Duration) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+"/webhooks/github", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", id)
	if signature != "" {
		req.Header.Set("X-Hub-Signature-256", signature)
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, time.Since(start)
}

// completedJobs reads the completed jobs gauge from /metrics.
func completedJobs(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`(?m)^tmbot_jobs\{state="completed"\} (\d+)`).FindSubmatch(b)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestGitHubAppEndToEnd: a signed pull_request delivery yields exactly one
// comment and one check run with the right content; a redelivery and a
// second delivery of the same head write nothing; bad signatures get 401
// and no work; the health endpoints answer.
func TestGitHubAppEndToEnd(t *testing.T) {
	gh := fakeGitHub(t)
	svc := startService(t, gh, "sqlite:"+filepath.Join(t.TempDir(), "tmbot.db"))

	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(svc.url + path)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %v %v", path, err, resp)
		}
		resp.Body.Close()
	}

	body := pullRequestPayload("opened", 1, sha("head"), time.Now())
	if code, _ := deliver(t, svc.url, "pull_request", "d-1", body, "sha256=00"); code != http.StatusUnauthorized {
		t.Fatalf("bad signature: %d", code)
	}
	if code, _ := deliver(t, svc.url, "pull_request", "d-1", body, ""); code != http.StatusUnauthorized {
		t.Fatalf("no signature: %d", code)
	}
	if code, _ := deliver(t, svc.url, "ping", "d-ping", []byte(`{"zen":"x"}`), githubtest.Sign([]byte(testSecret), []byte(`{"zen":"x"}`))); code != http.StatusOK {
		t.Fatalf("ping: %d", code)
	}
	gh.ResetCounts()
	code, took := deliver(t, svc.url, "pull_request", "d-1", body, githubtest.Sign([]byte(testSecret), body))
	if code != http.StatusAccepted {
		t.Fatalf("signed delivery: %d", code)
	}
	if took > time.Second {
		t.Errorf("the delivery took %v to answer", took)
	}
	waitFor(t, "the review", func() bool {
		return len(gh.Comments(testRepo, 1)) == 1 && len(gh.CheckRuns(testRepo, sha("head"))) == 1 && completedJobs(t, svc.url) >= 1
	})
	comment := gh.Comments(testRepo, 1)[0]
	if !strings.HasPrefix(comment.Body, review.Marker) || !strings.Contains(comment.Body, "assistant-prompt-injection") {
		t.Errorf("comment:\n%s", comment.Body)
	}
	run := gh.CheckRuns(testRepo, sha("head"))[0]
	if run.Name != "Threat model" || run.Conclusion != "failure" || run.Status != "completed" {
		t.Errorf("check run: %s %s %s", run.Name, run.Status, run.Conclusion)
	}
	// API economy: at most 2F+4 calls for a request that changes F model
	// files (here F = 1): configuration, files, the model at base and
	// head, the comment and the check.
	if calls := gh.APICalls(); calls > 2*1+4 {
		t.Errorf("the review made %d API calls, want at most 6: %v", calls, gh.Requests())
	}
	writes := gh.Writes()

	// The same delivery again: answered, nothing queued.
	if code, _ := deliver(t, svc.url, "pull_request", "d-1", body, githubtest.Sign([]byte(testSecret), body)); code != http.StatusOK {
		t.Errorf("redelivery: %d", code)
	}
	// Another delivery of the same head: reviewed again, nothing written.
	body2 := pullRequestPayload("edited", 1, sha("head"), time.Now())
	body2 = bytes.Replace(body2, []byte(`"action":"edited"`), []byte(`"action":"edited","changes":{"base":{"ref":{"from":"old"}}}`), 1)
	if code, _ := deliver(t, svc.url, "pull_request", "d-2", body2, githubtest.Sign([]byte(testSecret), body2)); code != http.StatusAccepted {
		t.Fatalf("second delivery: %d", code)
	}
	waitFor(t, "the second review", func() bool { return completedJobs(t, svc.url) >= 2 })
	if got := gh.Writes(); got != writes {
		t.Errorf("a second review of the same head wrote %d times", got-writes)
	}
	if n := len(gh.Comments(testRepo, 1)); n != 1 {
		t.Errorf("%d comments", n)
	}

	// The metrics count the deliveries, the job durations and the API use.
	resp, err := http.Get(svc.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metricsText, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`tmbot_webhook_deliveries_total{event="pull_request",forge="github",result="accepted"} 2`,
		`tmbot_webhook_deliveries_total{event="",forge="github",result="bad_signature"} 2`,
		`tmbot_review_seconds_count{kind="review",result="ok"} 2`, `tmbot_api_calls_total{forge="github",installation="7"}`,
		`tmbot_api_rate_limit_remaining{forge="github",installation="7"}`, `tmbot_jobs{state="completed"} 2`} {
		if !strings.Contains(string(metricsText), want) {
			t.Errorf("metrics lack %s", want)
		}
	}

	// No secret reaches the log.
	svc.stop(t)
	logs := svc.logs.String()
	for _, secret := range append(gh.Secrets(), testSecret) {
		if secret != "" && strings.Contains(logs, secret) {
			t.Errorf("a secret is in the log")
		}
	}
	if !strings.Contains(logs, `"msg":"reviewed"`) {
		t.Errorf("no review in the log:\n%s", logs)
	}
}

// TestWebhookBodyLimit: a body over the limit gets 413.
func TestWebhookBodyLimit(t *testing.T) {
	gh := fakeGitHub(t)
	svc := startService(t, gh, "sqlite:"+filepath.Join(t.TempDir(), "tmbot.db"))
	big := bytes.Repeat([]byte("x"), server.MaxWebhookBody+1)
	code, _ := deliver(t, svc.url, "pull_request", "d-big", big, githubtest.Sign([]byte(testSecret), big))
	if code != http.StatusRequestEntityTooLarge {
		t.Errorf("got %d", code)
	}
}

func issueCommentPayload(number int, user, body string) []byte {
	owner, name, _ := strings.Cut(testRepo, "/")
	b, _ := json.Marshal(map[string]any{"action": "created",
		"issue":   map[string]any{"number": number, "pull_request": map[string]any{"url": "x"}},
		"comment": map[string]any{"id": 1, "body": body, "user": map[string]any{"login": user, "type": "User"}},
		"repository": map[string]any{"id": 1, "name": name, "full_name": testRepo, "default_branch": "main",
			"owner": map[string]any{"login": owner}},
		"installation": map[string]any{"id": testInst}, "sender": map[string]any{"login": user, "type": "User"}})
	return b
}

// TestReviewCommand: "/tmbot review" from someone with write access reviews
// the request (its webhooks were never seen); from someone without, nothing.
func TestReviewCommand(t *testing.T) {
	gh := fakeGitHub(t)
	gh.SetPermission(testRepo, "writer", "write")
	gh.SetPermission(testRepo, "reader", "read")
	svc := startService(t, gh, "sqlite:"+filepath.Join(t.TempDir(), "tmbot.db"))
	body := issueCommentPayload(1, "reader", "please\n/tmbot review\n")
	if code, _ := deliver(t, svc.url, "issue_comment", "c-1", body, githubtest.Sign([]byte(testSecret), body)); code != http.StatusAccepted {
		t.Fatalf("delivery: %d", code)
	}
	waitIdle(t, svc.url)
	if n := len(gh.Comments(testRepo, 1)); n != 0 {
		t.Errorf("a reader's command made %d comments", n)
	}
	body = issueCommentPayload(1, "writer", "/tmbot review")
	if code, _ := deliver(t, svc.url, "issue_comment", "c-2", body, githubtest.Sign([]byte(testSecret), body)); code != http.StatusAccepted {
		t.Fatalf("delivery: %d", code)
	}
	waitIdle(t, svc.url)
	if n := len(gh.Comments(testRepo, 1)); n != 1 {
		t.Errorf("a writer's command made %d comments", n)
	}
	if n := len(gh.CheckRuns(testRepo, sha("head"))); n != 1 {
		t.Errorf("%d check runs", n)
	}
}
