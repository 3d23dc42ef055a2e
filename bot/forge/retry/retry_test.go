package retry

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/tmbot/tmbot/bot/forge"
)

func answer(status int, h map[string]string, method string) *http.Response {
	resp := &http.Response{StatusCode: status, Header: http.Header{}, Request: &http.Request{Method: method}}
	for k, v := range h {
		resp.Header.Set(k, v)
	}
	return resp
}

// TestAsked: the waits GitHub and GitLab ask for, in each of their forms.
func TestAsked(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	reset := strconv.FormatInt(now.Add(42*time.Second).Unix(), 10)
	for _, c := range []struct {
		name string
		resp *http.Response
		want time.Duration
		ok   bool
	}{
		{"seconds", answer(429, map[string]string{"Retry-After": "7"}, "GET"), 7 * time.Second, true},
		{"date", answer(503, map[string]string{"Retry-After": now.Add(9 * time.Second).UTC().Format(http.TimeFormat)}, "GET"), 9 * time.Second, true},
		{"github primary", answer(403, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}, "GET"), 42 * time.Second, true},
		{"github not spent", answer(403, map[string]string{"X-RateLimit-Remaining": "12", "X-RateLimit-Reset": reset}, "GET"), 0, false},
		{"gitlab 429 reset", answer(429, map[string]string{"RateLimit-Reset": reset}, "GET"), 42 * time.Second, true},
		{"nothing", answer(502, nil, "GET"), 0, false},
		{"garbage", answer(429, map[string]string{"Retry-After": "soon"}, "GET"), 0, false},
	} {
		got, ok := Asked(c.resp, now)
		if got != c.want || ok != c.ok {
			t.Errorf("%s: %v %v, want %v %v", c.name, got, ok, c.want, c.ok)
		}
	}
}

// TestCheckRetry: what is sent again, and what is handed back.
func TestCheckRetry(t *testing.T) {
	p := Policy{}
	ctx := context.Background()
	for _, c := range []struct {
		name string
		resp *http.Response
		want bool
	}{
		{"read after 502", answer(502, nil, "GET"), true},
		{"edit after 503", answer(503, nil, "PATCH"), true},
		{"create after 502", answer(502, nil, "POST"), false},
		{"create refused by a short limit", answer(403, map[string]string{"Retry-After": "2"}, "POST"), true},
		{"a long limit is handed back", answer(429, map[string]string{"Retry-After": "60"}, "GET"), false},
		{"a bare 429 is handed back", answer(429, nil, "GET"), false},
		{"not found", answer(404, nil, "GET"), false},
		{"not implemented", answer(501, nil, "GET"), false},
	} {
		got, err := p.CheckRetry(ctx, c.resp, nil)
		if got != c.want || err != nil {
			t.Errorf("%s: %v %v, want %v", c.name, got, err, c.want)
		}
	}
	if got, _ := Off.CheckRetry(ctx, answer(502, nil, "GET"), nil); got {
		t.Error("Off retried")
	}
	// No answer: a read is sent again, a create only when it never left.
	lost := errors.New("connection reset by peer")
	if got, _ := p.CheckRetry(WithMethod(ctx, "GET"), nil, lost); !got {
		t.Error("a read that lost its connection was not retried")
	}
	if got, _ := p.CheckRetry(WithMethod(ctx, "POST"), nil, lost); got {
		t.Error("a create that lost its connection was retried")
	}
	// A connection refused, as the HTTP client reports it (a closed port).
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, refused := http.Post("http://"+addr+"/", "text/plain", nil)
	if !errors.Is(refused, syscall.ECONNREFUSED) {
		t.Fatalf("a closed port answered %v, want a refused connection", refused)
	}
	if got, _ := p.CheckRetry(WithMethod(ctx, "POST"), nil, refused); !got {
		t.Errorf("a create refused a connection was not retried: %v", refused)
	}
	// Refused, but not reported as a dial: still never left.
	wrapped := &url.Error{Op: "Post", URL: "http://" + addr, Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	if got, _ := p.CheckRetry(WithMethod(ctx, "POST"), nil, wrapped); !got {
		t.Error("a create refused a connection (not a dial error) was not retried")
	}
	// The words alone are not a refused connection.
	if got, _ := p.CheckRetry(WithMethod(ctx, "POST"), nil, errors.New("proxy says: connection refused")); got {
		t.Error("a create was retried on an error that only says connection refused")
	}
}

// TestCreateLooksBeforeTryingAgain: a create that failed with a 5xx is
// tried again only when find does not find what it may have made.
func TestCreateLooksBeforeTryingAgain(t *testing.T) {
	p := Policy{Sleep: func(time.Duration) {}}
	fail := &forge.APIError{Forge: "github", Op: "create", Status: 502}
	creates, finds := 0, 0
	made := false
	got, err := Create(context.Background(), p,
		func(context.Context) (int, bool, error) { finds++; return 7, made, nil },
		func(context.Context) (int, error) {
			creates++
			made = true // the forge made it, then failed to answer
			return 0, fail
		})
	if err != nil || got != 7 || creates != 1 || finds != 1 {
		t.Errorf("got %d %v after %d creates, %d finds; want the found one after 1 and 1", got, err, creates, finds)
	}
	// A refusal that is not transient is not tried again.
	creates = 0
	_, err = Create(context.Background(), p, func(context.Context) (int, bool, error) { return 0, false, nil },
		func(context.Context) (int, error) {
			creates++
			return 0, &forge.APIError{Forge: "github", Op: "create", Status: 422}
		})
	if err == nil || creates != 1 {
		t.Errorf("%v after %d creates", err, creates)
	}
}

// TestBackoff: the wait asked for, plus at most a tenth; else exponential
// within WaitMin and WaitMax; capped at MaxWait.
func TestBackoff(t *testing.T) {
	p := Policy{Jitter: func() float64 { return 0.99 }}
	if d := p.Backoff(0, 0, 0, answer(429, map[string]string{"Retry-After": "5"}, "GET")); d < 5*time.Second || d > 5500*time.Millisecond {
		t.Errorf("Retry-After 5: %v", d)
	}
	for n := range 10 {
		if d := p.Backoff(0, 0, n, answer(502, nil, "GET")); d < DefaultWaitMin/2 || d > DefaultWaitMax {
			t.Errorf("attempt %d: %v", n, d)
		}
	}
	if d := p.Backoff(0, 0, 0, answer(503, map[string]string{"Retry-After": "3600"}, "GET")); d > DefaultMaxWait*11/10 {
		t.Errorf("a 503 asking for an hour waits %v", d)
	}
}
