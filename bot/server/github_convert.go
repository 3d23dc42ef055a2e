package server

import (
	"strings"
	"time"

	"github.com/google/go-github/v92/github"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/queue"
	"github.com/tmbot/tmbot/bot/store"
)

func githubRepo(installation *github.Installation, r *github.Repository) forge.Repo {
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

func githubPull(repo forge.Repo, p *github.PullRequest) store.Pull {
	state := p.GetState()
	if p.GetMerged() || (state == "closed" && p.MergedAt != nil) {
		state = "merged"
	}
	updated := p.GetUpdatedAt().Time
	if updated.IsZero() {
		updated = time.Now().UTC()
	}
	return store.Pull{
		PullRequest: forge.PullRequest{
			Repo: repo, Number: p.GetNumber(), Title: p.GetTitle(),
			BaseRef: p.GetBase().GetRef(), BaseSHA: p.GetBase().GetSHA(), HeadSHA: p.GetHead().GetSHA(),
			HeadRepo: p.GetHead().GetRepo().GetFullName(), Draft: p.GetDraft(), State: state, Author: p.GetUser().GetLogin(),
		},
		UpdatedAt: updated,
	}
}

// enqueueReview records the request's newest state and queues its review,
// in the delivery's transaction.
func (d *delivery) enqueueReview(pull store.Pull, reason, requester string, force bool) error {
	if _, err := d.s.store.UpsertPull(d.ctx(), d.tx, pull); err != nil {
		return err
	}
	return d.s.queue.InsertReviewTx(d.ctx(), d.tx, queue.ReviewArgs{PRKey: pull.Key(), Repo: pull.Repo,
		Number: pull.Number, Reason: reason, Requester: requester, Force: force})
}

// enqueueOnly queues a review without recording the request's state: the
// job reads the request from the forge when the store does not know it.
func (d *delivery) enqueueOnly(repo forge.Repo, number int, key, reason, requester string) error {
	return d.s.queue.InsertReviewTx(d.ctx(), d.tx, queue.ReviewArgs{PRKey: key, Repo: repo, Number: number,
		Reason: reason, Requester: requester, Force: requester != ""})
}
