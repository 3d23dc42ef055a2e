package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/tmbot/tmbot/bot/config"
	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/review"
	"github.com/tmbot/tmbot/bot/sandbox"
)

func runReview(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("review", flag.ContinueOnError)
	dir := fl.String("repo", ".", "the git repository")
	base := fl.String("base", "", "the base ref (default: the default branch; the review starts from its merge base with the head)")
	head := fl.String("head", "HEAD", "the head ref")
	format := fl.String("format", "markdown", "output format: markdown, json, sarif or codequality")
	today := fl.String("today", "", "judge expiry as of this date, YYYY-MM-DD (default: today)")
	cueTimeout := fl.Duration("cue-timeout", 0, "time budget of one CUE model's evaluation, and of one repository policy's on one model (default 10s)")
	cueMemory := fl.Int64("cue-memory", 0, "memory budget of the same, in bytes (default 512 MiB)")
	maxFiles := fl.Int("max-files", review.DefaultMaxFiles, "review at most this many changed model files (a larger change is refused)")
	maxBytes := fl.String("max-bytes", "64MiB", "review at most this many bytes of changed model files, base and head together (67108864, 64MiB, 1GiB)")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: tmbot review [--repo DIR] [--base REF] [--head REF] [--format markdown|json|sarif|codequality]")
		fmt.Fprintln(stderr, "Reviews the threat models a branch changes, exactly as the bot comments on a pull request.")
		fmt.Fprintln(stderr, "Exit status: 0, or 1 when a policy error or an invalid model blocks; 2 on a usage or I/O error, or when interrupted.")
		fl.PrintDefaults()
	}
	rest, ok := parseFlags(fl, args, stderr)
	if !ok {
		return exitUsage
	}
	if len(rest) > 0 || !oneOf(stderr, "format", *format, "markdown", "json", "sarif", "codequality") {
		fl.Usage()
		return exitUsage
	}
	budget, ok := reviewBudget(stderr, *maxFiles, *maxBytes)
	if !ok {
		return exitUsage
	}
	if *today == "" {
		*today = time.Now().UTC().Format(time.DateOnly)
	} else if _, err := time.Parse(time.DateOnly, *today); err != nil {
		fmt.Fprintf(stderr, "tmbot: --today %q: expected YYYY-MM-DD\n", *today)
		return exitUsage
	}
	src, ok := reviewRange(ctx, stderr, *dir, *base, *head)
	if !ok {
		return exitUsage
	}
	policyBudget := sandbox.Budget{Timeout: *cueTimeout, MemoryBytes: *cueMemory}
	loader, err := model.NewLoader(model.Limits{CUE: model.CUEBudget(policyBudget)})
	if err != nil {
		fmt.Fprintf(stderr, "tmbot: %v\n", err)
		return exitUsage
	}
	rep, _, err := review.ReviewSource(ctx, src, review.Options{Loader: loader, Today: *today, PolicyBudget: policyBudget, Budget: budget})
	if err != nil && ctx.Err() != nil {
		fmt.Fprintln(stderr, "tmbot: interrupted: the review was stopped")
		return exitUsage
	}
	if err != nil {
		fmt.Fprintf(stderr, "tmbot: %v\n", err)
		return exitUsage
	}
	if err := writeReport(stdout, rep, *format); err != nil {
		fmt.Fprintf(stderr, "tmbot: %v\n", err)
		return exitUsage
	}
	title, _ := rep.CheckSummary()
	conclusion := "success"
	if rep.Blocking {
		conclusion = "failure"
	}
	fmt.Fprintf(stderr, "check %q: %s: %s\n", "Threat model", conclusion, title)
	if rep.Blocking {
		return exitInvalid
	}
	return exitOK
}

// reviewRange is the git source of a review of head against base (the
// default branch when empty): like a pull request, from where head
// branched off. It reports false, having said why, when a ref is unknown.
func reviewRange(ctx context.Context, stderr io.Writer, dir, base, head string) (*gitSource, bool) {
	src := &gitSource{dir: dir}
	if base == "" {
		b, err := src.defaultBranch(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "tmbot: %v\n", err)
			return nil, false
		}
		base = b
	}
	headID, err := src.resolve(ctx, head)
	if err != nil {
		fmt.Fprintf(stderr, "tmbot: %v\n", err)
		return nil, false
	}
	if _, err := src.resolve(ctx, base); err != nil {
		fmt.Fprintf(stderr, "tmbot: %v\n", err)
		return nil, false
	}
	// Like a pull request, compare with where the head branched off.
	mb, err := src.git(ctx, "merge-base", base, headID)
	if err != nil {
		fmt.Fprintf(stderr, "tmbot: %s and %s have no common history: %v\n", base, head, err)
		return nil, false
	}
	src.base, src.head = string(trimNL(mb)), headID
	return src, true
}

// writeReport writes the report in a format: markdown (the default), json,
// sarif or codequality.
func writeReport(w io.Writer, rep *review.Report, format string) error {
	switch format {
	case "json":
		b, err := rep.JSON()
		if err != nil {
			return err
		}
		w.Write(b)
	case "codequality":
		return rep.WriteCodeQuality(w)
	case "sarif":
		return rep.SARIF(w, version)
	default:
		io.WriteString(w, rep.Markdown())
	}
	return nil
}

func trimNL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// reviewBudget reads --max-files and --max-bytes.
func reviewBudget(stderr io.Writer, files int, bytes string) (review.Budget, bool) {
	if files <= 0 {
		fmt.Fprintf(stderr, "tmbot: --max-files %d: give a positive number of files\n", files)
		return review.Budget{}, false
	}
	n, err := config.ParseByteSize(bytes)
	if err != nil {
		fmt.Fprintf(stderr, "tmbot: --max-bytes %q: %v: give a number of bytes, or one with KiB, MiB or GiB, such as 64MiB\n", bytes, err)
		return review.Budget{}, false
	}
	return review.Budget{MaxFiles: files, MaxBytes: n}, true
}
