// Package jobs is what the bot does when a job runs: review a pull request
// on its forge and post the result (one comment, one check), and resync
// requests whose webhooks were missed. It is written against forge.Client,
// so GitHub and GitLab share it, and against the store for what the bot
// remembers. It knows nothing of HTTP or of the queue's machinery.
package jobs
