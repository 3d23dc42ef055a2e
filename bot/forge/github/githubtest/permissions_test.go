package githubtest

import (
	"strconv"
	"strings"
	"testing"
)

// TestAppEditsOnlyItsOwnWriting: the App's token may edit the comments and
// issues its bot user wrote, not a person's (403, as GitHub answers a call
// it has no right to); comments and issues the App writes carry its bot
// user; an installation without issues write may not comment at all.
func TestAppEditsOnlyItsOwnWriting(t *testing.T) {
	s := New(t, testApp)
	s.AddInstallation(1, "acme")
	s.AddRepo(1, "acme/app", "main")
	s.AddPull("acme/app", Pull{Number: 1, BaseSHA: commit("b"), HeadSHA: commit("h")})
	theirs := s.AddComment("acme/app", 1, "mallory", "<!-- tmbot:review -->\nLooks fine.")
	theirIssue := s.AddIssue("acme/app", Issue{Title: "Mitigate", Body: "<!-- tmbot:summary -->", User: "mallory", Labels: []string{"threat-model"}})
	auth := "token " + tokenFor(t, s, 1)
	base := s.URL() + "repos/acme/app/"

	resp, data := do(t, "POST", base+"issues/1/comments", auth, map[string]any{"body": "mine"})
	if resp.StatusCode != 201 || !strings.Contains(string(data), `"login":"`+s.BotLogin()+`"`) {
		t.Fatalf("create a comment: %d %s", resp.StatusCode, data)
	}
	cs := s.Comments("acme/app", 1)
	mine := cs[len(cs)-1]
	if mine.User != s.BotLogin() {
		t.Errorf("the App's comment is by %q", mine.User)
	}
	if resp, data := do(t, "PATCH", base+"issues/comments/"+strconv.FormatInt(mine.ID, 10), auth, map[string]any{"body": "mine, edited"}); resp.StatusCode != 200 {
		t.Errorf("edit the App's comment: %d %s", resp.StatusCode, data)
	}
	resp, data = do(t, "PATCH", base+"issues/comments/"+strconv.FormatInt(theirs, 10), auth, map[string]any{"body": "overwritten"})
	if resp.StatusCode != 403 || !strings.Contains(string(data), "Resource not accessible by integration") {
		t.Errorf("edit another user's comment: %d %s", resp.StatusCode, data)
	}
	if c := s.Comments("acme/app", 1)[0]; c.Body != "<!-- tmbot:review -->\nLooks fine." {
		t.Errorf("another user's comment changed: %q", c.Body)
	}

	resp, data = do(t, "PATCH", base+"issues/"+strconv.Itoa(theirIssue), auth, map[string]any{"title": "Overwritten"})
	if resp.StatusCode != 403 {
		t.Errorf("edit another user's issue: %d %s", resp.StatusCode, data)
	}
	resp, data = do(t, "PATCH", base+"issues/"+strconv.Itoa(theirIssue), auth, map[string]any{"state": "closed"})
	if resp.StatusCode != 403 {
		t.Errorf("close another user's issue: %d %s", resp.StatusCode, data)
	}
	if is, _ := s.Issue("acme/app", theirIssue); is.Title != "Mitigate" || is.State != "open" {
		t.Errorf("another user's issue changed: %+v", is)
	}
	resp, data = do(t, "POST", base+"issues", auth, map[string]any{"title": "Ours"})
	if resp.StatusCode != 201 || !strings.Contains(string(data), `"login":"`+s.BotLogin()+`"`) {
		t.Fatalf("create an issue: %d %s", resp.StatusCode, data)
	}
	ours := s.Issues("acme/app")[1]
	if resp, data := do(t, "PATCH", base+"issues/"+strconv.Itoa(ours.Number), auth, map[string]any{"title": "Ours, edited"}); resp.StatusCode != 200 {
		t.Errorf("edit the App's issue: %d %s", resp.StatusCode, data)
	}

	// The owner granted issues read only: no comment, no issue; checks
	// still.
	s.SetInstallationPermissions(1, map[string]string{"issues": "read", "pull_requests": "read", "checks": "write"})
	for _, c := range []struct{ method, path string }{
		{"POST", "issues/1/comments"}, {"PATCH", "issues/comments/" + strconv.FormatInt(mine.ID, 10)}, {"POST", "issues"},
	} {
		resp, data := do(t, c.method, base+c.path, auth, map[string]any{"body": "x", "title": "x"})
		if resp.StatusCode != 403 || !strings.Contains(string(data), "Resource not accessible by integration") {
			t.Errorf("%s %s without issues write: %d %s", c.method, c.path, resp.StatusCode, data)
		}
	}
	resp, data = do(t, "POST", base+"check-runs", auth, map[string]any{"name": "Threat model", "head_sha": commit("h")})
	if resp.StatusCode != 201 {
		t.Errorf("a check run with checks write: %d %s", resp.StatusCode, data)
	}
}
