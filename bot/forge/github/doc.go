// Package github is the GitHub side of the forge: a GitHub App
// (ghinstallation/v2 for its JWT and installation tokens) and, per
// installation, a forge.Client written with go-github. It also checks
// GitHub's webhook signatures and parses the deliveries into the forge's
// neutral events (webhook.go).
//
// An App keeps one Client per installation, and each Client one
// installation transport, whose token ghinstallation renews a minute
// before it expires; a token that GitHub refuses (401, as after a
// revocation) is dropped and the call sent once more with a new one.
//
// # Errors
//
// Errors (*Error) name what was being done and map GitHub's answers to the
// forge's sentinels: 404 is forge.ErrNotFound, except that a 404 of a call
// on a repository whose repository itself answers 404 (deleted, or no
// longer visible to the installation) is forge.ErrGone; 410, an
// uninstalled App (404 for a token) and a suspended installation (403) are
// forge.ErrGone; a primary rate limit (X-RateLimit-Remaining: 0) is a
// *forge.RateLimitError until X-RateLimit-Reset, a secondary one (or any
// 403/429 with Retry-After) until now + Retry-After, a bare 429 a minute;
// 5xx and time-outs are ordinary errors, for the queue to retry. No error
// carries a token, a JWT or the key.
//
// # The API economy
//
// A Client caches what cannot change: a file at a commit, found or not
// (only when the ref is a commit id, bounded: 512 files, 64 MiB), a blob
// by id (512, 64 MiB), what a complete tree listing said of a path at a
// commit (8192 paths), and the id and content fingerprint of each head's
// check run (4096 heads).
//
// A review lists the model files' blobs at each side (Blobs: one
// recursive git tree call per side, only for a request with more than
// three model-file sides, which alone could pass the byte budget), then
// reads each content by blob id (ReadBlob), once. With one page of
// changed files (≤ 100), of comments (≤ 100) and of annotations (≤ 50),
// the review of a pull request that modifies F model files (F > 1)
// costs:
//
//	first review (.tmbot.yaml 1, files 1, listings 2, blobs 2F,
//	  comments 1, create comment 1, find check run 1, create it 1)   2F + 8
//	the same head again in the same process (redelivery)            2
//	  (files, comments; no write when nothing changed)
//	a new head after a push, same base, C contents changed          C + 6
//	  (files, head listing, C blobs, comments, edit, find, create)
//	a request over the byte budget                                   the listings, no blob
//
// plus one token request per installation and hour. Each further page of
// 100 files or comments is one call more, and each further 50 annotations
// one update more. docs/performance.md has the counts measured at the
// fake (TestCallsPerReviewByPathAndByBlob in bot/jobs).
package github
