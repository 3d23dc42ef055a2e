package githubtest

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

const testApp = 77

func commit(name string) string {
	s := sha1.Sum([]byte(name))
	return hex.EncodeToString(s[:])
}

func signJWT(t *testing.T, key *rsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	head := enc(map[string]string{"alg": "RS256", "typ": "JWT"}) + "." + enc(claims)
	sum := sha256.Sum256([]byte(head))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return head + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func serverKey(t *testing.T, s *Server) *rsa.PrivateKey {
	block, _ := pem.Decode(s.PrivateKeyPEM())
	k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func do(t *testing.T, method, url, auth string, body any, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, data
}

func goodClaims() map[string]any {
	now := time.Now().Unix()
	return map[string]any{"iss": fmt.Sprint(testApp), "iat": now - 30, "exp": now + 540}
}

func tokenFor(t *testing.T, s *Server, inst int64) string {
	t.Helper()
	resp, data := do(t, "POST", fmt.Sprintf("%sapp/installations/%d/access_tokens", s.URL(), inst),
		"Bearer "+signJWT(t, serverKey(t, s), goodClaims()), nil)
	if resp.StatusCode != 201 {
		t.Fatalf("token: %d %s", resp.StatusCode, data)
	}
	var out struct {
		Token     string    `json:"token"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.Token, "ghs_") || time.Until(out.ExpiresAt) < 59*time.Minute {
		t.Fatalf("token answer %s", data)
	}
	return out.Token
}

func TestJWTVerification(t *testing.T) {
	s := New(t, testApp)
	s.AddInstallation(1, "acme")
	key := serverKey(t, s)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Unix()
	cases := []struct {
		name   string
		jwt    string
		status int
	}{
		{"good, iss as a string", signJWT(t, key, goodClaims()), 201},
		{"good, iss as a number", signJWT(t, key, map[string]any{"iss": testApp, "iat": now, "exp": now + 600}), 201},
		{"another key", signJWT(t, other, goodClaims()), 401},
		{"another app", signJWT(t, key, map[string]any{"iss": "78", "iat": now, "exp": now + 60}), 401},
		{"iat in the future", signJWT(t, key, map[string]any{"iss": "77", "iat": now + 120, "exp": now + 300}), 401},
		{"expired", signJWT(t, key, map[string]any{"iss": "77", "iat": now - 700, "exp": now - 100}), 401},
		{"exp too far", signJWT(t, key, map[string]any{"iss": "77", "iat": now, "exp": now + 601}), 401},
		{"no exp", signJWT(t, key, map[string]any{"iss": "77", "iat": now}), 401},
		{"garbage", "abc.def.ghi", 401},
	}
	for _, c := range cases {
		resp, data := do(t, "POST", s.URL()+"app/installations/1/access_tokens", "Bearer "+c.jwt, nil)
		if resp.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d (%s)", c.name, resp.StatusCode, c.status, data)
			continue
		}
		if c.status == 401 {
			var m map[string]any
			_ = json.Unmarshal(data, &m)
			if m["message"] == "" || m["documentation_url"] == nil {
				t.Errorf("%s: error body %s", c.name, data)
			}
		}
	}
	resp, _ := do(t, "POST", s.URL()+"app/installations/2/access_tokens", "Bearer "+signJWT(t, key, goodClaims()), nil)
	if resp.StatusCode != 404 {
		t.Errorf("unknown installation: %d", resp.StatusCode)
	}
	s.SuspendInstallation(1, true)
	resp, _ = do(t, "POST", s.URL()+"app/installations/1/access_tokens", "Bearer "+signJWT(t, key, goodClaims()), nil)
	if resp.StatusCode != 403 {
		t.Errorf("suspended installation: %d", resp.StatusCode)
	}
}

func TestInstallationsAreIsolated(t *testing.T) {
	s := New(t, testApp)
	s.AddInstallation(1, "acme")
	s.AddInstallation(2, "globex")
	s.AddRepo(1, "acme/app", "main")
	s.AddRepo(2, "globex/app", "main")
	a := tokenFor(t, s, 1)
	if resp, _ := do(t, "GET", s.URL()+"repos/acme/app", "token "+a, nil); resp.StatusCode != 200 {
		t.Errorf("own repository: %d", resp.StatusCode)
	}
	if resp, _ := do(t, "GET", s.URL()+"repos/globex/app", "token "+a, nil); resp.StatusCode != 404 {
		t.Errorf("another installation's repository: %d, want 404", resp.StatusCode)
	}
	if resp, _ := do(t, "GET", s.URL()+"repos/acme/app", "", nil); resp.StatusCode != 401 {
		t.Errorf("no token: %d, want 401", resp.StatusCode)
	}
	if resp, _ := do(t, "GET", s.URL()+"repos/acme/app", "Bearer ghs_nope", nil); resp.StatusCode != 401 {
		t.Errorf("unknown token: %d, want 401", resp.StatusCode)
	}
	s.ExpireTokens()
	if resp, _ := do(t, "GET", s.URL()+"repos/acme/app", "token "+a, nil); resp.StatusCode != 401 {
		t.Errorf("expired token: %d, want 401", resp.StatusCode)
	}
}

func TestPaginationLinkHeader(t *testing.T) {
	s := New(t, testApp)
	s.AddInstallation(1, "acme")
	r := s.AddRepo(1, "acme/app", "main")
	var files []PullFile
	for i := range 250 {
		files = append(files, PullFile{Path: fmt.Sprintf("f%03d.yaml", i)})
	}
	s.AddPull("acme/app", Pull{Number: 7, BaseSHA: commit("b"), HeadSHA: commit("h"), Files: files})
	tok := tokenFor(t, s, 1)
	resp, data := do(t, "GET", s.URL()+"repos/acme/app/pulls/7/files?per_page=100", "token "+tok, nil)
	var got []map[string]any
	_ = json.Unmarshal(data, &got)
	if len(got) != 100 {
		t.Fatalf("page 1 has %d", len(got))
	}
	base := strings.TrimSuffix(s.URL(), "/")
	want := fmt.Sprintf(`<%s/repositories/%d/pulls/7/files?page=2&per_page=100>; rel="next", <%s/repositories/%d/pulls/7/files?page=3&per_page=100>; rel="last"`,
		base, r.ID, base, r.ID)
	if l := resp.Header.Get("Link"); l != want {
		t.Errorf("Link\n got %s\nwant %s", l, want)
	}
	// The link works.
	resp, data = do(t, "GET", fmt.Sprintf("%s/repositories/%d/pulls/7/files?page=3&per_page=100", base, r.ID), "token "+tok, nil)
	_ = json.Unmarshal(data, &got)
	if resp.StatusCode != 200 || len(got) != 50 {
		t.Fatalf("page 3: %d, %d files", resp.StatusCode, len(got))
	}
	if l := resp.Header.Get("Link"); !strings.Contains(l, `rel="prev"`) || !strings.Contains(l, `rel="first"`) || strings.Contains(l, `rel="next"`) {
		t.Errorf("last page Link %s", l)
	}
	// The default page size is 30, and at most 100.
	_, data = do(t, "GET", s.URL()+"repos/acme/app/pulls/7/files", "token "+tok, nil)
	_ = json.Unmarshal(data, &got)
	if len(got) != 30 {
		t.Errorf("default page: %d", len(got))
	}
	_, data = do(t, "GET", s.URL()+"repos/acme/app/pulls/7/files?per_page=500", "token "+tok, nil)
	_ = json.Unmarshal(data, &got)
	if len(got) != 100 {
		t.Errorf("per_page=500: %d", len(got))
	}
	for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Used", "X-RateLimit-Reset", "X-RateLimit-Resource"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("no %s", h)
		}
	}
}

func TestCheckRunValidation(t *testing.T) {
	s := New(t, testApp)
	s.AddInstallation(1, "acme")
	s.AddRepo(1, "acme/app", "main")
	s.AddCommit("acme/app", commit("h"))
	tok := "token " + tokenFor(t, s, 1)
	ann := func(n int) []map[string]any {
		var out []map[string]any
		for i := range n {
			out = append(out, map[string]any{"path": "a.yaml", "start_line": i + 1, "end_line": i + 1, "annotation_level": "warning", "message": "m"})
		}
		return out
	}
	url := s.URL() + "repos/acme/app/check-runs"
	body := func(n int) map[string]any {
		return map[string]any{"name": "Threat model", "head_sha": commit("h"), "status": "completed", "conclusion": "success",
			"output": map[string]any{"title": "t", "summary": "s", "annotations": ann(n)}}
	}
	if resp, data := do(t, "POST", url, tok, body(51)); resp.StatusCode != 422 {
		t.Errorf("51 annotations: %d %s", resp.StatusCode, data)
	}
	resp, data := do(t, "POST", url, tok, body(50))
	if resp.StatusCode != 201 {
		t.Fatalf("50 annotations: %d %s", resp.StatusCode, data)
	}
	var run struct {
		ID int64 `json:"id"`
	}
	_ = json.Unmarshal(data, &run)
	if resp, _ := do(t, "PATCH", fmt.Sprintf("%s/%d", url, run.ID), tok, map[string]any{"output": map[string]any{"title": "t", "summary": "s", "annotations": ann(20)}}); resp.StatusCode != 200 {
		t.Errorf("update: %d", resp.StatusCode)
	}
	if got := s.CheckRuns("acme/app", commit("h")); len(got) != 1 || len(got[0].Annotations) != 70 {
		t.Errorf("runs %+v", got)
	}
	bad := []map[string]any{
		{"name": "x", "head_sha": commit("nope")},
		{"name": "x", "head_sha": commit("h"), "status": "completed"},
		{"name": "x", "head_sha": commit("h"), "conclusion": "great"},
		{"name": "x", "head_sha": commit("h"), "output": map[string]any{"title": "t"}},
		{"name": "x", "head_sha": commit("h"), "bogus": 1},
		{"head_sha": commit("h")},
	}
	for _, b := range bad {
		if resp, data := do(t, "POST", url, tok, b); resp.StatusCode != 422 {
			t.Errorf("%v: %d %s", b, resp.StatusCode, data)
		}
	}
}

func TestContents(t *testing.T) {
	s := New(t, testApp)
	s.AddInstallation(1, "acme")
	s.AddRepo(1, "acme/app", "main")
	s.PutFile("acme/app", commit("c"), "dir/a.yaml", []byte("hello"))
	tok := "token " + tokenFor(t, s, 1)
	resp, data := do(t, "GET", s.URL()+"repos/acme/app/contents/dir/a.yaml?ref="+commit("c"), tok, nil, "Accept", "application/vnd.github.raw+json")
	if resp.StatusCode != 200 || string(data) != "hello" {
		t.Errorf("raw: %d %q", resp.StatusCode, data)
	}
	resp, data = do(t, "GET", s.URL()+"repos/acme/app/contents/dir/a.yaml?ref="+commit("c"), tok, nil)
	var f struct{ Content, Encoding string }
	_ = json.Unmarshal(data, &f)
	dec, _ := base64.StdEncoding.DecodeString(f.Content)
	if resp.StatusCode != 200 || f.Encoding != "base64" || string(dec) != "hello" {
		t.Errorf("json: %d %s", resp.StatusCode, data)
	}
	if resp, _ := do(t, "GET", s.URL()+"repos/acme/app/contents/dir/b.yaml?ref="+commit("c"), tok, nil); resp.StatusCode != 404 {
		t.Errorf("absent file: %d", resp.StatusCode)
	}
	resp, data = do(t, "GET", s.URL()+"repos/acme/app/contents/dir/a.yaml?ref="+commit("other"), tok, nil)
	if resp.StatusCode != 404 || !strings.Contains(string(data), "No commit found") {
		t.Errorf("unknown commit: %d %s", resp.StatusCode, data)
	}
}

func TestFaultsAndRateLimit(t *testing.T) {
	s := New(t, testApp)
	s.AddInstallation(1, "acme")
	s.AddRepo(1, "acme/app", "main")
	tok := "token " + tokenFor(t, s, 1)
	s.FailNext(1, 502, nil)
	if resp, _ := do(t, "GET", s.URL()+"repos/acme/app", tok, nil); resp.StatusCode != 502 {
		t.Errorf("FailNext: %d", resp.StatusCode)
	}
	if resp, _ := do(t, "GET", s.URL()+"repos/acme/app", tok, nil); resp.StatusCode != 200 {
		t.Errorf("after FailNext: %d", resp.StatusCode)
	}
	s.SetRateLimitRemaining(1)
	if resp, _ := do(t, "GET", s.URL()+"repos/acme/app", tok, nil); resp.StatusCode != 200 || resp.Header.Get("X-RateLimit-Remaining") != "0" {
		t.Errorf("last call: %d %s", resp.StatusCode, resp.Header.Get("X-RateLimit-Remaining"))
	}
	resp, _ := do(t, "GET", s.URL()+"repos/acme/app", tok, nil)
	if resp.StatusCode != 403 || resp.Header.Get("X-RateLimit-Remaining") != "0" || resp.Header.Get("X-RateLimit-Reset") != fmt.Sprint(s.RateLimitReset().Unix()) {
		t.Errorf("rate limited: %d %v", resp.StatusCode, resp.Header)
	}
	if s.Writes() != 0 {
		t.Errorf("writes %d", s.Writes())
	}
	if got := Sign([]byte("s"), []byte("b")); !strings.HasPrefix(got, "sha256=") || len(got) != 7+64 {
		t.Errorf("Sign %q", got)
	}
}
