package server

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/sync/semaphore"
)

// Webhook bodies are read before they can be authenticated (the signature
// covers the body), so what unauthenticated requests can make the process
// hold is bounded here:
//
//   - a Content-Length over the limit is answered 413 before any byte of
//     the body is read;
//   - requests that carry no credential at all (no signature header, no
//     token) are answered 401 before the body is read (webhook_*.go);
//   - the bodies being read at once weigh at most bodyBytesInFlight bytes,
//     each by its Content-Length (the limit when it has none): one at the
//     25 MB cap and smaller ones beside it. A request that does not fit is
//     answered 503 with Retry-After at once, without waiting;
//   - a body must arrive within bodyReadTimeout;
//   - a body is read into one buffer of its announced size (no doubling
//     growth), and GitHub's HMAC is computed while it is read.

// bodyBytesInFlight bounds the bytes of webhook bodies held at once, before
// and during their authentication: one body at GitHub's 25 MB cap plus
// room for ordinary deliveries (almost all are under 100 kB).
const bodyBytesInFlight = 40 << 20

// bodyReadTimeout is how long a client has to send a webhook body (GitHub
// and GitLab send it at once; a slow sender holds its share of
// bodyBytesInFlight no longer than this).
const bodyReadTimeout = 20 * time.Second

// retryAfterSeconds is the Retry-After of a 503 for a full body budget.
const retryAfterSeconds = 2

// bodyLimiter admits webhook bodies by weight.
type bodyLimiter struct {
	sem *semaphore.Weighted
	max int64
}

func newBodyLimiter(inFlight, maxBody int64) *bodyLimiter {
	if inFlight < maxBody {
		inFlight = maxBody
	}
	return &bodyLimiter{sem: semaphore.NewWeighted(inFlight), max: maxBody}
}

// readResult says why readBody gave no body.
type readResult string

const (
	readOK       readResult = ""
	readTooLarge readResult = "too_large"
	readBusy     readResult = "busy"
	readFailed   readResult = "unreadable"
)

// readBody reads a webhook body within the limits above, writing the
// refusal (413, 503, 400) itself. tee, when not nil, sees every byte as it
// is read (a running HMAC).
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, tee io.Writer) ([]byte, readResult) {
	limit := s.cfg.MaxBodyBytes
	if r.ContentLength > limit {
		http.Error(w, "payload too large", http.StatusRequestEntityTooLarge)
		return nil, readTooLarge
	}
	weight := limit
	if r.ContentLength >= 0 {
		weight = r.ContentLength
	}
	if weight == 0 {
		weight = 1
	}
	if !s.bodies.sem.TryAcquire(weight) {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
		http.Error(w, "busy: too many webhook bodies are being read; retry shortly", http.StatusServiceUnavailable)
		return nil, readBusy
	}
	defer s.bodies.sem.Release(weight)
	// A server that cannot set deadlines (a test's recorder) keeps its own.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(bodyReadTimeout))
	defer http.NewResponseController(w).SetReadDeadline(time.Time{})

	var src io.Reader = http.MaxBytesReader(w, r.Body, limit)
	if tee != nil {
		src = io.TeeReader(src, tee)
	}
	var body []byte
	var err error
	if r.ContentLength >= 0 {
		body = make([]byte, r.ContentLength)
		_, err = io.ReadFull(src, body)
		if err == nil { // more than announced: the server refuses it too
			var one [1]byte
			if n, _ := src.Read(one[:]); n > 0 {
				err = errors.New("body longer than its Content-Length")
			}
		}
	} else {
		body, err = io.ReadAll(src)
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			http.Error(w, "payload too large", http.StatusRequestEntityTooLarge)
			return nil, readTooLarge
		}
		http.Error(w, "cannot read the body", http.StatusBadRequest)
		return nil, readFailed
	}
	return body, readOK
}
