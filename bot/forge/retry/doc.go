// Package retry retries a forge call in place, once per call, the way the
// Go ecosystem does it: hashicorp/go-retryablehttp under go-github, and
// the same policy handed to GitLab's client-go, which carries
// go-retryablehttp already.
//
// A call is tried again, a few times with jittered exponential backoff,
// when doing so cannot make anything twice: a read or a write that sets a
// thing to a given state (GET, HEAD, OPTIONS, PUT, PATCH, DELETE) after a
// 5xx or a lost connection, and any call the forge refused before acting
// on it (429, or GitHub's 403 with Retry-After or X-RateLimit-Remaining:
// 0) when the wait it asks for is short. A longer wait is handed back to
// the caller as the forge's answer, so that the job is postponed instead
// of holding a worker. A create (POST) is never sent again here: Create
// looks for what the first try may have made before it tries again.
//
// It imports bot/forge for the error types only, and nothing of the
// forges' clients, the store or the queue.
package retry
