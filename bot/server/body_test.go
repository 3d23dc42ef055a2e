package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tmbot/tmbot/bot/store/storetest"
)

// zeros is a body of n bytes that holds none of them in memory, and
// counts what was read of it.
type zeros struct {
	left int64
	read *atomic.Int64
}

func (z *zeros) Read(p []byte) (int, error) {
	if z.left <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), z.left)
	clear(p[:n])
	z.left -= n
	z.read.Add(n)
	return int(n), nil
}

// A Content-Length over the limit is answered 413 before any byte of the
// body is read.
func TestWebhookTooLargeRefusedBeforeReading(t *testing.T) {
	settings := testConfig()
	settings.GitHub.WebhookSecret = "s3cret"
	settings.GitLab.WebhookSecret = "s3cret"
	h := New(settings, storetest.Open(t, "sqlite"), nil, slog.New(slog.DiscardHandler)).Handler()
	for _, path := range []string{"/webhooks/github", "/webhooks/gitlab"} {
		var read atomic.Int64
		size := int64(MaxWebhookBody + 1)
		req := httptest.NewRequest(http.MethodPost, path, &zeros{left: size, read: &read})
		req.ContentLength = size
		req.Header.Set("X-Hub-Signature-256", "sha256="+strings.Repeat("0", 64))
		req.Header.Set("X-Gitlab-Token", "wrong")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusRequestEntityTooLarge || read.Load() != 0 {
			t.Errorf("%s: %d after reading %d bytes, want 413 after none", path, w.Code, read.Load())
		}
	}
}

// 50 unauthenticated requests of 25 MB each, at once, grow the heap by
// less than 100 MB: the bodies read at once are bounded, the rest are
// answered 503 (Retry-After) without being read.
func TestWebhookBodiesBoundedBeforeAuthentication(t *testing.T) {
	if testing.Short() {
		t.Skip("moves a few hundred MB over loopback")
	}
	settings := testConfig()
	settings.GitHub.WebhookSecret = "s3cret"
	settings.GitLab.WebhookSecret = "s3cret"
	srv := New(settings, storetest.Open(t, "sqlite"), nil, slog.New(slog.DiscardHandler))
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()

	const requests, size = 50, MaxWebhookBody
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[string]int{}
	for i := range requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var read atomic.Int64
			path := "/webhooks/github"
			if i%2 == 1 {
				path = "/webhooks/gitlab"
			}
			req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, ts.URL+path, &zeros{left: size, read: &read})
			req.ContentLength = size
			req.Header.Set("X-GitHub-Event", "push")
			req.Header.Set("X-GitHub-Delivery", fmt.Sprint("d-", i))
			req.Header.Set("X-Hub-Signature-256", "sha256="+strings.Repeat("0", 64))
			req.Header.Set("X-Gitlab-Event", "Push Hook")
			req.Header.Set("X-Gitlab-Token", "not-the-secret")
			resp, err := client.Do(req)
			result := "connection closed while sending" // the server refused before reading
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				result = resp.Status
				if resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "" {
					result += " without Retry-After"
				}
			}
			mu.Lock()
			codes[result]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(stop)
	<-sampled
	grew := int64(peak.Load()) - int64(base.HeapInuse)
	t.Logf("heap in use grew by %d MB at most; answers %v", grew>>20, codes)
	if grew >= 100<<20 {
		t.Errorf("50 unauthenticated 25 MB requests grew the heap by %d MB, want < 100 MB", grew>>20)
	}
	for result := range codes {
		if !strings.HasPrefix(result, "401") && !strings.HasPrefix(result, "503") && !strings.HasPrefix(result, "connection") ||
			strings.Contains(result, "without") {
			t.Errorf("answer %q", result)
		}
	}
}
