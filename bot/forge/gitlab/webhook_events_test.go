package gitlab_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/forge"
	glforge "github.com/tmbot/tmbot/bot/forge/gitlab"
	"github.com/tmbot/tmbot/bot/forge/gitlab/gitlabtest"
)

// The fake GitLab's webhook payloads (in GitLab's shape) parse into the
// neutral events: each delivery that names its project makes it known,
// then says what it asks.
func TestParseWebhookEvents(t *testing.T) {
	g := gitlabtest.New(t)
	const proj = "acme/pay"
	id := g.AddProject(proj, "main")
	head := strings.Repeat("b", 40)
	g.AddMergeRequest(proj, gitlabtest.MergeRequest{IID: 3, Title: "Add a model", Author: "alice", SourceBranch: "feature",
		TargetBranch: "main", BaseSHA: strings.Repeat("a", 40), HeadSHA: head})
	tracked := g.AddIssue(proj, "tmbot", "Mitigate", "<!-- tmbot:pay/m1 -->", "threat-model")
	other := g.AddIssue(proj, "bob", "Unrelated", "a bug")
	repo := forge.Repo{Forge: "gitlab", ID: id, Owner: "acme", Name: "pay", DefaultBranch: "main"}
	isBot := func(u string) bool { return u == "tmbot" }
	parse := func(event string, body []byte) []forge.Event {
		t.Helper()
		evs, err := glforge.ParseWebhook(event, body, isBot)
		if err != nil {
			t.Fatalf("%s: %v", event, err)
		}
		return evs
	}
	knownRepo := forge.InstallationChanged{Added: []forge.Repo{repo}}
	review := func(evs []forge.Event) forge.ReviewRequested {
		t.Helper()
		if len(evs) != 2 || !reflect.DeepEqual(evs[0], knownRepo) {
			t.Fatalf("events %+v, want the project and a review", evs)
		}
		r, ok := evs[1].(forge.ReviewRequested)
		if !ok {
			t.Fatalf("second event %T, want a review", evs[1])
		}
		return r
	}

	opened := review(parse(gitlabtest.EventMergeRequest, g.MergeRequestHook(proj, 3, "open", "", "alice")))
	want := forge.PullRequest{Repo: repo, Number: 3, Title: "Add a model", BaseRef: "main", HeadSHA: head,
		HeadRepo: "acme/pay", State: "open", Author: "alice"}
	if opened.Trigger != forge.TriggerOpened || !opened.NoBase || opened.Force || opened.CommandOnly ||
		!reflect.DeepEqual(opened.Pull, want) {
		t.Errorf("open: %+v", opened)
	}
	pushed := review(parse(gitlabtest.EventMergeRequest, g.MergeRequestHook(proj, 3, "update", strings.Repeat("c", 40), "alice")))
	if pushed.Trigger != forge.TriggerNewHead || pushed.Pull.Author != "" {
		t.Errorf("update with oldrev: trigger %q, author %q (only an open names the author)", pushed.Trigger, pushed.Pull.Author)
	}
	if evs := parse(gitlabtest.EventMergeRequest, g.MergeRequestHook(proj, 3, "update", "", "alice")); !reflect.DeepEqual(evs, []forge.Event{knownRepo}) {
		t.Errorf("an update that changed nothing reviewed: %+v", evs)
	}
	if r := review(parse(gitlabtest.EventMergeRequest, g.MergeRequestHook(proj, 3, "reopen", "", "alice"))); r.Trigger != forge.TriggerReopened || r.Pull.State != "open" {
		t.Errorf("reopen: %+v", r)
	}
	for action, state := range map[string]string{"merge": "merged", "close": "closed"} {
		evs := parse(gitlabtest.EventMergeRequest, g.MergeRequestHook(proj, 3, action, "", "alice"))
		if c, ok := evs[len(evs)-1].(forge.RequestClosed); !ok || c.Pull.State != state || !c.NoBase || c.Pull.Number != 3 {
			t.Errorf("%s: %+v", action, evs)
		}
	}

	cmd := review(parse(gitlabtest.EventNote, g.NoteHook(proj, 3, "carol", "please\n/tmbot review\n")))
	if cmd.Trigger != forge.TriggerCommand || cmd.Requester != "carol" || !cmd.Force || !cmd.CommandOnly ||
		cmd.Pull.Number != 3 || cmd.Pull.Repo != repo {
		t.Errorf("command: %+v", cmd)
	}
	for name, body := range map[string][]byte{
		"the bot's note":    g.NoteHook(proj, 3, "tmbot", "/tmbot review"),
		"no command":        g.NoteHook(proj, 3, "carol", "looks good, /tmbot review later"),
		"the review itself": g.NoteHook(proj, 3, "carol", "<!-- tmbot:review -->\n/tmbot review"),
	} {
		if evs := parse(gitlabtest.EventNote, body); !reflect.DeepEqual(evs, []forge.Event{knownRepo}) {
			t.Errorf("%s: %+v", name, evs)
		}
	}

	if evs := parse(gitlabtest.EventPush, g.PushHook(proj, "main", head, strings.Repeat("d", 40), "alice")); !reflect.DeepEqual(evs,
		[]forge.Event{knownRepo, forge.DefaultBranchMoved{Repo: repo}}) {
		t.Errorf("push to main: %+v", evs)
	}
	for name, body := range map[string][]byte{
		"other branch":   g.PushHook(proj, "feature", head, strings.Repeat("d", 40), "alice"),
		"branch deleted": g.PushHook(proj, "main", head, strings.Repeat("0", 40), "alice"),
	} {
		if evs := parse(gitlabtest.EventPush, body); !reflect.DeepEqual(evs, []forge.Event{knownRepo}) {
			t.Errorf("push, %s: %+v", name, evs)
		}
	}

	if evs := parse(gitlabtest.EventIssue, g.IssueHook(proj, tracked, "close", "alice")); !reflect.DeepEqual(evs,
		[]forge.Event{knownRepo, forge.TrackingIssueChanged{Repo: repo}}) {
		t.Errorf("a person closed a tracking issue: %+v", evs)
	}
	if evs := parse(gitlabtest.EventIssue, g.IssueHook(proj, tracked, "reopen", "alice")); !reflect.DeepEqual(evs,
		[]forge.Event{knownRepo, forge.TrackingIssueChanged{Repo: repo, Reopened: true}}) {
		t.Errorf("a person reopened a tracking issue: %+v", evs)
	}
	for name, body := range map[string][]byte{
		"the bot closed it":   g.IssueHook(proj, tracked, "close", "tmbot"),
		"an untracked issue":  g.IssueHook(proj, other, "close", "alice"),
		"an edit, not closed": g.IssueHook(proj, tracked, "update", "alice"),
	} {
		if evs := parse(gitlabtest.EventIssue, body); !reflect.DeepEqual(evs, []forge.Event{knownRepo}) {
			t.Errorf("issue, %s: %+v", name, evs)
		}
	}

	for _, noteable := range []string{"Issue", "Commit", "Snippet", "DesignManagement::Design"} {
		body := `{"object_kind":"note","project":{"id":1,"path_with_namespace":"acme/pay"},` +
			`"object_attributes":{"noteable_type":"` + noteable + `","note":"/tmbot review","action":"create"}}`
		if evs, err := glforge.ParseWebhook(gitlabtest.EventNote, []byte(body), isBot); evs != nil || err != nil {
			t.Errorf("a note on a %s: %+v, %v", noteable, evs, err)
		}
	}
	if evs, err := glforge.ParseWebhook("Pipeline Hook", []byte("not even JSON"), isBot); evs != nil || err != nil {
		t.Errorf("an event the service does not act on: %+v, %v", evs, err)
	}
	if _, err := glforge.ParseWebhook(gitlabtest.EventMergeRequest, []byte(`{"object_kind":`), isBot); err == nil {
		t.Error("a truncated payload parsed")
	}
}
