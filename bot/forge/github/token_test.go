package github_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/forge"
	ghforge "github.com/tmbot/tmbot/bot/forge/github"
	"github.com/tmbot/tmbot/bot/forge/github/githubtest"
	"github.com/tmbot/tmbot/bot/review"
)

// A workflow's GITHUB_TOKEN is an installation token of the GitHub Actions
// App: a token client comments and sets the check as github-actions[bot],
// adopts its own check run on a second run of the job (a new client), and
// leaves another App's run of the same name alone.
func TestTokenClientCommentsAndChecksAsGitHubActions(t *testing.T) {
	ctx := context.Background()
	srv := githubtest.NewActions(t)
	srv.AddInstallation(7, "alpine")
	repo := srv.AddRepo(7, "alpine/pay", "main")
	base, head := commit("base"), commit("head")
	srv.PutFile("alpine/pay", base, "README.md", []byte("x"))
	srv.PutFile("alpine/pay", head, "README.md", []byte("y"))
	srv.AddPull("alpine/pay", githubtest.Pull{Number: 3, Author: "vendor", BaseRef: "main", BaseSHA: base, HeadRef: "f", HeadSHA: head})
	other := srv.AddCheckRun("alpine/pay", githubtest.CheckRun{AppID: 99, Name: forge.CheckName, HeadSHA: head, Conclusion: "success"})
	tok := srv.JobToken(7)

	newClient := func() *ghforge.Client {
		c, err := ghforge.NewTokenClient(ghforge.TokenConfig{Token: tok, BaseURL: srv.URL(), Retry: noWait()})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := newClient()
	pr, err := c.PullRequest(ctx, repo, 3)
	if err != nil {
		t.Fatal(err)
	}
	cm, err := c.CreateComment(ctx, pr, "hello")
	if err != nil {
		t.Fatal(err)
	}
	bot, _ := c.Bot(ctx)
	if cm.Author != "github-actions[bot]" || !bot.Wrote(cm.Author, cm.AuthorID) {
		t.Fatalf("comment by %q, bot %+v: want github-actions[bot]", cm.Author, bot)
	}
	if err := c.SetCheck(ctx, pr, forge.Check{Conclusion: forge.ConclusionBlock, Title: "t", Summary: review.CheckSummary{Intro: "s"}}); err != nil {
		t.Fatal(err)
	}
	// The job runs again: a new client finds its run and updates it.
	if err := newClient().SetCheck(ctx, pr, forge.Check{Conclusion: forge.ConclusionOK, Title: "t2", Summary: review.CheckSummary{Intro: "s2"}}); err != nil {
		t.Fatal(err)
	}
	var ours int
	for _, r := range srv.CheckRuns("alpine/pay", head) {
		switch {
		case r.ID == other:
			if r.Conclusion != "success" || r.Requests != 0 {
				t.Errorf("another App's run was touched: %+v", r)
			}
		case r.AppID == githubtest.ActionsAppID:
			ours++
			if r.Conclusion != "success" || r.Title != "t2" {
				t.Errorf("run not updated in place: %+v", r)
			}
		}
	}
	if ours != 1 {
		t.Fatalf("%d check runs of GitHub Actions, want 1", ours)
	}

	// A refused token: the error says so and never quotes it.
	bad, err := ghforge.NewTokenClient(ghforge.TokenConfig{Token: "ghs_not_a_real_token_0123456789", BaseURL: srv.URL(), Retry: noWait()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.PullRequest(ctx, repo, 3)
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("err = %v, want a 401", err)
	}
	for _, s := range append(srv.Secrets(), "ghs_not_a_real_token_0123456789") {
		if strings.Contains(err.Error(), s) {
			t.Fatalf("the error quotes a token: %v", err)
		}
	}
}

func TestTokenClientNeedsAToken(t *testing.T) {
	if _, err := ghforge.NewTokenClient(ghforge.TokenConfig{Token: " "}); err == nil {
		t.Fatal("no error for an empty token")
	}
}
