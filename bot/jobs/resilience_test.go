package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tmbot/tmbot/bot/forge"
	ghforge "github.com/tmbot/tmbot/bot/forge/github"
	"github.com/tmbot/tmbot/bot/forge/github/githubtest"
	glforge "github.com/tmbot/tmbot/bot/forge/gitlab"
	"github.com/tmbot/tmbot/bot/forge/gitlab/gitlabtest"
	"github.com/tmbot/tmbot/bot/forge/retry"
	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/queue"
	"github.com/tmbot/tmbot/bot/review"
	"github.com/tmbot/tmbot/bot/store"
	"github.com/tmbot/tmbot/bot/track"
)

// These tests drive the track job against the strict fake forges with
// faults injected, as the queue would drive it (clock): in-place retries
// wait on a fake clock, and the queue's decision after a failed attempt
// (postpone for a rate limit, snooze for a failing forge, or use up an
// attempt) is applied to the same clock. Nothing waits for real.

// clock is the fake time of one test, and the outage it simulates.
type clock struct {
	now         time.Time
	outageUntil time.Time
	rate        float64
	// down turns the forge's outage on or off (every call 502/503).
	down  func(bool)
	waits []time.Duration
}

func (c *clock) sleep(d time.Duration) {
	c.waits = append(c.waits, d)
	c.now = c.now.Add(d)
	c.sync()
}

func (c *clock) sync() { c.down(c.now.Before(c.outageUntil)) }

// fakeForge is one of the two fakes, seen the same way.
type fakeForge struct {
	name   string
	repo   forge.Repo
	client forge.Client
	// setRate injects faults at random (500, 502, 503, 429).
	setRate  func(p float64)
	failNext func(n, status int, h map[string]string)
	// calls counts the API calls the fake answered (not token requests).
	calls func() int
	// putModel puts a model file at a commit and points the branch at it.
	putModel func(sha, yaml string)
	// addPull opens request 1, which adds the model of n mitigations;
	// reviewComments counts the comments on it.
	addPull        func(n int) queue.ReviewArgs
	reviewComments func() int
	// issues are the repository's issues: key → numbers, and per issue the
	// number of comments.
	issues func() (byKey map[string][]int, comments map[int]int, open map[int]bool)
}

func newGitHubForge(t testing.TB, c *clock) *fakeForge {
	gh := githubtest.New(t, 99)
	gh.AddInstallation(5, "acme")
	repo := gh.AddRepo(5, "acme/pay", "main")
	app, err := ghforge.NewApp(ghforge.AppConfig{AppID: 99, PrivateKey: gh.PrivateKeyPEM(), BaseURL: gh.URL(),
		Retry: &retry.Policy{Sleep: c.sleep, Jitter: func() float64 { return 0.5 }}})
	if err != nil {
		t.Fatal(err)
	}
	client, err := app.Client(5)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeForge{name: "github", repo: repo, client: client,
		setRate:  func(p float64) { gh.SetFailureRate(p) },
		failNext: gh.FailNext,
		calls: func() int {
			n := 0
			for _, r := range gh.Requests() {
				if !strings.HasSuffix(r.Path, "/access_tokens") {
					n++
				}
			}
			return n
		},
		putModel: func(sha, yaml string) {
			gh.PutFile("acme/pay", sha, "pay.threatmodel.yaml", []byte(yaml))
			gh.SetBranch("acme/pay", "main", sha)
		},
		addPull: func(n int) queue.ReviewArgs {
			gh.PutFile("acme/pay", commit("head"), "pay.threatmodel.yaml", []byte(modelOf(n)))
			gh.AddPull("acme/pay", githubtest.Pull{Number: 1, Title: "Add a model", Author: "dev", BaseRef: "main",
				BaseSHA: commit("base"), HeadSHA: commit("head"),
				Files: []githubtest.PullFile{{Path: "pay.threatmodel.yaml", Status: "added"}}})
			return queue.ReviewArgs{PRKey: forge.PullRequest{Repo: repo, Number: 1}.Key(), Repo: repo, Number: 1, Trigger: forge.TriggerOpened}
		},
		reviewComments: func() int { return len(gh.Comments("acme/pay", 1)) },
		issues: func() (map[string][]int, map[int]int, map[int]bool) {
			byKey, comments, open := map[string][]int{}, map[int]int{}, map[int]bool{}
			for _, is := range gh.Issues("acme/pay") {
				k, ok := track.KeyOf(is.Body)
				if !ok && strings.HasPrefix(is.Body, track.SummaryMarker) {
					k, ok = "summary", true
				}
				if ok {
					byKey[k] = append(byKey[k], is.Number)
				}
				comments[is.Number] = len(gh.IssueComments("acme/pay", is.Number))
				open[is.Number] = is.State == "open"
			}
			return byKey, comments, open
		}}
	c.down = func(on bool) {
		if on {
			gh.SetFailureRate(1, 502, 503)
		} else {
			gh.SetFailureRate(c.rate)
		}
	}
	return f
}

func newGitLabForge(t testing.TB, c *clock) *fakeForge {
	const proj = "acme/pay"
	g := gitlabtest.New(t)
	g.AddUser("tmbot", true)
	tok := g.AddToken("tmbot")
	id := g.AddProject(proj, "main")
	g.AddMember(proj, "tmbot", gitlabtest.Maintainer)
	client, err := glforge.NewWithRetry(g.URL(), tok, nil, &retry.Policy{Sleep: c.sleep, Jitter: func() float64 { return 0.5 }})
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeForge{name: "gitlab", client: client,
		repo:     forge.Repo{Forge: "gitlab", ID: id, Owner: "acme", Name: "pay", DefaultBranch: "main"},
		setRate:  func(p float64) { g.SetFailureRate(p) },
		failNext: g.FailNext,
		calls:    func() int { return len(g.Requests()) },
		putModel: func(sha, yaml string) {
			g.PutFile(proj, sha, "pay.threatmodel.yaml", []byte(yaml))
			g.SetBranch(proj, "main", sha)
		},
		addPull: func(n int) queue.ReviewArgs {
			g.PutFile(proj, commit("base"), "README.md", []byte("hi\n"))
			g.PutFile(proj, commit("head"), "README.md", []byte("hi\n"))
			g.PutFile(proj, commit("head"), "pay.threatmodel.yaml", []byte(modelOf(n)))
			g.AddMergeRequest(proj, gitlabtest.MergeRequest{IID: 1, Title: "Add a model", Author: "alice", SourceBranch: "feature",
				BaseSHA: commit("base"), HeadSHA: commit("head")})
			repo := forge.Repo{Forge: "gitlab", ID: id, Owner: "acme", Name: "pay", DefaultBranch: "main"}
			return queue.ReviewArgs{PRKey: forge.PullRequest{Repo: repo, Number: 1}.Key(), Repo: repo, Number: 1}
		},
		reviewComments: func() int {
			n := 0
			for _, note := range g.Notes(proj, 1) {
				if !note.System && strings.HasPrefix(note.Body, review.Marker) {
					n++
				}
			}
			return n
		},
		issues: func() (map[string][]int, map[int]int, map[int]bool) {
			byKey, comments, open := map[string][]int{}, map[int]int{}, map[int]bool{}
			for _, is := range g.Issues(proj) {
				n := int(is.IID)
				k, ok := track.KeyOf(is.Description)
				if !ok && strings.HasPrefix(is.Description, track.SummaryMarker) {
					k, ok = "summary", true
				}
				if ok {
					byKey[k] = append(byKey[k], n)
				}
				for _, note := range is.Notes {
					if !note.System {
						comments[n]++
					}
				}
				open[n] = is.State == "opened"
			}
			return byKey, comments, open
		}}
	c.down = func(on bool) {
		if on {
			g.SetFailureRate(1, 502, 503)
		} else {
			g.SetFailureRate(c.rate)
		}
	}
	return f
}

var forges = []struct {
	name string
	make func(testing.TB, *clock) *fakeForge
}{{"github", newGitHubForge}, {"gitlab", newGitLabForge}}

// modelOf is a model with n mitigations, each planned for its own threat;
// the statuses given replace "planned" for the first ones.
func modelOf(n int, statuses ...string) string {
	var b strings.Builder
	b.WriteString("version: 1\nsystem: {id: pay, name: Pay}\nthreats:\n")
	for i := range n {
		fmt.Fprintf(&b, "  t%d: {title: Threat %d, likelihood: high, impact: high, mitigations: [m%d]}\n", i, i, i)
	}
	b.WriteString("mitigations:\n")
	for i := range n {
		st := "planned"
		if i < len(statuses) {
			st = statuses[i]
		}
		fmt.Fprintf(&b, "  m%d: {title: Mitigation %d, status: %s}\n", i, i, st)
	}
	return b.String()
}

func newRunner(t testing.TB, f *fakeForge, c *clock) *Runner {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "t.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	loader, err := model.NewLoader(model.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	// Now stays the real clock: the forges' rate limits are dated by it.
	return &Runner{Store: st, Loader: loader, Log: slog.New(slog.DiscardHandler),
		Retry:  retry.Policy{Sleep: c.sleep, Jitter: func() float64 { return 0.5 }},
		Client: func(forge.Repo) (forge.Client, error) { return f.client, nil }}
}

// outcome is how a job went under the simulated queue.
type outcome struct {
	runs     int           // attempts, snoozes included
	burned   int           // attempts used up (errors the queue counts)
	took     time.Duration // fake time from start to done
	finished time.Time
}

// runJob runs fn as the queue runs a job, on the fake clock: a rate limit
// postpones it to the time asked, a failing forge snoozes it
// (queue.OutageBackoff, no attempt used), another error uses up one of 20
// attempts with the queue's backoff (2 s doubling, at most 10 minutes).
func runJob(t testing.TB, c *clock, jobID int64, fn func(context.Context) error) outcome {
	t.Helper()
	ctx := queue.WithJobID(context.Background(), jobID)
	start := c.now
	var o outcome
	snoozes := 0
	jitter := rand.New(rand.NewPCG(3, 4))
	for {
		o.runs++
		if o.runs > 500 {
			t.Fatalf("the job did not finish in 500 runs")
		}
		c.sync()
		err := fn(ctx)
		if _, isT := t.(*testing.T); isT && testing.Verbose() && err != nil {
			t.Logf("run %d: %v", o.runs, err)
		}
		switch {
		case err == nil:
			o.took, o.finished = c.now.Sub(start), c.now
			return o
		case isRateLimit(err):
			d, _ := forge.RetryAfter(err, time.Now())
			if d <= 2*time.Second {
				// go-github keeps a secondary limit and refuses calls
				// itself until it is over, by the real clock: wait it out.
				time.Sleep(d)
			}
			c.now = c.now.Add(d)
			snoozes++
		case retry.Transient(err):
			c.now = c.now.Add(queue.OutageBackoff(2*time.Second, queue.DefaultOutageWait, snoozes, jitter.Float64()))
			snoozes++
		default:
			o.burned++
			if o.burned >= 20 {
				t.Fatalf("the job was discarded after 20 attempts: %v", err)
			}
			c.now = c.now.Add(min(2*time.Second<<o.burned, 10*time.Minute))
		}
	}
}

func isRateLimit(err error) bool { _, ok := forge.RetryAfter(err, time.Now()); return ok }

// noDuplicates checks one issue per mitigation key and at most one
// comment per issue.
func noDuplicates(t testing.TB, f *fakeForge, wantKeys int) (byKey map[string][]int, comments map[int]int, open map[int]bool) {
	t.Helper()
	byKey, comments, open = f.issues()
	mits := 0
	for k, ns := range byKey {
		if len(ns) != 1 {
			t.Errorf("%s: %d issues for %s: %v", f.name, len(ns), k, ns)
		}
		if k != "summary" {
			mits++
		}
	}
	if mits != wantKeys {
		t.Errorf("%s: %d mitigation issues, want %d", f.name, mits, wantKeys)
	}
	for n, c := range comments {
		if c > 1 {
			t.Errorf("%s: issue %d has %d comments", f.name, n, c)
		}
	}
	return byKey, comments, open
}

// landAndClose lands a model of 4 mitigations, then a change that
// implements one and drops another (two issues closed, each with one
// comment); it returns the calls each phase made and how the jobs went.
func landAndClose(t *testing.T, f *fakeForge, c *clock, d *Runner) (calls [2]int, jobs [2]outcome) {
	t.Helper()
	args := queue.TrackArgs{RepoKey: f.repo.Key(), Repo: f.repo, Reason: "push"}
	f.putModel(commit("c1"), modelOf(4))
	before := f.calls()
	jobs[0] = runJob(t, c, 1, func(ctx context.Context) error { return d.Track(ctx, args) })
	calls[0] = f.calls() - before
	noDuplicates(t, f, 4)
	f.putModel(commit("c2"), modelOf(4, "implemented", "wont_do"))
	before = f.calls()
	jobs[1] = runJob(t, c, 2, func(ctx context.Context) error { return d.Track(ctx, args) })
	calls[1] = f.calls() - before
	byKey, comments, open := noDuplicates(t, f, 4)
	for _, k := range []string{"pay/m0", "pay/m1"} {
		if len(byKey[k]) != 1 || open[byKey[k][0]] || comments[byKey[k][0]] != 1 {
			t.Errorf("%s: %s: issues %v, open %v, comments %d; want closed with one comment", f.name, k, byKey[k],
				open[byKey[k][0]], comments[byKey[k][0]])
		}
	}
	return calls, jobs
}

// TestTrackUnderFaults: with 30% and 60% of the calls failing at random
// (500, 502, 503, and 429 with Retry-After: 1), the reconcile that opens
// four issues and the one that closes two both complete on both forges,
// with no duplicate issue or comment and no attempt used up; at 30% the
// first reconcile makes at most 1.6 times the calls it makes without
// faults, and finishes within 60 s.
func TestTrackUnderFaults(t *testing.T) {
	for _, fg := range forges {
		t.Run(fg.name, func(t *testing.T) {
			c := &clock{now: time.Now()}
			f := fg.make(t, c)
			base, _ := landAndClose(t, f, c, newRunner(t, f, c))
			for _, rate := range []float64{0.3, 0.6} {
				t.Run(fmt.Sprint(rate), func(t *testing.T) {
					c := &clock{now: time.Now(), rate: rate}
					f := fg.make(t, c)
					calls, jobs := landAndClose(t, f, c, newRunner(t, f, c))
					for i, j := range jobs {
						if j.burned != 0 {
							t.Errorf("reconcile %d used up %d attempts", i+1, j.burned)
						}
					}
					t.Logf("calls %v (fault-free %v), runs %d/%d, took %v/%v", calls, base, jobs[0].runs, jobs[1].runs, jobs[0].took, jobs[1].took)
					if rate == 0.3 {
						if float64(calls[0]) > 1.6*float64(base[0]) {
							t.Errorf("landing: %d calls, fault-free %d: more than 1.6x", calls[0], base[0])
						}
						// Each call is retried in place: the job itself
						// seldom has to run again.
						if jobs[0].runs > 2 || jobs[1].runs > 2 {
							t.Errorf("runs %d and %d, want at most 2 each", jobs[0].runs, jobs[1].runs)
						}
						if jobs[0].took > time.Minute {
							t.Errorf("landing took %v", jobs[0].took)
						}
					}
				})
			}
		})
	}
}

// TestTrackThroughAnOutage: the forge answers every call with 502 or 503
// for ten minutes, then recovers. The reconcile is snoozed (no attempt
// used up, so it is not discarded), resumes within a minute of the
// recovery, and opens each issue once.
func TestTrackThroughAnOutage(t *testing.T) {
	for _, fg := range forges {
		t.Run(fg.name, func(t *testing.T) {
			start := time.Now()
			c := &clock{now: start, outageUntil: start.Add(10 * time.Minute)}
			f := fg.make(t, c)
			d := newRunner(t, f, c)
			f.putModel(commit("c1"), modelOf(4))
			args := queue.TrackArgs{RepoKey: f.repo.Key(), Repo: f.repo, Reason: "push"}
			o := runJob(t, c, 1, func(ctx context.Context) error { return d.Track(ctx, args) })
			if o.burned != 0 {
				t.Errorf("%d attempts used up by the outage", o.burned)
			}
			if late := o.finished.Sub(c.outageUntil); late > time.Minute {
				t.Errorf("finished %v after the recovery, want within a minute", late)
			}
			noDuplicates(t, f, 4)
			t.Logf("%d runs, done %v after the recovery", o.runs, o.finished.Sub(c.outageUntil))
		})
	}
}

// TestSecondaryRateLimitRetryAfter: a create refused by a secondary rate
// limit with Retry-After: 3 is sent again after 3 s, in place (the forge
// did nothing with it); one asking for 60 s postpones the job to then
// instead of holding a worker. One issue either way.
func TestSecondaryRateLimitRetryAfter(t *testing.T) {
	for _, fg := range forges {
		t.Run(fg.name, func(t *testing.T) {
			status := http.StatusForbidden
			if fg.name == "gitlab" {
				status = http.StatusTooManyRequests
			}
			c := &clock{now: time.Now()}
			f := fg.make(t, c)
			c.sync()
			spec := forge.IssueSpec{Title: "Mitigation", Body: track.Marker("pay/m0"), Labels: []string{"threat-model"}}
			f.failNext(1, status, map[string]string{"Retry-After": "3"})
			if _, err := f.client.CreateIssue(context.Background(), f.repo, spec); err != nil {
				t.Fatalf("create after a short secondary limit: %v", err)
			}
			if len(c.waits) != 1 || c.waits[0] < 3*time.Second || c.waits[0] > 4*time.Second {
				t.Errorf("waited %v, want 3 s once", c.waits)
			}
			f.failNext(1, status, map[string]string{"Retry-After": "60"})
			_, err := f.client.CreateIssue(context.Background(), f.repo, spec)
			if d, ok := forge.RetryAfter(err, time.Now()); !ok || d < 55*time.Second {
				t.Errorf("a 60 s limit: %v (%v), want the job postponed by 60 s", err, d)
			}
			if len(c.waits) != 1 {
				t.Errorf("waited in place for a long limit: %v", c.waits)
			}
			if byKey, _, _ := f.issues(); len(byKey["pay/m0"]) != 1 {
				t.Errorf("issues %v, want one", byKey)
			}
		})
	}
}

// TestTrackResumesFromItsCheckpoint: a reconcile of five issues that
// stops after three (here paced, as a large landing is) does not read the
// branch, the tree or the files, nor list the issues, again when it runs
// on: it goes on from its checkpoint, and opens the last two.
func TestTrackResumesFromItsCheckpoint(t *testing.T) {
	for _, fg := range forges {
		t.Run(fg.name, func(t *testing.T) {
			c := &clock{now: time.Now()}
			f := fg.make(t, c)
			d := newRunner(t, f, c)
			d.CreationsPerRun, d.TrackPause = 3, time.Millisecond
			f.putModel(commit("c1"), modelOf(5))
			args := queue.TrackArgs{RepoKey: f.repo.Key(), Repo: f.repo, Reason: "push"}
			ctx := queue.WithJobID(context.Background(), 7)
			c.sync()
			if err := d.Track(ctx, args); !isRateLimit(err) {
				t.Fatalf("first run: %v, want it paced", err)
			}
			first := f.calls()
			if byKey, _, _ := f.issues(); len(byKey) != 3 {
				t.Fatalf("first run opened %d issues, want 3", len(byKey))
			}
			if err := d.Track(ctx, args); err != nil {
				t.Fatal(err)
			}
			noDuplicates(t, f, 5)
			// Two creates and the summary issue; nothing read or listed.
			if n := f.calls() - first; n != 3 {
				t.Errorf("the second run made %d calls, want 3 (two issues and the summary)", n)
			}
		})
	}
}

// TestBackgroundYieldsToReviews: when an installation's calls run low, a
// resync's reconcile on another replica (a client that has seen no answer
// yet) is postponed to the limit's reset, from the budget the store
// shares; a push's reconcile goes ahead.
func TestBackgroundYieldsToReviews(t *testing.T) {
	c := &clock{now: time.Now()}
	gh := githubtest.New(t, 99)
	gh.AddInstallation(5, "acme")
	repo := gh.AddRepo(5, "acme/pay", "main")
	gh.PutFile("acme/pay", commit("c1"), "pay.threatmodel.yaml", []byte(modelOf(1)))
	gh.SetBranch("acme/pay", "main", commit("c1"))
	replica := func() forge.Client {
		app, err := ghforge.NewApp(ghforge.AppConfig{AppID: 99, PrivateKey: gh.PrivateKeyPEM(), BaseURL: gh.URL(), Retry: &retry.Off})
		if err != nil {
			t.Fatal(err)
		}
		client, err := app.Client(5)
		if err != nil {
			t.Fatal(err)
		}
		return client
	}
	one, two := replica(), replica()
	d1 := newRunner(t, &fakeForge{client: one}, c)
	d2 := *d1
	d2.Client = func(forge.Repo) (forge.Client, error) { return two, nil }
	c.now = time.Now()
	d1.Now, d2.Now = time.Now, time.Now
	gh.SetRateLimitRemaining(100)
	if err := d1.Track(context.Background(), queue.TrackArgs{RepoKey: repo.Key(), Repo: repo, Reason: "push"}); err != nil {
		t.Fatal(err)
	}
	calls := len(gh.Requests())
	err := d2.Track(context.Background(), queue.TrackArgs{RepoKey: repo.Key(), Repo: repo, Reason: "resync"})
	if d, ok := forge.RetryAfter(err, time.Now()); !ok || d < 50*time.Minute {
		t.Fatalf("resync on a low budget: %v (%v), want postponed to the reset", err, d)
	}
	if n := len(gh.Requests()) - calls; n != 0 {
		t.Errorf("the postponed resync made %d calls", n)
	}
	gh.SetRateLimitRemaining(5000)
	if err := d2.Track(context.Background(), queue.TrackArgs{RepoKey: repo.Key(), Repo: repo, Reason: "push"}); err != nil {
		t.Errorf("a push's reconcile: %v", err)
	}
}

// TestReviewUnderFaults: with 30% and 60% of the calls failing, the
// review of a request completes on both forges with one comment, and
// without using up an attempt.
func TestReviewUnderFaults(t *testing.T) {
	for _, fg := range forges {
		for _, rate := range []float64{0.3, 0.6} {
			t.Run(fmt.Sprint(fg.name, "/", rate), func(t *testing.T) {
				c := &clock{now: time.Now(), rate: rate}
				f := fg.make(t, c)
				d := newRunner(t, f, c)
				args := f.addPull(4)
				o := runJob(t, c, 1, func(ctx context.Context) error { return d.ReviewPR(ctx, args) })
				if o.burned != 0 {
					t.Errorf("%d attempts used up", o.burned)
				}
				if n := f.reviewComments(); n != 1 {
					t.Errorf("%d review comments, want 1", n)
				}
			})
		}
	}
}

// TestBackgroundYieldsToReviewsOnGitLab: GitLab's per-minute budget, read
// from RateLimit-Remaining by one replica and kept in the store, makes a
// resync's reconcile on another replica wait for the reset; a push's
// reconcile goes on.
func TestBackgroundYieldsToReviewsOnGitLab(t *testing.T) {
	const proj = "acme/pay"
	g := gitlabtest.New(t)
	g.AddUser("tmbot", true)
	tok := g.AddToken("tmbot")
	id := g.AddProject(proj, "main")
	g.AddMember(proj, "tmbot", gitlabtest.Maintainer)
	g.PutFile(proj, commit("c1"), "pay.threatmodel.yaml", []byte(modelOf(1)))
	g.SetBranch(proj, "main", commit("c1"))
	repo := forge.Repo{Forge: "gitlab", ID: id, Owner: "acme", Name: "pay", DefaultBranch: "main"}
	replica := func() forge.Client {
		client, err := glforge.NewWithRetry(g.URL(), tok, nil, &retry.Off)
		if err != nil {
			t.Fatal(err)
		}
		return client
	}
	one, two := replica(), replica()
	c := &clock{now: time.Now()}
	d1 := newRunner(t, &fakeForge{client: one}, c)
	d2 := *d1
	d2.Client = func(forge.Repo) (forge.Client, error) { return two, nil }
	d1.Now, d2.Now = time.Now, time.Now
	g.SetRateLimitRemaining(100)
	if err := d1.Track(context.Background(), queue.TrackArgs{RepoKey: repo.Key(), Repo: repo, Reason: "push"}); err != nil {
		t.Fatal(err)
	}
	calls := len(g.Requests())
	err := d2.Track(context.Background(), queue.TrackArgs{RepoKey: repo.Key(), Repo: repo, Reason: "resync"})
	if d, ok := forge.RetryAfter(err, time.Now()); !ok || d < 30*time.Second {
		t.Fatalf("resync on a low budget: %v (%v), want postponed to the reset", err, d)
	}
	if n := len(g.Requests()) - calls; n != 0 {
		t.Errorf("the postponed resync made %d calls", n)
	}
	// A budget above GitLab's reserve (a tenth of its 2,000 a minute) does
	// not hold background work back, though it is below the GitHub reserve.
	g.SetRateLimitRemaining(1500)
	if err := d1.Track(context.Background(), queue.TrackArgs{RepoKey: repo.Key(), Repo: repo, Reason: "push"}); err != nil {
		t.Fatal(err)
	}
	if err := d2.Track(context.Background(), queue.TrackArgs{RepoKey: repo.Key(), Repo: repo, Reason: "resync"}); err != nil {
		t.Errorf("a resync with 1,500 calls left: %v", err)
	}
}
