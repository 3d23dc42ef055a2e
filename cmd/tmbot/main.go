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
		{"completion", "print a shell completion script (bash, zsh or fish)", runCompletion},
		{"version", "print the version", runVersion},
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
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help":
		usage(stdout)
		return exitOK
	case "-version", "--version":
		return runVersion(ctx, nil, stdout, stderr)
	case "help":
		if len(args) == 1 {
			usage(stdout)
			return exitOK
		}
		if c, ok := findCommand(args[1]); ok {
			return commandHelp(ctx, c, stdout)
		}
		fmt.Fprintf(stderr, "tmbot: unknown command %q\n\n", args[1])
		usage(stderr)
		return exitUsage
	}
	c, ok := findCommand(args[0])
	if !ok {
		fmt.Fprintf(stderr, "tmbot: unknown command %q\n\n", args[0])
		usage(stderr)
		return exitUsage
	}
	if asksHelp(args[1:]) {
		return commandHelp(ctx, c, stdout)
	}
	return c.run(ctx, args[1:], stdout, stderr)
}

func findCommand(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// asksHelp reports whether the arguments of a command hold -h, -help or
// --help (before a "--" that ends the flags).
func asksHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// commandHelp prints a command's usage on stdout (it was asked for) and
// succeeds: every command parses its flags before it does anything, and
// -h alone makes it print its usage and stop.
func commandHelp(ctx context.Context, c command, stdout io.Writer) int {
	c.run(ctx, []string{"-h"}, io.Discard, stdout)
	return exitOK
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: tmbot COMMAND [flags] [args]")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-13s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run tmbot help COMMAND (or tmbot COMMAND -h) for the flags of a command; tmbot --version for the version.")
}
