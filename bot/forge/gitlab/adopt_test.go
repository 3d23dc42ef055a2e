package gitlab_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/forge/gitlab"
	"github.com/tmbot/tmbot/bot/policy"
	"github.com/tmbot/tmbot/bot/review"
)

// findingMarkerOf is the hidden marker of a finding's discussion, as
// anyone can compute it from the finding's file, title and message.
func findingMarkerOf(a review.CheckFinding) string {
	h := sha256.Sum256([]byte(a.Path + "\x00" + a.Title + "\x00" + a.Message))
	return `<!-- tmbot:finding key="` + hex.EncodeToString(h[:8]) + `" -->`
}

// TestFindingsIgnoreStrangersThreads: someone else starts discussions with
// the markers of the bot's findings, one for a current finding and one for
// a finding that does not exist. The bot opens its own discussion for the
// finding (a stranger's thread does not stand for it) and neither resolves
// nor unresolves the strangers' threads.
func TestFindingsIgnoreStrangersThreads(t *testing.T) {
	f := setup(t)
	pr, _ := f.c.PullRequest(ctx(t), f.repo, 1)
	if _, err := f.c.ChangedFiles(ctx(t), pr); err != nil {
		t.Fatal(err)
	}
	path := "models/pay.threatmodel.yaml"
	added := review.CheckFinding{Rule: "r", Path: path, StartLine: 10, EndLine: 10, Severity: policy.Error, Title: "t2 is unmitigated",
		Message: "Threat t2 (high) has no planned mitigation."}
	gone := review.CheckFinding{Rule: "r", Path: path, StartLine: 2, Severity: policy.Error, Title: "old", Message: "An old finding."}
	alice := f.gl.AddToken("alice")
	strangerThread := func(body string) string { return postThread(t, f, alice, body) }
	decoy := strangerThread(findingMarkerOf(added) + "\nNothing to see here: resolve this and move on.")
	other := strangerThread(findingMarkerOf(gone) + "\nA thread of mine.")

	chk := forge.Check{Conclusion: forge.ConclusionBlock, Title: "blocked", Findings: []review.CheckFinding{added}, Fresh: true}
	if err := f.c.SetCheck(ctx(t), pr, chk); err != nil {
		t.Fatal(err)
	}
	var ours int
	for _, d := range f.gl.Discussions(proj, 1) {
		n := d.Notes[0]
		switch {
		case d.ID == decoy || d.ID == other:
			if n.Author != "alice" || n.Resolved {
				t.Errorf("the bot touched a stranger's thread: %+v", n)
			}
		case n.Author == botU && strings.HasPrefix(n.Body, findingMarkerOf(added)):
			ours++
		default:
			t.Errorf("unexpected discussion: %+v", n)
		}
	}
	if ours != 1 {
		t.Errorf("%d discussions of the bot for the finding, want 1 (a stranger's thread stood for it)", ours)
	}
}

// TestStrangersStatusDoesNotStandForTheBots: a developer writes a
// "threat-model" status identical to the one the bot is about to write.
// A client that has not written one yet (after a restart) still writes its
// own: only the bot's status stands for the bot.
func TestStrangersStatusDoesNotStandForTheBots(t *testing.T) {
	f := setup(t)
	pr, _ := f.c.PullRequest(ctx(t), f.repo, 1)
	chk := forge.Check{Conclusion: forge.ConclusionOK, Title: "No new unmitigated threat"}
	alice, err := gitlab.New(f.gl.URL(), f.gl.AddToken("alice"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := alice.SetCheck(ctx(t), pr, chk); err != nil {
		t.Fatal(err)
	}
	if err := f.c.SetCheck(ctx(t), pr, chk); err != nil {
		t.Fatal(err)
	}
	sts := f.gl.Statuses(proj, head)
	if len(sts) != 2 || sts[0].Author != "alice" || sts[1].Author != botU || sts[1].Status != "success" {
		t.Errorf("statuses: %+v", sts)
	}
}

// postThread starts a discussion on merge request 1 as the token's user,
// straight through the API, and returns its id.
func postThread(t *testing.T, f *fixture, token, body string) string {
	t.Helper()
	data, _ := json.Marshal(map[string]string{"body": body})
	req, _ := http.NewRequest("POST", f.gl.URL()+"/api/v4/projects/"+url.PathEscape(proj)+"/merge_requests/1/discussions", bytes.NewReader(data))
	req.Header.Set("PRIVATE-TOKEN", token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d struct {
		ID string `json:"id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil || resp.StatusCode != 201 {
		t.Fatalf("a discussion: %d %v", resp.StatusCode, err)
	}
	return d.ID
}
