package main

import (
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/forge/gitlab/gitlabtest"
)

// threadsBase has a threat whose acceptance expired long ago: a blocking
// finding on a line that a request changing the end of the file does not
// show in its diff.
const threadsBase = `version: 1
system:
  id: shop
  name: Shop
components:
  web: {name: Web shop, kind: web_app}
threats:
  card-theft:
    title: Card data stolen from the shop
    targets: [web]
    likelihood: medium
    impact: high
    status: accepted
    acceptance:
      by: "@shop/security"
      reason: A payment page from the provider is coming
      until: 2020-01-31
  padding-1: {title: Filler one, targets: [web], likelihood: low, impact: low, status: not_applicable, reason: filler}
  padding-2: {title: Filler two, targets: [web], likelihood: low, impact: low, status: not_applicable, reason: filler}
  padding-3: {title: Filler three, targets: [web], likelihood: low, impact: low, status: not_applicable, reason: filler}
  padding-4: {title: Filler four, targets: [web], likelihood: low, impact: low, status: not_applicable, reason: filler}
  padding-5: {title: Filler five, targets: [web], likelihood: low, impact: low, status: not_applicable, reason: filler}
`

// TestGitLabBlockingFindingOutsideDiff: a merge request fails on an
// expired acceptance whose line its diff does not show. The merge request
// gets its one review note, which lists the finding, and no thread: a
// thread GitLab cannot place on a line would only repeat the note.
func TestGitLabBlockingFindingOutsideDiff(t *testing.T) {
	g := gitlabtest.New(t)
	g.AddUser(glBot, true)
	tok := g.AddToken(glBot)
	g.AddProject(glProject, "main")
	g.AddMember(glProject, glBot, gitlabtest.Developer)
	g.AddMember(glProject, "alice", gitlabtest.Developer)
	path := "models/shop.threatmodel.yaml"
	head := threadsBase + "  padding-6: {title: Filler six, targets: [web], likelihood: low, impact: low, status: not_applicable, reason: filler}\n"
	g.PutFile(glProject, sha("base"), path, []byte(threadsBase))
	g.SetBranch(glProject, "main", sha("base"))
	g.PutFile(glProject, sha("head"), path, []byte(head))
	g.AddMergeRequest(glProject, gitlabtest.MergeRequest{IID: 1, Title: "One more", Author: "alice",
		SourceBranch: "more", BaseSHA: sha("base"), HeadSHA: sha("head")})
	svc := startGitLabService(t, g, tok)
	sendGitLab(t, svc, gitlabtest.EventMergeRequest, g.MergeRequestHook(glProject, 1, "open", "", "alice"))
	waitFor(t, "the review", func() bool {
		return len(reviewNotes(g, 1)) == 1 && len(g.Statuses(glProject, sha("head"))) >= 1
	})
	waitIdle(t, svc.url)
	note := reviewNotes(g, 1)[0]
	if !strings.Contains(note.Body, "card-theft") || !strings.Contains(note.Body, "What blocks the merge") {
		t.Errorf("the note does not list the blocking finding:\n%s", note.Body)
	}
	if sts := g.Statuses(glProject, sha("head")); sts[len(sts)-1].Status != "failed" {
		t.Errorf("status %+v, want failed", sts)
	}
	for _, d := range g.Discussions(glProject, 1) {
		if !d.IndividualNote {
			t.Errorf("a thread for a finding the diff does not show: %+v", d.Notes[0])
		}
	}
}
