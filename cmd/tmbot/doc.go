// Command tmbot reviews threat models: it validates model files, diffs
// them, reviews a repository's change the way the bot does on a pull
// request, and serves the GitHub and GitLab webhooks.
//
// One file per subcommand (validate, diff, review, serve, gitlab-secret,
// init, schema, import, export, plan); main.go only lists them and
// dispatches. Exit codes: 0 fine, 1 an invalid model or a blocking
// review, 2 a usage or I/O error.
//
// It is the one place that wires the parts together: serve builds the
// store, the queue, the forge clients, the jobs, the HTTP server and the
// metrics they share from the service settings (cmd/tmbot/settings). The local commands use the review engine
// (bot/model, bot/diff, bot/policy, bot/review) on files and on a local
// git repository, and must not reach a forge or a database. Nothing
// imports this package; its logic belongs in bot/, where it can be
// tested and reused, and a subcommand's file only parses flags, calls
// bot/ and prints.
package main
