// Package review is the review engine's top: given the model files a
// request changes (forge-neutral: path, base content, head content), it
// loads and validates them, diffs them, runs the policies and builds a
// Report, and renders it as the Markdown comment, the JSON report and
// SARIF; for the check it gives the findings as values (CheckFindings) and
// a summary that fits any length (CheckSummary), which each forge adapter
// shows within its own platform's limits.
//
// It must not import anything that knows a forge, HTTP or a database: the
// GitHub and GitLab adapters call it, never the other way round.
package review
