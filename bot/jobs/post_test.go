package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/forge/forgefake"
	"github.com/tmbot/tmbot/bot/forge/retry"
	"github.com/tmbot/tmbot/bot/review"
)

// fakePR is a request on the in-memory forge that adds a model, and the
// jobs' dependencies on it (no retry in place: a failed call fails the
// job, which is the case under test).
func fakePR(t *testing.T) (*forgefake.Fake, forge.Repo, *Runner) {
	t.Helper()
	f := forgefake.New(forge.Identity{Login: "tmbot[bot]"})
	repo := forge.Repo{Forge: "github", Installation: 5, Owner: "acme", Name: "svc", DefaultBranch: "main"}
	f.AddRepo(repo)
	f.AddCommit(repo, commit("base"), nil)
	f.AddCommit(repo, commit("head"), map[string]string{"svc.threatmodel.yaml": adoptModel})
	f.SetBranch(repo, "main", commit("base"))
	f.AddPull(forge.PullRequest{Repo: repo, Number: 1, BaseRef: "main", BaseSHA: commit("base"), HeadSHA: commit("head"), State: "open"},
		[]review.FileChange{{Path: "svc.threatmodel.yaml", Status: review.FileAdded}})
	d := jobRunner(t, func(forge.Repo) (forge.Client, error) { return f, nil })
	d.Retry = retry.Policy{MaxRetries: -1}
	return f, repo, d
}

// TestPostingSurvivesAFailureBetweenSteps: a review of a new request
// fails at one forge write, either refused or made with its answer lost
// (as when the job dies before it remembers the write). The job is run
// again, as the queue would: the request ends with exactly one comment of
// the bot's and one check for its head, and a third run writes nothing.
func TestPostingSurvivesAFailureBetweenSteps(t *testing.T) {
	lost := &forge.APIError{Forge: "fake", Op: "write", Status: 502, Message: "bad gateway"}
	cases := []struct {
		method string
		lose   bool
	}{
		{"CreateComment", false},
		{"CreateComment", true},
		{"SetCheck", false},
		{"SetCheck", true},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s/lose=%v", c.method, c.lose), func(t *testing.T) {
			ctx := context.Background()
			f, repo, d := fakePR(t)
			if c.lose {
				f.LoseAnswer(c.method, 1, lost)
			} else {
				f.Fail(c.method, 1, lost)
			}
			args := reviewArgs(repo, forge.TriggerOpened)
			if err := d.ReviewPR(ctx, args); err == nil {
				t.Fatalf("the first run succeeded despite the failed %s; calls: %v", c.method, f.Calls())
			}
			if err := d.ReviewPR(ctx, args); err != nil {
				t.Fatalf("the second run: %v", err)
			}
			cs := f.Comments(repo, 1)
			if len(cs) != 1 || cs[0].Author != "tmbot[bot]" || !strings.HasPrefix(cs[0].Body, review.Marker) || !strings.Contains(cs[0].Body, "xss") {
				t.Fatalf("want one comment of the bot's on the model, got %+v", cs)
			}
			checks := f.Checks(repo, 1, commit("head"))
			if len(checks) != 1 || checks[0].Conclusion != forge.ConclusionOK {
				t.Fatalf("want one passing check for the head, got %+v", checks)
			}
			st, err := d.Store.GetPRState(ctx, args.PRKey)
			if err != nil {
				t.Fatal(err)
			}
			if st.CommentID != cs[0].ID || st.CheckHeadSHA != commit("head") || st.CommentHash == writing || st.CheckHash == writing {
				t.Errorf("remembered state %+v; want comment %d and the head's check", st, cs[0].ID)
			}
			writes := func() int { return f.Count("CreateComment") + f.Count("UpdateComment") + f.Count("SetCheck") }
			before := writes()
			if err := d.ReviewPR(ctx, reviewArgs(repo, forge.TriggerNewHead)); err != nil {
				t.Fatalf("the third run: %v", err)
			}
			if after := writes(); after != before {
				t.Errorf("an unchanged review wrote %d times; calls: %v", after-before, f.Calls())
			}
		})
	}
}

// TestFakeIsStrict: the fake refuses what it was not given, so a test
// cannot pass on a forge state it forgot to set up.
func TestFakeIsStrict(t *testing.T) {
	ctx := context.Background()
	f, repo, _ := fakePR(t)
	pr := &forge.PullRequest{Repo: repo, Number: 1, HeadSHA: commit("head")}
	if err := f.UpdateComment(ctx, pr, 42, "x"); !errors.Is(err, forge.ErrNotFound) {
		t.Errorf("edit of an unknown comment: %v, want not found", err)
	}
	if _, err := f.PullRequest(ctx, repo, 2); err == nil {
		t.Error("an unknown request was read")
	}
	if _, _, err := f.ReadFile(ctx, repo, commit("other"), "x"); err == nil {
		t.Error("a file was read at an unknown commit")
	}
	other := forge.Repo{Forge: "github", Owner: "acme", Name: "other"}
	if _, err := f.ListTree(ctx, other, commit("head")); err == nil {
		t.Error("an unknown repository was listed")
	}
	theirs := f.AddComment(repo, 1, "mallory", review.Marker)
	if err := f.UpdateComment(ctx, pr, theirs, "x"); !forge.Forbidden(err) {
		t.Errorf("edit of someone else's comment: %v, want forbidden", err)
	}
	want := []string{"UpdateComment", "PullRequest", "ReadFile", "ListTree", "UpdateComment"}
	if got := f.Calls(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("calls %v, want %v", got, want)
	}
}

// TestLostCreateDoesNotAdoptAStrangersMarker: a stranger has posted the
// marker on a new request; the bot's create is made but its answer lost,
// and the retry looks for what it made. It must find its own comment, not
// the stranger's (whose id, remembered, would make later edits fail).
func TestLostCreateDoesNotAdoptAStrangersMarker(t *testing.T) {
	ctx := context.Background()
	f, repo, d := fakePR(t)
	d.Retry = retry.Policy{MaxRetries: 1, Sleep: func(time.Duration) {}}
	stranger := f.AddComment(repo, 1, "mallory", review.Marker+"\nall clear, merge away")
	f.LoseAnswer("CreateComment", 1, &forge.APIError{Forge: "fake", Op: "write", Status: 502, Message: "bad gateway"})
	args := reviewArgs(repo, forge.TriggerOpened)
	if err := d.ReviewPR(ctx, args); err != nil {
		t.Fatalf("review: %v; calls: %v", err, f.Calls())
	}
	st, err := d.Store.GetPRState(ctx, args.PRKey)
	if err != nil {
		t.Fatal(err)
	}
	if st.CommentID == stranger {
		t.Fatalf("the bot remembered the stranger's comment %d as its own", stranger)
	}
	var mine int
	for _, c := range f.Comments(repo, 1) {
		if c.Author == "tmbot[bot]" {
			mine++
			if c.ID != st.CommentID {
				t.Errorf("remembered comment %d, the bot's is %d", st.CommentID, c.ID)
			}
		}
	}
	if mine != 1 || f.Count("CreateComment") != 1 {
		t.Errorf("want the one lost create found, not repeated: %d comments of the bot's, %d creates", mine, f.Count("CreateComment"))
	}
}
