package review

import (
	"context"
	"fmt"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/tmbot/tmbot/bot/internal/modelgen"
	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/policy"
)

// BenchmarkReview reviews a change to one threat of a generated model
// (modelgen, Options{Change: true} for the head) of 100 and 10,000 threats
// in YAML, and reports each review's cost as a multiple of validating the
// head alone (x-validate; the time per op of validate-head, which runs
// first, or when it is filtered out the median of 5 loads):
//
//   - review: the first review of the change, with the Loader's caches
//     empty: load the base (all of it is parsed and checked, and its
//     entries kept), load the head (only the changed threat is parsed and
//     checked), diff, the default policies (an engine lent by a
//     policy.Pool, compiled at the first op, as the service does), the
//     report and its Markdown comment;
//   - review-new-engine: the same with the policies compiled anew for the
//     review (tmbot review, once per run);
//   - review-no-policies: the same without the policy engine;
//   - review-base-cached: the base was loaded before (it is the default
//     branch's model, or the head of the previous push): it comes from the
//     whole-file cache;
//   - validate-head: the head alone, by a Loader without cache.
//
// At 10,000 threats a review takes about a second, so run those with
// -benchtime=1x or a small count.
func BenchmarkReview(b *testing.B) {
	l, err := model.NewLoader(model.Limits{})
	if err != nil {
		b.Fatal(err)
	}
	plain, err := model.NewLoader(model.Limits{})
	if err != nil {
		b.Fatal(err)
	}
	plain.SetCacheLimits(model.CacheLimits{})
	ctx := context.Background()
	for _, n := range []int{100, 10000} {
		base := modelgen.YAML(modelgen.Options{Threats: n})
		head := modelgen.YAML(modelgen.Options{Threats: n, Change: true})
		const path = "gen.threatmodel.yaml"
		changes := []Change{{Path: path, Base: base, Head: head}}
		b.Run(fmt.Sprintf("threats=%d", n), func(b *testing.B) {
			var validate, validateCPU time.Duration
			b.Run("validate-head", func(b *testing.B) {
				b.ReportAllocs()
				cpu := cpuTime()
				for b.Loop() {
					if res := plain.Load(ctx, path, head); !res.Valid {
						b.Fatal(res.Diagnostics[0])
					}
				}
				validate = b.Elapsed() / time.Duration(b.N)
				validateCPU = (cpuTime() - cpu) / time.Duration(b.N)
				b.ReportMetric(float64(validateCPU), "cpu-ns/op")
			})
			if validate == 0 {
				var times []time.Duration
				for range 5 {
					t0 := time.Now()
					plain.Load(ctx, path, head)
					times = append(times, time.Since(t0))
				}
				slices.Sort(times)
				validate = times[len(times)/2]
			}
			// ratio reports the time per op as a multiple of validate's, and
			// the CPU time per op (cpu-ns/op, measured since cpu), also as a
			// multiple of validate-head's (x-validate-cpu).
			ratio := func(b *testing.B, cpu time.Duration) {
				b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(validate), "x-validate")
				perOp := float64(cpuTime()-cpu) / float64(b.N)
				b.ReportMetric(perOp, "cpu-ns/op")
				if validateCPU > 0 {
					b.ReportMetric(perOp/float64(validateCPU), "x-validate-cpu")
				}
			}
			// The service lends compiled engines from a pool (the policies
			// of a repository are compiled at its first review); the
			// "new-engine" variant compiles them for every review, as
			// tmbot review does once per run.
			pool := policy.NewPool(1)
			review := func(b *testing.B, policies, baseCached, newEngine bool) {
				b.ReportAllocs()
				var untimed time.Duration // CPU time outside the timer
				cpu := cpuTime()
				for b.Loop() {
					b.StopTimer()
					u := cpuTime()
					l.SetCacheLimits(model.DefaultCacheLimits())
					if baseCached {
						l.Load(ctx, path, base)
					}
					untimed += cpuTime() - u
					b.StartTimer()
					r := &Reviewer{Loader: l, Today: "2026-11-22"}
					release := func() {}
					if policies {
						p := pool
						if newEngine {
							p = nil
						}
						if r.Engine, release, err = p.Get(policy.Options{}, nil); err != nil {
							b.Fatal(err)
						}
					}
					rep := r.Review(ctx, changes)
					if len(rep.Models) != 1 || !rep.Models[0].Valid || rep.Models[0].Changes.Summary.Threats.Changed != 1 {
						b.Fatalf("unexpected report: %+v", rep.Models)
					}
					if md := rep.Markdown(); len(md) == 0 {
						b.Fatal("no comment")
					}
					release()
				}
				ratio(b, cpu+untimed)
			}
			b.Run("review", func(b *testing.B) { review(b, true, false, false) })
			b.Run("review-new-engine", func(b *testing.B) { review(b, true, false, true) })
			b.Run("review-no-policies", func(b *testing.B) { review(b, false, false, false) })
			b.Run("review-base-cached", func(b *testing.B) { review(b, true, true, false) })
		})
	}
}

// cpuTime returns the CPU time this process has used (all its threads).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
