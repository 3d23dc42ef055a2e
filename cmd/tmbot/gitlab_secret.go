package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"

	glforge "github.com/tmbot/tmbot/bot/forge/gitlab"
	"github.com/tmbot/tmbot/cmd/tmbot/settings"
)

// runGitLabSecret prints the webhook secrets of GitLab projects, derived
// from the service's webhook secret (bot/forge/gitlab/webhook_auth.go): what to
// put in each project's webhook.
func runGitLabSecret(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("gitlab-secret", flag.ContinueOnError)
	file := fl.String("config", "", "settings file (YAML); the environment wins over it")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: tmbot gitlab-secret [--config FILE] PROJECT_ID...")
		fmt.Fprintln(stderr, "Prints the secret token and the signing token of each GitLab project's webhook,")
		fmt.Fprintln(stderr, "derived from TMBOT_GITLAB_WEBHOOK_SECRET (docs/gitlab.md). PROJECT_ID is the")
		fmt.Fprintln(stderr, "number on the project's page (Settings → General), not its path.")
		fl.PrintDefaults()
	}
	rest, ok := parseFlags(fl, args, stderr)
	if !ok {
		return exitUsage
	}
	if len(rest) == 0 {
		fl.Usage()
		return exitUsage
	}
	var ids []int64
	for i, a := range rest {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id <= 0 {
			fmt.Fprintf(stderr, "tmbot: gitlab-secret: argument %d is not a project id (a positive number, as on the project's page)\n", i+1)
			return exitUsage
		}
		ids = append(ids, id)
	}
	cfg, err := settings.Load(*file, os.Getenv)
	if err != nil {
		fmt.Fprintf(stderr, "tmbot: %v\n", err)
		return exitUsage
	}
	if cfg.GitLab.WebhookSecret == "" {
		fmt.Fprintln(stderr, "tmbot: gitlab-secret: TMBOT_GITLAB_WEBHOOK_SECRET (gitlab.webhook_secret) is not set: the projects' secrets are derived from it")
		return exitUsage
	}
	for _, id := range ids {
		fmt.Fprintf(stdout, "project %d\n  secret token:  %s\n  signing token: %s\n", id,
			glforge.ProjectSecret(cfg.GitLab.WebhookSecret, id),
			glforge.ProjectSigningToken(cfg.GitLab.WebhookSecret, id))
	}
	return exitOK
}
