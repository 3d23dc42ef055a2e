package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tmbot/tmbot/bot/forge/github/githubtest"
	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/track"
)

var deliveryN atomic.Int64

func nextDelivery() string { return fmt.Sprintf("d-%d", deliveryN.Add(1)) }

func repoJSON() map[string]any {
	owner, name, _ := strings.Cut(testRepo, "/")
	return map[string]any{"id": 1, "name": name, "full_name": testRepo, "default_branch": "main",
		"owner": map[string]any{"login": owner, "name": owner}}
}

func pushPayload(after string) []byte {
	b, _ := json.Marshal(map[string]any{"ref": "refs/heads/main", "after": after, "repository": repoJSON(),
		"installation": map[string]any{"id": testInst}, "sender": map[string]any{"login": "octocat", "type": "User"}})
	return b
}

func issuesPayload(action string, number int, body, user string) []byte {
	b, _ := json.Marshal(map[string]any{"action": action,
		"issue":      map[string]any{"number": number, "body": body, "labels": []any{map[string]any{"name": "threat-model"}}},
		"repository": repoJSON(), "installation": map[string]any{"id": testInst},
		"sender": map[string]any{"login": user, "type": "User"}})
	return b
}

func sendEvent(t *testing.T, svc *service, event string, body []byte) {
	t.Helper()
	if code, _ := deliver(t, svc.url, event, nextDelivery(), body, githubtest.Sign([]byte(testSecret), body)); code != 202 && code != 200 {
		t.Fatalf("%s delivery: %d", event, code)
	}
}

// wanted lists the mitigations a model file needs issues for.
func wanted(t *testing.T, path string) map[string]track.Mitigation {
	t.Helper()
	l, err := model.NewLoader(model.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	res := l.Load(context.Background(), modelPath, data)
	return track.Wanted([]track.Model{{Path: modelPath, Model: res.Model}})
}

// mitigationIssues are the fake's issues by tracking key, and the summary.
func mitigationIssues(gh *githubtest.Server) (map[string]githubtest.Issue, []githubtest.Issue) {
	byKey := map[string]githubtest.Issue{}
	var summaries []githubtest.Issue
	for _, is := range gh.Issues(testRepo) {
		if k, ok := track.KeyOf(is.Body); ok {
			if _, dup := byKey[k]; dup {
				byKey[k+"#dup"] = is
			}
			byKey[k] = is
		} else if strings.HasPrefix(is.Body, track.SummaryMarker) {
			summaries = append(summaries, is)
		}
	}
	return byKey, summaries
}

// TestTrackingEndToEnd follows the tracking issue's transitions through the
// service and the fake GitHub: a push opens one issue per planned
// mitigation and one summary; a repeated push writes nothing; marking a
// mitigation implemented closes its issue as completed with a comment; a
// person closing an issue the model still plans gets one comment, never a
// reopen; a merged pull request opens the issues of its new mitigations and
// its comment links them.
func TestTrackingEndToEnd(t *testing.T) {
	gh := fakeGitHub(t)
	gh.SetBranch(testRepo, "main", sha("base"))
	svc := startService(t, gh, "sqlite:"+filepath.Join(t.TempDir(), "tmbot.db"))
	want := wanted(t, "../../examples/alpinepay/alpinepay.threatmodel.yaml")
	if len(want) < 3 {
		t.Fatalf("the example plans only %d tracked mitigations", len(want))
	}

	sendEvent(t, svc, "push", pushPayload(sha("base")))
	waitFor(t, "the tracking issues", func() bool {
		byKey, sums := mitigationIssues(gh)
		return len(byKey) == len(want) && len(sums) == 1
	})
	byKey, _ := mitigationIssues(gh)
	for k, w := range want {
		is, ok := byKey[k]
		if !ok || is.State != "open" || is.Title != track.Title(w.Title) || !containsLabel(is.Labels, "threat-model") ||
			!containsLabel(is.Labels, "risk:"+string(w.Risk)) {
			t.Errorf("issue of %s: %+v", k, is)
		}
		if !strings.Contains(is.Body, w.ID) || !strings.Contains(is.Body, modelPath) {
			t.Errorf("issue of %s does not name the mitigation and file:\n%s", k, is.Body)
		}
	}

	// A second push of the same commit changes nothing.
	writes := gh.Writes()
	sendEvent(t, svc, "push", pushPayload(sha("base")))
	waitIdle(t, svc.url)
	if got := gh.Writes(); got != writes {
		t.Errorf("a repeated push wrote %d times", got-writes)
	}

	// admin-mfa implemented → its issue closes as completed, with a comment.
	base, _ := os.ReadFile("../../examples/alpinepay/alpinepay.threatmodel.yaml")
	implemented := implementMFA(string(base))
	mfaKey := "alpinepay/admin-mfa"
	if implemented == string(base) || want[mfaKey].ID == "" {
		t.Fatalf("cannot find admin-mfa planned in the example (keys %v)", keysOf(want))
	}
	gh.PutFile(testRepo, sha("c2"), modelPath, []byte(implemented))
	gh.SetBranch(testRepo, "main", sha("c2"))
	sendEvent(t, svc, "push", pushPayload(sha("c2")))
	waitFor(t, "admin-mfa's issue to close", func() bool {
		is, ok := gh.Issue(testRepo, byKey[mfaKey].Number)
		return ok && is.State == "closed"
	})
	mfa, _ := gh.Issue(testRepo, byKey[mfaKey].Number)
	if mfa.StateReason != "completed" || mfa.Comments != 1 {
		t.Errorf("admin-mfa: %s %s, %d comments", mfa.State, mfa.StateReason, mfa.Comments)
	}

	// A person closes another issue while the model still plans it: one
	// comment, no reopen, and nothing more on a redelivery.
	var other githubtest.Issue
	for k, is := range byKey {
		if k != mfaKey {
			other = is
			break
		}
	}
	gh.CloseIssueAs(testRepo, other.Number, "alice", "completed")
	body := issuesPayload("closed", other.Number, other.Body, "alice")
	sendEvent(t, svc, "issues", body)
	waitFor(t, "the note on the closed issue", func() bool {
		is, _ := gh.Issue(testRepo, other.Number)
		return is.Comments == 1
	})
	sendEvent(t, svc, "issues", body)
	sendEvent(t, svc, "push", pushPayload(sha("c2")))
	waitIdle(t, svc.url)
	if is, _ := gh.Issue(testRepo, other.Number); is.State != "closed" || is.Comments != 1 {
		t.Errorf("closed by a person: %s with %d comments", is.State, is.Comments)
	}

	// A pull request that adds a planned mitigation: its comment says the
	// issue will open on merge; after the merge the issue opens and the
	// comment links it.
	plannedRaw, _ := os.ReadFile("../../examples/demo/planned/alpinepay.threatmodel.yaml")
	planned := []byte(implementMFA(string(plannedRaw)))
	gh.PutFile(testRepo, sha("c2"), modelPath, []byte(implemented))
	gh.PutFile(testRepo, sha("pr2"), modelPath, planned)
	gh.AddPull(testRepo, githubtest.Pull{Number: 100, Title: "Support assistant", BaseRef: "main", BaseSHA: sha("c2"), HeadSHA: sha("pr2")})
	gh.SetPullFiles(testRepo, 100, []githubtest.PullFile{{Path: modelPath}})
	opened := bytes.Replace(pullRequestPayload("opened", 100, sha("pr2"), time.Now()), []byte(sha("base")), []byte(sha("c2")), -1)
	sendEvent(t, svc, "pull_request", opened)
	waitIdle(t, svc.url)
	if cs := gh.Comments(testRepo, 100); len(cs) != 1 || !strings.Contains(cs[0].Body, "When this merges, tmbot will open") ||
		!strings.Contains(cs[0].Body, "assistant-guardrail") {
		t.Fatalf("PR comment before the merge: %v", cs)
	}
	gh.PutFile(testRepo, sha("merged"), modelPath, planned)
	gh.SetBranch(testRepo, "main", sha("merged"))
	merged := bytes.Replace(opened, []byte(`"action":"opened"`), []byte(`"action":"closed"`), 1)
	merged = bytes.Replace(merged, []byte(`"state":"open"`), []byte(`"state":"closed","merged":true,"merged_at":"2026-11-22T12:00:00Z"`), 1)
	sendEvent(t, svc, "pull_request", merged)
	sendEvent(t, svc, "push", pushPayload(sha("merged")))
	waitIdle(t, svc.url)
	byKey, _ = mitigationIssues(gh)
	guard, ok := byKey["alpinepay/assistant-guardrail"]
	if !ok || guard.State != "open" {
		t.Fatalf("no open issue for assistant-guardrail: %v", byKey)
	}
	if cs := gh.Comments(testRepo, 100); len(cs) != 1 || !strings.Contains(cs[0].Body, "tmbot opened") ||
		!strings.Contains(cs[0].Body, fmt.Sprintf("/issues/%d", guard.Number)) {
		t.Errorf("PR comment after the merge:\n%v", cs)
	}

	// No duplicate issue, ever.
	byKey, sums := mitigationIssues(gh)
	for k := range byKey {
		if strings.HasSuffix(k, "#dup") {
			t.Errorf("duplicate issue for %s", strings.TrimSuffix(k, "#dup"))
		}
	}
	if len(sums) != 1 {
		t.Errorf("%d summary issues", len(sums))
	}
}

// waitIdle waits until no job is waiting or running, twice in a row.
func waitIdle(t *testing.T, url string) {
	t.Helper()
	busyRe := regexp.MustCompile(`(?m)^tmbot_jobs\{state="(available|running|retryable|scheduled|pending)"\} ([1-9]\d*)`)
	quiet := 0
	waitFor(t, "the jobs to finish", func() bool {
		resp, err := http.Get(url + "/metrics")
		if err != nil {
			return false
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if busyRe.Match(b) {
			quiet = 0
			return false
		}
		quiet++
		return quiet >= 3
	})
}

// implementMFA marks admin-mfa implemented in an AlpinePay model.
func implementMFA(src string) string {
	i := strings.Index(src, "  admin-mfa:\n")
	if i < 0 {
		return src
	}
	j := i + strings.Index(src[i:], "status: planned")
	return src[:j] + "status: implemented" + src[j+len("status: planned"):]
}

func containsLabel(labels []string, l string) bool {
	for _, x := range labels {
		if x == l {
			return true
		}
	}
	return false
}

func keysOf(m map[string]track.Mitigation) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
