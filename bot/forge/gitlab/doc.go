// Package gitlab is the GitLab side of the forge: a forge.Client written
// with client-go (gitlab.com/gitlab-org/api/client-go/v2) for one GitLab
// instance and one access token — a project or group access token with
// the api scope and the Developer role (docs/gitlab.md). It also
// authenticates GitLab's webhook deliveries (each project's own derived
// secret, webhook_auth.go) and parses them into the forge's neutral events
// (webhook.go).
//
// A repository is a project: forge.Repo{Forge: "gitlab", Installation: 0,
// ID: the project id, Owner: the namespace's full path, Name: the
// project's path}; calls name the project by id when it is known, else by
// its URL-encoded full path. A request is a merge request, numbered by its
// iid; its comments are notes; its check is a commit status named
// "threat-model" (success or failed) plus one discussion per failing
// finding whose line the diff shows, on that line (status.go); its base is the merge base GitLab computed
// (diff_refs.base_sha). A request from a fork is read through the target
// project, by SHA.
//
// # Errors
//
// Errors (*Error) name what was being done and map GitLab's answers to the
// forge's sentinels: 404 is forge.ErrNotFound, except "404 Project Not
// Found", which is forge.ErrGone; a 403 of a call on a project that itself
// answers 403 or 404 is forge.ErrGone (other 403s, such as a role too low
// for the call, are plain errors); 401 says the token was refused; 429 is a
// *forge.RateLimitError until now + Retry-After, or RateLimit-Reset, or a
// minute; 5xx and time-outs are ordinary errors, for the queue to retry
// (client-go's own retries are off). No error carries the token.
//
// # The API economy
//
// A Client caches what cannot change: a file at a commit id, found or not
// (512 files, 64 MiB), what it wrote as each head's status, each request's
// diff refs (by head) and diffs, usernames' ids, and the bot's username.
// With one page of diffs and notes, the review of a merge request that
// changes F model files costs: the request (1, when the store does not
// know its base), .tmbot.yaml (1), diffs (1), models (2F), notes (1, not
// for a new request), the note (1), the status (1; plus 1 to read the
// head's statuses when the head is not new), and the findings' discussions
// (1 to list them when there are failures or were, plus one per
// discussion opened or resolved).
package gitlab
