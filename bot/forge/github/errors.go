package github

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v92/github"

	"github.com/tmbot/tmbot/bot/forge"
)

// defaultRateWait is how long to wait after a rate limit that does not say
// (GitHub: "wait for at least one minute").
const defaultRateWait = time.Minute

// Error is a GitHub call that failed (see forge.APIError).
type Error = forge.APIError

func rateLimited(op string, until time.Time, reason string) error {
	return fmt.Errorf("github: %s: %w", op, &forge.RateLimitError{Until: until, Reason: reason})
}

// mapError turns what go-github (or ghinstallation under it) returned into
// the forge's errors. It never quotes a request's headers.
func (c *Client) mapError(op string, err error) error {
	if err == nil {
		return nil
	}
	now := time.Now()
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &Error{Forge: "github", Op: op, Message: err.Error(), Cause: err}
	}
	var rl *github.RateLimitError
	if errors.As(err, &rl) {
		until := rl.Rate.Reset.Time
		if !until.After(now) {
			until = now.Add(defaultRateWait)
		}
		return rateLimited(op, until, "GitHub's primary rate limit is exhausted")
	}
	var ab *github.AbuseRateLimitError
	if errors.As(err, &ab) {
		wait := ab.GetRetryAfter()
		if wait <= 0 {
			wait = defaultRateWait
		}
		return rateLimited(op, now.Add(wait), "GitHub's secondary rate limit")
	}
	var he *ghinstallation.HTTPError
	if errors.As(err, &he) {
		return c.tokenError(op, he, now)
	}
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return responseError(op, er.Response.StatusCode, er.Response.Header, er.Message, er, now)
	}
	return &Error{Forge: "github", Op: op, Message: err.Error(), Cause: err}
}

// responseError maps an error answer.
func responseError(op string, status int, h http.Header, msg string, cause error, now time.Time) error {
	if status == http.StatusForbidden || status == http.StatusTooManyRequests {
		if ra := h.Get("Retry-After"); ra != "" {
			secs, err := strconv.Atoi(strings.TrimSpace(ra))
			if err != nil || secs < 0 {
				secs = int(defaultRateWait / time.Second)
			}
			return rateLimited(op, now.Add(time.Duration(secs)*time.Second), "GitHub asked to retry after "+strconv.Itoa(secs)+"s")
		}
		if h.Get("X-RateLimit-Remaining") == "0" || status == http.StatusTooManyRequests {
			until := now.Add(defaultRateWait)
			if v, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil && time.Unix(v, 0).After(now) {
				until = time.Unix(v, 0)
			}
			return rateLimited(op, until, "GitHub's rate limit")
		}
	}
	e := &Error{Forge: "github", Op: op, Status: status, Message: msg, Cause: cause}
	switch {
	case status == http.StatusNotFound:
		e.Kind = forge.ErrNotFound
	case status == http.StatusGone:
		e.Kind = forge.ErrGone
	case status == http.StatusForbidden && strings.Contains(strings.ToLower(msg), "suspended"):
		e.Kind = forge.ErrGone
	}
	return e
}

// tokenError maps a failure to get an installation token.
func (c *Client) tokenError(op string, he *ghinstallation.HTTPError, now time.Time) error {
	op = fmt.Sprintf("%s: get a token for installation %d", op, c.installation)
	resp := he.Response
	if resp == nil {
		msg := "no answer"
		if he.RootCause != nil {
			msg = he.RootCause.Error()
		}
		return &Error{Forge: "github", Op: op, Message: msg, Cause: he.RootCause}
	}
	var body struct {
		Message string `json:"message"`
	}
	if resp.Body != nil {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		_ = json.Unmarshal(data, &body)
	}
	status := resp.StatusCode
	switch {
	case status == http.StatusNotFound:
		return &Error{Forge: "github", Op: op, Status: status, Message: "the App is not installed there any more", Kind: forge.ErrGone}
	case status == http.StatusUnauthorized:
		return &Error{Forge: "github", Op: op, Status: status, Message: "GitHub refused the App's credentials (check the App id and private key): " + body.Message}
	}
	return responseError(op, status, resp.Header, body.Message, nil, now)
}

// isStatus reports whether err is an answer with that status.
func isStatus(err error, status int) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == status
}
