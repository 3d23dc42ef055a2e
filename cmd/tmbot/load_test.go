package main

// Load benchmarks of the webhook service, in-process, on SQLite, against
// the fake GitHub:
//
//	go test ./cmd/tmbot -run XXX -bench 'WebhookAck|QueueDrain' -benchtime 1x
//
// TMBOT_WORKERS sets how many reviews run at once, as for the service.
//
// BenchmarkWebhookAck reports how long deliveries wait for their answer
// under a steady load (p50_ms, p99_ms, max_ms), with what the test process
// (service, fake GitHub and senders) had of the machine meanwhile: the CPU
// it used (cpus, in cores) and how long its goroutines waited for a core
// once ready to run (sched_p99_ms, the Go runtime's scheduling latency; an
// answer needs several such turns, so this bounds it from below on a busy
// machine). BenchmarkQueueDrain reports how many reviews the queue
// completes per second (reviews/s).

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime/metrics"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tmbot/tmbot/bot/store/storetest"
	"github.com/tmbot/tmbot/cmd/tmbot/settings"
)

// BenchmarkWebhookAck fires pull_request deliveries (each with a delivery
// id of its own, for a handful of requests) at 300 a second for 3 seconds
// from 8 goroutines, while the workers review, and reports the
// acknowledgement latency seen by the sender: on SQLite, and on PostgreSQL
// when it answers (storetest).
func BenchmarkWebhookAck(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchmarkWebhookAck(b, "sqlite") })
	b.Run("postgres", func(b *testing.B) { benchmarkWebhookAck(b, "postgres") })
}

func benchmarkWebhookAck(b *testing.B, backend string) {
	const (
		rate     = 300 // deliveries a second
		duration = 3 * time.Second
		senders  = 8
		prs      = 5
	)
	gh := manyPRs(b, prs, 1)
	svc := startTuned(b, gh, storetest.Database(b, backend), benchWorkers)
	t0 := time.Now().Truncate(time.Second)
	bodies := make([][]byte, prs)
	for n := 1; n <= prs; n++ {
		bodies[n-1] = pullRequestPayload("synchronize", n, headOf(n, 1), t0)
	}
	total := int(rate * duration / time.Second)

	var (
		mu     sync.Mutex
		took   []time.Duration
		failed int
	)
	b.ResetTimer()
	use := startUsage()
	start := time.Now()
	for iter := range b.N {
		begin := time.Now()
		var wg sync.WaitGroup
		for g := range senders {
			wg.Go(func() {
				var mine []time.Duration
				bad := 0
				for k := g; k < total; k += senders {
					// Open loop: each delivery leaves at its time, or at once
					// when the sender is behind.
					time.Sleep(time.Until(begin.Add(time.Duration(k) * time.Second / rate)))
					a := send(svc.url, "pull_request", fmt.Sprintf("ack-%d-%d", iter, k), bodies[k%prs])
					if a.err != nil || a.code != http.StatusAccepted {
						bad++
						continue
					}
					mine = append(mine, a.took)
				}
				mu.Lock()
				took = append(took, mine...)
				failed += bad
				mu.Unlock()
			})
		}
		wg.Wait()
	}
	elapsed := time.Since(start)
	b.StopTimer()
	use.report(b, elapsed)
	if failed > 0 {
		b.Errorf("%d deliveries were not accepted", failed)
	}
	slices.Sort(took)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(percentile(took, 0.50)), "p50_ms")
	b.ReportMetric(ms(percentile(took, 0.99)), "p99_ms")
	if len(took) > 0 {
		b.ReportMetric(ms(took[len(took)-1]), "max_ms")
	}
	b.ReportMetric(float64(len(took)+failed)/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkQueueDrain opens 40 pull requests, each changing one model,
// at once, and measures how fast the queue (the default 4 workers) reviews
// them all against the fake GitHub without latency.
func BenchmarkQueueDrain(b *testing.B) {
	const prs = 40
	gh := manyPRs(b, prs*b.N, 1)
	svc := startTuned(b, gh, "sqlite:"+filepath.Join(b.TempDir(), "tmbot.db"), benchWorkers)
	t0 := time.Now().Truncate(time.Second)
	b.ResetTimer()
	start := time.Now()
	for iter := range b.N {
		for i := 1; i <= prs; i++ {
			n := iter*prs + i
			body := pullRequestPayload("opened", n, headOf(n, 1), t0)
			if a := send(svc.url, "pull_request", fmt.Sprintf("drain-%d", n), body); a.err != nil || a.code != http.StatusAccepted {
				b.Fatalf("delivery %d: %d %v", n, a.code, a.err)
			}
		}
		want := (iter + 1) * prs
		deadline := time.Now().Add(5 * time.Minute)
		for {
			st, err := jobStates(svc.url)
			if err == nil && st["completed"] >= want {
				break
			}
			if st["discarded"] > 0 || time.Now().After(deadline) {
				b.Fatalf("the queue did not drain: %v %v", st, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	for n := 1; n <= prs*b.N; n++ {
		if runs := gh.CheckRuns(testRepo, headOf(n, 1)); len(runs) != 1 {
			b.Errorf("PR %d: %d check runs", n, len(runs))
		}
	}
	b.ReportMetric(float64(prs*b.N)/elapsed.Seconds(), "reviews/s")
	b.ReportMetric(float64(gh.APICalls())/float64(prs*b.N), "calls/review")
}

// benchWorkers sets the workers from TMBOT_WORKERS, as the service reads
// it, so that the benchmarks can compare (the default otherwise).
func benchWorkers(s *settings.Settings) {
	if n, err := strconv.Atoi(os.Getenv("TMBOT_WORKERS")); err == nil && n > 0 {
		s.Workers = n
	}
}

// runUsage measures the process's CPU time and the Go scheduler's latency
// over a run.
type runUsage struct {
	cpu   time.Duration
	sched []metrics.Sample // the scheduling latency histogram
	base  []uint64         // its counts at the start
}

func startUsage() *runUsage {
	u := &runUsage{cpu: cpuTime(), sched: []metrics.Sample{{Name: "/sched/latencies:seconds"}}}
	metrics.Read(u.sched)
	// Read reuses the histogram's memory: keep a copy of the counts.
	u.base = slices.Clone(u.sched[0].Value.Float64Histogram().Counts)
	return u
}

// report adds cpus and sched_p99_ms (the upper bound of the histogram
// bucket that holds the 99th percentile).
func (u *runUsage) report(b *testing.B, elapsed time.Duration) {
	b.ReportMetric((cpuTime()-u.cpu).Seconds()/elapsed.Seconds(), "cpus")
	metrics.Read(u.sched)
	h := u.sched[0].Value.Float64Histogram()
	var total uint64
	for i, c := range h.Counts {
		total += c - u.base[i]
	}
	var seen uint64
	for i, c := range h.Counts {
		seen += c - u.base[i]
		if total > 0 && float64(seen) >= 0.99*float64(total) {
			b.ReportMetric(h.Buckets[i+1]*1000, "sched_p99_ms")
			return
		}
	}
}

// cpuTime is the process's user and system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
