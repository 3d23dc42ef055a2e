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

	"github.com/google/go-github/v92/github"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/markdown"
	"github.com/tmbot/tmbot/bot/policy"
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

// GitHub's limits on a check run, from the REST API's "Create a check run"
// and "Update a check run" (output object). GitHub does not say whether its
// lengths count bytes or characters: the byte limits below are kept in
// bytes, which is within the limit either way.
const (
	// maxAnnotationsPerRequest: "The Checks API limits the number of
	// annotations to a maximum of 50 per API request. To create more than
	// 50 annotations, you have to make multiple requests to the Update a
	// check run endpoint. Each time you update the check run, annotations
	// are appended to the list of annotations that already exist."
	maxAnnotationsPerRequest = 50
	// maxSummary: output.summary, "Maximum length: 65535 characters."
	maxSummary = 65535
	// maxAnnotationTitle: an annotation's title, "The maximum size is 255
	// characters."
	maxAnnotationTitle = 255
	// maxAnnotationMessage: an annotation's message, "The maximum size is
	// 64 KB."
	maxAnnotationMessage = 64 << 10
	// maxCheckTitle: GitHub gives no limit for output.title; the bot keeps
	// the check's title to an annotation title's 255 characters, which the
	// checks list shows whole.
	maxCheckTitle = 255
)

// Annotation levels, as GitHub names them.
const (
	levelFailure = "failure"
	levelWarning = "warning"
	levelNotice  = "notice"
)

// batchesOf splits items into consecutive batches of at most size items
// (size > 0), in order; no items make one empty batch, since a check run is
// written once even without annotations. Each batch has its own capacity,
// so appending to one does not overwrite the next.
func batchesOf[T any](items []T, size int) [][]T {
	if len(items) == 0 {
		return [][]T{nil}
	}
	out := make([][]T, 0, (len(items)+size-1)/size)
	for i := 0; i < len(items); i += size {
		j := min(i+size, len(items))
		out = append(out, items[i:j:j])
	}
	return out
}

// SetCheck implements forge.Client: one check run named forge.CheckName per
// head. The first call for a head looks for the App's run by name (so that
// a restart does not make a second) and creates one only when there is
// none; later calls update it in place, and write nothing when the content
// is what the run already shows. Each finding is an annotation on its
// lines (checkOutput); they go maxAnnotationsPerRequest to a request: the
// first with the create or update, the rest in further updates (GitHub
// appends them to the run's; an update cannot remove the ones a run
// already has).
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
	batches := batchesOf(anns, maxAnnotationsPerRequest)
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
				i*maxAnnotationsPerRequest+1, i*maxAnnotationsPerRequest+len(batches[i])), err))
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
// GitHub's limits: a finding is an annotation on its lines, of level
// failure, warning or notice as its severity is error, warning or notice,
// titled with its title (a new open threat's followed by ": " and the
// threat's id). A finding without a file gets none.
func checkOutput(chk forge.Check) (title, summary string, anns []*github.CheckRunAnnotation) {
	title = forge.Cut(markdown.PlainLine(chk.Title, 0), maxCheckTitle)
	if title == "" {
		title = "Threat model review"
		if chk.Conclusion == forge.ConclusionBlock {
			title = "Threat model review: changes needed"
		}
	}
	summary = chk.Summary.Markdown(maxSummary)
	if summary == "" {
		summary = title
	}
	for _, f := range chk.Findings {
		if f.Path == "" {
			continue
		}
		start := max(f.StartLine, 1)
		end := max(f.EndLine, start)
		t := f.Title
		if f.Rule == review.RuleNewUnmitigated && f.Element != "" {
			t += ": " + f.Element
		}
		msg := f.Message
		if msg == "" {
			msg = t
		}
		if msg == "" {
			msg = "(no message)"
		}
		ga := &github.CheckRunAnnotation{Path: github.Ptr(f.Path), StartLine: github.Ptr(start), EndLine: github.Ptr(end),
			AnnotationLevel: github.Ptr(annotationLevel(f.Severity)), Message: github.Ptr(markdown.CutBytes(msg, maxAnnotationMessage))}
		if t != "" {
			ga.Title = github.Ptr(forge.Cut(t, maxAnnotationTitle))
		}
		anns = append(anns, ga)
	}
	return title, summary, anns
}

// annotationLevel is the annotation level of a finding's severity.
func annotationLevel(severity string) string {
	switch severity {
	case policy.Error:
		return levelFailure
	case policy.Warning:
		return levelWarning
	}
	return levelNotice
}

// fingerprint identifies a check's content.
func fingerprint(conclusion, title, summary, details string, anns []*github.CheckRunAnnotation) string {
	h := sha256.New()
	enc := json.NewEncoder(h)
	_ = enc.Encode([]any{conclusion, title, summary, details, anns})
	return hex.EncodeToString(h.Sum(nil))[:32]
}
