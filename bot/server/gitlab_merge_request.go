package server

import (
	"context"
	"strconv"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/tmbot/tmbot/bot/commitid"
	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/queue"
	"github.com/tmbot/tmbot/bot/store"
)

// mergeRequestHookHandler: open, reopen, an update that changed the code
// (oldrev is present only then) or the target branch, and a draft marked
// ready → review; merge → remember it and reconcile the tracking; close →
// remember it. Other updates (title, labels, approvals…) do nothing.
//
// GitLab's payload does not name the base commit. When the store knows
// the request (with its base), the stored base is kept; otherwise the
// review is queued without storing the request, and the job reads it from
// GitLab with its diff refs.
type mergeRequestHookHandler struct{}

// Reasons of the reviews a merge request hook queues. The first two are
// the job's names for a new request and a new head (which let it skip
// looking for an earlier comment or status).
const (
	reasonOpened      = "pull_request.opened"
	reasonSynchronize = "pull_request.synchronize"
)

func (mergeRequestHookHandler) Handle(ctx context.Context, d *delivery, e any) error {
	ev := e.(*gl.MergeEvent)
	a := ev.ObjectAttributes
	repo := gitlabRepo(ev.Project.ID, ev.Project.PathWithNamespace, ev.Project.DefaultBranch)
	if a.TargetProjectID != 0 && ev.Project.ID != 0 && a.TargetProjectID != ev.Project.ID && a.Target != nil {
		// Delivered to the source project's hooks: the request lives in
		// the target.
		repo = gitlabRepo(a.TargetProjectID, a.Target.PathWithNamespace, a.Target.DefaultBranch)
	}
	if repo.Name == "" || a.IID <= 0 {
		return nil
	}
	if err := d.s.store.UpsertRepo(ctx, d.tx, repo); err != nil {
		return err
	}
	headRepo := repo.FullName()
	if a.SourceProjectID != 0 && a.TargetProjectID != 0 && a.SourceProjectID != a.TargetProjectID {
		headRepo = "project:" + strconv.FormatInt(a.SourceProjectID, 10)
		if a.Source != nil && a.Source.PathWithNamespace != "" {
			headRepo = a.Source.PathWithNamespace
		}
	}
	pull := store.Pull{PullRequest: forge.PullRequest{Repo: repo, Number: int(a.IID), Title: a.Title,
		BaseRef: a.TargetBranch, HeadSHA: a.LastCommit.ID, HeadRepo: headRepo, Draft: a.Draft || a.WorkInProgress,
		State: gitlabPullState(a.State)}, UpdatedAt: gitlabTime(a.UpdatedAt)}
	stored, known := d.gitlabStored(pull.Key())
	switch {
	case known:
		pull.Author = stored.Author
	case a.Action == "open" && ev.User != nil:
		pull.Author = ev.User.Username
	}
	switch a.Action {
	case "open":
		return d.gitlabReview(pull, stored, known, reasonOpened)
	case "reopen":
		pull.State = "open"
		return d.gitlabReview(pull, stored, known, "merge_request.reopen")
	case "update":
		ch := ev.Changes
		switch {
		case a.OldRev != "":
			return d.gitlabReview(pull, stored, known, reasonSynchronize)
		case ch.TargetBranch.Current != "" && ch.TargetBranch.Current != ch.TargetBranch.Previous:
			return d.gitlabReview(pull, stored, known, "merge_request.retarget")
		case ch.Draft.Previous && !ch.Draft.Current:
			return d.gitlabReview(pull, stored, known, "merge_request.ready")
		case ch.Draft.Current != ch.Draft.Previous:
			return d.gitlabRemember(pull, stored, known)
		}
		return nil
	case "merge":
		pull.State = "merged"
		if err := d.gitlabRemember(pull, stored, known); err != nil {
			return err
		}
		if pull.BaseRef != repo.DefaultBranch {
			return nil
		}
		// The models landed: the same reconcile as the push (one job per
		// repository: never a second issue); then, when the store knows the
		// request's base, its note links the issues that opened.
		args := queue.TrackArgs{RepoKey: repo.Key(), Repo: repo, Reason: "merge_request.merge"}
		if known {
			args.PRKeys = []string{pull.Key()}
		}
		return d.s.queue.InsertTrackTx(ctx, d.tx, args)
	case "close":
		pull.State = "closed"
		return d.gitlabRemember(pull, stored, known)
	}
	return nil
}

// gitlabReview queues the review of a request: with its stored base when
// the store knows it, else without storing it (the job reads it from
// GitLab). A known request whose target branch changed is read at the new
// target branch's head.
func (d *delivery) gitlabReview(pull store.Pull, stored store.Pull, known bool, reason string) error {
	if !known {
		// Remember the request without its base (the job reads the base
		// from GitLab when the stored one is empty), so that its merge
		// later updates its note with the issues that opened.
		pull.BaseSHA = ""
		return d.enqueueReview(pull, reason, "", false)
	}
	pull.BaseSHA = stored.BaseSHA
	if stored.BaseRef != pull.BaseRef || stored.BaseSHA == "" {
		pull.BaseSHA = pull.BaseRef
	}
	return d.enqueueReview(pull, reason, "", false)
}

// gitlabRemember records a request's new state when the store knows it
// (keeping its base; a merged request keeps only a base that is a commit,
// as its target branch has moved past the merge).
func (d *delivery) gitlabRemember(pull store.Pull, stored store.Pull, known bool) error {
	if !known {
		return nil
	}
	pull.BaseSHA = stored.BaseSHA
	if pull.State == "merged" && !commitid.Valid(pull.BaseSHA) {
		pull.BaseSHA = ""
	}
	_, err := d.s.store.UpsertPull(d.ctx(), d.tx, pull)
	return err
}
