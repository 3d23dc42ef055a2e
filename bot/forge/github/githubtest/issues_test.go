package githubtest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestIssuesAPI(t *testing.T) {
	s := New(t, testApp)
	s.AddInstallation(1, "acme")
	r := s.AddRepo(1, "acme/app", "main")
	s.SetPermission("acme/app", "ada", "write")
	s.AddPull("acme/app", Pull{Number: 1, BaseSHA: commit("b"), HeadSHA: commit("h")})
	s.SetLabels("acme/app", 1, "tmbot")
	auth := "token " + tokenFor(t, s, 1)
	base := s.URL() + "repos/acme/app/"

	// Create: a title is needed, at most 256 characters.
	for body, want := range map[string]int{
		`{"body":"x"}`: 422,
		`{"title":""}`: 422,
		`{"title":"` + strings.Repeat("t", 257) + `"}`: 422,
		`{"title":"t","milestone":1}`:                  422, // not modelled: refused, not ignored
		`{"title":"t","assignees":["nobody"]}`:         422,
		`{"title":"` + strings.Repeat("t", 256) + `"}`: 201,
	} {
		resp, data := do(t, "POST", base+"issues", auth, json.RawMessage(body))
		if resp.StatusCode != want {
			t.Errorf("POST %.40s: %d %s, want %d", body, resp.StatusCode, data, want)
		}
	}
	resp, data := do(t, "POST", base+"issues", auth, map[string]any{"title": "Mitigate", "labels": []string{"TMBot", "tmbot", "new"},
		"assignees": []string{"ada"}})
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d %s", resp.StatusCode, data)
	}
	var is map[string]any
	_ = json.Unmarshal(data, &is)
	// The number follows the pull request's and the first issue's; "TMBot"
	// is the label "tmbot" the pull request already has.
	if is["number"] != 3.0 || is["state"] != "open" || is["user"].(map[string]any)["login"] != s.BotLogin() ||
		len(is["labels"].([]any)) != 2 || is["labels"].([]any)[0].(map[string]any)["name"] != "tmbot" {
		t.Errorf("created %s", data)
	}
	if _, ok := is["closed_by"]; !ok || is["closed_by"] != nil {
		t.Errorf("closed_by of one issue: %v", is["closed_by"])
	}

	// PATCH: strict, closes as the App, reopens.
	resp, _ = do(t, "PATCH", base+"issues/3", auth, map[string]any{"state": "closed", "state_reason": "reopened"})
	if resp.StatusCode != 422 {
		t.Errorf("closed as reopened: %d", resp.StatusCode)
	}
	resp, _ = do(t, "PATCH", base+"issues/3", auth, map[string]any{"colour": "red"})
	if resp.StatusCode != 422 {
		t.Errorf("unknown field: %d", resp.StatusCode)
	}
	resp, data = do(t, "PATCH", base+"issues/3", auth, map[string]any{"state": "closed", "state_reason": "not_planned"})
	_ = json.Unmarshal(data, &is)
	if resp.StatusCode != 200 || is["state_reason"] != "not_planned" || is["closed_by"].(map[string]any)["login"] != s.BotLogin() {
		t.Errorf("close: %d %s", resp.StatusCode, data)
	}

	// The list: pull requests too, no closed_by, labels ANDed.
	resp, data = do(t, "GET", base+"issues?state=all&labels=tmbot", auth, nil)
	var list []map[string]any
	_ = json.Unmarshal(data, &list)
	if resp.StatusCode != 200 || len(list) != 2 || list[0]["number"] != 3.0 || list[1]["number"] != 1.0 {
		t.Fatalf("list: %d %s", resp.StatusCode, data)
	}
	if _, ok := list[0]["closed_by"]; ok {
		t.Error("the list says closed_by")
	}
	if _, ok := list[0]["pull_request"]; ok {
		t.Error("an issue has pull_request")
	}
	if _, ok := list[1]["pull_request"]; !ok {
		t.Error("the pull request has no pull_request")
	}
	for q, want := range map[string]int{"labels=tmbot": 1, "state=closed&labels=tmbot": 1, "state=all&labels=tmbot,new": 1,
		"state=all&labels=tmbot,nope": 0, "state=all": 3, "state=all&direction=asc": 3} {
		_, data = do(t, "GET", base+"issues?"+q, auth, nil)
		if err := json.Unmarshal(data, &list); err != nil || len(list) != want {
			t.Errorf("?%s: %d, want %d", q, len(list), want)
		}
	}
	if resp, _ = do(t, "GET", base+"issues?state=bogus", auth, nil); resp.StatusCode != 422 {
		t.Errorf("state=bogus: %d", resp.StatusCode)
	}
	// Pages, linked by repository id.
	for i := range 120 {
		s.AddIssue("acme/app", Issue{Title: fmt.Sprint(i)})
	}
	resp, _ = do(t, "GET", base+"issues?per_page=100", auth, nil)
	want := fmt.Sprintf(`<%srepositories/%d/issues?page=2&per_page=100>; rel="next"`, s.URL(), r.ID)
	if !strings.HasPrefix(resp.Header.Get("Link"), want) {
		t.Errorf("Link %s", resp.Header.Get("Link"))
	}

	// Single GET: closed_by as set by a person.
	s.CloseIssueAs("acme/app", 2, "ada", "completed")
	_, data = do(t, "GET", base+"issues/2", auth, nil)
	_ = json.Unmarshal(data, &is)
	if is["closed_by"].(map[string]any)["login"] != "ada" || is["state_reason"] != "completed" {
		t.Errorf("issue 2: %s", data)
	}
	s.ReopenIssueAs("acme/app", 2, "ada")
	_, data = do(t, "GET", base+"issues/2", auth, nil)
	_ = json.Unmarshal(data, &is)
	if is["closed_by"] != nil || is["state_reason"] != "reopened" || is["state"] != "open" {
		t.Errorf("reopened issue 2: %s", data)
	}

	// Comments on issues.
	if resp, data = do(t, "POST", base+"issues/2/comments", auth, map[string]any{"body": "hi"}); resp.StatusCode != 201 {
		t.Errorf("comment: %d %s", resp.StatusCode, data)
	}
	if got := s.IssueComments("acme/app", 2); len(got) != 1 || got[0].User != s.BotLogin() {
		t.Errorf("comments %+v", got)
	}
	if iss, _ := s.Issue("acme/app", 2); iss.Comments != 1 {
		t.Errorf("comment count %d", iss.Comments)
	}
	if resp, _ = do(t, "POST", base+"issues/9999/comments", auth, map[string]any{"body": "hi"}); resp.StatusCode != 404 {
		t.Errorf("comment on nothing: %d", resp.StatusCode)
	}

	// Assignees.
	for user, want := range map[string]int{"ada": 204, "nobody": 404} {
		if resp, _ = do(t, "GET", base+"assignees/"+user, auth, nil); resp.StatusCode != want {
			t.Errorf("assignee %s: %d", user, resp.StatusCode)
		}
	}
}

func TestCreationLimit(t *testing.T) {
	s := New(t, testApp)
	s.AddInstallation(1, "acme")
	s.AddRepo(1, "acme/app", "main")
	auth := "token " + tokenFor(t, s, 1)
	base := s.URL() + "repos/acme/app/"
	s.SetCreationLimit(2)
	do(t, "POST", base+"issues", auth, map[string]any{"title": "a"})
	do(t, "POST", base+"issues/1/comments", auth, map[string]any{"body": "b"})
	if resp, _ := do(t, "PATCH", base+"issues/1", auth, map[string]any{"title": "edit"}); resp.StatusCode != 200 {
		t.Errorf("an edit is not content creation: %d", resp.StatusCode)
	}
	resp, data := do(t, "POST", base+"issues/1/comments", auth, map[string]any{"body": "c"})
	if resp.StatusCode != 403 || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(data), "secondary-rate-limits") {
		t.Errorf("third creation: %d Retry-After %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), data)
	}
	s.SetCreationLimit(0)
	if resp, _ = do(t, "POST", base+"issues/1/comments", auth, map[string]any{"body": "c"}); resp.StatusCode != 201 {
		t.Errorf("limit off: %d", resp.StatusCode)
	}
}

func TestTreesBranchesApp(t *testing.T) {
	s := New(t, testApp)
	s.AddInstallation(1, "acme")
	s.AddRepo(1, "acme/app", "main")
	tok := tokenFor(t, s, 1)
	auth := "token " + tok
	base := s.URL() + "repos/acme/app/"
	for _, p := range []string{"a.txt", "d/b.txt", "d/e/c.txt"} {
		s.PutFile("acme/app", commit("c1"), p, []byte(p))
	}
	s.SetBranch("acme/app", "feature/x", commit("c1"))

	type tree struct {
		SHA  string `json:"sha"`
		Tree []struct {
			Path, Type, SHA string
		} `json:"tree"`
		Truncated bool `json:"truncated"`
	}
	get := func(path string) (int, tree) {
		resp, data := do(t, "GET", base+path, auth, nil)
		var tr tree
		_ = json.Unmarshal(data, &tr)
		return resp.StatusCode, tr
	}
	st, tr := get("git/trees/" + commit("c1") + "?recursive=1")
	var paths []string
	for _, e := range tr.Tree {
		paths = append(paths, e.Type+":"+e.Path)
	}
	if st != 200 || tr.Truncated || strings.Join(paths, " ") != "blob:a.txt tree:d blob:d/b.txt tree:d/e blob:d/e/c.txt" {
		t.Errorf("recursive: %d %v", st, paths)
	}
	st, tr = get("git/trees/" + commit("c1"))
	if st != 200 || len(tr.Tree) != 2 || tr.Tree[1].Type != "tree" {
		t.Fatalf("top level: %d %+v", st, tr)
	}
	st, sub := get("git/trees/" + tr.Tree[1].SHA)
	if st != 200 || len(sub.Tree) != 2 || sub.Tree[0].Path != "b.txt" || sub.Tree[1].Path != "e" {
		t.Errorf("subtree d: %d %+v", st, sub)
	}
	s.SetTreeLimit(2)
	if _, tr = get("git/trees/" + commit("c1") + "?recursive=1"); !tr.Truncated || len(tr.Tree) != 2 {
		t.Errorf("limit 2: %+v", tr)
	}
	if st, _ = get("git/trees/" + commit("nope")); st != 404 {
		t.Errorf("unknown tree: %d", st)
	}

	resp, data := do(t, "GET", base+"branches/feature/x", auth, nil)
	var b struct {
		Name   string
		Commit struct{ SHA string }
	}
	_ = json.Unmarshal(data, &b)
	if resp.StatusCode != 200 || b.Name != "feature/x" || b.Commit.SHA != commit("c1") {
		t.Errorf("branch: %d %s", resp.StatusCode, data)
	}
	if resp, data = do(t, "GET", base+"branches/main", auth, nil); resp.StatusCode != 404 || !strings.Contains(string(data), "Branch not found") {
		t.Errorf("missing branch: %d %s", resp.StatusCode, data)
	}

	// GET /app wants the App's JWT, not a token.
	if resp, _ = do(t, "GET", s.URL()+"app", auth, nil); resp.StatusCode != 401 {
		t.Errorf("/app with a token: %d", resp.StatusCode)
	}
	resp, data = do(t, "GET", s.URL()+"app", "Bearer "+signJWT(t, serverKey(t, s), goodClaims()), nil)
	var app struct {
		ID   int64
		Slug string
	}
	_ = json.Unmarshal(data, &app)
	if resp.StatusCode != 200 || app.ID != testApp || app.Slug != s.AppSlug() {
		t.Errorf("/app: %d %s", resp.StatusCode, data)
	}
}
