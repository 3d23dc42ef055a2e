package github

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"strings"
	"time"

	"github.com/google/go-github/v92/github"

	"github.com/tmbot/tmbot/bot/forge"
)

// GitHub webhooks
//
// A delivery is authenticated by X-Hub-Signature-256, the HMAC-SHA256 of
// its body under the webhook secret: NewSignature reads the header before
// the body is read (a delivery without one is refused unread), the HMACs
// are computed while the body is read (Signature.Writer), and Verify
// compares them in constant time. Only then does ParseWebhook read the
// body, into the forge's neutral events (bot/forge/event.go).

// Signature checks one delivery's X-Hub-Signature-256 under the current
// webhook secret and, while one is rotated, the previous one.
type Signature struct {
	sig           []byte
	current, prev hash.Hash // prev is nil without a distinct previous secret
}

// NewSignature reads X-Hub-Signature-256 ("sha256=" and 64 hex digits).
// ok is false when the header is missing or malformed, or there is no
// current secret: the delivery is refused before its body is read.
func NewSignature(header, current, previous string) (s *Signature, ok bool) {
	h, ok := strings.CutPrefix(header, "sha256=")
	if !ok || len(h) != 2*sha256.Size || current == "" {
		return nil, false
	}
	sig, err := hex.DecodeString(h)
	if err != nil {
		return nil, false
	}
	s = &Signature{sig: sig, current: hmac.New(sha256.New, []byte(current))}
	if previous != "" && previous != current {
		s.prev = hmac.New(sha256.New, []byte(previous))
	}
	return s, true
}

// Writer is where the body goes as it is read: it feeds the HMACs.
func (s *Signature) Writer() io.Writer {
	if s.prev == nil {
		return s.current
	}
	return io.MultiWriter(s.current, s.prev)
}

// Verify reports whether the body written to Writer matches the signature
// under either secret, and whether only the previous secret matched. Both
// are compared whatever the first answer, so the time taken does not tell
// which matched.
func (s *Signature) Verify() (ok, previousOnly bool) {
	cur := hmac.Equal(s.sig, s.current.Sum(nil))
	prev := s.prev != nil && hmac.Equal(s.sig, s.prev.Sum(nil))
	return cur || prev, prev && !cur
}

// ParseWebhook reads a verified delivery of event (X-GitHub-Event) into
// neutral events. appID is the App's id: a check run of another App is
// not ours to run again (0 takes every App's). An event the service does
// not act on is not parsed and gives no events.
func ParseWebhook(event string, body []byte, appID int64) ([]forge.Event, error) {
	switch event {
	case "pull_request", "check_run", "check_suite", "issue_comment", "installation",
		"installation_repositories", "push", "issues":
	default:
		return nil, nil
	}
	p, err := github.ParseWebHook(event, body)
	if err != nil {
		return nil, fmt.Errorf("parse the %s payload: %w", event, err)
	}
	switch ev := p.(type) {
	case *github.PullRequestEvent:
		return pullRequestEvents(ev), nil
	case *github.CheckRunEvent:
		if ev.GetAction() != "rerequested" || ev.GetCheckRun().GetApp().GetID() != appID && appID != 0 {
			return nil, nil
		}
		return rerun(ev.Installation, ev.GetRepo(), ev.GetCheckRun().PullRequests), nil
	case *github.CheckSuiteEvent:
		if ev.GetAction() != "rerequested" {
			return nil, nil
		}
		return rerun(ev.Installation, ev.GetRepo(), ev.GetCheckSuite().PullRequests), nil
	case *github.IssueCommentEvent:
		return commentEvents(ev), nil
	case *github.InstallationEvent:
		return installationEvents(ev), nil
	case *github.InstallationRepositoriesEvent:
		inst := ev.GetInstallation()
		changed := forge.InstallationChanged{Installation: &forge.Installation{ID: inst.GetID(), Account: inst.GetAccount().GetLogin()}}
		for _, r := range ev.RepositoriesAdded {
			changed.Added = append(changed.Added, webhookRepo(inst, r))
		}
		for _, r := range ev.RepositoriesRemoved {
			changed.Removed = append(changed.Removed, webhookRepo(inst, r))
		}
		return []forge.Event{changed}, nil
	case *github.PushEvent:
		return pushEvents(ev), nil
	case *github.IssuesEvent:
		return issuesEvents(ev), nil
	}
	return nil, nil
}

// pullRequestEvents: opened, synchronize, reopened, ready_for_review, and
// edited when the base changed → review; closed → closed or merged;
// converted_to_draft → remember it.
func pullRequestEvents(ev *github.PullRequestEvent) []forge.Event {
	pull, updated := webhookPull(webhookRepo(ev.Installation, ev.GetRepo()), ev.GetPullRequest())
	review := func(t forge.Trigger) []forge.Event {
		return []forge.Event{forge.ReviewRequested{Pull: pull, UpdatedAt: updated, Trigger: t}}
	}
	switch ev.GetAction() {
	case "opened":
		return review(forge.TriggerOpened)
	case "synchronize":
		return review(forge.TriggerNewHead)
	case "reopened":
		return review(forge.TriggerReopened)
	case "ready_for_review":
		return review(forge.TriggerChanged)
	case "edited":
		if ev.GetChanges().GetBase() == nil {
			return nil // title or body: nothing to review again
		}
		return review(forge.TriggerChanged)
	case "closed":
		return []forge.Event{forge.RequestClosed{Pull: pull, UpdatedAt: updated}}
	case "converted_to_draft":
		return []forge.Event{forge.RequestUpdated{Pull: pull, UpdatedAt: updated}}
	}
	return nil
}

// rerun: a person asked GitHub to run the check (or all checks) again: a
// forced review of each request the check belongs to. A check on a fork's
// request lists no request; those are found again by the next push or the
// resync.
func rerun(inst *github.Installation, r *github.Repository, prs []*github.PullRequest) []forge.Event {
	repo := webhookRepo(inst, r)
	var out []forge.Event
	for _, p := range prs {
		pull, updated := webhookPull(repo, p)
		pull.State = "open"
		out = append(out, forge.ReviewRequested{Pull: pull, UpdatedAt: updated, Trigger: forge.TriggerRerun,
			Force: true, Partial: true})
	}
	return out
}

// commentEvents: the review command in a new comment on a pull request, by
// a person. Whether they may ask (write access) is checked by the job.
func commentEvents(ev *github.IssueCommentEvent) []forge.Event {
	if ev.GetAction() != "created" || !ev.GetIssue().IsPullRequest() {
		return nil
	}
	user := ev.GetComment().GetUser()
	if user.GetType() == "Bot" || !forge.IsReviewCommand(ev.GetComment().GetBody()) {
		return nil
	}
	pull := forge.PullRequest{Repo: webhookRepo(ev.Installation, ev.GetRepo()), Number: ev.GetIssue().GetNumber()}
	return []forge.Event{forge.ReviewRequested{Pull: pull, Trigger: forge.TriggerCommand, Requester: user.GetLogin(),
		Force: user.GetLogin() != "", CommandOnly: true}}
}

// installationEvents: the App was installed, uninstalled, suspended.
func installationEvents(ev *github.InstallationEvent) []forge.Event {
	inst := ev.GetInstallation()
	switch ev.GetAction() {
	case "deleted":
		return []forge.Event{forge.InstallationChanged{Installation: &forge.Installation{ID: inst.GetID()}, Deleted: true}}
	case "created", "new_permissions_accepted", "suspend", "unsuspend":
		changed := forge.InstallationChanged{Installation: &forge.Installation{ID: inst.GetID(),
			Account: inst.GetAccount().GetLogin(), Suspended: ev.GetAction() == "suspend"}}
		for _, r := range ev.Repositories {
			changed.Added = append(changed.Added, webhookRepo(inst, r))
		}
		return []forge.Event{changed}
	}
	return nil
}

// pushEvents: a push to the default branch (not its deletion).
func pushEvents(ev *github.PushEvent) []forge.Event {
	branch := strings.TrimPrefix(ev.GetRef(), "refs/heads/")
	def := ev.GetRepo().GetDefaultBranch()
	if def == "" || branch != def || ev.GetDeleted() {
		return nil
	}
	r := ev.GetRepo()
	repo := webhookRepo(ev.Installation, &github.Repository{ID: r.ID, Name: r.Name, FullName: r.FullName,
		DefaultBranch: r.DefaultBranch, Owner: &github.User{Login: r.GetOwner().Login}})
	if repo.Owner == "" {
		repo.Owner = r.GetOwner().GetName()
	}
	return []forge.Event{forge.DefaultBranchMoved{Repo: repo}}
}

// issuesEvents: a person (not a bot) closed or reopened an issue with the
// tracking label or marker.
func issuesEvents(ev *github.IssuesEvent) []forge.Event {
	if ev.GetSender().GetType() == "Bot" {
		return nil
	}
	if a := ev.GetAction(); a != "closed" && a != "reopened" {
		return nil
	}
	tracked := false
	for _, l := range ev.GetIssue().Labels {
		tracked = tracked || l.GetName() == forge.TrackingLabel
	}
	if !tracked && !strings.Contains(ev.GetIssue().GetBody(), forge.TrackingMarkerPrefix) {
		return nil
	}
	return []forge.Event{forge.TrackingIssueChanged{Repo: webhookRepo(ev.Installation, ev.GetRepo()),
		Reopened: ev.GetAction() == "reopened"}}
}

// webhookRepo is a payload's repository under its installation.
func webhookRepo(installation *github.Installation, r *github.Repository) forge.Repo {
	repo := forge.Repo{Forge: "github", ID: r.GetID(), Name: r.GetName(), DefaultBranch: r.GetDefaultBranch()}
	if installation != nil {
		repo.Installation = installation.GetID()
	}
	repo.Owner = r.GetOwner().GetLogin()
	if repo.Owner == "" { // installation payloads list repositories by full name only
		repo.Owner, _, _ = strings.Cut(r.GetFullName(), "/")
	}
	return repo
}

// webhookPull is a payload's pull request, and when GitHub last changed it
// (now when the payload does not say).
func webhookPull(repo forge.Repo, p *github.PullRequest) (forge.PullRequest, time.Time) {
	state := p.GetState()
	if p.GetMerged() || (state == "closed" && p.MergedAt != nil) {
		state = "merged"
	}
	updated := p.GetUpdatedAt().Time
	if updated.IsZero() {
		updated = time.Now().UTC()
	}
	return forge.PullRequest{
		Repo: repo, Number: p.GetNumber(), Title: p.GetTitle(),
		BaseRef: p.GetBase().GetRef(), BaseSHA: p.GetBase().GetSHA(), HeadSHA: p.GetHead().GetSHA(),
		HeadRepo: p.GetHead().GetRepo().GetFullName(), Draft: p.GetDraft(), State: state, Author: p.GetUser().GetLogin(),
	}, updated
}
