package gitlabtest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// TestNotesAreEditedOnlyByTheirAuthor: GET /user names the token's user
// (id and username), a note records who wrote it, and an edit of another
// user's note answers 403, as GitLab does.
func TestNotesAreEditedOnlyByTheirAuthor(t *testing.T) {
	s := New(t)
	botID := s.AddUser("project_1_bot", true)
	tok := s.AddToken("project_1_bot")
	s.AddProject("g/p", "main")
	s.AddMember("g/p", "project_1_bot", Developer)
	s.PutFile("g/p", "aaa", "a.yaml", []byte("a\n"))
	s.PutFile("g/p", "bbb", "a.yaml", []byte("b\n"))
	s.AddMergeRequest("g/p", MergeRequest{IID: 1, Title: "x", BaseSHA: "aaa", HeadSHA: "bbb"})
	theirs := s.AddNote("g/p", 1, "mallory", "<!-- tmbot:review -->\nLooks fine.")
	notes := "/api/v4/projects/" + url.PathEscape("g/p") + "/merge_requests/1/notes"

	code, _, body := call(t, s, "GET", "/api/v4/user", tok, "")
	var me struct {
		ID       int64  `json:"id"`
		Username string `json:"username"`
		Bot      bool   `json:"bot"`
	}
	if err := json.Unmarshal([]byte(body), &me); err != nil || code != 200 || me.ID != botID || me.Username != "project_1_bot" || !me.Bot {
		t.Errorf("GET /user: %d %s", code, body)
	}
	code, _, body = call(t, s, "POST", notes, tok, `{"body":"mine"}`)
	var n struct {
		ID     int64 `json:"id"`
		Author struct {
			ID       int64  `json:"id"`
			Username string `json:"username"`
		} `json:"author"`
	}
	if err := json.Unmarshal([]byte(body), &n); err != nil || code != 201 || n.Author.ID != botID || n.Author.Username != "project_1_bot" {
		t.Fatalf("create a note: %d %s", code, body)
	}
	if code, _, body := call(t, s, "PUT", fmt.Sprintf("%s/%d", notes, n.ID), tok, `{"body":"mine, edited"}`); code != 200 {
		t.Errorf("edit the token's own note: %d %s", code, body)
	}
	if code, _, body := call(t, s, "PUT", fmt.Sprintf("%s/%d", notes, theirs), tok, `{"body":"overwritten"}`); code != 403 || !strings.Contains(body, "403") {
		t.Errorf("edit another user's note: %d %s", code, body)
	}
	if got := s.Notes("g/p", 1); got[0].Body != "<!-- tmbot:review -->\nLooks fine." || got[0].Author != "mallory" {
		t.Errorf("another user's note: %+v", got[0])
	}
}
