package retry

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	retryablehttp "github.com/hashicorp/go-retryablehttp"

	"github.com/tmbot/tmbot/bot/forge"
)

// Defaults of a Policy.
const (
	// DefaultMaxRetries: after the first try, four more. At 30% failures a
	// call then fails for good once in 400 calls (0.3^5).
	DefaultMaxRetries = 4
	// DefaultWaitMin and DefaultWaitMax bound the backoff between tries
	// when the forge does not say how long to wait.
	DefaultWaitMin = 250 * time.Millisecond
	DefaultWaitMax = 4 * time.Second
	// DefaultMaxWait is the longest wait a forge may ask for (Retry-After,
	// a rate limit's reset) that is waited out in place; a longer one is
	// handed back, and the job is postponed (forge.RateLimitError).
	// GitHub's secondary limits usually ask for 60 s: a worker should not
	// sit that long.
	DefaultMaxWait = 10 * time.Second
)

// Policy says how a call is retried in place. The zero value takes the
// defaults.
type Policy struct {
	// MaxRetries is how many tries follow the first (0: DefaultMaxRetries;
	// negative: none).
	MaxRetries int
	// WaitMin and WaitMax bound the exponential backoff (defaults
	// DefaultWaitMin, DefaultWaitMax).
	WaitMin, WaitMax time.Duration
	// MaxWait is the longest wait asked by the forge that is waited out in
	// place (default DefaultMaxWait).
	MaxWait time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Sleep, when set, waits instead of a real timer (tests give one that
	// moves a fake clock and returns at once).
	Sleep func(time.Duration)
	// Jitter, when set, gives numbers in [0, 1) for the jitter (tests make
	// it deterministic).
	Jitter func() float64
	// RepeatAll says that every call may be sent twice, POST included (the
	// creation of an installation token: a second token does no harm).
	RepeatAll bool
}

// Off is a policy that never retries.
var Off = Policy{MaxRetries: -1}

// Retries is the number of tries after the first.
func (p Policy) Retries() int {
	switch {
	case p.MaxRetries < 0:
		return 0
	case p.MaxRetries == 0:
		return DefaultMaxRetries
	}
	return p.MaxRetries
}

func (p Policy) waitMin() time.Duration {
	if p.WaitMin > 0 {
		return p.WaitMin
	}
	return DefaultWaitMin
}

func (p Policy) waitMax() time.Duration {
	if p.WaitMax > 0 {
		return max(p.WaitMax, p.waitMin())
	}
	return max(DefaultWaitMax, p.waitMin())
}

func (p Policy) maxWait() time.Duration {
	if p.MaxWait > 0 {
		return p.MaxWait
	}
	return DefaultMaxWait
}

func (p Policy) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p Policy) jitter() float64 {
	if p.Jitter != nil {
		return p.Jitter()
	}
	return rand.Float64()
}

// Asked is how long an answer asks the caller to wait before the next
// try, and whether it says: Retry-After (seconds or an HTTP date), and
// the reset of a rate limit that is spent (GitHub's X-RateLimit-Remaining:
// 0 with X-RateLimit-Reset, GitLab's RateLimit-Remaining: 0 or a 429 with
// RateLimit-Reset; both Unix times).
func Asked(resp *http.Response, now time.Time) (time.Duration, bool) {
	if resp == nil {
		return 0, false
	}
	h := resp.Header
	if ra := strings.TrimSpace(h.Get("Retry-After")); ra != "" {
		if secs, err := strconv.Atoi(ra); err == nil && secs >= 0 {
			return time.Duration(secs) * time.Second, true
		}
		if t, err := http.ParseTime(ra); err == nil {
			return max(t.Sub(now), 0), true
		}
	}
	reset := func(name string) (time.Duration, bool) {
		v, err := strconv.ParseInt(strings.TrimSpace(h.Get(name)), 10, 64)
		if err != nil || v <= 0 {
			return 0, false
		}
		return max(time.Unix(v, 0).Sub(now), 0), true
	}
	if strings.TrimSpace(h.Get("X-RateLimit-Remaining")) == "0" {
		if d, ok := reset("X-RateLimit-Reset"); ok {
			return d, true
		}
	}
	if strings.TrimSpace(h.Get("RateLimit-Remaining")) == "0" || resp.StatusCode == http.StatusTooManyRequests {
		if d, ok := reset("RateLimit-Reset"); ok {
			return d, true
		}
	}
	return 0, false
}

// Repeatable reports whether a call with this method may be sent again
// after a failure whose effect is unknown: reads, and the writes the bot
// makes that set a thing to a given state (GitHub edits with PATCH, GitLab
// with PUT). POST creates, and is never repeated blindly.
func Repeatable(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

type methodKey struct{}

// WithMethod records the method of the request that ctx belongs to, for
// CheckRetry, which sees no request when a call got no answer.
func WithMethod(ctx context.Context, method string) context.Context {
	return context.WithValue(ctx, methodKey{}, method)
}

func methodOf(ctx context.Context) string {
	m, _ := ctx.Value(methodKey{}).(string)
	return m
}

// refusedBeforeActing reports whether an answer says the forge did
// nothing with the call: a rate limit.
func refusedBeforeActing(resp *http.Response) bool {
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		return true
	case http.StatusForbidden:
		h := resp.Header
		return h.Get("Retry-After") != "" || strings.TrimSpace(h.Get("X-RateLimit-Remaining")) == "0"
	}
	return false
}

// CheckRetry is the policy as go-retryablehttp's CheckRetry.
func (p Policy) CheckRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if p.Retries() == 0 {
		return false, nil
	}
	method := methodOf(ctx)
	if resp != nil && resp.Request != nil {
		method = resp.Request.Method
	}
	if p.RepeatAll {
		method = http.MethodGet
	}
	if err != nil {
		return beforeSending(err) || Repeatable(method), nil
	}
	if refusedBeforeActing(resp) {
		wait, asked := Asked(resp, p.now())
		// A rate limit that does not say how long, or asks for long, is
		// handed back: the job is postponed.
		return asked && wait <= p.maxWait(), nil
	}
	if resp.StatusCode == 0 || (resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented) {
		return Repeatable(method), nil
	}
	return false, nil
}

// beforeSending reports whether a call failed before it reached the forge
// (no connection could be made), so that any call may be sent again.
func beforeSending(err error) bool {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return !dns.IsNotFound
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

// Backoff is the policy as go-retryablehttp's Backoff: the wait the forge
// asked for (plus up to a tenth more, so that replicas do not come back
// at once), else WaitMin·2^n with full jitter in its upper half, at most
// WaitMax. With Sleep set it waits through Sleep and returns 0.
func (p Policy) Backoff(_, _ time.Duration, attempt int, resp *http.Response) time.Duration {
	d := p.wait(attempt, resp)
	if p.Sleep != nil {
		p.Sleep(d)
		return 0
	}
	return d
}

func (p Policy) wait(attempt int, resp *http.Response) time.Duration {
	if d, ok := Asked(resp, p.now()); ok && resp != nil && (refusedBeforeActing(resp) || resp.StatusCode >= 500) {
		d = min(d, p.maxWait())
		return d + time.Duration(p.jitter()*float64(d)/10)
	}
	d := float64(p.waitMin()) * math.Pow(2, float64(min(attempt, 30)))
	d = min(d, float64(p.waitMax()))
	return time.Duration(d/2 + p.jitter()*d/2)
}

// Pause waits as Backoff would before the try after attempt (0 first),
// or until ctx is done.
func (p Policy) Pause(ctx context.Context, attempt int) error {
	d := p.wait(attempt, nil)
	if p.Sleep != nil {
		p.Sleep(d)
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Client is a go-retryablehttp client with the policy, sending each try
// through next with a per-try timeout (0: none). It hands the last answer
// back as it is when it gives up (PassthroughErrorHandler), so that the
// forge's client sees the forge's status and headers.
func (p Policy) Client(next http.RoundTripper, timeout time.Duration) *retryablehttp.Client {
	rc := retryablehttp.NewClient()
	rc.HTTPClient = &http.Client{Transport: next, Timeout: timeout}
	rc.Logger = nil
	rc.RetryMax = p.Retries()
	rc.RetryWaitMin, rc.RetryWaitMax = p.waitMin(), p.waitMax()
	rc.CheckRetry = p.CheckRetry
	rc.Backoff = p.Backoff
	rc.ErrorHandler = retryablehttp.PassthroughErrorHandler
	return rc
}

// Transport is the policy as an http.RoundTripper over next (for
// go-github): each try goes through next, with timeout per try.
func (p Policy) Transport(next http.RoundTripper, timeout time.Duration) http.RoundTripper {
	return &transport{next: &retryablehttp.RoundTripper{Client: p.Client(next, timeout)}}
}

type transport struct{ next http.RoundTripper }

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	return t.next.RoundTrip(req.WithContext(WithMethod(req.Context(), req.Method)))
}

// Transient reports whether err is a forge failure that may pass: no
// answer, or a 5xx, after the call's own retries. A rate limit is not (the
// forge says when to come back: see forge.RetryAfter), nor is a
// cancelled context.
func Transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var rl *forge.RateLimitError
	if errors.As(err, &rl) {
		return false
	}
	var e *forge.APIError
	if errors.As(err, &e) {
		if e.Status >= 500 || e.Status == http.StatusTooManyRequests {
			return true
		}
		if e.Status != 0 || e.Kind != nil {
			return false
		}
	}
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne)
}
