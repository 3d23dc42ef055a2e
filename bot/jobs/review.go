package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/forge/retry"
	"github.com/tmbot/tmbot/bot/metrics"
	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/policy"
	"github.com/tmbot/tmbot/bot/queue"
	"github.com/tmbot/tmbot/bot/review"
	"github.com/tmbot/tmbot/bot/sandbox"
	"github.com/tmbot/tmbot/bot/store"
	"github.com/tmbot/tmbot/bot/track"
)

// Runner runs the jobs: it holds what they need (forge clients, the store,
// the model loader, policies and budgets).
type Runner struct {
	// Client returns the forge client for a repository (its installation's
	// on GitHub).
	Client func(repo forge.Repo) (forge.Client, error)
	Store  *store.Store
	Loader *model.Loader
	Log    *slog.Logger
	// Now is the clock (tests set it).
	Now func() time.Time
	// OrgPolicies are the organisation's policy files, from the service
	// configuration.
	OrgPolicies map[string][]byte
	// OrgPoliciesOverridable and PolicyBudget: see review.Options.
	OrgPoliciesOverridable bool
	PolicyBudget           sandbox.Budget
	// Engines lends compiled policy engines to reviews (nil: each review
	// compiles its own).
	Engines *policy.Pool
	// Compute bounds how many reviews compute at once (nil: no bound).
	Compute *review.Limiter
	// CreationsPerRun and TrackPause spread a large landing's issue
	// creation (defaults MaxCreationsPerRun and TrackPause; tests shorten
	// them).
	CreationsPerRun int
	TrackPause      time.Duration
	// ResyncReserve is how many calls of an installation's rate limit the
	// resync leaves untouched (default DefaultResyncReserve).
	ResyncReserve int
	// Budget bounds the model files and bytes one review reads (zero
	// values: review.DefaultBudget).
	Budget review.Budget
	// Retry is how a create that may have been made is tried again after
	// looking for it (bot/forge/retry; zero: the defaults).
	Retry retry.Policy
	// TrackingOff: no tracking follows the reviews (tmbot ci); the
	// comment says what the service would open (review.Report.TrackingOff).
	TrackingOff bool
	// Metrics count the queue's jobs (ReviewJob, TrackJob): durations and
	// the forges' API use (nil: nothing is counted).
	Metrics *metrics.Metrics
}

func (d *Runner) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// ReviewPR reviews the newest known head of a request and posts the
// result: the comment (created once, edited only when its content
// changes) and the check of the head. Nothing is written when nothing
// changed since the last review of that head.
func (d *Runner) ReviewPR(ctx context.Context, a queue.ReviewArgs) error {
	_, err := d.ReviewRequest(ctx, a)
	return err
}

// ReviewRequest is ReviewPR that also gives the report it posted (nil
// when there was nothing to review: a draft the repository does not
// review, a request not open, a command from someone who may not write).
func (d *Runner) ReviewRequest(ctx context.Context, a queue.ReviewArgs) (*review.Report, error) {
	log := d.Log.With("pr", a.PRKey, "trigger", a.Trigger)
	pull, err := d.Store.GetPull(ctx, a.PRKey)
	var pr forge.PullRequest
	client, cerr := d.Client(a.Repo)
	if cerr != nil {
		return nil, fmt.Errorf("client for %s: %w", a.Repo.FullName(), cerr)
	}
	defer d.noteBudget(ctx, client, a.Repo)
	switch {
	case err == nil && pull.BaseSHA != "":
		pr = pull.PullRequest
	case err == nil || errors.Is(err, store.ErrNotFound):
		// Unknown, or known without its base (GitLab's merge request
		// events do not carry the base commit): read it from the forge.
		fresh, err := client.PullRequest(ctx, a.Repo, a.Number)
		if err != nil {
			return nil, fmt.Errorf("read pull request %s: %w", a.PRKey, err)
		}
		pr = *fresh
	default:
		return nil, fmt.Errorf("read pull request %s from the store: %w", a.PRKey, err)
	}
	if a.Requester != "" {
		ok, err := client.CanWrite(ctx, pr.Repo, a.Requester)
		if err != nil {
			return nil, fmt.Errorf("check %s's permission on %s: %w", a.Requester, pr.Repo.FullName(), err)
		}
		if !ok {
			log.Info("review command from someone without write access ignored", "user", a.Requester)
			return nil, nil
		}
	}
	if pr.State != "open" && !(pr.State == "merged" && a.Trigger == forge.TriggerMerged) {
		log.Debug("request not open; nothing to review", "state", pr.State)
		return nil, nil
	}
	src := newPRSource(client, &pr, log)
	cfg, cfgErrs, err := review.LoadConfig(ctx, src)
	if err != nil {
		return nil, err
	}
	if pr.Draft && !cfg.Drafts {
		log.Debug("draft request; the repository does not review drafts")
		return nil, nil
	}
	tracked, err := d.Store.TrackedIssues(ctx, pr.Repo.Key())
	if err != nil {
		return nil, err
	}
	rep, _, err := review.ReviewSource(ctx, src, review.Options{Loader: d.Loader,
		Today: d.now().UTC().Format(time.DateOnly), OrgPolicies: d.OrgPolicies, Engines: d.Engines, Compute: d.Compute,
		OrgPoliciesOverridable: d.OrgPoliciesOverridable, PolicyBudget: d.PolicyBudget, Budget: d.Budget,
		Config: cfg, ConfigErrors: cfgErrs,
		Tracked: func(system, mitigation string) (string, string) {
			t, ok := tracked[track.Key(system, mitigation)]
			if !ok {
				return "", ""
			}
			return t.URL, t.State
		}})
	if err != nil {
		return nil, err
	}
	rep.TrackingOff = d.TrackingOff
	// The first review of a new head can skip looking for an earlier
	// comment (a new request) or check (a new head): API economy.
	if err := d.post(ctx, client, &pr, rep, a.Force, a.Trigger.NewRequest(), a.Trigger.NewHead()); err != nil {
		return nil, err
	}
	log.Info("reviewed", "head", pr.HeadSHA, "models", rep.Summary.Models, "blocking", rep.Blocking,
		"new_unmitigated", rep.Summary.NewUnmitigated)
	return rep, nil
}

// writing marks, in the remembered state, a write begun but not known to
// have finished: the next attempt looks for what it may have created.
const writing = "writing"

func hash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// post writes the comment and the check, each only when it changed, and
// remembers what it wrote after each write (so a retry after a failure in
// between neither duplicates nor loses anything).
func (d *Runner) post(ctx context.Context, client forge.Client, pr *forge.PullRequest, rep *review.Report, force, newPR, newHead bool) error {
	key := pr.Key()
	st, err := d.Store.GetPRState(ctx, key)
	if err != nil {
		return fmt.Errorf("read the state of %s: %w", key, err)
	}
	body := rep.Markdown()
	var commentErr error
	if h := hash(body); h != st.CommentHash || st.CommentID == 0 {
		// A comment can exist without a remembered id only if a write was
		// begun before (the marker below) or the request is not new.
		mayExist := !newPR || st.CommentHash == writing
		if st.CommentID == 0 && touchesModels(rep) && st.CommentHash != writing {
			st.CommentHash = writing
			if err := d.Store.SavePRState(ctx, key, st); err != nil {
				return fmt.Errorf("save the state of %s: %w", key, err)
			}
		}
		id, err := d.upsertComment(ctx, client, pr, st.CommentID, body, touchesModels(rep), mayExist)
		switch {
		case err != nil:
			// The check does not wait on the comment: a comment the forge
			// refuses must not leave the head without its check. The job
			// still fails after the check, so that the comment is tried again.
			commentErr = err
			d.Log.Warn("could not write the review comment; setting the check all the same", "pr", key, "err", err)
		case id != 0:
			st.CommentID, st.CommentHash = id, h
			if err := d.Store.SavePRState(ctx, key, st); err != nil {
				return fmt.Errorf("save the state of %s: %w", key, err)
			}
		}
	}
	check := forge.Check{Conclusion: forge.ConclusionOK, Findings: rep.CheckFindings()}
	if rep.Blocking {
		check.Conclusion = forge.ConclusionBlock
	}
	check.Title, check.Summary = rep.CheckSummary()
	findings, _ := json.Marshal(check.Findings)
	if h := hash(check.Conclusion, check.Title, check.Summary.Markdown(0), string(findings)); h != st.CheckHash || st.CheckHeadSHA != pr.HeadSHA || force {
		// Fresh only when no write for this head was begun before.
		check.Fresh = newHead && st.CheckHeadSHA != pr.HeadSHA
		if check.Fresh {
			st.CheckHeadSHA, st.CheckHash = pr.HeadSHA, writing
			if err := d.Store.SavePRState(ctx, key, st); err != nil {
				return fmt.Errorf("save the state of %s: %w", key, err)
			}
		}
		if err := client.SetCheck(ctx, pr, check); err != nil {
			return errors.Join(fmt.Errorf("set the check of %s at %s: %w", key, pr.HeadSHA, err), commentErr)
		}
		st.CheckHash, st.CheckHeadSHA = h, pr.HeadSHA
	}
	st.ReviewedHead, st.ReviewedAt = pr.HeadSHA, d.now().UTC()
	if err := d.Store.SavePRState(ctx, key, st); err != nil {
		return fmt.Errorf("save the state of %s: %w", key, err)
	}
	errs := rep.Summary.Errors
	if err := d.Store.AddReview(ctx, store.ReviewRecord{PRKey: key, RepoKey: pr.Repo.Key(), HeadSHA: pr.HeadSHA,
		Blocking: rep.Blocking, Models: rep.Summary.Models, NewUnmitigated: rep.Summary.NewUnmitigated, Errors: errs, At: d.now().UTC()}); err != nil {
		return errors.Join(err, commentErr)
	}
	return commentErr
}

// upsertComment edits the bot's comment in place or creates it. Without a
// remembered id it looks for its marker first, so that lost state never
// makes a second comment; only a comment the bot wrote counts (anyone can
// post the marker, and the forge refuses edits of others' comments). A
// request that touches no model gets no new comment; an existing one is
// edited to say so.
func (d *Runner) upsertComment(ctx context.Context, client forge.Client, pr *forge.PullRequest, id int64, body string, touchesModels, mayExist bool) (int64, error) {
	if id != 0 {
		err := client.UpdateComment(ctx, pr, id, body)
		if err == nil {
			return id, nil
		}
		// Forbidden: the remembered comment is someone else's (adopted by
		// a version that did not look at authors): look for the bot's own.
		if !errors.Is(err, forge.ErrNotFound) && !forge.Forbidden(err) {
			return 0, fmt.Errorf("edit comment %d on %s: %w", id, pr.Key(), err)
		}
		mayExist = true
	}
	var comments []forge.Comment
	var bot forge.Identity
	if mayExist {
		var err error
		if bot, err = client.Bot(ctx); err != nil {
			return 0, fmt.Errorf("learn who the bot is on %s: %w", pr.Repo.Forge, err)
		}
		if comments, err = client.ListComments(ctx, pr); err != nil {
			return 0, fmt.Errorf("list comments on %s: %w", pr.Key(), err)
		}
	}
	for _, c := range comments {
		if c.ID != id && bot.Wrote(c.Author, c.AuthorID) && strings.HasPrefix(c.Body, review.Marker) {
			if c.Body != body {
				if err := client.UpdateComment(ctx, pr, c.ID, body); err != nil {
					return 0, fmt.Errorf("edit comment %d on %s: %w", c.ID, pr.Key(), err)
				}
			}
			return c.ID, nil
		}
	}
	if !touchesModels {
		return 0, nil
	}
	// A create that may have been made is looked for before it is sent
	// again (bot/forge/retry): only the bot's own comment counts, as above,
	// or a stranger's marker would be remembered as the bot's.
	find := func(ctx context.Context) (*forge.Comment, bool, error) {
		if bot == (forge.Identity{}) {
			var err error
			if bot, err = client.Bot(ctx); err != nil {
				return nil, false, fmt.Errorf("learn who the bot is on %s: %w", pr.Repo.Forge, err)
			}
		}
		cs, err := client.ListComments(ctx, pr)
		if err != nil {
			return nil, false, err
		}
		for _, c := range cs {
			if bot.Wrote(c.Author, c.AuthorID) && strings.HasPrefix(c.Body, review.Marker) {
				return &c, true, nil
			}
		}
		return nil, false, nil
	}
	c, err := retry.Create(ctx, d.Retry, find, func(ctx context.Context) (*forge.Comment, error) { return client.CreateComment(ctx, pr, body) })
	if err != nil {
		return 0, fmt.Errorf("comment on %s: %w", pr.Key(), err)
	}
	return c.ID, nil
}
