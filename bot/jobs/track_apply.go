package jobs

import (
	"context"
	"fmt"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/forge/retry"
	"github.com/tmbot/tmbot/bot/markdown"
	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/store"
	"github.com/tmbot/tmbot/bot/track"
)

// applyPlan carries out the plan's actions in order. Creations stop at
// creationsPerRun: the rest waits for the next run (a RateLimitError that
// snoozes the job for trackPause). Creates that failed in a way that may
// have made the issue are settled before it returns (settleCreates).
func (d *Runner) applyPlan(ctx context.Context, r *trackRun, actions []track.Action, issues []forge.Issue, remembered map[string]store.TrackedIssue) error {
	client, repo, cp := r.client, r.repo, r.cp
	created := 0
	var pending []track.Action
	var pendingErr error
	listed := map[int]bool{}
	for _, is := range issues {
		listed[is.Number] = true
	}
	for _, act := range actions {
		if act.Kind == track.Create && created == d.creationsPerRun() {
			if err := d.settleCreates(ctx, client, repo, r.label, pending, pendingErr, created, listed, remembered, cp); err != nil {
				return err
			}
			r.log.Info("spreading issue creation over several runs", "left", countKind(actions, track.Create)-created)
			return &forge.RateLimitError{Until: d.now().Add(d.trackPause()), Reason: "spreading issue creation"}
		}
		if act.Kind == track.Create {
			created++
			is, err := client.CreateIssue(ctx, repo, act.Spec)
			if err != nil {
				if !retry.Transient(err) {
					return fmt.Errorf("open the issue of %s in %s: %w", act.Key, repo.FullName(), err)
				}
				// It may have been made all the same: settled below.
				pending, pendingErr = append(pending, act), err
				if err := cp.notePending(ctx, act.Key); err != nil {
					return err
				}
				continue
			}
			if err := d.recordCreated(ctx, repo, act, is, remembered, cp); err != nil {
				return err
			}
			continue
		}
		if act.Kind == track.NoteHumanClosed && r.cfg.Tracking.OnHumanClose == "pull_request" {
			if url, err := d.proposeImplemented(ctx, client, repo, r.branch, r.sha, act); err != nil {
				r.log.Warn("could not open the pull request; commenting instead", "key", act.Key, "err", err)
			} else {
				act.Comment = fmt.Sprintf("This issue was closed, but the threat model still plans %s. tmbot opened %s, which marks it implemented in %s; merge it if the work is done, or close it and set `status: wont_do` if it will not be.",
					markdown.Code(act.Mitigation.ID, 0), url, markdown.Code(act.Mitigation.File, 0))
			}
		}
		if err := d.apply(ctx, client, repo, act, remembered, cp); err != nil {
			return err
		}
	}
	return d.settleCreates(ctx, client, repo, r.label, pending, pendingErr, created, listed, remembered, cp)
}

// apply carries out one action and remembers its outcome. A creation is
// remembered as begun before the call, so that a retry after a crash finds
// the issue by its marker instead of opening a second one.
func (d *Runner) apply(ctx context.Context, client forge.Client, repo forge.Repo, act track.Action, mem map[string]store.TrackedIssue, cp *checkpoint) error {
	t := trackedFor(repo, act, mem)
	// comment writes an action's comment once per job.
	comment := func() error {
		key := fmt.Sprintf("%s#%d:%s", act.Kind, act.Number, hash(act.Comment)[:16])
		if cp.commented(key) {
			return nil
		}
		if err := client.CommentOnIssue(ctx, repo, act.Number, act.Comment); err != nil {
			return fmt.Errorf("comment on issue #%d of %s: %w", act.Number, repo.FullName(), err)
		}
		return cp.noteComment(ctx, key)
	}
	switch act.Kind {
	case track.Update:
		if err := client.UpdateIssue(ctx, repo, act.Number, act.Spec); err != nil {
			return fmt.Errorf("update issue #%d of %s: %w", act.Number, repo.FullName(), err)
		}
		if act.From != "" {
			old := mem[act.From]
			t.URL, t.CreatedAt = old.URL, old.CreatedAt
			if err := d.Store.DeleteTrackedIssue(ctx, repo.Key(), act.From); err != nil {
				return err
			}
		}
		t.Number, t.State = act.Number, "open"
		if err := cp.noteIssue(ctx, act.Number, func(is *forge.Issue) { setSpec(is, act.Spec) }); err != nil {
			return err
		}
	case track.Reopen:
		if err := client.ReopenIssue(ctx, repo, act.Number); err != nil {
			return fmt.Errorf("reopen issue #%d of %s: %w", act.Number, repo.FullName(), err)
		}
		if err := cp.noteIssue(ctx, act.Number, func(is *forge.Issue) { is.State, is.StateReason = "open", "reopened" }); err != nil {
			return err
		}
		if err := client.UpdateIssue(ctx, repo, act.Number, act.Spec); err != nil {
			return fmt.Errorf("update issue #%d of %s: %w", act.Number, repo.FullName(), err)
		}
		if err := comment(); err != nil {
			return err
		}
		t.Number, t.State, t.ClosedByBot, t.HumanCloseNoted = act.Number, "open", false, false
	case track.Close:
		// Comment first, so that a person reading the closed issue sees why
		// (on GitLab, which has no close reason, the comment carries it).
		if err := comment(); err != nil {
			return err
		}
		if err := client.CloseIssue(ctx, repo, act.Number, act.Reason); err != nil {
			return fmt.Errorf("close issue #%d of %s: %w", act.Number, repo.FullName(), err)
		}
		if err := cp.noteIssue(ctx, act.Number, func(is *forge.Issue) { is.State, is.StateReason = "closed", act.Reason }); err != nil {
			return err
		}
		t.Number, t.State, t.ClosedByBot = act.Number, "closed", true
	case track.NoteHumanClosed:
		if err := comment(); err != nil {
			return err
		}
		t.Number, t.State, t.HumanCloseNoted = act.Number, "closed", true
	}
	return d.Store.SaveTrackedIssue(ctx, t)
}

// trackedFor is the remembered state of an action's issue, with what the
// model says of its mitigation.
func trackedFor(repo forge.Repo, act track.Action, mem map[string]store.TrackedIssue) store.TrackedIssue {
	t := mem[act.Key]
	t.RepoKey, t.Key = repo.Key(), act.Key
	if w := act.Mitigation; w != nil {
		t.Path, t.Content, t.System, t.Mitigation, t.Title = w.File, w.Content, w.System, w.ID, w.Title
		t.Status, t.Risk, t.Owner, t.Due = w.Status, string(w.Risk), w.Owner, w.Due
	}
	return t
}

// setSpec gives a listed issue what an edit or a create sent.
func setSpec(is *forge.Issue, spec forge.IssueSpec) {
	is.Title, is.Body = spec.Title, spec.Body
	is.Labels, is.Assignees = append([]string{}, spec.Labels...), append([]string{}, spec.Assignees...)
}

// recordCreated remembers an issue the reconcile opened (or found that a
// try of its own had opened).
func (d *Runner) recordCreated(ctx context.Context, repo forge.Repo, act track.Action, is *forge.Issue, mem map[string]store.TrackedIssue, cp *checkpoint) error {
	t := trackedFor(repo, act, mem)
	t.Number, t.URL, t.State, t.ClosedByBot, t.HumanCloseNoted = is.Number, is.URL, "open", false, false
	got := *is
	if err := cp.noteIssue(ctx, is.Number, func(x *forge.Issue) { *x = got }); err != nil {
		return err
	}
	if err := cp.clearPending(ctx, act.Key); err != nil {
		return err
	}
	return d.Store.SaveTrackedIssue(ctx, t)
}

// recentIssueLister is a forge that lists its newest labelled issues in
// one call (both adapters are).
type recentIssueLister interface {
	RecentIssues(ctx context.Context, repo forge.Repo, label string, n int) ([]forge.Issue, error)
}

// newIssues lists the issues that may have been made since listed was
// read: the newest few when the forge can (one call), else all of them.
func newIssues(ctx context.Context, client forge.Client, repo forge.Repo, label string, n int, listed map[int]bool) ([]forge.Issue, error) {
	var all []forge.Issue
	var err error
	if r, ok := client.(recentIssueLister); ok && n <= 100 {
		all, err = r.RecentIssues(ctx, repo, label, n)
	} else {
		all, err = client.ListIssues(ctx, repo, label)
	}
	if err != nil {
		return nil, fmt.Errorf("look for the issues just made in %s: %w", repo.FullName(), err)
	}
	var out []forge.Issue
	for _, is := range all {
		if !listed[is.Number] {
			out = append(out, is)
		}
	}
	return out, nil
}

// settleCreates finishes the creates that failed in a way that may have
// made their issue (a 5xx, no answer): a few rounds, each looking once for
// what the tries made (by the issues' markers) and trying again only those
// not found. created is how many creates this run sent (the newest issues
// to look at).
func (d *Runner) settleCreates(ctx context.Context, client forge.Client, repo forge.Repo, label string, pending []track.Action, lastErr error,
	created int, listed map[int]bool, mem map[string]store.TrackedIssue, cp *checkpoint) error {
	p := d.Retry
	for round := 0; len(pending) > 0; round++ {
		if round >= max(p.Retries(), 1) {
			return fmt.Errorf("open %d issues in %s: %w", len(pending), repo.FullName(), lastErr)
		}
		if err := p.Pause(ctx, round); err != nil {
			return err
		}
		fresh, err := newIssues(ctx, client, repo, label, created+5, listed)
		if err != nil {
			return err
		}
		bot, err := client.Bot(ctx)
		if err != nil {
			return fmt.Errorf("learn who the bot is on %s: %w", repo.Forge, err)
		}
		fresh = ownIssues(fresh, bot)
		byKey := map[string]forge.Issue{}
		for _, is := range fresh {
			if k, ok := track.KeyOf(is.Body); ok {
				byKey[k] = is
			}
		}
		var still []track.Action
		for _, act := range pending {
			if is, ok := byKey[act.Key]; ok {
				if err := d.recordCreated(ctx, repo, act, &is, mem, cp); err != nil {
					return err
				}
				continue
			}
			is, err := client.CreateIssue(ctx, repo, act.Spec)
			if err != nil {
				if !retry.Transient(err) {
					return fmt.Errorf("open the issue of %s in %s: %w", act.Key, repo.FullName(), err)
				}
				still, lastErr = append(still, act), err
				continue
			}
			if err := d.recordCreated(ctx, repo, act, is, mem, cp); err != nil {
				return err
			}
		}
		pending = still
	}
	return nil
}

// proposeImplemented opens (once) a pull request that marks a mitigation
// implemented in its model file, keeping the file's comments and
// formatting, with the closed issue linked.
func (d *Runner) proposeImplemented(ctx context.Context, client forge.Client, repo forge.Repo, branch, sha string, act track.Action) (string, error) {
	p, ok := client.(forge.ChangeProposer)
	if !ok {
		return "", fmt.Errorf("%s cannot open pull requests", repo.Forge)
	}
	w := act.Mitigation
	src, found, err := client.ReadFile(ctx, repo, sha, w.File)
	if err != nil || !found {
		return "", fmt.Errorf("read %s: found %v: %w", w.File, found, err)
	}
	edited, err := model.SetMitigationStatus(w.File, src, w.ID, model.MitigationImplemented)
	if err != nil {
		return "", err
	}
	return p.ProposeChange(ctx, repo, forge.Proposal{
		BaseBranch: branch, BaseSHA: sha, Branch: "tmbot/implement-" + w.System + "-" + w.ID, Path: w.File, Content: edited,
		Message: fmt.Sprintf("Mark mitigation %s implemented\n\nIts tracking issue #%d was closed.", markdown.PlainLine(w.ID, 0), act.Number),
		Title:   track.Title("Threat model: mark " + w.ID + " implemented"),
		Body: fmt.Sprintf("The tracking issue #%d of the mitigation %s (%s) was closed, but %s still says %s.\n\n"+
			"This pull request changes that one line to `status: implemented`. Merge it if the work is done; close it if not.\n\nCloses #%d.",
			act.Number, markdown.Code(w.ID, 0), markdown.Text(w.Title, 200), markdown.Code(w.File, 0), markdown.Code("status: "+w.Status, 0), act.Number),
	})
}
