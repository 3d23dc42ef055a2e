package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	glforge "github.com/tmbot/tmbot/bot/forge/gitlab"
	"github.com/tmbot/tmbot/bot/forge/gitlab/gitlabtest"
	"github.com/tmbot/tmbot/bot/review"
	"github.com/tmbot/tmbot/bot/server"
	"github.com/tmbot/tmbot/bot/track"
	"github.com/tmbot/tmbot/cmd/tmbot/settings"
)

const (
	glProject = "alpine/payments/pay"
	glFork    = "vendor/pay"
	glBot     = "project_7_bot_3f2a1c"
	glSecret  = "gitlab-webhook-secret-for-tests"
)

// fakeGitLab has a project whose merge request !1 changes the AlpinePay
// model: the head adds an LLM assistant with an unplanned threat.
func fakeGitLab(t *testing.T) (*gitlabtest.Server, string) {
	t.Helper()
	g := gitlabtest.New(t)
	g.AddUser(glBot, true)
	tok := g.AddToken(glBot)
	g.AddProject(glProject, "main")
	g.AddMember(glProject, glBot, gitlabtest.Developer)
	g.AddMember(glProject, "alice", gitlabtest.Developer)
	g.AddMember(glProject, "guest", gitlabtest.Guest)
	base, err := os.ReadFile("../../examples/alpinepay/alpinepay.threatmodel.yaml")
	if err != nil {
		t.Fatal(err)
	}
	head, err := os.ReadFile("../../examples/demo/unplanned/alpinepay.threatmodel.yaml")
	if err != nil {
		t.Fatal(err)
	}
	g.PutFile(glProject, sha("base"), modelPath, base)
	g.PutFile(glProject, sha("base"), "README.md", []byte("AlpinePay\n"))
	g.SetBranch(glProject, "main", sha("base"))
	g.PutFile(glProject, sha("head"), modelPath, head)
	g.PutFile(glProject, sha("head"), "README.md", []byte("AlpinePay, with an assistant\n"))
	g.AddMergeRequest(glProject, gitlabtest.MergeRequest{IID: 1, Title: "Add a support assistant", Author: "alice",
		SourceBranch: "assistant", BaseSHA: sha("base"), HeadSHA: sha("head")})
	return g, tok
}

type glService struct {
	url    string
	logs   *bytes.Buffer
	cancel context.CancelFunc
	done   chan error
}

// startGitLabService runs `tmbot serve` in-process with GitLab only, and
// SQLite in a temporary folder.
func startGitLabService(t *testing.T, g *gitlabtest.Server, token string, opts ...func(*settings.Settings)) *glService {
	t.Helper()
	cfg := settings.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.Database = "sqlite:" + filepath.Join(t.TempDir(), "tmbot.db")
	cfg.GitLab.URL = g.URL() + "/" // with the slash: it works either way
	cfg.GitLab.Token = token
	cfg.GitLab.WebhookSecret = glSecret
	cfg.ResyncInterval = 0
	for _, o := range opts {
		o(&cfg)
	}
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewJSONHandler(&lockedWriter{w: logs, mu: make(chan struct{}, 1)}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	s := &glService{logs: logs, cancel: cancel, done: make(chan error, 1)}
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
	// The service learns the bot's username at start (GET /user).
	waitFor(t, "the bot's username", func() bool {
		for _, r := range g.Requests() {
			if r.Path == "/api/v4/user" {
				return true
			}
		}
		return false
	})
	return s
}

func (s *glService) stop(t *testing.T) {
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

// reviewNotes are the review notes of a merge request.
func reviewNotes(g *gitlabtest.Server, iid int64) []gitlabtest.Note {
	var out []gitlabtest.Note
	for _, n := range g.Notes(glProject, iid) {
		if strings.HasPrefix(n.Body, review.Marker) {
			out = append(out, n)
		}
	}
	return out
}

// notesNaming counts a merge request's notes that name an id.
func notesNaming(g *gitlabtest.Server, iid int64, id string) int {
	n := 0
	for _, x := range g.Notes(glProject, iid) {
		if strings.Contains(x.Body, id) {
			n++
		}
	}
	return n
}

var glDeliveryN atomic.Int64

// deliverGitLab posts a webhook as GitLab does; key "" makes a new
// Idempotency-Key.
func deliverGitLab(t *testing.T, url, event, key, token string, body []byte) int {
	t.Helper()
	if key == "" {
		key = fmt.Sprintf("gl-%d", glDeliveryN.Add(1))
	}
	if token == glSecret {
		token = glProjectToken(body)
	}
	req, _ := http.NewRequest(http.MethodPost, url+"/webhooks/gitlab", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Gitlab-Event", event)
	req.Header.Set("X-Gitlab-Event-UUID", "uuid-"+key)
	req.Header.Set("Idempotency-Key", key)
	req.Header.Set("X-Gitlab-Instance", "https://gitlab.example.com")
	req.Header.Set("User-Agent", "GitLab/18.6.0")
	if token != "" {
		req.Header.Set("X-Gitlab-Token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// glProjectID is the project a payload is about (0 when it names none).
func glProjectID(body []byte) int64 {
	var p struct {
		ProjectID int64 `json:"project_id"`
		Project   struct {
			ID int64 `json:"id"`
		} `json:"project"`
	}
	_ = json.Unmarshal(body, &p)
	if p.Project.ID != 0 {
		return p.Project.ID
	}
	return p.ProjectID
}

// glProjectToken is the secret token of the webhook of the project a
// payload is about, as `tmbot gitlab-secret` gives it.
func glProjectToken(body []byte) string {
	return glforge.ProjectSecret(glSecret, glProjectID(body))
}

func sendGitLab(t *testing.T, svc *glService, event string, body []byte) {
	t.Helper()
	if code := deliverGitLab(t, svc.url, event, "", glSecret, body); code != http.StatusAccepted && code != http.StatusOK {
		t.Fatalf("%s delivery: %d", event, code)
	}
}

// TestGitLabEndToEnd: a Merge Request Hook (open) yields exactly one note
// naming the new threat and one failed "threat-model" status on the head;
// a redelivery and an update without oldrev write nothing; a wrong token
// gets 401 and no work; a push of a new head gets its own status and no
// second note; a merge request from a fork is read through the target
// project by SHA; "/tmbot review" from a Developer reviews again.
func TestGitLabEndToEnd(t *testing.T) {
	g, tok := fakeGitLab(t)
	svc := startGitLabService(t, g, tok)
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(svc.url + path)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %v %v", path, err, resp)
		}
		resp.Body.Close()
	}

	open := g.MergeRequestHook(glProject, 1, "open", "", "alice")
	g.ResetCounts()
	for _, bad := range []string{"", "wrong", glSecret + "x"} {
		if code := deliverGitLab(t, svc.url, gitlabtest.EventMergeRequest, "k-open", bad, open); code != http.StatusUnauthorized {
			t.Fatalf("token %q: %d", bad, code)
		}
	}
	start := time.Now()
	if code := deliverGitLab(t, svc.url, gitlabtest.EventMergeRequest, "k-open", glSecret, open); code != http.StatusAccepted {
		t.Fatalf("delivery: %d", code)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("the delivery took %v to answer", took)
	}
	waitFor(t, "the review", func() bool {
		return len(reviewNotes(g, 1)) >= 1 && len(g.Statuses(glProject, sha("head"))) >= 1
	})
	waitIdle(t, svc.url)
	notes := reviewNotes(g, 1)
	if len(notes) != 1 || notes[0].Author != glBot || !strings.Contains(notes[0].Body, "assistant-prompt-injection") {
		t.Fatalf("notes: %+v", notes)
	}
	// Exactly one note names the new threat (the findings' threads point
	// at its line without repeating it).
	if n := notesNaming(g, 1, "assistant-prompt-injection"); n != 1 {
		t.Errorf("%d notes name the new threat: %+v", n, g.Notes(glProject, 1))
	}
	sts := g.Statuses(glProject, sha("head"))
	if len(sts) != 1 || sts[0].Name != "threat-model" || sts[0].Status != "failed" || sts[0].Ref != "assistant" ||
		len(sts[0].Description) == 0 || len([]rune(sts[0].Description)) > 255 {
		t.Fatalf("statuses: %+v", sts)
	}
	// One note, plus threads only where a blocking finding has a line in
	// the diff: every thread is positioned.
	threads := 0
	for _, d := range g.Discussions(glProject, 1) {
		if d.IndividualNote {
			continue
		}
		threads++
		if n := d.Notes[0]; n.Author != glBot || n.Resolved || !strings.Contains(n.Body, modelPath) || n.Position == nil {
			t.Errorf("finding discussion (want the bot's, open, on a line of the diff): %+v", n)
		}
	}
	if threads == 0 {
		t.Error("the blocking threat on an added line got no thread")
	}
	// The API economy: no more than the request, configuration, diffs,
	// the model at base and head, the note, the status and the findings.
	if calls := g.APICalls(); calls > 12 {
		t.Errorf("the review made %d API calls: %+v", calls, g.Requests())
	}
	for _, r := range g.Requests() {
		if r.Status == http.StatusUnauthorized || r.Status >= 500 {
			t.Errorf("a call failed: %+v", r)
		}
	}
	writes := g.Writes()

	// The same delivery again (GitLab's retry keeps the Idempotency-Key).
	if code := deliverGitLab(t, svc.url, gitlabtest.EventMergeRequest, "k-open", glSecret, open); code != http.StatusOK {
		t.Errorf("redelivery: %d", code)
	}
	// A title edit: an update without oldrev.
	retitled := bytes.Replace(g.MergeRequestHook(glProject, 1, "update", "", "alice"), []byte(`"changes":{}`),
		[]byte(`"changes":{"title":{"previous":"x","current":"Add a support assistant"}}`), 1)
	sendGitLab(t, svc, gitlabtest.EventMergeRequest, retitled)
	waitIdle(t, svc.url)
	if got := g.Writes(); got != writes {
		t.Errorf("a redelivery and a title edit wrote %d times: %+v", got-writes, g.Requests())
	}

	// A push to the source branch: a new head, reviewed; the note says
	// the same, so it is left alone; the new head gets its status.
	g.CopyCommit(glProject, sha("head"), sha("head2"))
	g.PutFile(glProject, sha("head2"), "README.md", []byte("AlpinePay, with a support assistant\n"))
	g.SetMergeRequestHead(glProject, 1, sha("head2"), "")
	sendGitLab(t, svc, gitlabtest.EventMergeRequest, g.MergeRequestHook(glProject, 1, "update", sha("head"), "alice"))
	waitFor(t, "the new head's status", func() bool { return len(g.Statuses(glProject, sha("head2"))) == 1 })
	waitIdle(t, svc.url)
	if n := reviewNotes(g, 1); len(n) != 1 {
		t.Errorf("%d review notes after a push", len(n))
	}
	if sts := g.Statuses(glProject, sha("head2")); sts[0].Status != "failed" {
		t.Errorf("new head: %+v", sts)
	}
	if sts := g.Statuses(glProject, sha("head")); len(sts) != 1 {
		t.Errorf("the old head's statuses: %+v", sts)
	}

	// "/tmbot review" from a Guest is ignored; from a Developer it reviews
	// again (and writes nothing new, since nothing changed).
	writes = g.Writes()
	sendGitLab(t, svc, gitlabtest.EventNote, g.NoteHook(glProject, 1, "guest", "/tmbot review"))
	waitIdle(t, svc.url)
	sendGitLab(t, svc, gitlabtest.EventNote, g.NoteHook(glProject, 1, "alice", "please\n/tmbot review"))
	waitIdle(t, svc.url)
	if got := g.Writes(); got != writes {
		t.Errorf("the review command wrote %d times", got-writes)
	}
	if !strings.Contains(svc.logs.String(), "without write access ignored") {
		t.Error("the Guest's command was not turned down")
	}

	// A merge request from a fork: read through the target project by SHA.
	g.AddProject(glFork, "main", glProject)
	g.AddMember(glFork, "vendor", gitlabtest.Owner)
	unplanned, _ := os.ReadFile("../../examples/demo/unplanned/alpinepay.threatmodel.yaml")
	g.PutFile(glFork, sha("fork"), modelPath, unplanned)
	g.PutFile(glFork, sha("fork"), "README.md", []byte("AlpinePay\n"))
	g.AddMergeRequest(glProject, gitlabtest.MergeRequest{IID: 2, Title: "Vendor model", Author: "vendor", SourceBranch: "main",
		SourceProject: glFork, BaseSHA: sha("base"), HeadSHA: sha("fork")})
	sendGitLab(t, svc, gitlabtest.EventMergeRequest, g.MergeRequestHook(glProject, 2, "open", "", "vendor"))
	waitFor(t, "the fork's review", func() bool {
		return len(reviewNotes(g, 2)) == 1 && len(g.Statuses(glProject, sha("fork"))) == 1
	})
	if n := reviewNotes(g, 2)[0]; !strings.Contains(n.Body, "assistant-prompt-injection") {
		t.Errorf("fork note:\n%s", n.Body)
	}
	if st := g.Statuses(glProject, sha("fork"))[0]; st.Status != "failed" || st.Ref != "refs/merge-requests/2/head" {
		t.Errorf("fork status: %+v", st)
	}
	for _, r := range g.Requests() {
		if strings.Contains(r.Path, "/projects/"+fmt.Sprint(g.ProjectID(glFork))) || strings.Contains(r.Path, "vendor%2Fpay") {
			t.Errorf("the fork itself was called: %+v", r)
		}
	}

	// No secret reaches the log.
	svc.stop(t)
	logs := svc.logs.String()
	for _, secret := range append(g.Secrets(), glSecret) {
		if secret != "" && strings.Contains(logs, secret) {
			t.Errorf("a secret is in the log")
		}
	}
	if !strings.Contains(logs, `"msg":"reviewed"`) {
		t.Errorf("no review in the log:\n%s", logs)
	}
}

// glMitigationIssues are the fake's issues by tracking key, and the
// summaries.
func glMitigationIssues(g *gitlabtest.Server) (map[string]gitlabtest.Issue, []gitlabtest.Issue) {
	byKey := map[string]gitlabtest.Issue{}
	var summaries []gitlabtest.Issue
	for _, is := range g.Issues(glProject) {
		if k, ok := track.KeyOf(is.Description); ok {
			if _, dup := byKey[k]; dup {
				byKey[k+"#dup"] = is
			}
			byKey[k] = is
		} else if strings.HasPrefix(is.Description, track.SummaryMarker) {
			summaries = append(summaries, is)
		}
	}
	return byKey, summaries
}

// TestGitLabTrackingEndToEnd: a push to the default branch opens one issue
// per planned mitigation (labels threat-model and risk:…, due dates) and a
// summary; a repeated push writes nothing; marking a mitigation implemented
// closes its issue with a comment that says why; a person closing an issue
// the model still plans gets one comment and no reopen; the bot's own issue
// events are ignored; a merged request's event alone opens the issues of the
// mitigations it adds, and never a second one.
func TestGitLabTrackingEndToEnd(t *testing.T) {
	g, tok := fakeGitLab(t)
	svc := startGitLabService(t, g, tok)
	want := wanted(t, "../../examples/alpinepay/alpinepay.threatmodel.yaml")
	if len(want) < 3 {
		t.Fatalf("the example plans only %d tracked mitigations", len(want))
	}

	sendGitLab(t, svc, gitlabtest.EventPush, g.PushHook(glProject, "main", strings.Repeat("0", 40), sha("base"), "alice"))
	waitFor(t, "the tracking issues", func() bool {
		byKey, sums := glMitigationIssues(g)
		return len(byKey) == len(want) && len(sums) == 1
	})
	waitIdle(t, svc.url)
	byKey, _ := glMitigationIssues(g)
	for k, w := range want {
		is, ok := byKey[k]
		if !ok || is.State != "opened" || is.Title != track.Title(w.Title) || !containsLabel(is.Labels, "threat-model") ||
			!containsLabel(is.Labels, "risk:"+string(w.Risk)) || is.Author != glBot {
			t.Errorf("issue of %s: %+v", k, is)
		}
		if w.Due != "" && is.DueDate != w.Due {
			t.Errorf("issue of %s: due %q, want %q", k, is.DueDate, w.Due)
		}
		if !strings.Contains(is.Description, w.ID) || !strings.Contains(is.Description, modelPath) {
			t.Errorf("issue of %s does not name the mitigation and file:\n%s", k, is.Description)
		}
	}

	// The same push again, and a push to another branch: nothing written.
	writes := g.Writes()
	sendGitLab(t, svc, gitlabtest.EventPush, g.PushHook(glProject, "main", strings.Repeat("0", 40), sha("base"), "alice"))
	sendGitLab(t, svc, gitlabtest.EventPush, g.PushHook(glProject, "feature", strings.Repeat("0", 40), sha("head"), "alice"))
	waitIdle(t, svc.url)
	if got := g.Writes(); got != writes {
		t.Errorf("a repeated push wrote %d times", got-writes)
	}

	// admin-mfa implemented → its issue closes, with a comment saying why.
	base, _ := os.ReadFile("../../examples/alpinepay/alpinepay.threatmodel.yaml")
	implemented := implementMFA(string(base))
	mfaKey := "alpinepay/admin-mfa"
	if implemented == string(base) || want[mfaKey].ID == "" {
		t.Fatalf("cannot find admin-mfa planned in the example")
	}
	g.PutFile(glProject, sha("c2"), modelPath, []byte(implemented))
	g.SetBranch(glProject, "main", sha("c2"))
	sendGitLab(t, svc, gitlabtest.EventPush, g.PushHook(glProject, "main", sha("base"), sha("c2"), "alice"))
	mfaIID := int64(byKey[mfaKey].IID)
	waitFor(t, "admin-mfa's issue to close", func() bool {
		is, ok := g.Issue(glProject, mfaIID)
		return ok && is.State == "closed"
	})
	mfa, _ := g.Issue(glProject, mfaIID)
	if mfa.ClosedBy != glBot || len(mfa.Notes) != 1 || !strings.Contains(mfa.Notes[0].Body, "implemented") ||
		!strings.Contains(mfa.Notes[0].Body, "completed") {
		t.Errorf("admin-mfa: %s by %s, notes %+v", mfa.State, mfa.ClosedBy, mfa.Notes)
	}
	// GitLab tells the service the bot closed it: ignored (no job).
	waitIdle(t, svc.url)
	jobs := completedJobs(t, svc.url)
	sendGitLab(t, svc, gitlabtest.EventIssue, g.IssueHook(glProject, mfaIID, "close", glBot))
	waitIdle(t, svc.url)
	if got := completedJobs(t, svc.url); got != jobs {
		t.Errorf("the bot's own close queued %d jobs", got-jobs)
	}

	// A person closes another issue while the model still plans it: one
	// comment, no reopen, and nothing more on a redelivery or a push.
	var other gitlabtest.Issue
	for k, is := range byKey {
		if k != mfaKey {
			other = is
			break
		}
	}
	g.CloseIssueAs(glProject, other.IID, "alice")
	closed := g.IssueHook(glProject, other.IID, "close", "alice")
	if code := deliverGitLab(t, svc.url, gitlabtest.EventIssue, "k-close", glSecret, closed); code != http.StatusAccepted {
		t.Fatalf("issue hook: %d", code)
	}
	waitFor(t, "the note on the closed issue", func() bool {
		is, _ := g.Issue(glProject, other.IID)
		return len(is.Notes) == 1
	})
	deliverGitLab(t, svc.url, gitlabtest.EventIssue, "k-close", glSecret, closed)
	sendGitLab(t, svc, gitlabtest.EventIssue, closed)
	sendGitLab(t, svc, gitlabtest.EventPush, g.PushHook(glProject, "main", sha("base"), sha("c2"), "alice"))
	waitIdle(t, svc.url)
	if is, _ := g.Issue(glProject, other.IID); is.State != "closed" || len(is.Notes) != 1 {
		t.Errorf("closed by a person: %s with %d notes", is.State, len(is.Notes))
	}

	// A merge request that adds a planned mitigation is merged: the merge
	// event alone reconciles the tracking, and the mitigation's issue opens.
	plannedRaw, _ := os.ReadFile("../../examples/demo/planned/alpinepay.threatmodel.yaml")
	planned := []byte(implementMFA(string(plannedRaw)))
	g.PutFile(glProject, sha("pr3"), modelPath, planned)
	g.AddMergeRequest(glProject, gitlabtest.MergeRequest{IID: 3, Title: "Support assistant", Author: "alice",
		SourceBranch: "assistant", BaseSHA: sha("c2"), HeadSHA: sha("pr3")})
	sendGitLab(t, svc, gitlabtest.EventMergeRequest, g.MergeRequestHook(glProject, 3, "open", "", "alice"))
	waitIdle(t, svc.url)
	g.PutFile(glProject, sha("merged"), modelPath, planned)
	g.SetBranch(glProject, "main", sha("merged"))
	g.SetMergeRequestState(glProject, 3, "merged")
	sendGitLab(t, svc, gitlabtest.EventMergeRequest, g.MergeRequestHook(glProject, 3, "merge", "", "alice"))
	waitFor(t, "the merged mitigation's issue", func() bool {
		byKey, _ := glMitigationIssues(g)
		is, ok := byKey["alpinepay/assistant-guardrail"]
		return ok && is.State == "opened"
	})
	// The push of the merge comes too: it opens nothing more.
	sendGitLab(t, svc, gitlabtest.EventPush, g.PushHook(glProject, "main", sha("c2"), sha("merged"), "alice"))
	waitIdle(t, svc.url)
	// The merged request's note now links the issue that opened.
	if notes := g.Notes(glProject, 3); len(notes) != 1 || !strings.Contains(notes[0].Body, "tmbot opened") {
		t.Errorf("the merged request's notes: %+v", notes)
	}

	// No duplicate issue, ever.
	byKey, sums := glMitigationIssues(g)
	for k := range byKey {
		if strings.HasSuffix(k, "#dup") {
			t.Errorf("duplicate issue for %s", strings.TrimSuffix(k, "#dup"))
		}
	}
	if len(sums) != 1 {
		t.Errorf("%d summary issues", len(sums))
	}
}

// TestGitLabWebhookRefusals: a signed delivery (Standard Webhooks) is
// checked; bodies over the limit get 413; unknown events are accepted and
// do nothing.
func TestGitLabWebhookRefusals(t *testing.T) {
	g, tok := fakeGitLab(t)
	svc := startGitLabService(t, g, tok)
	body := g.MergeRequestHook(glProject, 1, "open", "", "alice")
	signingToken := glforge.ProjectSigningToken(glSecret, glProjectID(body)) // the project's, as tmbot gitlab-secret prints it
	post := func(headers map[string]string, body []byte) int {
		req, _ := http.NewRequest(http.MethodPost, svc.url+"/webhooks/gitlab", bytes.NewReader(body))
		req.Header.Set("X-Gitlab-Event", gitlabtest.EventMergeRequest)
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	now := time.Now().Unix()
	good := gitlabtest.SignStandard(signingToken, "msg_1", now, body)
	sig := map[string]string{"webhook-id": "msg_1", "webhook-timestamp": fmt.Sprint(now), "webhook-signature": good}
	bad := map[string]string{"webhook-id": "msg_1", "webhook-timestamp": fmt.Sprint(now), "webhook-signature": "v1,AAAA"}
	if code := post(bad, body); code != http.StatusUnauthorized {
		t.Errorf("bad signature: %d", code)
	}
	bad["X-Gitlab-Token"] = glProjectToken(body) // a right token does not save a wrong signature
	if code := post(bad, body); code != http.StatusUnauthorized {
		t.Errorf("bad signature, right token: %d", code)
	}
	if code := post(sig, body); code != http.StatusAccepted {
		t.Errorf("signed: %d", code)
	}
	if code := post(sig, body); code != http.StatusOK {
		t.Errorf("signed again (the same webhook-id): %d", code)
	}
	big := bytes.Repeat([]byte("x"), server.MaxWebhookBody+1)
	if code := deliverGitLab(t, svc.url, gitlabtest.EventPush, "", glSecret, big); code != http.StatusRequestEntityTooLarge {
		t.Errorf("too large: %d", code)
	}
	if code := deliverGitLab(t, svc.url, "Pipeline Hook", "", glSecret, []byte(`{"object_kind":"pipeline","project":{"id":`+
		fmt.Sprint(glProjectID(body))+`}}`)); code != http.StatusAccepted {
		t.Errorf("an event the bot does not handle: %d", code)
	}
	// A broken payload names no project, so no project's secret
	// authenticates it.
	if code := deliverGitLab(t, svc.url, gitlabtest.EventMergeRequest, "", glSecret, []byte(`{"object_attributes": [`)); code != http.StatusUnauthorized {
		t.Errorf("a broken payload: %d", code)
	}
	waitFor(t, "the signed delivery's review", func() bool { return len(reviewNotes(g, 1)) == 1 })
}
