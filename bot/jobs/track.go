package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/tmbot/tmbot/bot/config"
	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/queue"
	"github.com/tmbot/tmbot/bot/review"
	"github.com/tmbot/tmbot/bot/track"
)

// The tracking job is split by concern: this file runs one reconcile from
// start to end; track_read.go reads the default branch's models and the
// issues; track_apply.go carries out the plan (bot/track makes it);
// track_summary.go keeps the summary issue; checkpoint.go keeps a job's
// progress across its attempts; track_dashboard.go stores what the
// dashboard shows.

// MaxCreationsPerRun bounds the issues one reconcile opens: GitHub's
// secondary rate limit allows about 80 content-creating requests a minute
// ("Best practices for using the REST API": no more than 80
// content-generating requests per minute), so a large landing is spread
// over several runs, TrackPause apart, instead of failing.
const MaxCreationsPerRun = 20

// TrackPause is the wait between two runs of a large landing: 20 issues
// every 15 seconds is 80 a minute.
const TrackPause = 15 * time.Second

// trackRun is one reconcile of a repository: what its steps share.
type trackRun struct {
	client forge.Client
	repo   forge.Repo
	branch string // the default branch
	sha    string // its head, read once per job
	cfg    *config.Config
	label  string // the label of the bot's issues
	cp     *checkpoint
	log    *slog.Logger
}

// Track reconciles a repository's tracking issues with the models on its
// default branch: one open issue per planned mitigation of an open threat,
// each closed with a reason when the model no longer plans it, and one
// summary issue. Safe to repeat: it finds its issues (those it opened) by
// their hidden markers and remembers them in the store.
//
// A job that fails or pauses keeps its progress in a checkpoint (see
// checkpoint.go): its next attempt does not read the branch, the files or
// the issues again, and does not write a comment twice. Creates that fail
// in a way that may have made the issue are settled by looking for it
// before trying again (settleCreates).
func (d *Runner) Track(ctx context.Context, a queue.TrackArgs) error {
	repo := a.Repo
	log := d.Log.With("repo", repo.Key(), "reason", a.Reason)
	client, err := d.Client(repo)
	if err != nil {
		return fmt.Errorf("client for %s: %w", repo.FullName(), err)
	}
	defer d.noteBudget(ctx, client, repo)
	if a.Reason == queue.TrackResync {
		// Background work yields to reviews when the budget is low.
		if err := d.yieldToReviews(ctx, client, repo); err != nil {
			return err
		}
	}
	r, err := d.startTrack(ctx, client, repo, log)
	if err != nil {
		return err
	}
	cfg, cfgErrs, err := review.LoadConfig(ctx, &commitSource{client: client, repo: repo, sha: r.sha, cp: r.cp})
	if err != nil {
		return err
	}
	if !cfg.Tracking.Enabled {
		log.Debug("tracking is off in .tmbot.yaml")
		return nil
	}
	if len(cfgErrs) > 0 {
		log.Warn("the configuration on the default branch is invalid; tracking with the defaults", "err", cfgErrs[0].Message)
	}
	r.cfg, r.label = cfg, forge.TrackingLabel
	if len(cfg.Tracking.Labels) > 0 {
		r.label = cfg.Tracking.Labels[0]
	}
	models, partial, err := d.readModels(ctx, r)
	if err != nil {
		return err
	}
	issues, remembered, mem, err := d.readIssues(ctx, r)
	if err != nil {
		return err
	}
	settings := track.Settings{Labels: cfg.Tracking.Labels, Assign: d.assigner(ctx, client, repo, cfg.Tracking.Assign)}
	actions := track.Plan(models, issues, mem, settings)
	if err := d.applyPlan(ctx, r, actions, issues, remembered); err != nil {
		return err
	}
	if cfg.Tracking.SummaryIssue {
		if err := d.summary(ctx, client, repo, models, r.label, r.cp.st.Issues, r.cp); err != nil {
			return err
		}
	}
	if err := d.saveRepoSHA(ctx, repo.Key(), r.sha); err != nil {
		return err
	}
	// Dashboard (bot/dashboard): the models as this reconcile
	// found them, and today's open threats by risk.
	if err := d.saveDashboardSnapshot(ctx, repo.Key(), r.sha, a.PRKeys, models, partial); err != nil {
		return err
	}
	if err := r.cp.done(ctx); err != nil {
		return err
	}
	log.Info("tracking reconciled", "sha", r.sha, "models", len(models), "actions", len(actions))
	d.reviewMerged(ctx, log, a.PRKeys)
	return nil
}

// startTrack finds the commit this job reconciles: the one its checkpoint
// read, when an earlier attempt of the job left one, else the default
// branch's head now.
func (d *Runner) startTrack(ctx context.Context, client forge.Client, repo forge.Repo, log *slog.Logger) (*trackRun, error) {
	r := &trackRun{client: client, repo: repo, branch: repo.DefaultBranch, log: log}
	if r.branch == "" {
		r.branch = "main"
	}
	jobID, _ := queue.JobID(ctx)
	cp, resumed := d.resumeCheckpoint(ctx, repo.Key(), jobID)
	r.cp, r.sha = cp, cp.sha
	if !resumed {
		sha, err := client.BranchHead(ctx, repo, r.branch)
		if err != nil {
			return nil, fmt.Errorf("read the head of %s on %s: %w", r.branch, repo.FullName(), err)
		}
		r.sha = sha
		cp.useFor(sha)
	}
	if len(cp.st.Pending) > 0 {
		// An earlier attempt may have made issues it did not hear back
		// about: list again to find them.
		cp.st.HaveIssues = false
	}
	return r, nil
}

// reviewMerged reviews the merged requests that started this reconcile
// again, so that their comments link the tracking issues that opened.
func (d *Runner) reviewMerged(ctx context.Context, log *slog.Logger, prKeys []string) {
	for _, key := range prKeys {
		pr, err := d.Store.GetPull(ctx, key)
		if err != nil {
			continue
		}
		err = d.ReviewPR(ctx, queue.ReviewArgs{PRKey: key, Repo: pr.Repo, Number: pr.Number, Trigger: forge.TriggerMerged})
		if err != nil {
			log.Warn("could not update the merged request's comment", "pr", key, "err", err)
		}
	}
}

func (d *Runner) creationsPerRun() int {
	if d.CreationsPerRun > 0 {
		return d.CreationsPerRun
	}
	return MaxCreationsPerRun
}

func (d *Runner) trackPause() time.Duration {
	if d.TrackPause > 0 {
		return d.TrackPause
	}
	return TrackPause
}

func countKind(as []track.Action, kind string) int {
	n := 0
	for _, a := range as {
		if a.Kind == kind {
			n++
		}
	}
	return n
}
