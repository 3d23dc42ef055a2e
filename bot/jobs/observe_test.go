package jobs

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tmbot/tmbot/bot/forge"
	"github.com/tmbot/tmbot/bot/metrics"
)

// ReviewJob counts each review job in the Runner's metrics, by result;
// ReviewPR alone (as a track job runs it after a merge) counts nothing.
// A nil Metrics (every other test) counts nothing either.
func TestReviewJobIsCounted(t *testing.T) {
	ctx := context.Background()
	_, repo, d := fakePR(t)
	d.Metrics = metrics.New()
	args := reviewArgs(repo, forge.TriggerOpened)
	if err := d.ReviewPR(ctx, args); err != nil {
		t.Fatal(err)
	}
	if err := d.ReviewJob(ctx, args); err != nil {
		t.Fatal(err)
	}
	d.Client = func(forge.Repo) (forge.Client, error) { return nil, errors.New("the forge is down") }
	if err := d.ReviewJob(ctx, args); err == nil {
		t.Fatal("a review without its forge succeeded")
	}
	families, err := d.Metrics.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]uint64{}
	for _, fam := range families {
		if fam.GetName() != "tmbot_review_seconds" {
			continue
		}
		for _, m := range fam.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			counts[strings.Join(labels, ",")] = m.GetHistogram().GetSampleCount()
		}
	}
	if len(counts) != 2 || counts["kind=review,result=ok"] != 1 || counts["kind=review,result=error"] != 1 {
		t.Errorf("review jobs counted %v, want one ok and one error (ReviewPR alone is not a job)", counts)
	}
}
