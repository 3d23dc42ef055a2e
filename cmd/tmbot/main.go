package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/policy"
)

// Exit codes of the command line contract.
const (
	exitOK      = 0
	exitInvalid = 1 // invalid model, or a blocking review
	exitUsage   = 2 // usage or I/O error
)

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"validate", "validate threat-model files or folders", runValidate},
		{"diff", "diff two model files", runDiff},
		{"review", "review a local git repository as the bot would", runReview},
		{"ci", "inside GitHub Actions or GitLab CI: review the job's pull/merge request and post the result", runCI},
		{"serve", "run the webhook service", runServe},
		{"gitlab-secret", "print the webhook secrets of GitLab projects", runGitLabSecret},
		{"init", "write a starter model that validates", runInit},
		{"schema", "print the schema (cue or jsonschema) for editors", runSchema},
		{"import", "convert a threat model from another tool (OTM, Threagile, ...)", runImport},
		{"export", "write a model as an Open Threat Model (OTM) document", runExport},
		{"plan", "give the open threats an owner and a due date, in place", runPlan},
	}
}

func main() {
	model.RunCUEChildIfRequested()
	policy.RunChildIfRequested()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "tmbot: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: tmbot COMMAND [flags] [args]")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-13s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run tmbot COMMAND -h for the flags of a command.")
}
