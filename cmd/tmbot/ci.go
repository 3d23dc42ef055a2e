package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/jobs"
	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/queue"
	"github.com/tmbot/tmbot/bot/review"
	"github.com/tmbot/tmbot/bot/sandbox"
	"github.com/tmbot/tmbot/bot/store"
)

func runCI(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return ciMain(ctx, args, os.Getenv, stdout, stderr)
}

func ciUsage(w io.Writer, fl *flag.FlagSet) {
	fmt.Fprintln(w, "usage: tmbot ci [--format markdown|json|none]")
	fmt.Fprintln(w, "Inside GitHub Actions or GitLab CI: reviews the job's pull/merge request and posts the review")
	fmt.Fprintln(w, "comment and the check (GitHub) or commit status (GitLab) with the job's token, as the service does.")
	fmt.Fprintln(w, "GitHub: GITHUB_TOKEN with pull-requests: write and checks: write. GitLab: TMBOT_GITLAB_TOKEN, a project")
	fmt.Fprintln(w, "access token with the api scope. Tracking issues are a feature of the service (tmbot serve). See docs/ci.md.")
	fmt.Fprintln(w, "Exit status: 0, or 1 when the review blocks; 2 on a usage, environment or API error.")
	fl.PrintDefaults()
}

// ciMain is tmbot ci with the environment given (tests).
func ciMain(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("ci", flag.ContinueOnError)
	format := fl.String("format", "markdown", "also print the review on standard output: markdown, json or none")
	fl.Usage = func() { ciUsage(stderr, fl) }
	rest, ok := parseFlags(fl, args, stderr)
	if !ok {
		return exitUsage
	}
	if len(rest) > 0 || !oneOf(stderr, "format", *format, "markdown", "json", "none") {
		fl.Usage()
		return exitUsage
	}
	job, err := ciJobFromEnv(getenv)
	if errors.Is(err, errNoRequest) {
		fmt.Fprintf(stderr, "tmbot ci: nothing to review: %v\n", err)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "tmbot ci: %v\n", err)
		return exitUsage
	}
	rep, err := ciReview(ctx, job, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "tmbot ci: %v%s\n", err, ciHint(job, err))
		return exitUsage
	}
	if rep == nil {
		fmt.Fprintf(stderr, "tmbot ci: %s #%d is a draft or not open: nothing reviewed\n", job.repo.FullName(), job.number)
		return exitOK
	}
	switch *format {
	case "json":
		b, err := rep.JSON()
		if err != nil {
			fmt.Fprintf(stderr, "tmbot ci: %v\n", err)
			return exitUsage
		}
		stdout.Write(b)
	case "markdown":
		io.WriteString(stdout, rep.Markdown())
	}
	if n := rep.Summary.WillOpen; n > 0 {
		fmt.Fprintf(stderr, "tmbot ci: once this merges, the tmbot service would open %d tracking issue(s) for planned mitigations; tmbot ci does not track: tracking is a feature of the service (docs/ci.md)\n", n)
	}
	title, _ := rep.CheckSummary()
	conclusion := forge.ConclusionOK
	if rep.Blocking {
		conclusion = forge.ConclusionBlock
	}
	fmt.Fprintf(stderr, "tmbot ci: %s #%d: check %q: %s: %s\n", job.repo.FullName(), job.number, forge.CheckName, conclusion, title)
	if rep.Blocking {
		return exitInvalid
	}
	return exitOK
}

// ciReview reviews the job's request and posts the result through the
// same code the service runs (bot/jobs), with a database that lives as
// long as the job: the comment and the check are found on the forge, not
// remembered, so a job run again edits them in place.
func ciReview(ctx context.Context, job *ciJob, stderr io.Writer) (*review.Report, error) {
	dir, err := os.MkdirTemp("", "tmbot-ci-")
	if err != nil {
		return nil, fmt.Errorf("make a temporary folder: %w", err)
	}
	defer os.RemoveAll(dir)
	log := newLogger(stderr, "warn")
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "ci.db"), log)
	if err != nil {
		return nil, fmt.Errorf("open a temporary database: %w", err)
	}
	defer st.Close()
	loader, err := model.NewLoader(model.Limits{})
	if err != nil {
		return nil, err
	}
	deps := &jobs.Runner{Store: st, Loader: loader, Log: log, PolicyBudget: sandbox.Budget{}, Now: time.Now, TrackingOff: true,
		Client: func(forge.Repo) (forge.Client, error) { return job.client, nil }}
	a := queue.ReviewArgs{Repo: job.repo, Number: job.number, Trigger: forge.TriggerCI}
	a.PRKey = forge.PullRequest{Repo: job.repo, Number: job.number}.Key()
	return deps.ReviewRequest(ctx, a)
}

// ciHint says what to do about an error the forge answered with.
func ciHint(job *ciJob, err error) string {
	if !forge.Forbidden(err) && !errors.Is(err, forge.ErrNotFound) {
		return ""
	}
	if job.repo.Forge == "github" {
		return "\nThe job's token may not do this. Give the job permissions: pull-requests: write and checks: write. " +
			"A pull request from a fork gets a read-only token under pull_request: run tmbot ci on pull_request_target instead " +
			"(safe here: tmbot ci reads the models through the API and runs nothing from the fork; do not check out the fork's code in that job)."
	}
	return "\nThe token in TMBOT_GITLAB_TOKEN may not do this: it needs the api scope and the Developer role in the project."
}
