package gitlab

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/review"
)

// GitLab webhooks: events
//
// ParseWebhook reads an authenticated delivery (webhook_auth.go) into the
// forge's neutral events: Merge Request Hook (open, reopen, an update that
// changed the code or the target branch, a draft marked ready → review;
// merge → merged, which reconciles the tracking; close → closed), Push
// Hook to the default branch (→ the default branch moved), Issue Hook (a
// person closed or reopened a tracking issue), Note Hook ("/tmbot review"
// on a merge request → review, if the author may push, which the job
// checks). Every delivery that names its project also names it in an
// InstallationChanged, so that the resync knows it.
//
// GitLab's merge request payload does not name the base commit: its
// ReviewRequested, RequestUpdated and RequestClosed say NoBase.

// ParseWebhook reads an authenticated delivery of event (X-Gitlab-Event)
// into neutral events. isBot says whether a username is the bot's: the
// bot's own issue events and notes are not acted on. An event the service
// does not act on (a pipeline, a note on a snippet) is not parsed, or
// gives no events.
func ParseWebhook(event string, body []byte, isBot func(username string) bool) ([]forge.Event, error) {
	switch gl.EventType(event) {
	case gl.EventTypeMergeRequest, gl.EventTypePush, gl.EventTypeIssue, gl.EventConfidentialIssue,
		gl.EventTypeNote, gl.EventConfidentialNote:
	default:
		return nil, nil
	}
	if (event == string(gl.EventTypeNote) || event == string(gl.EventConfidentialNote)) && !onMergeRequest(body) {
		return nil, nil // a note on an issue, a commit, a snippet, a design…
	}
	p, err := gl.ParseWebhook(gl.EventType(event), body)
	if err != nil {
		return nil, fmt.Errorf("parse the %s payload: %w", event, err)
	}
	switch ev := p.(type) {
	case *gl.MergeEvent:
		return mergeRequestEvents(ev), nil
	case *gl.PushEvent:
		return pushEvents(ev), nil
	case *gl.IssueEvent:
		return issueEvents(ev, isBot), nil
	case *gl.MergeCommentEvent:
		return noteEvents(ev, isBot), nil
	}
	return nil, nil
}

// onMergeRequest reports whether a note's payload is about a merge
// request (a payload that does not decode is, so that parsing it says
// what is wrong).
func onMergeRequest(body []byte) bool {
	var note struct {
		ObjectAttributes struct {
			NoteableType string `json:"noteable_type"`
		} `json:"object_attributes"`
	}
	if err := json.Unmarshal(body, &note); err != nil {
		return true
	}
	return note.ObjectAttributes.NoteableType == "MergeRequest"
}

// known says the service now knows a project (GitLab has no installations).
func known(repo forge.Repo) forge.Event { return forge.InstallationChanged{Added: []forge.Repo{repo}} }

// mergeRequestEvents: other updates than those named above (title,
// labels, approvals…) only make the project known.
func mergeRequestEvents(ev *gl.MergeEvent) []forge.Event {
	a := ev.ObjectAttributes
	repo := webhookRepo(ev.Project.ID, ev.Project.PathWithNamespace, ev.Project.DefaultBranch)
	if a.TargetProjectID != 0 && ev.Project.ID != 0 && a.TargetProjectID != ev.Project.ID && a.Target != nil {
		// Delivered to the source project's hooks: the request lives in
		// the target.
		repo = webhookRepo(a.TargetProjectID, a.Target.PathWithNamespace, a.Target.DefaultBranch)
	}
	if repo.Name == "" || a.IID <= 0 {
		return nil
	}
	headRepo := repo.FullName()
	if a.SourceProjectID != 0 && a.TargetProjectID != 0 && a.SourceProjectID != a.TargetProjectID {
		headRepo = "project:" + strconv.FormatInt(a.SourceProjectID, 10)
		if a.Source != nil && a.Source.PathWithNamespace != "" {
			headRepo = a.Source.PathWithNamespace
		}
	}
	pull := forge.PullRequest{Repo: repo, Number: int(a.IID), Title: a.Title, BaseRef: a.TargetBranch,
		HeadSHA: a.LastCommit.ID, HeadRepo: headRepo, Draft: a.Draft || a.WorkInProgress, State: webhookPullState(a.State)}
	if a.Action == "open" && ev.User != nil {
		pull.Author = ev.User.Username // the store's author, when it knows the request, is kept
	}
	updated := webhookTime(a.UpdatedAt)
	out := []forge.Event{known(repo)}
	review := func(t forge.Trigger) []forge.Event {
		return append(out, forge.ReviewRequested{Pull: pull, UpdatedAt: updated, Trigger: t, NoBase: true})
	}
	switch a.Action {
	case "open":
		return review(forge.TriggerOpened)
	case "reopen":
		pull.State = "open"
		return review(forge.TriggerReopened)
	case "update":
		ch := ev.Changes
		switch {
		case a.OldRev != "": // oldrev is present only when the code changed
			return review(forge.TriggerNewHead)
		case ch.TargetBranch.Current != "" && ch.TargetBranch.Current != ch.TargetBranch.Previous:
			return review(forge.TriggerChanged)
		case ch.Draft.Previous && !ch.Draft.Current:
			return review(forge.TriggerChanged)
		case ch.Draft.Current != ch.Draft.Previous:
			return append(out, forge.RequestUpdated{Pull: pull, UpdatedAt: updated, NoBase: true})
		}
	case "merge":
		pull.State = "merged"
		return append(out, forge.RequestClosed{Pull: pull, UpdatedAt: updated, NoBase: true})
	case "close":
		pull.State = "closed"
		return append(out, forge.RequestClosed{Pull: pull, UpdatedAt: updated, NoBase: true})
	}
	return out
}

// pushEvents: a push to the default branch (not its deletion).
func pushEvents(ev *gl.PushEvent) []forge.Event {
	id := ev.Project.ID
	if id == 0 {
		id = ev.ProjectID
	}
	repo := webhookRepo(id, ev.Project.PathWithNamespace, ev.Project.DefaultBranch)
	if repo.Name == "" {
		return nil
	}
	out := []forge.Event{known(repo)}
	branch, isBranch := strings.CutPrefix(ev.Ref, "refs/heads/")
	if !isBranch || repo.DefaultBranch == "" || branch != repo.DefaultBranch || strings.Trim(ev.After, "0") == "" {
		return out
	}
	return append(out, forge.DefaultBranchMoved{Repo: repo})
}

// issueEvents: a person (not the bot) closed or reopened an issue with
// the tracking label or marker.
func issueEvents(ev *gl.IssueEvent, isBot func(string) bool) []forge.Event {
	repo := webhookRepo(ev.Project.ID, ev.Project.PathWithNamespace, ev.Project.DefaultBranch)
	if repo.Name == "" {
		return nil
	}
	out := []forge.Event{known(repo)}
	a := ev.ObjectAttributes
	if a.Action != "close" && a.Action != "reopen" || ev.User != nil && isBot(ev.User.Username) {
		return out
	}
	tracked := strings.Contains(a.Description, forge.TrackingMarkerPrefix)
	for _, ls := range [][]*gl.EventLabel{ev.Labels, a.Labels} {
		for _, l := range ls {
			tracked = tracked || (l != nil && l.Title == forge.TrackingLabel)
		}
	}
	if !tracked {
		return out
	}
	return append(out, forge.TrackingIssueChanged{Repo: repo, Reopened: a.Action == "reopen"})
}

// noteEvents: the review command in a new note on a merge request, by a
// person (not the bot, not a system note, not one of the bot's review
// notes).
func noteEvents(ev *gl.MergeCommentEvent, isBot func(string) bool) []forge.Event {
	id := ev.Project.ID
	if id == 0 {
		id = ev.ProjectID
	}
	repo := webhookRepo(id, ev.Project.PathWithNamespace, ev.Project.DefaultBranch)
	if repo.Name == "" {
		return nil
	}
	out := []forge.Event{known(repo)}
	a := ev.ObjectAttributes
	if (a.Action != "" && a.Action != "create") || a.System || ev.MergeRequest.IID <= 0 || ev.User == nil {
		return out
	}
	if strings.HasPrefix(strings.TrimSpace(a.Note), review.Marker) || isBot(ev.User.Username) || !forge.IsReviewCommand(a.Note) {
		return out
	}
	pull := forge.PullRequest{Repo: repo, Number: int(ev.MergeRequest.IID)}
	return append(out, forge.ReviewRequested{Pull: pull, Trigger: forge.TriggerCommand, Requester: ev.User.Username,
		Force: ev.User.Username != "", CommandOnly: true})
}

// webhookRepo is a project as the forge names it: the namespace's full
// path and the project's path, installation 0, the project's id.
func webhookRepo(id int64, pathWithNamespace, defaultBranch string) forge.Repo {
	owner, name := "", pathWithNamespace
	if i := strings.LastIndex(pathWithNamespace, "/"); i >= 0 {
		owner, name = pathWithNamespace[:i], pathWithNamespace[i+1:]
	}
	return forge.Repo{Forge: "gitlab", ID: id, Owner: owner, Name: name, DefaultBranch: defaultBranch}
}

// webhookTime reads the times of GitLab's payloads
// ("2013-12-03T17:23:34Z", or "2013-12-03 17:23:34 UTC" in older ones);
// now when it cannot.
func webhookTime(s string) time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05 MST", "2006-01-02 15:04:05 -0700"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t.UTC()
		}
	}
	return time.Now().UTC()
}

// webhookPullState is a merge request's state as the forge has it
// (GitLab's "opened" and "locked", which is merging, are open).
func webhookPullState(state string) string {
	switch state {
	case "merged", "closed":
		return state
	}
	return "open"
}

// accessTokenBot matches the usernames GitLab gives the bot users of
// project and group access tokens.
var accessTokenBot = regexp.MustCompile(`^(project|group)_\d+_bot(_[0-9a-f]+)?\d*$`)

// IsAccessTokenBot reports whether a username is of the form GitLab gives
// the bot users of project and group access tokens (project_<id>_bot…,
// group_<id>_bot…).
func IsAccessTokenBot(username string) bool { return accessTokenBot.MatchString(username) }
