package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/forge/retry"
	"github.com/tmbot/tmbot/bot/markdown"
	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/queue"
	"github.com/tmbot/tmbot/bot/review"
	"github.com/tmbot/tmbot/bot/store"
	"github.com/tmbot/tmbot/bot/track"
)

// ReasonMerged reviews a merged request again after its models landed, so
// that its comment links the tracking issues that opened.
const ReasonMerged = "merged"

// MaxCreationsPerRun bounds the issues one reconcile opens: GitHub's
// secondary rate limit allows about 80 content-creating requests a minute
// ("Best practices for using the REST API": no more than 80
// content-generating requests per minute), so a large landing is spread
// over several runs, TrackPause apart, instead of failing.
const MaxCreationsPerRun = 20

// TrackPause is the wait between two runs of a large landing: 20 issues
// every 15 seconds is 80 a minute.
const TrackPause = 15 * time.Second

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
	if a.Reason == "resync" {
		// Background work yields to reviews when the budget is low.
		if err := d.yieldToReviews(ctx, client, repo); err != nil {
			return err
		}
	}
	branch := repo.DefaultBranch
	if branch == "" {
		branch = "main"
	}
	jobID, _ := queue.JobID(ctx)
	cp, resumed := d.resumeCheckpoint(ctx, repo.Key(), jobID)
	sha := cp.sha
	if !resumed {
		sha, err = client.BranchHead(ctx, repo, branch)
		if err != nil {
			return fmt.Errorf("read the head of %s on %s: %w", branch, repo.FullName(), err)
		}
		cp.useFor(sha)
	}
	if len(cp.st.Pending) > 0 {
		// An earlier attempt may have made issues it did not hear back
		// about: list again to find them.
		cp.st.HaveIssues = false
	}
	src := &commitSource{client: client, repo: repo, sha: sha, cp: cp}
	cfg, cfgErrs, err := review.LoadConfig(ctx, src)
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
	paths, err := cp.tree(ctx, client, repo)
	if err != nil {
		return fmt.Errorf("list the files of %s at %s: %w", repo.FullName(), sha, err)
	}
	var models []track.Model
	partial := map[string]model.System{} // the system part of invalid models
	for _, p := range paths {
		if !cfg.IsModel(p) {
			continue
		}
		data, found, err := cp.readFile(ctx, client, repo, p)
		if err != nil {
			return fmt.Errorf("read %s at %s: %w", p, sha, err)
		}
		if !found {
			continue
		}
		res := d.Loader.Load(ctx, p, data)
		if !res.Valid {
			models = append(models, track.Model{Path: p, Invalid: res.Errors()[0].String()})
			if res.Model != nil {
				// Who to ask about it, for the dashboard.
				partial[p] = res.Model.System
			}
			continue
		}
		models = append(models, track.Model{Path: p, Model: res.Model})
	}
	label := "threat-model"
	if len(cfg.Tracking.Labels) > 0 {
		label = cfg.Tracking.Labels[0]
	}
	bot, err := client.Bot(ctx)
	if err != nil {
		return fmt.Errorf("learn who the bot is on %s: %w", repo.Forge, err)
	}
	issues, err := cp.issues(ctx, client, repo, label, bot)
	if err != nil {
		return fmt.Errorf("list the issues of %s: %w", repo.FullName(), err)
	}
	cp.st.Pending = nil
	if err := cp.save(ctx); err != nil {
		return err
	}
	remembered, err := d.Store.TrackedIssues(ctx, repo.Key())
	if err != nil {
		return err
	}
	mem := map[string]track.Remembered{}
	for k, t := range remembered {
		mem[k] = track.Remembered{Number: t.Number, ClosedByBot: t.ClosedByBot, HumanCloseNoted: t.HumanCloseNoted,
			Path: t.Path, Content: t.Content}
	}
	byNumber := map[int]forge.Issue{}
	for _, is := range issues {
		byNumber[is.Number] = is
	}
	// A person who reopens an issue resumes its tracking: forget the note.
	for k, t := range remembered {
		if is, ok := byNumber[t.Number]; ok && is.State == "open" && (t.HumanCloseNoted || t.ClosedByBot) {
			r := mem[k]
			r.HumanCloseNoted, r.ClosedByBot = false, false
			mem[k] = r
			t.HumanCloseNoted, t.ClosedByBot, t.State = false, false, "open"
			if err := d.Store.SaveTrackedIssue(ctx, t); err != nil {
				return err
			}
		}
	}
	settings := track.Settings{Labels: cfg.Tracking.Labels, Assign: d.assigner(ctx, client, repo, cfg.Tracking.Assign)}
	actions := track.Plan(models, issues, mem, settings)
	created := 0
	var pending []track.Action
	var pendingErr error
	listed := map[int]bool{}
	for _, is := range issues {
		listed[is.Number] = true
	}
	for _, act := range actions {
		if act.Kind == track.Create && created == d.creationsPerRun() {
			if err := d.settleCreates(ctx, client, repo, label, pending, pendingErr, created, listed, remembered, cp); err != nil {
				return err
			}
			log.Info("spreading issue creation over several runs", "left", countKind(actions, track.Create)-created)
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
		if act.Kind == track.NoteHumanClosed && cfg.Tracking.OnHumanClose == "pull_request" {
			if url, err := d.proposeImplemented(ctx, client, repo, branch, sha, act); err != nil {
				log.Warn("could not open the pull request; commenting instead", "key", act.Key, "err", err)
			} else {
				act.Comment = fmt.Sprintf("This issue was closed, but the threat model still plans %s. tmbot opened %s, which marks it implemented in %s; merge it if the work is done, or close it and set `status: wont_do` if it will not be.",
					markdown.Code(act.Mitigation.ID, 0), url, markdown.Code(act.Mitigation.File, 0))
			}
		}
		if err := d.apply(ctx, client, repo, act, remembered, cp); err != nil {
			return err
		}
	}
	if err := d.settleCreates(ctx, client, repo, label, pending, pendingErr, created, listed, remembered, cp); err != nil {
		return err
	}
	if cfg.Tracking.SummaryIssue {
		if err := d.summary(ctx, client, repo, models, label, cp.st.Issues, cp); err != nil {
			return err
		}
	}
	if err := d.saveRepoSHA(ctx, repo.Key(), sha); err != nil {
		return err
	}
	// Dashboard (bot/server/dashboard.go): the models as this reconcile
	// found them, and today's open threats by risk.
	if err := d.saveDashboardSnapshot(ctx, repo.Key(), sha, a.PRKeys, models, partial); err != nil {
		return err
	}
	if err := cp.done(ctx); err != nil {
		return err
	}
	log.Info("tracking reconciled", "sha", sha, "models", len(models), "actions", len(actions))
	for _, key := range a.PRKeys {
		pr, err := d.Store.GetPull(ctx, key)
		if err != nil {
			continue
		}
		err = d.ReviewPR(ctx, queue.ReviewArgs{PRKey: key, Repo: pr.Repo, Number: pr.Number, Reason: ReasonMerged})
		if err != nil {
			log.Warn("could not update the merged request's comment", "pr", key, "err", err)
		}
	}
	return nil
}

// ownIssues keeps the issues the bot opened. Anyone who may open an issue
// can give it the label and a marker; the bot neither edits, closes nor
// counts such an issue as one of its own.
func ownIssues(issues []forge.Issue, bot forge.Identity) []forge.Issue {
	out := issues[:0:0]
	for _, is := range issues {
		if bot.Wrote(is.Author, is.AuthorID) {
			out = append(out, is)
		}
	}
	return out
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

// assigner maps a mitigation owner to a login the forge can assign: a user
// handle (@alice), not a team (@org/team), who can be assigned here.
func (d *Runner) assigner(ctx context.Context, client forge.Client, repo forge.Repo, enabled bool) func(string) string {
	cache := map[string]string{}
	return func(owner string) string {
		if !enabled {
			return ""
		}
		login := strings.TrimPrefix(strings.TrimSpace(owner), "@")
		if login == "" || strings.ContainsAny(login, "/ ") {
			return ""
		}
		if v, ok := cache[login]; ok {
			return v
		}
		ok, err := client.CanAssign(ctx, repo, login)
		if err != nil || !ok {
			cache[login] = ""
			return ""
		}
		cache[login] = login
		return login
	}
}

// summary keeps the repository's one tracking issue, edited only when its
// content changes.
// listed is the listing the reconcile already made (the summary issue, if
// one exists, carries the same label).
func (d *Runner) summary(ctx context.Context, client forge.Client, repo forge.Repo, models []track.Model, label string, listed []forge.Issue, cp *checkpoint) error {
	issues, err := d.Store.TrackedIssues(ctx, repo.Key())
	if err != nil {
		return err
	}
	links := map[string]string{}
	for k, t := range issues {
		if t.State == "open" && t.Number != 0 {
			links[k] = fmt.Sprintf("#%d", t.Number)
		}
	}
	body := track.SummaryBody(models, links)
	rt, err := d.Store.GetRepoTracking(ctx, repo.Key())
	if err != nil {
		return err
	}
	h := hash(body)
	if rt.SummaryNumber != 0 && rt.SummaryHash == h {
		return nil
	}
	spec := forge.IssueSpec{Title: track.SummaryTitle, Body: body, Labels: []string{label}}
	number := rt.SummaryNumber
	if number == 0 {
		// Find it by its marker before opening one.
		for _, is := range listed {
			if strings.HasPrefix(is.Body, track.SummaryMarker) {
				number = is.Number
				break
			}
		}
	}
	if number == 0 {
		seen := map[int]bool{}
		for _, is := range listed {
			seen[is.Number] = true
		}
		find := func(ctx context.Context) (*forge.Issue, bool, error) {
			fresh, err := newIssues(ctx, client, repo, label, 10, seen)
			if err != nil {
				return nil, false, err
			}
			for _, is := range fresh {
				if strings.HasPrefix(is.Body, track.SummaryMarker) {
					return &is, true, nil
				}
			}
			return nil, false, nil
		}
		const pendingKey = "summary"
		if err := cp.notePending(ctx, pendingKey); err != nil {
			return err
		}
		is, err := retry.Create(ctx, d.Retry, find, func(ctx context.Context) (*forge.Issue, error) { return client.CreateIssue(ctx, repo, spec) })
		if err != nil {
			return fmt.Errorf("open the tracking issue of %s: %w", repo.FullName(), err)
		}
		number = is.Number
		if err := cp.clearPending(ctx, pendingKey); err != nil {
			return err
		}
	} else if err := client.UpdateIssue(ctx, repo, number, spec); err != nil {
		if !errors.Is(err, forge.ErrNotFound) {
			return fmt.Errorf("update the tracking issue of %s: %w", repo.FullName(), err)
		}
		number = 0
	}
	rt.SummaryNumber, rt.SummaryHash = number, h
	return d.Store.SaveRepoTracking(ctx, rt)
}

func (d *Runner) saveRepoSHA(ctx context.Context, repoKey, sha string) error {
	rt, err := d.Store.GetRepoTracking(ctx, repoKey)
	if err != nil {
		return err
	}
	rt.SHA = sha
	return d.Store.SaveRepoTracking(ctx, rt)
}

// commitSource reads one commit of a repository (the default branch's
// head): its "base" and "head" are the same.
type commitSource struct {
	client forge.Client
	repo   forge.Repo
	sha    string
	// cp, when set, reads once per job.
	cp *checkpoint
}

func (s *commitSource) ChangedFiles(ctx context.Context) ([]review.FileChange, error) {
	return nil, nil
}

func (s *commitSource) ReadFile(ctx context.Context, _ review.Side, path string) ([]byte, bool, error) {
	if s.cp != nil {
		return s.cp.readFile(ctx, s.client, s.repo, path)
	}
	return s.client.ReadFile(ctx, s.repo, s.sha, path)
}
