package forge

import (
	"strings"
	"time"
)

// Events: what a webhook delivery asks of the service, in words that name
// no forge. Each adapter (bot/forge/github, bot/forge/gitlab) verifies its
// own deliveries and parses them into these; bot/server has one small
// handler per event, and the jobs see only the Trigger of a review.

// Event is one of ReviewRequested, RequestUpdated, RequestClosed,
// DefaultBranchMoved, TrackingIssueChanged, InstallationChanged.
type Event interface{ isEvent() }

// Trigger says why a review was asked for. The jobs decide on it: a new
// request has no earlier comment or check to look for, a new head no
// earlier check; a merged request is reviewed once more after its models
// landed.
type Trigger string

// The triggers of a review.
const (
	// TriggerOpened: a request was opened.
	TriggerOpened Trigger = "opened"
	// TriggerNewHead: commits were pushed to a request.
	TriggerNewHead Trigger = "new_head"
	// TriggerReopened: a closed request was reopened.
	TriggerReopened Trigger = "reopened"
	// TriggerChanged: a request changed otherwise in a way that asks for a
	// review (a draft marked ready, a new target branch).
	TriggerChanged Trigger = "changed"
	// TriggerRerun: a person asked the forge to run the check again.
	TriggerRerun Trigger = "rerun"
	// TriggerCommand: a person commented the review command.
	TriggerCommand Trigger = "command"
	// TriggerResync: the periodic catch-up found a head without a review.
	TriggerResync Trigger = "resync"
	// TriggerMerged: a merged request is reviewed again once its models
	// landed, so that its comment links the issues that opened.
	TriggerMerged Trigger = "merged"
	// TriggerCI: `tmbot ci` runs a review inside the forge's CI.
	TriggerCI Trigger = "ci"
)

// NewRequest reports whether the trigger is a request's first review (no
// earlier comment or check can exist).
func (t Trigger) NewRequest() bool { return t == TriggerOpened }

// NewHead reports whether the trigger is the first review of a head (no
// earlier check of it can exist).
func (t Trigger) NewHead() bool { return t == TriggerOpened || t == TriggerNewHead }

// ReviewRequested asks for a review of one request.
type ReviewRequested struct {
	// Pull is the request as the payload has it. A command names only
	// Repo and Number.
	Pull PullRequest
	// UpdatedAt is when the forge last changed the request (now when the
	// payload does not say).
	UpdatedAt time.Time
	Trigger   Trigger
	// Requester is who commented the command; the job checks that they
	// may write to the repository.
	Requester string
	// Force writes the check again even when nothing changed.
	Force bool
	// NoBase: the payload does not name the base commit (GitLab's merge
	// request events). The stored base is kept while the target branch is
	// the same; else the job reads it from the forge.
	NoBase bool
	// Partial: the payload's copy of the request is partial (a check's);
	// what the store knows of the request is kept when it knows it.
	Partial bool
	// CommandOnly: queue the review without recording the request (a
	// command names only the request; the job reads it).
	CommandOnly bool
}

// RequestUpdated records a request's new state without a review (a
// request turned into a draft).
type RequestUpdated struct {
	Pull      PullRequest
	UpdatedAt time.Time
	// NoBase: as in ReviewRequested; the state is recorded only when the
	// store knows the request.
	NoBase bool
}

// RequestClosed says a request was closed, or merged (Pull.State
// "merged"). A merge into the default branch reconciles the tracking.
type RequestClosed struct {
	Pull      PullRequest
	UpdatedAt time.Time
	// NoBase: as in ReviewRequested; the state is recorded, and the merged
	// request's comment updated after the reconcile, only when the store
	// knows the request.
	NoBase bool
}

// DefaultBranchMoved says commits landed on a repository's default branch.
type DefaultBranchMoved struct{ Repo Repo }

// TrackingIssueChanged says a person (not the bot) closed or reopened an
// issue the bot tracks.
type TrackingIssueChanged struct {
	Repo Repo
	// Reopened: the issue was reopened (else closed).
	Reopened bool
}

// InstallationChanged says what the service may now see: an App
// installation created, changed, suspended or deleted, repositories added
// or removed. GitLab has no installations: a project's delivery names it
// in Added, so that the resync knows it.
type InstallationChanged struct {
	// Installation is nil when only repositories changed under no
	// installation record (GitLab).
	Installation *Installation
	// Deleted: the installation is gone, with its repositories.
	Deleted bool
	Added   []Repo
	Removed []Repo
}

// Installation is an App installation as a webhook names it.
type Installation struct {
	ID        int64
	Account   string
	Suspended bool
}

func (ReviewRequested) isEvent()      {}
func (RequestUpdated) isEvent()       {}
func (RequestClosed) isEvent()        {}
func (DefaultBranchMoved) isEvent()   {}
func (TrackingIssueChanged) isEvent() {}
func (InstallationChanged) isEvent()  {}

// ReviewCommand is what a person comments on a request to get a new
// review.
const ReviewCommand = "/tmbot review"

// IsReviewCommand reports whether a comment has the review command on a
// line of its own.
func IsReviewCommand(body string) bool {
	for _, line := range strings.Split(body, "\n") {
		if strings.TrimSpace(line) == ReviewCommand {
			return true
		}
	}
	return false
}
