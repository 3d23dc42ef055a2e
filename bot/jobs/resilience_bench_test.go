package jobs

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tmbot/tmbot/bot/queue"
)

// BenchmarkForgeFaults measures, on both fake forges, a review of a
// request that adds a model of 4 mitigations, and the tracking reconcile
// of a landing of 4 and of 300 mitigations, fault-free and with 30% of
// the calls failing at random (500, 502, 503, 429 with Retry-After: 1).
// docs/performance.md gives the numbers and the command. Metrics per job:
//
//   - calls: API calls the forge answered (GitHub's token requests left
//     out);
//   - runs: times the queue ran the job (1: it never failed);
//   - waited-s: the time the job spent waiting, on the fake clock: in-place
//     backoff, Retry-After, and the queue's snoozes (a large landing is
//     paced at 20 issues every 15 s);
//   - ns/op: the time the job computed and talked to the fake (no network
//     latency), so that the wall time on a real forge is about ns/op +
//     waited-s + calls × the forge's latency.
func BenchmarkForgeFaults(b *testing.B) {
	type job struct {
		name string
		run  func(f *fakeForge, d *Runner) func(context.Context) error
	}
	track := func(n int) func(f *fakeForge, d *Runner) func(context.Context) error {
		return func(f *fakeForge, d *Runner) func(context.Context) error {
			f.putModel(commit("c1"), modelOf(n))
			args := queue.TrackArgs{RepoKey: f.repo.Key(), Repo: f.repo, Reason: "push"}
			return func(ctx context.Context) error { return d.Track(ctx, args) }
		}
	}
	jobs := []job{
		{"review4", func(f *fakeForge, d *Runner) func(context.Context) error {
			args := f.addPull(4)
			return func(ctx context.Context) error { return d.ReviewPR(ctx, args) }
		}},
		{"track4", track(4)},
		{"track300", track(300)},
	}
	for _, fg := range forges {
		for _, j := range jobs {
			for _, rate := range []float64{0, 0.3} {
				b.Run(fmt.Sprintf("%s/%s/faults=%v", fg.name, j.name, rate), func(b *testing.B) {
					var calls, runs int
					var waited time.Duration
					for i := range b.N {
						b.StopTimer()
						c := &clock{now: time.Now(), rate: rate}
						f := fg.make(b, c)
						d := newRunner(b, f, c)
						fn := j.run(f, d)
						c.sync()
						// The fake's faults follow one seeded sequence: start
						// each job at another point of it.
						for range i * 7 % 23 {
							_, _ = f.client.BranchHead(context.Background(), f.repo, "main")
						}
						before := f.calls()
						b.StartTimer()
						o := runJob(b, c, int64(i+1), fn)
						b.StopTimer()
						calls += f.calls() - before
						runs += o.runs
						waited += o.took
						if j.name != "review4" {
							noDuplicates(b, f, map[string]int{"track4": 4, "track300": 300}[j.name])
						} else if n := f.reviewComments(); n != 1 {
							b.Fatalf("%d review comments", n)
						}
					}
					b.ReportMetric(float64(calls)/float64(b.N), "calls")
					b.ReportMetric(float64(runs)/float64(b.N), "runs")
					b.ReportMetric(waited.Seconds()/float64(b.N), "waited-s")
				})
			}
		}
	}
}
