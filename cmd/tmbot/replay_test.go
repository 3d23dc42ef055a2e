package main

import (
	"net/http"
	"path/filepath"
	"testing"

	"github.com/tmbot/tmbot/bot/forge/github/githubtest"
)

// A signed GitHub delivery replayed with a new X-GitHub-Delivery (which
// the signature does not cover) is a duplicate: answered 200, nothing
// queued, nothing written. "/tmbot review" is the case that matters: it
// forces a review, which rewrites the check run.
func TestGitHubReplayWithNewDeliveryIDWritesNothing(t *testing.T) {
	gh := fakeGitHub(t)
	gh.SetPermission(testRepo, "writer", "write")
	svc := startService(t, gh, "sqlite:"+filepath.Join(t.TempDir(), "tmbot.db"))
	body := issueCommentPayload(1, "writer", "/tmbot review")
	sig := githubtest.Sign([]byte(testSecret), body)
	if code, _ := deliver(t, svc.url, "issue_comment", "c-1", body, sig); code != http.StatusAccepted {
		t.Fatalf("delivery: %d", code)
	}
	waitIdle(t, svc.url)
	writes := gh.Writes()
	if writes == 0 {
		t.Fatal("the review command wrote nothing")
	}
	for _, id := range []string{"c-1-replayed", "c-1-again"} {
		if code, _ := deliver(t, svc.url, "issue_comment", id, body, sig); code != http.StatusOK {
			t.Errorf("replay as %s: %d, want 200 (duplicate)", id, code)
		}
	}
	waitIdle(t, svc.url)
	if n := gh.Writes(); n != writes {
		t.Errorf("the replays made %d more writes", n-writes)
	}
}
