package gitlabtest

import (
	"fmt"
	"io"
	"net/http"
)

// Requests is the log of requests since the start or ResetCounts.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// APICalls counts the logged requests.
func (s *Server) APICalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// Writes counts the POST, PUT, PATCH and DELETE requests since the start
// or ResetCounts.
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

// SetRateLimitRemaining makes every answer carry GitLab.com's rate-limit
// headers, with n calls left in the current minute (negative: no headers,
// as a self-managed instance without them).
func (s *Server) SetRateLimitRemaining(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateRemaining = n
}

// FailNext makes the next n requests answer status with the given headers
// and a GitLab-shaped error body (a 429 is GitLab's rate limit: give it
// Retry-After or RateLimit-Reset).
func (s *Server) FailNext(n int, status int, headers map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.FailNext(n, status, headers)
}

// SetFailureRate makes a fraction p of the requests fail at random
// (deterministically seeded) with one of statuses (default 500, 502, 503
// and 429); a 429 carries Retry-After: 1. p = 0 turns it off.
func (s *Server) SetFailureRate(p float64, statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.SetRate(p, statuses...)
}

func (s *Server) injectFault(rp *reply) bool {
	f := s.faults.Next()
	if f == nil {
		return false
	}
	for k, v := range f.Headers {
		rp.w.Header().Set(k, v)
	}
	msg := fmt.Sprintf("%d %s", f.Status, http.StatusText(f.Status))
	if f.Status == http.StatusTooManyRequests {
		msg = "Retry later"
		rp.status = f.Status
		rp.w.Header().Set("Content-Type", "text/plain")
		rp.w.WriteHeader(f.Status)
		io.WriteString(rp.w, msg+"\n")
		return true
	}
	s.fail(rp, f.Status, msg)
	return true
}
