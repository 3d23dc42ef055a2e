package jobs

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/forge"
	ghforge "github.com/tmbot/tmbot/bot/forge/github"
	"github.com/tmbot/tmbot/bot/forge/github/githubtest"
	glforge "github.com/tmbot/tmbot/bot/forge/gitlab"
	"github.com/tmbot/tmbot/bot/forge/gitlab/gitlabtest"
	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/queue"
	"github.com/tmbot/tmbot/bot/review"
	"github.com/tmbot/tmbot/bot/store"
	"github.com/tmbot/tmbot/bot/track"
)

// adoptModel is a model with an open threat and a planned mitigation.
const adoptModel = "version: 1\nsystem: {id: svc, name: Service}\nthreats:\n  xss:\n    title: Script injection\n    likelihood: high\n    impact: medium\n    mitigations: [csp]\nmitigations:\n  csp:\n    title: Content security policy\n    status: planned\n"

// strangerReview is a comment that starts with the bot's marker, written
// by someone else before the bot's first review.
const strangerReview = review.Marker + "\n**No new threats.** Nothing to review here."

func jobRunner(t *testing.T, client func(forge.Repo) (forge.Client, error)) *Runner {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "t.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	loader, err := model.NewLoader(model.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return &Runner{Store: st, Loader: loader, Log: slog.New(slog.DiscardHandler), Client: client}
}

// githubPR is a repository with one pull request that adds a model.
func githubPR(t *testing.T) (*githubtest.Server, forge.Repo, *Runner) {
	t.Helper()
	gh := githubtest.New(t, 99)
	gh.AddInstallation(5, "acme")
	repo := gh.AddRepo(5, "acme/svc", "main")
	gh.AddCommit("acme/svc", commit("base"))
	gh.SetBranch("acme/svc", "main", commit("base"))
	gh.PutFile("acme/svc", commit("head"), "svc.threatmodel.yaml", []byte(adoptModel))
	gh.AddPull("acme/svc", githubtest.Pull{Number: 1, BaseSHA: commit("base"), HeadSHA: commit("head"),
		Files: []githubtest.PullFile{{Path: "svc.threatmodel.yaml", Status: "added"}}})
	app, err := ghforge.NewApp(ghforge.AppConfig{AppID: 99, PrivateKey: gh.PrivateKeyPEM(), BaseURL: gh.URL()})
	if err != nil {
		t.Fatal(err)
	}
	return gh, repo, jobRunner(t, func(r forge.Repo) (forge.Client, error) { return app.Client(r.Installation) })
}

func reviewArgs(repo forge.Repo, trigger forge.Trigger) queue.ReviewArgs {
	return queue.ReviewArgs{PRKey: forge.PullRequest{Repo: repo, Number: 1}.Key(), Repo: repo, Number: 1, Trigger: trigger}
}

// TestStrangersMarkerCommentIsLeftAlone: a stranger comments the bot's
// marker on a pull request before the bot reviews it. The bot leaves that
// comment as it is (editing it is refused, 403), writes a comment of its
// own and the check run; a second review edits nothing of the stranger's.
func TestStrangersMarkerCommentIsLeftAlone(t *testing.T) {
	ctx := context.Background()
	gh, repo, d := githubPR(t)
	theirs := gh.AddComment("acme/svc", 1, "mallory", strangerReview)
	if err := d.ReviewPR(ctx, reviewArgs(repo, forge.TriggerNewHead)); err != nil {
		t.Fatalf("review: %v", err)
	}
	cs := gh.Comments("acme/svc", 1)
	if len(cs) != 2 || cs[0].ID != theirs || cs[0].Body != strangerReview {
		t.Fatalf("comments: %+v", cs)
	}
	if cs[1].User != gh.BotLogin() || !strings.HasPrefix(cs[1].Body, review.Marker) || !strings.Contains(cs[1].Body, "xss") {
		t.Errorf("the bot's comment: %+v", cs[1])
	}
	if runs := gh.CheckRuns("acme/svc", commit("head")); len(runs) != 1 || runs[0].Conclusion != forge.ConclusionOK {
		t.Errorf("check runs: %+v", runs)
	}
	// Lost state (a new store): the bot finds its own comment, not the
	// stranger's.
	d2 := jobRunner(t, d.Client)
	if err := d2.ReviewPR(ctx, queue.ReviewArgs{PRKey: reviewArgs(repo, "").PRKey, Repo: repo, Number: 1, Trigger: forge.TriggerResync, Force: true}); err != nil {
		t.Fatalf("review again: %v", err)
	}
	if cs2 := gh.Comments("acme/svc", 1); len(cs2) != 2 || cs2[0].Body != strangerReview || cs2[1].ID != cs[1].ID {
		t.Errorf("comments after a review with lost state: %+v", cs2)
	}
}

// TestRememberedStrangersCommentIsReplaced: a version that did not look at
// authors adopted a stranger's marker comment and remembered its id. The
// edit is refused (403); the bot writes its own comment instead of failing
// at every review.
func TestRememberedStrangersCommentIsReplaced(t *testing.T) {
	ctx := context.Background()
	gh, repo, d := githubPR(t)
	theirs := gh.AddComment("acme/svc", 1, "mallory", strangerReview)
	key := reviewArgs(repo, "").PRKey
	if err := d.Store.SavePRState(ctx, key, store.PRState{CommentID: theirs, CommentHash: "adopted"}); err != nil {
		t.Fatal(err)
	}
	if err := d.ReviewPR(ctx, reviewArgs(repo, forge.TriggerNewHead)); err != nil {
		t.Fatalf("review: %v", err)
	}
	cs := gh.Comments("acme/svc", 1)
	if len(cs) != 2 || cs[0].Body != strangerReview || cs[1].User != gh.BotLogin() {
		t.Fatalf("comments: %+v", cs)
	}
	if st, _ := d.Store.GetPRState(ctx, key); st.CommentID != cs[1].ID {
		t.Errorf("remembered comment %d, want the bot's %d", st.CommentID, cs[1].ID)
	}
}

// TestRefusedCommentStillGetsTheCheck: the installation's owner granted no
// write access to issues or pull requests, so GitHub refuses the comment
// (403); the head gets its check run all the same, and the job fails
// after it, naming the comment.
func TestRefusedCommentStillGetsTheCheck(t *testing.T) {
	gh, repo, d := githubPR(t)
	gh.SetInstallationPermissions(5, map[string]string{"contents": "read", "pull_requests": "read", "issues": "read",
		"checks": "write", "metadata": "read"})
	err := d.ReviewPR(context.Background(), reviewArgs(repo, forge.TriggerOpened))
	if err == nil || !strings.Contains(err.Error(), "comment on") || !forge.Forbidden(err) {
		t.Errorf("review: %v, want the refused comment", err)
	}
	if cs := gh.Comments("acme/svc", 1); len(cs) != 0 {
		t.Errorf("comments: %+v", cs)
	}
	if runs := gh.CheckRuns("acme/svc", commit("head")); len(runs) != 1 || runs[0].Conclusion != forge.ConclusionOK {
		t.Errorf("check runs: %+v", runs)
	}
}

// TestStrangersMarkerNoteIsLeftAlone: the same on GitLab: a note that
// starts with the marker, by someone else, is left alone; the bot writes
// its own note and the commit status.
func TestStrangersMarkerNoteIsLeftAlone(t *testing.T) {
	ctx := context.Background()
	g := gitlabtest.New(t)
	g.AddUser("project_7_bot", true)
	tok := g.AddToken("project_7_bot")
	id := g.AddProject("acme/svc", "main")
	g.AddMember("acme/svc", "project_7_bot", gitlabtest.Developer)
	g.AddMember("acme/svc", "mallory", gitlabtest.Developer)
	g.AddCommit("acme/svc", commit("base"))
	g.SetBranch("acme/svc", "main", commit("base"))
	g.PutFile("acme/svc", commit("head"), "svc.threatmodel.yaml", []byte(adoptModel))
	g.AddMergeRequest("acme/svc", gitlabtest.MergeRequest{IID: 1, Title: "Add a model", Author: "alice", SourceBranch: "feature",
		BaseSHA: commit("base"), HeadSHA: commit("head")})
	theirs := g.AddNote("acme/svc", 1, "mallory", strangerReview)
	client, err := glforge.New(g.URL(), tok, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := jobRunner(t, func(forge.Repo) (forge.Client, error) { return client, nil })
	repo := forge.Repo{Forge: "gitlab", ID: id, Owner: "acme", Name: "svc", DefaultBranch: "main"}
	if err := d.ReviewPR(ctx, reviewArgs(repo, forge.TriggerChanged)); err != nil {
		t.Fatalf("review: %v", err)
	}
	notes := g.Notes("acme/svc", 1)
	if len(notes) != 2 || notes[0].ID != theirs || notes[0].Body != strangerReview {
		t.Fatalf("notes: %+v", notes)
	}
	if notes[1].Author != "project_7_bot" || !strings.HasPrefix(notes[1].Body, review.Marker) || !strings.Contains(notes[1].Body, "xss") {
		t.Errorf("the bot's note: %+v", notes[1])
	}
	if sts := g.Statuses("acme/svc", commit("head")); len(sts) != 1 || sts[0].Status != "success" {
		t.Errorf("statuses: %+v", sts)
	}
}

// TestStrangersTrackingIssuesAreLeftAlone: someone opens issues with the
// tracking label and the bot's hidden markers (a mitigation's and the
// summary's). The bot opens its own issues and leaves theirs as they are
// (an edit would be refused, 403); a second reconcile writes nothing.
func TestStrangersTrackingIssuesAreLeftAlone(t *testing.T) {
	ctx := context.Background()
	gh := githubtest.New(t, 99)
	gh.AddInstallation(5, "acme")
	repo := gh.AddRepo(5, "acme/svc", "main")
	gh.PutFile("acme/svc", commit("c1"), "svc.threatmodel.yaml", []byte(adoptModel))
	gh.SetBranch("acme/svc", "main", commit("c1"))
	decoy := gh.AddIssue("acme/svc", githubtest.Issue{Title: "Done already", User: "mallory", Labels: []string{"threat-model"},
		Body: track.Marker(track.Key("svc", "csp")) + "\nNothing to do."})
	summary := gh.AddIssue("acme/svc", githubtest.Issue{Title: "Threat model", User: "mallory", Labels: []string{"threat-model"},
		Body: track.SummaryMarker + "\nAll clear."})
	app, err := ghforge.NewApp(ghforge.AppConfig{AppID: 99, PrivateKey: gh.PrivateKeyPEM(), BaseURL: gh.URL()})
	if err != nil {
		t.Fatal(err)
	}
	d := jobRunner(t, func(r forge.Repo) (forge.Client, error) { return app.Client(r.Installation) })
	args := queue.TrackArgs{RepoKey: repo.Key(), Repo: repo, Reason: "push"}
	if err := d.Track(ctx, args); err != nil {
		t.Fatalf("track: %v", err)
	}
	var mitigation, summaries int
	for _, is := range gh.Issues("acme/svc") {
		switch {
		case is.Number == decoy || is.Number == summary:
			if is.User != "mallory" || is.State != "open" || is.Comments != 0 ||
				(is.Number == decoy && (is.Title != "Done already" || !strings.HasSuffix(is.Body, "Nothing to do."))) ||
				(is.Number == summary && !strings.HasSuffix(is.Body, "All clear.")) {
				t.Errorf("the bot touched a stranger's issue: %+v", is)
			}
		case is.User != gh.BotLogin():
			t.Errorf("an issue by %s", is.User)
		case strings.HasPrefix(is.Body, track.SummaryMarker):
			summaries++
		default:
			if k, ok := track.KeyOf(is.Body); ok && k == track.Key("svc", "csp") {
				mitigation++
			}
		}
	}
	if mitigation != 1 || summaries != 1 {
		t.Errorf("the bot's issues: %d for the mitigation, %d summaries; want 1 and 1", mitigation, summaries)
	}
	writes := gh.Writes()
	if err := d.Track(ctx, args); err != nil {
		t.Fatal(err)
	}
	if gh.Writes() != writes {
		t.Errorf("a second reconcile wrote %d times", gh.Writes()-writes)
	}
}
