package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	glforge "github.com/tmbot/tmbot/bot/forge/gitlab"
)

// tmbot gitlab-secret prints each project's secret token and signing
// token, derived from the service's secret; without that secret, or with
// an argument that is not a project id, it says so and prints no secret.
func TestGitLabSecretCommand(t *testing.T) {
	t.Setenv("TMBOT_GITLAB_WEBHOOK_SECRET", glSecret)
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"gitlab-secret", "42", "7"}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"project 42", glforge.ProjectSecret(glSecret, 42), glforge.ProjectSigningToken(glSecret, 42),
		"project 7", glforge.ProjectSecret(glSecret, 7)} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	for _, args := range [][]string{{"gitlab-secret"}, {"gitlab-secret", "group/project"}, {"gitlab-secret", "-3"}} {
		out.Reset()
		errb.Reset()
		if code := run(context.Background(), args, &out, &errb); code != exitUsage || out.Len() != 0 {
			t.Errorf("%v: exit %d, output %q", args, code, out.String())
		}
	}
	t.Setenv("TMBOT_GITLAB_WEBHOOK_SECRET", "")
	errb.Reset()
	if code := run(context.Background(), []string{"gitlab-secret", "42"}, &out, &errb); code != exitUsage ||
		!strings.Contains(errb.String(), "TMBOT_GITLAB_WEBHOOK_SECRET") {
		t.Errorf("without the service's secret: exit %d, %q", code, errb.String())
	}
}
