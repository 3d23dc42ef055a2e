package github

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/go-github/v92/github"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/review"
)

// checkState is what a Client remembers of a head's check run: its id, and
// the fingerprint of the content it last wrote in full ("" while unknown).
type checkState struct {
	id int64
	fp string
}

// The external id of a check run carries the fingerprint of its content,
// so that after a restart an unchanged check is not written again; it is
// set in the last of the requests that write a check, so that a run whose
// annotations were not all sent does not pass for complete.
const (
	externalPrefix  = "tmbot:"
	externalPending = "tmbot:pending"
)

// Limits of a check run's output (GitHub's REST API, "Create a check run").
const (
	maxSummary         = 65535
	maxAnnotationTitle = 255
	maxAnnotationBytes = 64 << 10
)

// SetCheck implements forge.Client: one check run named forge.CheckName per
// head. The first call for a head looks for the App's run by name (so that
// a restart does not make a second) and creates one only when there is
// none; later calls update it in place, and write nothing when the content
// is what the run already shows. Annotations go 50 to a request: the first
// 50 with the create or update, the rest in further updates (GitHub appends
// them to the run's; an update cannot remove the ones a run already has).
func (c *Client) SetCheck(ctx context.Context, pr *forge.PullRequest, chk forge.Check) error {
	if pr.HeadSHA == "" {
		return &Error{Forge: "github", Op: "set the check of " + pr.Repo.FullName(), Message: "no head commit"}
	}
	key := pr.Repo.Key() + "@" + pr.HeadSHA
	unlock := c.locks.Lock(key)
	defer unlock()
	return c.setCheck(ctx, pr, chk, key, true)
}

func (c *Client) setCheck(ctx context.Context, pr *forge.PullRequest, chk forge.Check, key string, retry bool) error {
	op := fmt.Sprintf("set the check of %s at %s", pr.Repo.FullName(), shortSHA(pr.HeadSHA))
	title, summary, anns := checkOutput(chk)
	fp := fingerprint(chk.Conclusion, title, summary, chk.DetailsURL, anns)
	st, cached := c.checks.Get(key)
	if cached && st.fp == fp {
		return nil
	}
	if !cached && !chk.Fresh {
		run, err := c.findCheckRun(ctx, pr)
		if err != nil {
			return c.notFound(ctx, pr.Repo, c.mapError(op+": find the check run", err))
		}
		if run != nil {
			st.id = run.GetID()
			if run.GetExternalID() == externalPrefix+fp && run.GetStatus() == "completed" {
				c.checks.Put(key, checkState{id: st.id, fp: fp})
				return nil
			}
			c.checks.Put(key, checkState{id: st.id})
		}
	}
	batches := review.Batches(anns, review.MaxAnnotationsPerRequest)
	if len(batches) == 0 {
		batches = [][]*github.CheckRunAnnotation{nil}
	}
	ext := func(i int) *string {
		if i == len(batches)-1 {
			return github.Ptr(externalPrefix + fp)
		}
		return github.Ptr(externalPending)
	}
	output := func(i int) *github.CheckRunOutput {
		return &github.CheckRunOutput{Title: github.Ptr(title), Summary: github.Ptr(summary), Annotations: batches[i]}
	}
	conclusion := chk.Conclusion
	if conclusion != forge.ConclusionBlock {
		conclusion = forge.ConclusionOK
	}
	now := &github.Timestamp{Time: time.Now().UTC()}
	var details *string
	if chk.DetailsURL != "" {
		details = github.Ptr(chk.DetailsURL)
	}
	if st.id == 0 {
		run, _, err := c.gh.Checks.CreateCheckRun(ctx, pr.Repo.Owner, pr.Repo.Name, github.CreateCheckRunOptions{
			Name: forge.CheckName, HeadSHA: pr.HeadSHA, DetailsURL: details, ExternalID: ext(0),
			Status: github.Ptr("completed"), Conclusion: github.Ptr(conclusion), CompletedAt: now, Output: output(0),
		})
		if err != nil {
			return c.notFound(ctx, pr.Repo, c.mapError(op+": create the check run", err))
		}
		st.id = run.GetID()
		c.checks.Put(key, checkState{id: st.id})
	} else {
		_, _, err := c.gh.Checks.UpdateCheckRun(ctx, pr.Repo.Owner, pr.Repo.Name, st.id, github.UpdateCheckRunOptions{
			Name: forge.CheckName, DetailsURL: details, ExternalID: ext(0),
			Status: github.Ptr("completed"), Conclusion: github.Ptr(conclusion), CompletedAt: now, Output: output(0),
		})
		if err != nil {
			mapped := c.mapError(op+": update the check run", err)
			if retry && cached && errors.Is(mapped, forge.ErrNotFound) {
				// The run we remembered is not there: look again.
				c.checks.Remove(key)
				return c.setCheck(ctx, pr, chk, key, false)
			}
			return c.notFound(ctx, pr.Repo, mapped)
		}
	}
	for i := 1; i < len(batches); i++ {
		_, _, err := c.gh.Checks.UpdateCheckRun(ctx, pr.Repo.Owner, pr.Repo.Name, st.id, github.UpdateCheckRunOptions{
			Name: forge.CheckName, ExternalID: ext(i), Output: output(i),
		})
		if err != nil {
			return c.notFound(ctx, pr.Repo, c.mapError(fmt.Sprintf("%s: add annotations %d-%d", op,
				i*review.MaxAnnotationsPerRequest+1, i*review.MaxAnnotationsPerRequest+len(batches[i])), err))
		}
	}
	c.checks.Put(key, checkState{id: st.id, fp: fp})
	return nil
}

// findCheckRun finds the App's latest run named forge.CheckName on the
// head, or nil.
func (c *Client) findCheckRun(ctx context.Context, pr *forge.PullRequest) (*github.CheckRun, error) {
	opts := &github.ListCheckRunsOptions{CheckName: github.Ptr(forge.CheckName), Filter: github.Ptr("latest"),
		ListOptions: github.ListOptions{PerPage: perPage}}
	if c.app != nil {
		opts.AppID = github.Ptr(c.app.id)
	}
	res, _, err := c.gh.Checks.ListCheckRunsForRef(ctx, pr.Repo.Owner, pr.Repo.Name, pr.HeadSHA, opts)
	if err != nil {
		return nil, err
	}
	var best *github.CheckRun
	for _, run := range res.CheckRuns {
		if run.GetName() != forge.CheckName || !c.ownsRun(run) {
			continue
		}
		if best == nil || run.GetID() > best.GetID() {
			best = run
		}
	}
	return best, nil
}

// ownsRun reports whether a check run is the client's own: the App's,
// or, for a token client, that of the App the token belongs to (by slug:
// the token cannot ask GitHub for its App's id).
func (c *Client) ownsRun(run *github.CheckRun) bool {
	if c.app == nil {
		return run.App != nil && strings.EqualFold(run.GetApp().GetSlug(), c.checkApp)
	}
	return run.App == nil || run.GetApp().GetID() == c.app.id
}

// checkOutput gives the run's title, summary and annotations within
// GitHub's limits.
func checkOutput(chk forge.Check) (title, summary string, anns []*github.CheckRunAnnotation) {
	title = chk.Title
	if title == "" {
		title = "Threat model review"
		if chk.Conclusion == forge.ConclusionBlock {
			title = "Threat model review: changes needed"
		}
	}
	summary = chk.Summary
	if summary == "" {
		summary = title
	}
	summary = cutBytes(summary, maxSummary)
	for _, a := range chk.Annotations {
		if a.Path == "" {
			continue
		}
		start := max(a.StartLine, 1)
		end := max(a.EndLine, start)
		level := a.Level
		switch level {
		case review.AnnotationFailure, review.AnnotationWarning, review.AnnotationNotice:
		default:
			level = review.AnnotationNotice
		}
		msg := a.Message
		if msg == "" {
			msg = a.Title
		}
		if msg == "" {
			msg = "(no message)"
		}
		ga := &github.CheckRunAnnotation{Path: github.Ptr(a.Path), StartLine: github.Ptr(start), EndLine: github.Ptr(end),
			AnnotationLevel: github.Ptr(level), Message: github.Ptr(cutBytes(msg, maxAnnotationBytes))}
		if a.Title != "" {
			ga.Title = github.Ptr(cutRunes(a.Title, maxAnnotationTitle))
		}
		anns = append(anns, ga)
	}
	return title, summary, anns
}

// fingerprint identifies a check's content.
func fingerprint(conclusion, title, summary, details string, anns []*github.CheckRunAnnotation) string {
	h := sha256.New()
	enc := json.NewEncoder(h)
	_ = enc.Encode([]any{conclusion, title, summary, details, anns})
	return hex.EncodeToString(h.Sum(nil))[:32]
}

func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ell = "…"
	i := n - len(ell)
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + ell
}

func cutRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
