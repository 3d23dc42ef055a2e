package gitlabtest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func call(t *testing.T, s *Server, method, path, token, body string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(method, s.URL()+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("PRIVATE-TOKEN", token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestFakeIsStrict(t *testing.T) {
	s := New(t)
	tok := s.AddToken("bot")
	s.AddProject("g/sub/p", "main")
	s.AddMember("g/sub/p", "bot", Developer)
	s.PutFile("g/sub/p", "aaa", "dir/a.yaml", []byte("one\ntwo\nthree\n"))
	s.SetBranch("g/sub/p", "main", "aaa")
	s.PutFile("g/sub/p", "bbb", "dir/a.yaml", []byte("one\nTWO\nthree\nfour\n"))
	s.AddMergeRequest("g/sub/p", MergeRequest{Title: "x", BaseSHA: "aaa", HeadSHA: "bbb"})
	enc := url.PathEscape("g/sub/p")

	if code, _, _ := call(t, s, "GET", "/api/v4/projects/"+enc, "", ""); code != 401 {
		t.Errorf("no token: %d", code)
	}
	if code, _, _ := call(t, s, "GET", "/api/v4/projects/"+enc, "wrong", ""); code != 401 {
		t.Errorf("bad token: %d", code)
	}
	req, _ := http.NewRequest("GET", s.URL()+"/api/v4/user", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Errorf("bearer: %v %v", err, resp)
	}
	if code, _, body := call(t, s, "GET", "/api/v4/projects/g%2Fother", tok, ""); code != 404 || !strings.Contains(body, "Project Not Found") {
		t.Errorf("unknown project: %d %s", code, body)
	}
	// A file path is one escaped segment.
	if code, _, body := call(t, s, "GET", "/api/v4/projects/"+enc+"/repository/files/dir%2Fa.yaml/raw?ref=aaa", tok, ""); code != 200 || body != "one\ntwo\nthree\n" {
		t.Errorf("raw: %d %q", code, body)
	}
	if code, _, _ := call(t, s, "GET", "/api/v4/projects/"+enc+"/repository/files/dir/a.yaml/raw?ref=aaa", tok, ""); code != 404 {
		t.Errorf("unescaped file path: %d", code)
	}
	if code, _, body := call(t, s, "GET", "/api/v4/projects/"+enc+"/repository/files/nope/raw?ref=aaa", tok, ""); code != 404 || !strings.Contains(body, "File Not Found") {
		t.Errorf("missing file: %d %s", code, body)
	}
	if code, _, body := call(t, s, "GET", "/api/v4/projects/"+enc+"/repository/files/nope/raw?ref=ccc", tok, ""); code != 404 || !strings.Contains(body, "Commit Not Found") {
		t.Errorf("missing commit: %d %s", code, body)
	}

	// The diff.
	d := s.Diff("g/sub/p", 1)
	if len(d) != 1 || d[0].Diff != "@@ -1,3 +1,4 @@\n one\n-two\n+TWO\n three\n+four\n" {
		t.Errorf("diff: %+v", d)
	}

	// Statuses: the state machine, lengths.
	post := func(body string) (int, string) {
		code, _, b := call(t, s, "POST", "/api/v4/projects/"+enc+"/statuses/bbb", tok, body)
		return code, b
	}
	if code, b := post(`{"state":"running","name":"n","ref":"feature-1"}`); code != 201 {
		t.Fatalf("running: %d %s", code, b)
	}
	if code, b := post(`{"state":"running","name":"n","ref":"feature-1"}`); code != 400 || !strings.Contains(b, "Cannot transition") {
		t.Errorf("running twice: %d %s", code, b)
	}
	if code, _ := post(`{"state":"success","name":"n","ref":"feature-1"}`); code != 201 {
		t.Errorf("success: %d", code)
	}
	if code, _ := post(`{"state":"failed","name":"n","ref":"feature-1"}`); code != 201 {
		t.Errorf("failed after success (a new status): %d", code)
	}
	if st := s.Statuses("g/sub/p", "bbb"); len(st) != 2 || st[0].Status != "success" || st[1].Status != "failed" {
		t.Errorf("statuses: %+v", st)
	}
	if code, _ := post(`{"state":"success","description":"` + strings.Repeat("x", 256) + `"}`); code != 400 {
		t.Errorf("long description: %d", code)
	}
	if code, _ := post(`{"state":"bogus"}`); code != 400 {
		t.Errorf("bogus state: %d", code)
	}
	if code, _ := post(`{"name":"x"}`); code != 400 {
		t.Errorf("no state: %d", code)
	}
	code, _, body := call(t, s, "GET", "/api/v4/projects/"+enc+"/repository/commits/bbb/statuses?name=n", tok, "")
	var list []map[string]any
	_ = json.Unmarshal([]byte(body), &list)
	if code != 200 || len(list) != 1 || list[0]["status"] != "failed" {
		t.Errorf("latest statuses: %d %s", code, body)
	}

	// Pagination headers.
	for range 45 {
		s.AddIssue("g/sub/p", "alice", "t", "")
	}
	code, h, _ := call(t, s, "GET", "/api/v4/projects/"+enc+"/issues?page=2", tok, "")
	if code != 200 || h.Get("X-Page") != "2" || h.Get("X-Next-Page") != "3" || h.Get("X-Prev-Page") != "1" ||
		h.Get("X-Total") != "45" || h.Get("X-Total-Pages") != "3" || h.Get("X-Per-Page") != "20" || !strings.Contains(h.Get("Link"), `rel="next"`) {
		t.Errorf("pagination: %d %v", code, h)
	}
	if s.APICalls() == 0 || s.Writes() == 0 {
		t.Error("no counts")
	}
	s.FailNext(1, 503, nil)
	if code, _, _ := call(t, s, "GET", "/api/v4/user", tok, ""); code != 503 {
		t.Errorf("fault: %d", code)
	}
}

func TestSignStandardVector(t *testing.T) {
	got := SignStandard("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, []byte(`{"test": 2432232314}`))
	if got != "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" {
		t.Errorf("got %s", got)
	}
}
