package githubtest

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestLatency: calls wait out the latency side by side; a call whose client
// gives up during the delay is dropped without effect; 0 turns it off.
func TestLatency(t *testing.T) {
	s := New(t, testApp)
	s.AddInstallation(1, "acme")
	s.AddRepo(1, "acme/app", "main")
	s.AddPull("acme/app", Pull{Number: 1, BaseSHA: commit("base"), HeadSHA: commit("head")})
	tok := "token " + tokenFor(t, s, 1) // tokens are not delayed

	const d = 300 * time.Millisecond
	s.SetLatency(d)
	start := time.Now()
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			if resp, _ := do(t, "GET", s.URL()+"repos/acme/app", tok, nil); resp.StatusCode != 200 {
				t.Errorf("GET: %d", resp.StatusCode)
			}
		})
	}
	wg.Wait()
	if took := time.Since(start); took < d || took > 4*d {
		t.Errorf("5 concurrent calls with a latency of %v took %v", d, took)
	}

	// A client that goes away before the delay is over: nothing written.
	ctx, cancel := context.WithTimeout(context.Background(), d/3)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", s.URL()+"repos/acme/app/issues/1/comments", strings.NewReader(`{"body":"hi"}`))
	req.Header.Set("Authorization", tok)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("the request was answered before its delay: %d", resp.StatusCode)
	}
	time.Sleep(2 * d)
	if s.Writes() != 0 || len(s.Comments("acme/app", 1)) != 0 {
		t.Errorf("a dropped call wrote: %d writes, comments %v", s.Writes(), s.Comments("acme/app", 1))
	}
	// One that waits is handled.
	if resp, _ := do(t, "POST", s.URL()+"repos/acme/app/issues/1/comments", tok, map[string]string{"body": "hi"}); resp.StatusCode != 201 {
		t.Errorf("POST after the delay: %d", resp.StatusCode)
	}
	if s.Writes() != 1 || len(s.Comments("acme/app", 1)) != 1 {
		t.Errorf("writes %d", s.Writes())
	}

	s.SetLatency(0)
	start = time.Now()
	do(t, "GET", s.URL()+"repos/acme/app", tok, nil)
	if took := time.Since(start); took >= d {
		t.Errorf("without latency a call took %v", took)
	}
}
