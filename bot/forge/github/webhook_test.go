package github_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-github/v92/github"

	"github.com/tmbot/tmbot/bot/forge"
	ghforge "github.com/tmbot/tmbot/bot/forge/github"
	"github.com/tmbot/tmbot/bot/forge/github/githubtest"
)

// The signature is checked under the current and the previous secret; a
// missing or malformed header, or no secret, refuses the delivery before
// its body is read.
func TestWebhookSignature(t *testing.T) {
	body := []byte(`{"action":"opened"}`)
	check := func(header, current, previous string, written []byte) (ready, ok, previousOnly bool) {
		sig, ready := ghforge.NewSignature(header, current, previous)
		if !ready {
			return false, false, false
		}
		sig.Writer().Write(written)
		ok, previousOnly = sig.Verify()
		return true, ok, previousOnly
	}
	for name, c := range map[string]struct {
		header, current, previous string
		written                   []byte
		ready, ok, previousOnly   bool
	}{
		"current":             {githubtest.Sign([]byte("new"), body), "new", "old", body, true, true, false},
		"previous":            {githubtest.Sign([]byte("old"), body), "new", "old", body, true, true, true},
		"previous, not kept":  {githubtest.Sign([]byte("old"), body), "new", "", body, true, false, false},
		"same secret twice":   {githubtest.Sign([]byte("new"), body), "new", "new", body, true, true, false},
		"other secret":        {githubtest.Sign([]byte("other"), body), "new", "old", body, true, false, false},
		"other body":          {githubtest.Sign([]byte("new"), body), "new", "old", []byte(`{"action":"closed"}`), true, false, false},
		"no header":           {"", "new", "old", body, false, false, false},
		"sha1":                {"sha1=" + githubtest.Sign([]byte("new"), body)[7:47], "new", "", body, false, false, false},
		"short":               {githubtest.Sign([]byte("new"), body)[:70], "new", "", body, false, false, false},
		"not hex":             {"sha256=" + string(bytes.Repeat([]byte("z"), 64)), "new", "", body, false, false, false},
		"no secret":           {githubtest.Sign([]byte(""), body), "", "", body, false, false, false},
		"only the old secret": {githubtest.Sign([]byte("old"), body), "", "old", body, false, false, false},
	} {
		ready, ok, prev := check(c.header, c.current, c.previous, c.written)
		if ready != c.ready || ok != c.ok || prev != c.previousOnly {
			t.Errorf("%s: ready %v, ok %v, previous only %v; want %v, %v, %v", name, ready, ok, prev, c.ready, c.ok, c.previousOnly)
		}
	}
}

// GitHub's payloads (go-github's types, as GitHub sends them) parse into
// the neutral events.
func TestParseWebhookEvents(t *testing.T) {
	inst := &github.Installation{ID: github.Ptr(int64(7)), Account: &github.User{Login: github.Ptr("acme")}}
	ghRepo := &github.Repository{ID: github.Ptr(int64(70)), Name: github.Ptr("pay"), FullName: github.Ptr("acme/pay"),
		DefaultBranch: github.Ptr("main"), Owner: &github.User{Login: github.Ptr("acme")}}
	repo := forge.Repo{Forge: "github", Installation: 7, ID: 70, Owner: "acme", Name: "pay", DefaultBranch: "main"}
	updated := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ghPull := func(state string, merged bool) *github.PullRequest {
		return &github.PullRequest{Number: github.Ptr(5), Title: github.Ptr("Add a model"), State: github.Ptr(state),
			Merged: github.Ptr(merged), UpdatedAt: &github.Timestamp{Time: updated}, User: &github.User{Login: github.Ptr("alice")},
			Base: &github.PullRequestBranch{Ref: github.Ptr("main"), SHA: github.Ptr("base1")},
			Head: &github.PullRequestBranch{SHA: github.Ptr("head1"), Repo: &github.Repository{FullName: github.Ptr("alice/pay")}}}
	}
	pull := forge.PullRequest{Repo: repo, Number: 5, Title: "Add a model", BaseRef: "main", BaseSHA: "base1", HeadSHA: "head1",
		HeadRepo: "alice/pay", State: "open", Author: "alice"}
	merged := pull
	merged.State = "merged"
	prEvent := func(action string, p *github.PullRequest) any {
		return &github.PullRequestEvent{Action: github.Ptr(action), PullRequest: p, Repo: ghRepo, Installation: inst}
	}
	reviewOf := func(tr forge.Trigger) []forge.Event {
		return []forge.Event{forge.ReviewRequested{Pull: pull, UpdatedAt: updated, Trigger: tr}}
	}
	rerunOf := []forge.Event{forge.ReviewRequested{Pull: pull, UpdatedAt: updated, Trigger: forge.TriggerRerun, Force: true, Partial: true}}
	comment := func(user, typ, body string, onPull bool) any {
		is := &github.Issue{Number: github.Ptr(5)}
		if onPull {
			is.PullRequestLinks = &github.PullRequestLinks{URL: github.Ptr("https://api.github.com/repos/acme/pay/pulls/5")}
		}
		return &github.IssueCommentEvent{Action: github.Ptr("created"), Issue: is, Repo: ghRepo, Installation: inst,
			Comment: &github.IssueComment{Body: github.Ptr(body), User: &github.User{Login: github.Ptr(user), Type: github.Ptr(typ)}}}
	}
	issue := func(action, sender, label, body string) any {
		return &github.IssuesEvent{Action: github.Ptr(action), Repo: ghRepo, Installation: inst,
			Sender: &github.User{Login: github.Ptr(sender), Type: github.Ptr(map[bool]string{true: "Bot", false: "User"}[sender == "tmbot[bot]"])},
			Issue:  &github.Issue{Body: github.Ptr(body), Labels: []*github.Label{{Name: label}}}}
	}
	push := func(ref string, deleted bool) any {
		return &github.PushEvent{Ref: github.Ptr(ref), Deleted: github.Ptr(deleted), Installation: inst,
			Repo: &github.PushEventRepository{ID: github.Ptr(int64(70)), Name: github.Ptr("pay"), FullName: github.Ptr("acme/pay"),
				DefaultBranch: github.Ptr("main"), Owner: &github.User{Login: github.Ptr("acme")}}}
	}
	checkRun := func(app int64) any {
		return &github.CheckRunEvent{Action: github.Ptr("rerequested"), Repo: ghRepo, Installation: inst,
			CheckRun: &github.CheckRun{App: &github.App{ID: github.Ptr(app)}, PullRequests: []*github.PullRequest{ghPull("open", false)}}}
	}
	for name, c := range map[string]struct {
		event   string
		payload any
		want    []forge.Event
	}{
		"opened":      {"pull_request", prEvent("opened", ghPull("open", false)), reviewOf(forge.TriggerOpened)},
		"synchronize": {"pull_request", prEvent("synchronize", ghPull("open", false)), reviewOf(forge.TriggerNewHead)},
		"reopened":    {"pull_request", prEvent("reopened", ghPull("open", false)), reviewOf(forge.TriggerReopened)},
		"ready":       {"pull_request", prEvent("ready_for_review", ghPull("open", false)), reviewOf(forge.TriggerChanged)},
		"title edited": {"pull_request", &github.PullRequestEvent{Action: github.Ptr("edited"), PullRequest: ghPull("open", false),
			Repo: ghRepo, Installation: inst, Changes: &github.EditChange{Title: &github.EditTitle{From: github.Ptr("old")}}}, nil},
		"base edited": {"pull_request", &github.PullRequestEvent{Action: github.Ptr("edited"), PullRequest: ghPull("open", false),
			Repo: ghRepo, Installation: inst, Changes: &github.EditChange{Base: &github.EditBase{Ref: &github.EditRef{From: github.Ptr("dev")}}}},
			reviewOf(forge.TriggerChanged)},
		"merged":                  {"pull_request", prEvent("closed", ghPull("closed", true)), []forge.Event{forge.RequestClosed{Pull: merged, UpdatedAt: updated}}},
		"to draft":                {"pull_request", prEvent("converted_to_draft", ghPull("open", false)), []forge.Event{forge.RequestUpdated{Pull: pull, UpdatedAt: updated}}},
		"labeled":                 {"pull_request", prEvent("labeled", ghPull("open", false)), nil},
		"check run rerun":         {"check_run", checkRun(11), rerunOf},
		"another app's check run": {"check_run", checkRun(12), nil},
		"check suite rerun": {"check_suite", &github.CheckSuiteEvent{Action: github.Ptr("rerequested"), Repo: ghRepo, Installation: inst,
			CheckSuite: &github.CheckSuite{PullRequests: []*github.PullRequest{ghPull("open", false)}}}, rerunOf},
		"command": {"issue_comment", comment("carol", "User", "please\n/tmbot review", true), []forge.Event{forge.ReviewRequested{
			Pull: forge.PullRequest{Repo: repo, Number: 5}, Trigger: forge.TriggerCommand, Requester: "carol", Force: true, CommandOnly: true}}},
		"a bot's command":       {"issue_comment", comment("ci[bot]", "Bot", "/tmbot review", true), nil},
		"command on an issue":   {"issue_comment", comment("carol", "User", "/tmbot review", false), nil},
		"command inside a line": {"issue_comment", comment("carol", "User", "try /tmbot review", true), nil},
		"push to main":          {"push", push("refs/heads/main", false), []forge.Event{forge.DefaultBranchMoved{Repo: repo}}},
		"push to a branch":      {"push", push("refs/heads/feature", false), nil},
		"main deleted":          {"push", push("refs/heads/main", true), nil},
		"tracking issue closed": {"issues", issue("closed", "alice", "threat-model", ""), []forge.Event{forge.TrackingIssueChanged{Repo: repo}}},
		"marked issue reopened": {"issues", issue("reopened", "alice", "bug", "<!-- tmbot:pay/m1 -->"), []forge.Event{forge.TrackingIssueChanged{Repo: repo, Reopened: true}}},
		"untracked issue":       {"issues", issue("closed", "alice", "bug", "a bug"), nil},
		"the bot closed it":     {"issues", issue("closed", "tmbot[bot]", "threat-model", ""), nil},
		"installed": {"installation", &github.InstallationEvent{Action: github.Ptr("created"), Installation: inst,
			Repositories: []*github.Repository{{ID: github.Ptr(int64(70)), Name: github.Ptr("pay"), FullName: github.Ptr("acme/pay")}}},
			[]forge.Event{forge.InstallationChanged{Installation: &forge.Installation{ID: 7, Account: "acme"},
				Added: []forge.Repo{{Forge: "github", Installation: 7, ID: 70, Owner: "acme", Name: "pay"}}}}},
		"suspended": {"installation", &github.InstallationEvent{Action: github.Ptr("suspend"), Installation: inst},
			[]forge.Event{forge.InstallationChanged{Installation: &forge.Installation{ID: 7, Account: "acme", Suspended: true}}}},
		"uninstalled": {"installation", &github.InstallationEvent{Action: github.Ptr("deleted"), Installation: inst},
			[]forge.Event{forge.InstallationChanged{Installation: &forge.Installation{ID: 7}, Deleted: true}}},
		"repositories changed": {"installation_repositories", &github.InstallationRepositoriesEvent{Action: github.Ptr("removed"),
			Installation: inst, RepositoriesRemoved: []*github.Repository{{ID: github.Ptr(int64(70)), Name: github.Ptr("pay"), FullName: github.Ptr("acme/pay")}}},
			[]forge.Event{forge.InstallationChanged{Installation: &forge.Installation{ID: 7, Account: "acme"},
				Removed: []forge.Repo{{Forge: "github", Installation: 7, ID: 70, Owner: "acme", Name: "pay"}}}}},
	} {
		body, err := json.Marshal(c.payload)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ghforge.ParseWebhook(c.event, body, 11)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", name, got, c.want)
		}
	}
	if evs, err := ghforge.ParseWebhook("star", []byte("not even JSON"), 11); evs != nil || err != nil {
		t.Errorf("an event the service does not act on: %+v, %v", evs, err)
	}
	if _, err := ghforge.ParseWebhook("pull_request", []byte(`{"action":`), 11); err == nil {
		t.Error("a truncated payload parsed")
	}
}
