package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/forge/retry"
	"github.com/tmbot/tmbot/bot/track"
)

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
