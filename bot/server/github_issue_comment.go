package server

import (
	"context"
	"strings"

	"github.com/google/go-github/v92/github"

	"github.com/tmbot/tmbot/bot/forge"
)

// ReviewCommand is what a person comments on a request to get a new review.
const ReviewCommand = "/tmbot review"

// issueCommentHandler: "/tmbot review" on a pull request → review again.
// Whether the person may ask (write access) is checked by the job, which
// may call the API; the webhook answers at once.
type issueCommentHandler struct{}

func (issueCommentHandler) Handle(ctx context.Context, d *delivery, e any) error {
	ev := e.(*github.IssueCommentEvent)
	if ev.GetAction() != "created" || !ev.GetIssue().IsPullRequest() {
		return nil
	}
	if ev.GetComment().GetUser().GetType() == "Bot" || !isReviewCommand(ev.GetComment().GetBody()) {
		return nil
	}
	repo := githubRepo(ev.Installation, ev.GetRepo())
	key := forge.PullRequest{Repo: repo, Number: ev.GetIssue().GetNumber()}.Key()
	return d.enqueueOnly(repo, ev.GetIssue().GetNumber(), key, "issue_comment", ev.GetComment().GetUser().GetLogin())
}

func isReviewCommand(body string) bool {
	for _, line := range strings.Split(body, "\n") {
		if strings.TrimSpace(line) == ReviewCommand {
			return true
		}
	}
	return false
}
