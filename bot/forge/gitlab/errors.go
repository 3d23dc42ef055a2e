package gitlab

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/tmbot/tmbot/bot/forge"
)

// defaultRateWait is how long to wait after a 429 that says nothing of
// when to come back.
const defaultRateWait = time.Minute

// messageHeader carries the message of a 404 answer from the transport to
// the error mapping: client-go turns every 404 into one sentinel and drops
// the body, and the message is what tells "404 File Not Found" from "404
// Project Not Found".
const messageHeader = "X-Tmbot-Gitlab-Message"

// Error is a GitLab call that failed (see forge.APIError).
type Error = forge.APIError

func rateLimited(op string, until time.Time, reason string) error {
	return fmt.Errorf("gitlab: %s: %w", op, &forge.RateLimitError{Until: until, Reason: reason})
}

// mapError turns what client-go returned into the forge's errors. resp is
// the answer client-go returned with the error, when there was one. It
// never quotes a request's headers (the token is one of them).
func mapError(op string, resp *gl.Response, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &Error{Forge: "gitlab", Op: op, Message: err.Error(), Cause: err}
	}
	var er *gl.ErrorResponse
	if !errors.As(err, &er) {
		return &Error{Forge: "gitlab", Op: op, Message: redactURL(err.Error()), Cause: err}
	}
	status := er.StatusCode
	var h http.Header
	if er.Response != nil {
		h = er.Response.Header
	}
	if h == nil && resp != nil && resp.Response != nil {
		h = resp.Header
		if status == 0 {
			status = resp.StatusCode
		}
	}
	if h == nil {
		h = http.Header{}
	}
	msg := strings.TrimSpace(er.Message)
	if m := h.Get(messageHeader); m != "" && (msg == "" || status == http.StatusNotFound) {
		msg = m
	}
	return responseError(op, status, h, msg, time.Now())
}

// responseError maps an error answer.
func responseError(op string, status int, h http.Header, msg string, now time.Time) error {
	if status == http.StatusTooManyRequests {
		until := now.Add(defaultRateWait)
		reason := "GitLab's rate limit"
		if ra := strings.TrimSpace(h.Get("Retry-After")); ra != "" {
			if secs, err := strconv.Atoi(ra); err == nil && secs >= 0 {
				until = now.Add(time.Duration(secs) * time.Second)
				reason = "GitLab asked to retry after " + strconv.Itoa(secs) + "s"
			} else if t, err := http.ParseTime(ra); err == nil {
				until = t
			}
		} else if v, err := strconv.ParseInt(strings.TrimSpace(h.Get("RateLimit-Reset")), 10, 64); err == nil && time.Unix(v, 0).After(now) {
			until = time.Unix(v, 0)
		}
		if !until.After(now) {
			until = now.Add(time.Second)
		}
		return rateLimited(op, until, reason)
	}
	e := &Error{Forge: "gitlab", Op: op, Status: status, Message: msg}
	switch {
	case status == http.StatusNotFound && strings.Contains(strings.ToLower(msg), "project not found"):
		e.Kind = forge.ErrGone
		e.Message = "the project is gone or the token can no longer see it (" + msg + ")"
	case status == http.StatusNotFound, status == http.StatusGone:
		e.Kind = forge.ErrNotFound
	case status == http.StatusUnauthorized:
		e.Message = "GitLab refused the token (missing, expired or revoked): " + msg
	}
	return e
}

// redactURL drops query strings from an error text (a transport error
// quotes the URL it failed on).
func redactURL(s string) string {
	for {
		i := strings.Index(s, "?")
		if i < 0 {
			return s
		}
		j := strings.IndexAny(s[i:], " \"'")
		if j < 0 {
			return s[:i]
		}
		s = s[:i] + s[i+j:]
	}
}

// isStatus reports whether err is an answer with that status.
func isStatus(err error, status int) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == status
}
