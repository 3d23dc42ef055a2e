package githubtest

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Requests is the log of requests since the start or ResetCounts.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// APICalls counts the logged requests other than the creation of
// installation tokens.
func (s *Server) APICalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if !isTokenPath(r.Path) {
			n++
		}
	}
	return n
}

// Writes counts the POST, PATCH, PUT and DELETE requests since the start
// or ResetCounts, other than the creation of installation tokens.
func (s *Server) Writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes
}

// ResetCounts clears the request log and the write count.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
	s.writes = 0
}

// FailNext makes the next n API requests (not the creation of tokens)
// answer status with the given headers and a GitHub-shaped error body: a
// 403 or 429 with Retry-After is a secondary rate limit, one with
// X-RateLimit-Remaining 0 a primary one.
func (s *Server) FailNext(n int, status int, headers map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.FailNext(n, status, headers)
}

// SetFailureRate makes a fraction p of the API requests fail at random
// (deterministically seeded) with one of statuses (default 500, 502, 503
// and 429); a 429 carries Retry-After: 1. p = 0 turns it off.
func (s *Server) SetFailureRate(p float64, statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.SetRate(p, statuses...)
}

// SetLatency delays every API request (not the creation of tokens) by d
// before it is handled, without holding up other requests meanwhile; 0
// turns it off. A request whose client goes away during the delay (a
// process killed, a timeout) is dropped unhandled and unlogged, as if it had
// never reached GitHub: a write is applied only once its delay is over.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = max(d, 0)
}

// delay waits out the latency before a request is handled; false when the
// client went away meanwhile.
func (s *Server) delay(r *http.Request) bool {
	s.mu.Lock()
	d := s.latency
	s.mu.Unlock()
	if d <= 0 || isTokenPath(r.URL.Path) {
		return true
	}
	// net/http notices a client that goes away (and cancels the request's
	// context) only once the body has been read.
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return r.Context().Err() == nil
	case <-r.Context().Done():
		return false
	}
}

// SetRateLimitRemaining sets the primary rate limit's remaining calls; at
// 0 the API answers 403 with X-RateLimit-Remaining: 0 until the reset, in
// the future, as GitHub does.
func (s *Server) SetRateLimitRemaining(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !time.Now().Before(s.rateReset) {
		s.rateReset = time.Now().Add(time.Hour).Truncate(time.Second)
	}
	s.rateRemaining = n
}

// RateLimitReset is when the primary rate limit resets (whole seconds).
func (s *Server) RateLimitReset() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rateReset
}

func (s *Server) injectFault(rp *reply) bool {
	f := s.faults.Next()
	if f == nil {
		return false
	}
	s.rateHeaders(rp.w)
	for k, v := range f.Headers {
		rp.w.Header().Set(k, v)
	}
	msg, doc := http.StatusText(f.Status), docsREST
	switch {
	case (f.Status == 403 || f.Status == 429) && f.Headers["X-RateLimit-Remaining"] == "0":
		msg, doc = "API rate limit exceeded for installation.", docsPrimaryRate
		if rp.w.Header().Get("X-RateLimit-Reset") == "" {
			rp.w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))
		}
	case (f.Status == 403 || f.Status == 429) && f.Headers["Retry-After"] != "":
		msg, doc = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", docsSecondaryRate
	case f.Status >= 500:
		msg = "Server Error"
	}
	s.fail(rp, f.Status, msg, doc)
	return true
}

func (s *Server) rateHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(s.rateLimit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(s.rateRemaining, 0)))
	h.Set("X-RateLimit-Used", strconv.Itoa(s.rateLimit-max(s.rateRemaining, 0)))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(s.rateReset.Unix(), 10))
	h.Set("X-RateLimit-Resource", "core")
}

// takeRate counts the call against the primary rate limit, or answers 403
// when none is left.
func (s *Server) takeRate(rp *reply) bool {
	if !time.Now().Before(s.rateReset) {
		s.rateRemaining = s.rateLimit
		s.rateReset = time.Now().Add(time.Hour).Truncate(time.Second)
	}
	if s.rateRemaining <= 0 {
		s.rateHeaders(rp.w)
		s.fail(rp, http.StatusForbidden, "API rate limit exceeded for installation. If you reach out to GitHub Support for help, please include the request ID.", docsPrimaryRate)
		return false
	}
	s.rateRemaining--
	s.rateHeaders(rp.w)
	return true
}
