package main

// The acceptance tests of durable jobs (brief §5): a delivery that was
// answered is reviewed exactly once, whatever happens to the process that
// answered it (kill -9, SIGTERM), with three replicas on one PostgreSQL,
// and while GitHub fails calls at random.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tmbot/tmbot/bot/forge/github/githubtest"
	"github.com/tmbot/tmbot/bot/review"
	"github.com/tmbot/tmbot/bot/store/storetest"
	"github.com/tmbot/tmbot/cmd/tmbot/settings"
)

// ---- helpers shared with load_test.go ----

// headOf is the kth head (k = 1, 2, ...) of pull request n in manyPRs.
func headOf(n, k int) string { return sha(fmt.Sprintf("pr%d/head%d", n, k)) }

// manyPRs is a fake GitHub with one installation and a repository whose
// pull requests 1..n each change the AlpinePay model (the head adds an
// unplanned threat, so the check fails); every request has heads 1..heads
// stored, head 1 current.
func manyPRs(tb testing.TB, n, heads int) *githubtest.Server {
	tb.Helper()
	gh := githubtest.New(tb, testAppID)
	gh.AddInstallation(testInst, "alpine")
	gh.AddRepo(testInst, testRepo, "main")
	base, err := os.ReadFile("../../examples/alpinepay/alpinepay.threatmodel.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	head, err := os.ReadFile("../../examples/demo/unplanned/alpinepay.threatmodel.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	gh.PutFile(testRepo, sha("base"), modelPath, base)
	for pr := 1; pr <= n; pr++ {
		for k := 1; k <= heads; k++ {
			gh.PutFile(testRepo, headOf(pr, k), modelPath, head)
		}
		setHead(gh, pr, 1)
	}
	return gh
}

// setHead moves pull request n of manyPRs to its kth head, as a push does.
func setHead(gh *githubtest.Server, n, k int) {
	gh.AddPull(testRepo, githubtest.Pull{Number: n, Title: "Add a support assistant", BaseRef: "main",
		BaseSHA: sha("base"), HeadSHA: headOf(n, k), Files: []githubtest.PullFile{{Path: modelPath}}})
}

// baseEdited is a pull_request "edited" delivery whose base changed (which
// the bot reviews again); a plain "edited" one changed only the title.
func baseEdited(number int, headSHA string, updated time.Time) []byte {
	return bytes.Replace(pullRequestPayload("edited", number, headSHA, updated),
		[]byte(`"action":"edited"`), []byte(`"action":"edited","changes":{"base":{"ref":{"from":"old"}}}`), 1)
}

// tuned is the service started by startTuned.
type tuned struct {
	*service
	lw *lockedWriter
}

// logText is what the service logged so far (safe while it runs).
func (s *tuned) logText() string { return s.lw.String() }

// startTuned starts the service in-process as startService does, with tune
// applied to its settings, and stops it at cleanup.
func startTuned(tb testing.TB, gh *githubtest.Server, database string, tune func(*settings.Settings)) *tuned {
	tb.Helper()
	cfg := settings.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.Database = database
	cfg.GitHub.AppID = testAppID
	cfg.GitHub.PrivateKey = string(gh.PrivateKeyPEM())
	cfg.GitHub.WebhookSecret = testSecret
	cfg.GitHub.APIURL = gh.URL()
	cfg.ResyncInterval = 0
	if tune != nil {
		tune(&cfg)
	}
	logs := &bytes.Buffer{}
	lw := newLockedWriter(logs)
	log := slog.New(slog.NewJSONHandler(lw, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	s := &service{gh: gh, logs: logs, cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- serve(ctx, cfg, log, ready) }()
	select {
	case addr := <-ready:
		s.url = "http://" + addr
	case err := <-s.done:
		tb.Fatalf("serve: %v", err)
	case <-time.After(30 * time.Second):
		tb.Fatal("the service did not become ready")
	}
	tb.Cleanup(func() { stopService(tb, s) })
	return &tuned{service: s, lw: lw}
}

func stopService(tb testing.TB, s *service) {
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	select {
	case err := <-s.done:
		if err != nil {
			tb.Errorf("serve returned %v", err)
		}
	case <-time.After(40 * time.Second):
		tb.Error("the service did not stop")
	}
}

// newLockedWriter is a lockedWriter over a buffer, its lock made up front
// (lockedWriter makes it lazily, on the first Write, which races when two
// goroutines write first at once).
func newLockedWriter(b *bytes.Buffer) *lockedWriter {
	return &lockedWriter{w: b, mu: make(chan struct{}, 1)}
}

// String is what was written so far (lw from newLockedWriter).
func (l *lockedWriter) String() string {
	l.mu <- struct{}{}
	defer func() { <-l.mu }()
	return l.w.(*bytes.Buffer).String()
}

// webhookClient keeps connections open: the load would otherwise run out
// of ports.
var webhookClient = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
	MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: 30 * time.Second}}

// ack is the answer to one delivery.
type ack struct {
	code int
	took time.Duration
	err  error
}

// send delivers a signed GitHub webhook; safe in any goroutine.
func send(url, event, id string, body []byte) ack {
	req, err := http.NewRequest(http.MethodPost, url+"/webhooks/github", bytes.NewReader(body))
	if err != nil {
		return ack{err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", id)
	req.Header.Set("X-Hub-Signature-256", githubtest.Sign([]byte(testSecret), body))
	start := time.Now()
	resp, err := webhookClient.Do(req)
	if err != nil {
		return ack{err: err}
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return ack{code: resp.StatusCode, took: time.Since(start)}
}

var jobGauge = regexp.MustCompile(`(?m)^tmbot_jobs\{state="(\w+)"\} (\d+)`)

// jobStates reads the job counts by state from /metrics (the whole
// database's, whichever replica answers).
func jobStates(url string) (map[string]int, error) {
	resp, err := webhookClient.Get(url + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, m := range jobGauge.FindAllSubmatch(b, -1) {
		n, _ := strconv.Atoi(string(m[2]))
		out[string(m[1])] = n
	}
	if len(out) == 0 {
		return nil, errors.New("no job gauges in /metrics")
	}
	return out, nil
}

// queueIdle: no job waits or runs.
func queueIdle(url string) bool {
	st, err := jobStates(url)
	return err == nil && st["available"]+st["running"]+st["retryable"]+st["scheduled"]+st["pending"] == 0
}

// waitLong is waitFor with a deadline of its own.
func waitLong(tb testing.TB, what string, within time.Duration, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.Fatalf("timed out after %v waiting for %s", within, what)
}

// percentile of sorted durations (p in [0, 1]).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// reviewedOnce checks that request n has exactly one comment (the
// review's) and that its head has exactly one check run, completed.
func reviewedOnce(t *testing.T, gh *githubtest.Server, n int, head string) {
	t.Helper()
	cs := gh.Comments(testRepo, n)
	if len(cs) != 1 {
		t.Errorf("PR %d has %d comments, want 1", n, len(cs))
	} else if !strings.HasPrefix(cs[0].Body, review.Marker) {
		t.Errorf("PR %d: the comment is not the review:\n%s", n, cs[0].Body)
	}
	runs := gh.CheckRuns(testRepo, head)
	if len(runs) != 1 {
		t.Errorf("PR %d: head %.7s has %d check runs, want 1", n, head, len(runs))
		return
	}
	if r := runs[0]; r.Name != "Threat model" || r.Status != "completed" || r.Conclusion != "failure" {
		t.Errorf("PR %d: check run %s %s %s", n, r.Name, r.Status, r.Conclusion)
	}
}

// ---- 1. kill -9 and SIGTERM of a real process ----

// buildTmbot builds the tmbot binary into dir (with the race detector when
// this test binary has it, which shares the build cache).
func buildTmbot(t *testing.T, dir string) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go is not on PATH: %v", err)
	}
	bin := filepath.Join(dir, "tmbot")
	args := []string{"build", "-o", bin}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-race" && s.Value == "true" {
				args = append(args, "-race")
			}
		}
	}
	cmd := exec.Command(goBin, append(args, ".")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// proc is `tmbot serve` running as a child process.
type proc struct {
	cmd  *exec.Cmd
	url  string
	logs *bytes.Buffer
	done chan struct{} // closed when it exited
}

// startProc runs `tmbot serve` with env (and nothing of the TMBOT_*
// environment of the test) and waits until /readyz answers 200.
func startProc(t *testing.T, bin string, env map[string]string) *proc {
	t.Helper()
	addr := freeAddr(t)
	environ := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "TMBOT_") })
	environ = append(environ, "TMBOT_ADDR="+addr, "TMBOT_LOG_LEVEL=debug")
	for k, v := range env {
		environ = append(environ, k+"="+v)
	}
	p := &proc{url: "http://" + addr, logs: &bytes.Buffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, "serve")
	p.cmd.Env = environ
	w := newLockedWriter(p.logs)
	p.cmd.Stdout, p.cmd.Stderr = w, w
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("tmbot serve (pid %d) logged:\n%s", p.cmd.Process.Pid, w.String())
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-p.done:
			t.Fatalf("tmbot serve exited: %v\n%s", p.cmd.ProcessState, w.String())
		default:
		}
		if resp, err := http.Get(p.url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("tmbot serve was not ready within a minute:\n%s", w.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop sends sig and waits for the process to exit, at most within.
func (p *proc) stop(t *testing.T, sig syscall.Signal, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
		return time.Since(start)
	case <-time.After(within):
		t.Fatalf("tmbot serve did not exit within %v of %v", within, sig)
		return 0
	}
}

// stopCleanly stops an idle process with SIGTERM: it exits 0 (a race
// found by a -race build exits 66) within the grace period.
func (p *proc) stopCleanly(t *testing.T) {
	t.Helper()
	p.stop(t, syscall.SIGTERM, shutdownGrace)
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("tmbot serve exited %d after SIGTERM", code)
	}
}

// seen reports whether the fake served a request whose path ends with
// suffix.
func seen(gh *githubtest.Server, suffix string) bool {
	for _, r := range gh.Requests() {
		if strings.HasSuffix(r.Path, suffix) {
			return true
		}
	}
	return false
}

// TestDurableAcrossRestarts runs the real binary and kills it mid-review:
// with SIGKILL before the review wrote anything and between its comment
// and its check, and with SIGTERM. After a restart on the same SQLite
// database, every accepted delivery is reviewed, exactly once.
func TestDurableAcrossRestarts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; -short")
	}
	t.Parallel()
	bin := buildTmbot(t, t.TempDir())
	// Short job timing, so that a job left running by a killed process is
	// taken up again within seconds: its lease on the request lapses after
	// 3 s; the elected leader rescues it once it has run 6 s (the rescuer
	// runs when a process becomes leader, then every 30 s: a killed
	// leader's place is free again after at most 15 s).
	timing := map[string]string{
		"TMBOT_JOB_TIMEOUT":      "5s",
		"TMBOT_JOB_RESCUE_AFTER": "6s",
		"TMBOT_JOB_LOCK_TTL":     "3s",
		"TMBOT_RETRY_BASE":       "200ms",
		"TMBOT_RETRY_MAX":        "2s",
	}
	envFor := func(gh *githubtest.Server, db string, extra ...string) map[string]string {
		env := map[string]string{
			"TMBOT_DATABASE":              "sqlite:" + db,
			"TMBOT_GITHUB_APP_ID":         strconv.Itoa(testAppID),
			"TMBOT_GITHUB_PRIVATE_KEY":    string(gh.PrivateKeyPEM()),
			"TMBOT_GITHUB_WEBHOOK_SECRET": testSecret,
			"TMBOT_GITHUB_API_URL":        gh.URL(),
			"TMBOT_RESYNC_INTERVAL":       "0",
		}
		for k, v := range timing {
			env[k] = v
		}
		for i := 0; i+1 < len(extra); i += 2 {
			env[extra[i]] = extra[i+1]
		}
		return env
	}
	// latency makes every GitHub call take a while, so that the review is
	// still running when the process is stopped.
	const latency = 300 * time.Millisecond

	for _, tc := range []struct {
		name string
		// killAt is true once the review got where the process is killed.
		killAt func(gh *githubtest.Server) bool
		// comments and checks are what GitHub holds at the kill.
		comments, checks int
	}{
		{"SIGKILL before any write", func(gh *githubtest.Server) bool { return seen(gh, "/pulls/1/files") }, 0, 0},
		{"SIGKILL between the comment and the check", func(gh *githubtest.Server) bool { return len(gh.Comments(testRepo, 1)) > 0 }, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			gh := manyPRs(t, 1, 1)
			db := filepath.Join(t.TempDir(), "tmbot.db")
			env := envFor(gh, db)
			p := startProc(t, bin, env)
			gh.SetLatency(latency)
			body := pullRequestPayload("opened", 1, headOf(1, 1), time.Now())
			if a := send(p.url, "pull_request", "kill-1", body); a.err != nil || a.code != http.StatusAccepted {
				t.Fatalf("delivery: %d %v", a.code, a.err)
			}
			waitLong(t, "the review to get to the kill point", 30*time.Second, func() bool { return tc.killAt(gh) })
			p.stop(t, syscall.SIGKILL, 10*time.Second)
			// A call still waiting out its latency was dropped with the
			// connection: what GitHub holds now is what the killed process
			// wrote.
			comments, checks := len(gh.Comments(testRepo, 1)), len(gh.CheckRuns(testRepo, headOf(1, 1)))
			t.Logf("at the kill: %d comment(s), %d check run(s), %d writes", comments, checks, gh.Writes())
			if comments != tc.comments || checks != tc.checks {
				t.Errorf("at the kill GitHub has %d comments and %d check runs, want %d and %d", comments, checks, tc.comments, tc.checks)
			}

			gh.SetLatency(0)
			start := time.Now()
			p2 := startProc(t, bin, env)
			waitLong(t, "the review after the restart", 90*time.Second, func() bool {
				return len(gh.CheckRuns(testRepo, headOf(1, 1))) > 0 && len(gh.Comments(testRepo, 1)) > 0 && queueIdle(p2.url)
			})
			t.Logf("reviewed %v after the restart", time.Since(start).Round(100*time.Millisecond))
			reviewedOnce(t, gh, 1, headOf(1, 1))
			if st, err := jobStates(p2.url); err != nil || st["completed"] != 1 || st["discarded"] != 0 {
				t.Errorf("jobs: %v %v", st, err)
			}
			// The same delivery again, to the new process: nothing to do.
			writes := gh.Writes()
			if a := send(p2.url, "pull_request", "kill-1", body); a.code != http.StatusOK {
				t.Errorf("redelivery after the restart: %d %v", a.code, a.err)
			}
			if gh.Writes() != writes {
				t.Errorf("the redelivery wrote")
			}
			p2.stopCleanly(t)
		})
	}

	t.Run("SIGTERM during a review", func(t *testing.T) {
		t.Parallel()
		gh := manyPRs(t, 2, 1)
		db := filepath.Join(t.TempDir(), "tmbot.db")
		// One worker: the second request waits while the first is reviewed.
		env := envFor(gh, db, "TMBOT_WORKERS", "1")
		p := startProc(t, bin, env)
		gh.SetLatency(latency)
		for n := 1; n <= 2; n++ {
			body := pullRequestPayload("opened", n, headOf(n, 1), time.Now())
			if a := send(p.url, "pull_request", fmt.Sprintf("term-%d", n), body); a.err != nil || a.code != http.StatusAccepted {
				t.Fatalf("delivery %d: %d %v", n, a.code, a.err)
			}
		}
		waitLong(t, "a review to start", 30*time.Second, func() bool {
			return seen(gh, "/pulls/1/files") || seen(gh, "/pulls/2/files")
		})
		// The review in flight finishes within the grace period; the one
		// waiting stays in the queue.
		took := p.stop(t, syscall.SIGTERM, shutdownGrace+15*time.Second)
		t.Logf("stopped %v after SIGTERM", took.Round(10*time.Millisecond))
		if code := p.cmd.ProcessState.ExitCode(); code != 0 {
			t.Errorf("exit code %d after SIGTERM", code)
		}
		if took > shutdownGrace {
			t.Errorf("SIGTERM took %v, more than the grace period of %v", took, shutdownGrace)
		}
		done := 0
		for n := 1; n <= 2; n++ {
			if len(gh.CheckRuns(testRepo, headOf(n, 1))) > 0 {
				done++
			}
		}
		if done != 1 {
			// serve.go's shutdownGrace is "how long in-flight answers and
			// jobs get on SIGTERM", and queue.Stop lets running jobs finish
			// until its context is done.
			t.Errorf("%d reviews were finished at SIGTERM, want 1: the review in flight was not let finish within the grace period", done)
		}

		gh.SetLatency(0)
		p2 := startProc(t, bin, env)
		waitLong(t, "both reviews after the restart", 60*time.Second, func() bool {
			return len(gh.CheckRuns(testRepo, headOf(1, 1))) > 0 && len(gh.CheckRuns(testRepo, headOf(2, 1))) > 0 && queueIdle(p2.url)
		})
		for n := 1; n <= 2; n++ {
			reviewedOnce(t, gh, n, headOf(n, 1))
		}
		if st, err := jobStates(p2.url); err != nil || st["completed"] != 2 || st["discarded"] != 0 {
			t.Errorf("jobs: %v %v", st, err)
		}
		p2.stopCleanly(t)
	})
}

// ---- 2. three replicas on one PostgreSQL ----

// TestReplicasOnPostgres: three replicas share one PostgreSQL database and
// get 200 signed deliveries for 20 pull requests, spread over them: each
// request opened (the same delivery sent to two replicas at once), then a
// burst of four events at once, then, for a third of them, a push of a new
// head with a late event of the old one beside it, then redeliveries. Each
// request ends with one comment, its newest head with one check run, and
// no head anywhere with two.
func TestReplicasOnPostgres(t *testing.T) {
	t.Parallel()
	database := storetest.Database(t, "postgres")
	const prs = 20
	gh := manyPRs(t, prs, 2)
	var replicas []*tuned
	for range 3 {
		replicas = append(replicas, startTuned(t, gh, database, func(s *settings.Settings) {
			s.RetryBase, s.RetryMax = 100*time.Millisecond, time.Second
		}))
	}
	at := func(i int) string { return replicas[((i%3)+3)%3].url }
	secondHead := func(n int) bool { return n%3 == 0 }
	final := func(n int) string {
		if secondHead(n) {
			return headOf(n, 2)
		}
		return headOf(n, 1)
	}

	type sent struct {
		id string
		ack
	}
	var (
		mu    sync.Mutex
		acks  []sent
		slots = make(chan struct{}, 12) // deliveries in flight: bounds the connections to PostgreSQL
	)
	deliverTo := func(url, event, id string, body []byte) {
		slots <- struct{}{}
		a := send(url, event, id, body)
		<-slots
		mu.Lock()
		acks = append(acks, sent{id, a})
		mu.Unlock()
	}
	// together sends deliveries at once and waits for their answers.
	together := func(fs ...func()) {
		var wg sync.WaitGroup
		for _, f := range fs {
			wg.Go(f)
		}
		wg.Wait()
	}
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	start := time.Now()
	var wg sync.WaitGroup
	for n := 1; n <= prs; n++ {
		wg.Go(func() {
			id := func(what string) string { return fmt.Sprintf("pr%d-%s", n, what) }
			h1, upd := headOf(n, 1), t0.Add(time.Duration(n)*time.Second)
			opened := pullRequestPayload("opened", n, h1, upd)
			// Opened, the same delivery to two replicas at once.
			together(
				func() { deliverTo(at(n), "pull_request", id("opened"), opened) },
				func() { deliverTo(at(n+1), "pull_request", id("opened"), opened) },
			)
			// Four events at once for the same request.
			later := upd.Add(time.Second)
			together(
				func() { deliverTo(at(n), "pull_request", id("edited-base"), baseEdited(n, h1, later)) },
				func() {
					deliverTo(at(n+1), "pull_request", id("ready"), pullRequestPayload("ready_for_review", n, h1, later))
				},
				func() {
					deliverTo(at(n+2), "pull_request", id("reopened"), pullRequestPayload("reopened", n, h1, later))
				},
				func() { deliverTo(at(n), "pull_request", id("title"), pullRequestPayload("edited", n, h1, later)) },
			)
			time.Sleep(time.Duration(rand.IntN(300)) * time.Millisecond)
			// Mid-way, a new head for some; for the others, another base
			// change. Beside it, a late event about the old head.
			next, nextID, nextEvent := baseEdited(n, h1, upd.Add(2*time.Second)), id("edited-base-2"), "pull_request"
			if secondHead(n) {
				setHead(gh, n, 2)
				next, nextID = pullRequestPayload("synchronize", n, headOf(n, 2), upd.Add(time.Minute)), id("synchronize")
			}
			// (Not byte for byte the "ready" delivery: a body seen before
			// under another delivery id is a replay, and a duplicate.)
			late := pullRequestPayload("ready_for_review", n, h1, upd)
			together(
				func() { deliverTo(at(n+1), nextEvent, nextID, next) },
				func() { deliverTo(at(n+2), "pull_request", id("late"), late) },
			)
			// Redeliveries, to other replicas.
			together(
				func() { deliverTo(at(n+2), nextEvent, nextID, next) },
				func() { deliverTo(at(n+2), "pull_request", id("opened"), opened) },
			)
		})
	}
	wg.Wait()
	t.Logf("%d deliveries answered in %v", len(acks), time.Since(start).Round(time.Millisecond))

	// Every delivery is answered; each delivery id is accepted once, its
	// copies answered as duplicates.
	if len(acks) != 10*prs {
		t.Errorf("%d deliveries, want %d", len(acks), 10*prs)
	}
	accepted := map[string]int{}
	var took []time.Duration
	for _, a := range acks {
		switch {
		case a.err != nil:
			t.Errorf("delivery %s: %v", a.id, a.err)
		case a.code == http.StatusAccepted:
			accepted[a.id]++
		case a.code != http.StatusOK:
			t.Errorf("delivery %s: %d", a.id, a.code)
		}
		took = append(took, a.took)
	}
	for _, a := range acks {
		if accepted[a.id] != 1 {
			t.Errorf("delivery %s accepted %d times", a.id, accepted[a.id])
		}
	}
	slices.Sort(took)
	t.Logf("acknowledgements: p50 %v, p99 %v, max %v", percentile(took, 0.5), percentile(took, 0.99), took[len(took)-1])

	waitLong(t, "every newest head reviewed and the queue idle", 2*time.Minute, func() bool {
		for n := 1; n <= prs; n++ {
			if len(gh.CheckRuns(testRepo, final(n))) == 0 || len(gh.Comments(testRepo, n)) == 0 {
				return false
			}
		}
		return queueIdle(replicas[0].url)
	})
	t.Logf("all reviewed %v after the first delivery", time.Since(start).Round(100*time.Millisecond))
	for n := 1; n <= prs; n++ {
		reviewedOnce(t, gh, n, final(n))
		if secondHead(n) {
			if runs := gh.CheckRuns(testRepo, headOf(n, 1)); len(runs) > 1 {
				t.Errorf("PR %d: its first head has %d check runs", n, len(runs))
			}
		}
	}
	st, err := jobStates(replicas[1].url)
	if err != nil || st["discarded"] != 0 {
		t.Errorf("jobs: %v %v", st, err)
	}
	t.Logf("jobs: %v; GitHub: %d calls, %d writes", st, gh.APICalls(), gh.Writes())
	for i, r := range replicas {
		if logs := r.logText(); strings.Contains(logs, "dead letter") || strings.Contains(logs, "could not store the delivery") {
			t.Errorf("replica %d logged a failure:\n%s", i, grepLines(logs, `"level":"(ERROR|WARN)"`))
		}
	}
}

// grepLines are the lines of text that match pattern.
func grepLines(text, pattern string) string {
	re := regexp.MustCompile(pattern)
	var out []string
	for line := range strings.Lines(text) {
		if re.MatchString(line) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "")
}

// ---- 3. GitHub failing at random ----

// TestReviewsUnderFaults: GitHub answers 30% of the calls with 500, 502 or
// 429 (a secondary rate limit, Retry-After: 1). Reviews of four requests,
// two of which get a second head, all complete: one comment per request,
// one check run per reviewed head, the newest heads all reviewed.
func TestReviewsUnderFaults(t *testing.T) {
	t.Parallel()
	const prs = 4
	gh := manyPRs(t, prs, 2)
	svc := startTuned(t, gh, "sqlite:"+filepath.Join(t.TempDir(), "tmbot.db"), func(s *settings.Settings) {
		s.RetryBase, s.RetryMax = 50*time.Millisecond, time.Second
	})
	gh.SetFailureRate(0.3, 500, 502, 429)
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	post := func(event, id string, body []byte) {
		t.Helper()
		if a := send(svc.url, event, id, body); a.err != nil || (a.code != http.StatusAccepted && a.code != http.StatusOK) {
			t.Fatalf("delivery %s: %d %v", id, a.code, a.err)
		}
	}
	for n := 1; n <= prs; n++ {
		body := pullRequestPayload("opened", n, headOf(n, 1), t0)
		post("pull_request", fmt.Sprintf("f%d-opened", n), body)
		post("pull_request", fmt.Sprintf("f%d-opened", n), body) // a redelivery
	}
	time.Sleep(300 * time.Millisecond)
	for n := 1; n <= 2; n++ {
		setHead(gh, n, 2)
		post("pull_request", fmt.Sprintf("f%d-sync", n), pullRequestPayload("synchronize", n, headOf(n, 2), t0.Add(time.Minute)))
		post("pull_request", fmt.Sprintf("f%d-edited", n), baseEdited(n, headOf(n, 2), t0.Add(time.Minute)))
	}
	final := func(n int) string {
		if n <= 2 {
			return headOf(n, 2)
		}
		return headOf(n, 1)
	}
	waitLong(t, "every review despite the faults", time.Minute, func() bool {
		for n := 1; n <= prs; n++ {
			if len(gh.CheckRuns(testRepo, final(n))) == 0 || len(gh.Comments(testRepo, n)) == 0 {
				return false
			}
		}
		return queueIdle(svc.url)
	})
	faults := 0
	for _, r := range gh.Requests() {
		if r.Status >= 429 {
			faults++
		}
	}
	st, _ := jobStates(svc.url)
	t.Logf("%d of %d GitHub calls failed; jobs %v", faults, len(gh.Requests()), st)
	if faults == 0 {
		t.Error("no call failed: the faults were not injected")
	}
	for n := 1; n <= prs; n++ {
		reviewedOnce(t, gh, n, final(n))
		if runs := gh.CheckRuns(testRepo, headOf(n, 1)); n <= 2 && len(runs) > 1 {
			t.Errorf("PR %d: its first head has %d check runs", n, len(runs))
		}
	}
	if st["discarded"] != 0 {
		t.Errorf("%d jobs were discarded", st["discarded"])
	}
}

// TestLateSynchronizeAfterARestart: GitHub does not promise the order of
// deliveries. A head already reviewed for another event (here reopened)
// gets its synchronize late, after its base moved, and on a process that
// did not write the first check (a restart; or another replica): the check
// run of the head is updated, not made twice.
func TestLateSynchronizeAfterARestart(t *testing.T) {
	t.Parallel()
	gh := manyPRs(t, 1, 1)
	head, err := os.ReadFile("../../examples/demo/unplanned/alpinepay.threatmodel.yaml")
	if err != nil {
		t.Fatal(err)
	}
	gh.PutFile(testRepo, sha("base2"), modelPath, head) // the new base already has the change
	database := "sqlite:" + filepath.Join(t.TempDir(), "tmbot.db")
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)

	first := startTuned(t, gh, database, nil)
	if a := send(first.url, "pull_request", "late-1", pullRequestPayload("reopened", 1, headOf(1, 1), t0)); a.code != http.StatusAccepted {
		t.Fatalf("reopened: %d %v", a.code, a.err)
	}
	waitFor(t, "the first review", func() bool {
		return len(gh.CheckRuns(testRepo, headOf(1, 1))) == 1 && queueIdle(first.url)
	})
	before := gh.CheckRuns(testRepo, headOf(1, 1))[0]
	stopService(t, first.service)

	second := startTuned(t, gh, database, nil)
	sync := bytes.ReplaceAll(pullRequestPayload("synchronize", 1, headOf(1, 1), t0.Add(time.Minute)), []byte(sha("base")), []byte(sha("base2")))
	if a := send(second.url, "pull_request", "late-2", sync); a.code != http.StatusAccepted {
		t.Fatalf("synchronize: %d %v", a.code, a.err)
	}
	waitFor(t, "the second review", func() bool {
		st, err := jobStates(second.url)
		return err == nil && st["completed"] == 2 && queueIdle(second.url)
	})
	runs := gh.CheckRuns(testRepo, headOf(1, 1))
	if len(runs) != 1 {
		t.Fatalf("head %.7s has %d check runs, want 1 (updated): %+v", headOf(1, 1), len(runs), runs)
	}
	if runs[0].ID != before.ID || runs[0].Summary == before.Summary {
		t.Errorf("the check run was not updated: run %d, before %d; summary:\n%s", runs[0].ID, before.ID, runs[0].Summary)
	}
	if n := len(gh.Comments(testRepo, 1)); n != 1 {
		t.Errorf("%d comments", n)
	}
}

// TestJobTimingSettings: the job timing comes from the environment (the
// tests above rely on it), with defaults, and a rescue delay not longer
// than the job timeout is refused.
func TestJobTimingSettings(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	s, err := settings.Load("", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if s.JobTimeout != 5*time.Minute || s.JobRescueAfter != 0 || s.JobLockTTL != 2*time.Minute ||
		s.RetryBase != 2*time.Second || s.RetryMax != 10*time.Minute {
		t.Errorf("defaults: %v %v %v %v %v", s.JobTimeout, s.JobRescueAfter, s.JobLockTTL, s.RetryBase, s.RetryMax)
	}
	s, err = settings.Load("", env(map[string]string{"TMBOT_JOB_TIMEOUT": "5s", "TMBOT_JOB_RESCUE_AFTER": "6",
		"TMBOT_JOB_LOCK_TTL": "3s", "TMBOT_RETRY_BASE": "200ms", "TMBOT_RETRY_MAX": "2s"}))
	if err != nil {
		t.Fatal(err)
	}
	if s.JobTimeout != 5*time.Second || s.JobRescueAfter != 6*time.Second || s.JobLockTTL != 3*time.Second ||
		s.RetryBase != 200*time.Millisecond || s.RetryMax != 2*time.Second {
		t.Errorf("from the environment: %v %v %v %v %v", s.JobTimeout, s.JobRescueAfter, s.JobLockTTL, s.RetryBase, s.RetryMax)
	}
	for _, bad := range []map[string]string{
		{"TMBOT_JOB_TIMEOUT": "5s", "TMBOT_JOB_RESCUE_AFTER": "5s"},
		{"TMBOT_JOB_RESCUE_AFTER": "1m"}, // not more than the default timeout
		{"TMBOT_RETRY_BASE": "soon"},
	} {
		if _, err := settings.Load("", env(bad)); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}
