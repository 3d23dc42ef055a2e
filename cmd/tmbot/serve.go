package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/tmbot/tmbot/bot/forge"
	ghforge "github.com/tmbot/tmbot/bot/forge/github"
	glforge "github.com/tmbot/tmbot/bot/forge/gitlab"
	"github.com/tmbot/tmbot/bot/jobs"
	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/policy"
	"github.com/tmbot/tmbot/bot/queue"
	"github.com/tmbot/tmbot/bot/review"
	"github.com/tmbot/tmbot/bot/sandbox"
	"github.com/tmbot/tmbot/bot/server"
	"github.com/tmbot/tmbot/bot/store"
)

// shutdownGrace is how long in-flight answers and jobs get on SIGTERM.
const shutdownGrace = 25 * time.Second

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("serve", flag.ContinueOnError)
	file := fl.String("config", "", "settings file (YAML); the environment wins over it")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: tmbot serve [--config FILE]")
		fmt.Fprintln(stderr, "Runs the webhook service. Settings: docs/operations.md (TMBOT_* variables).")
		fl.PrintDefaults()
	}
	rest, ok := parseFlags(fl, args, stderr)
	if !ok || len(rest) > 0 {
		return exitUsage
	}
	settings, err := server.LoadSettings(*file, os.Getenv)
	if err != nil {
		fmt.Fprintf(stderr, "tmbot: %v\n", err)
		return exitUsage
	}
	log := newLogger(stderr, settings.LogLevel)
	if err := scrub(serve(ctx, settings, log, nil), settings); err != nil {
		log.Error("tmbot stopped", "err", err)
		return 1
	}
	return exitOK
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// serve runs the service until ctx is done. ready, when not nil, receives
// the listening address once the service is ready (tests). Its error
// names settings but quotes none of their values (scrub.go).
func serve(ctx context.Context, settings server.Settings, log *slog.Logger, ready chan<- string) error {
	return scrub(serveSettings(ctx, settings, log, ready), settings)
}

func serveSettings(ctx context.Context, settings server.Settings, log *slog.Logger, ready chan<- string) error {
	// The configured paths first: a path that is not there stops the
	// start, before anything is opened.
	orgPolicies, err := readPolicies(settings.PoliciesDir)
	if err != nil {
		return err
	}
	if settings.PoliciesDir != "" && len(orgPolicies) == 0 {
		log.Warn("the organisation's policy folder holds no *.cue file: no organisation policy applies", "policies_dir", settings.PoliciesDir)
	}
	st, err := store.Open(ctx, settings.Database, log)
	if err != nil {
		return fmt.Errorf("open the database named by TMBOT_DATABASE: %w", err)
	}
	defer st.Close()
	budget := sandbox.Budget{Timeout: settings.CUETimeout, MemoryBytes: settings.CUEMemory}
	loader, err := model.NewLoader(model.Limits{CUE: model.CUEBudget(budget)})
	if err != nil {
		return err
	}
	var app *ghforge.App
	if settings.GitHub.AppID != 0 {
		app, err = ghforge.NewApp(ghforge.AppConfig{AppID: settings.GitHub.AppID,
			PrivateKey: []byte(settings.GitHub.PrivateKey), BaseURL: settings.GitHub.APIURL})
		if err != nil {
			return fmt.Errorf("the GitHub App (TMBOT_GITHUB_APP_ID, TMBOT_GITHUB_PRIVATE_KEY): %w", err)
		}
	}
	// GitLab (bot/forge/gitlab): one client for the instance and its token.
	var glClient *glforge.Client
	if settings.GitLab.URL != "" {
		glClient, err = glforge.New(settings.GitLab.URL, settings.GitLab.Token, nil)
		if err != nil {
			return fmt.Errorf("GitLab (TMBOT_GITLAB_URL, TMBOT_GITLAB_TOKEN): %w", err)
		}
	}
	deps := &jobs.Runner{Store: st, Loader: loader, Log: log, OrgPolicies: orgPolicies, ResyncReserve: settings.ResyncReserve,
		OrgPoliciesOverridable: settings.OrgPoliciesOverridable, PolicyBudget: budget,
		Engines: policy.NewPool(settings.Workers), // one idle engine per worker
		// Reviews compute on all cores but one, whatever the workers: the
		// last core answers webhooks (docs/performance.md).
		Compute: review.NewLimiter(runtime.GOMAXPROCS(0) - 1),
		Budget:  settings.ReviewBudget(),
		Client: func(repo forge.Repo) (forge.Client, error) {
			switch {
			case repo.Forge == "github" && app != nil:
				return app.Client(repo.Installation)
			case repo.Forge == "gitlab" && glClient != nil: // GitLab
				return glClient, nil
			default:
				return nil, fmt.Errorf("%s is not configured: %w", repo.Forge, forge.ErrGone)
			}
		}}
	var q *queue.Queue
	var srv *server.Server
	// observe records each job's duration and its forge client's API use.
	observe := func(kind string, repo forge.Repo, start time.Time, err error) {
		if srv == nil {
			return
		}
		client, _ := deps.Client(repo)
		srv.ObserveJob(kind, time.Since(start), err, repo.Forge, repo.Installation, client)
	}
	q, err = queue.New(st, queue.Handlers{
		Review: func(ctx context.Context, a queue.ReviewArgs) error {
			start := time.Now()
			err := deps.ReviewPR(ctx, a)
			observe("review", a.Repo, start, err)
			return err
		},
		Resync: func(ctx context.Context) error { return deps.Resync(ctx, q) },
		Track: func(ctx context.Context, a queue.TrackArgs) error {
			start := time.Now()
			err := deps.Track(ctx, a)
			observe("track", a.Repo, start, err)
			return err
		},
	}, queue.Options{Workers: settings.Workers, ResyncInterval: settings.ResyncInterval, ResyncFirst: settings.ResyncFirst, Log: log,
		JobTimeout: settings.JobTimeout, RescueStuckJobsAfter: settings.JobRescueAfter, LockTTL: settings.JobLockTTL,
		RetryBase: settings.RetryBase, RetryMax: settings.RetryMax})
	if err != nil {
		return err
	}
	srv = server.New(settings, st, q, log)
	if glClient != nil { // GitLab: learn the bot's username, to ignore its own issue events
		srv.SetGitLabBot(glClient.BotLogin)
	}
	ln, err := net.Listen("tcp", settings.Addr)
	if err != nil {
		return fmt.Errorf("listen on the address of TMBOT_ADDR: %w", err)
	}
	if err := q.Start(context.WithoutCancel(ctx)); err != nil { // jobs finish on shutdown, within q.Stop's grace
		ln.Close()
		return err
	}
	srv.SetReady(true)
	// What is on, in one line (no value of a secret: only whether it is set).
	log.Info("tmbot serving", "version", versionString(), "addr", ln.Addr().String(),
		"database", strings.SplitN(settings.Database, ":", 2)[0],
		"github", app != nil, "gitlab", glClient != nil, "dashboard", settings.DashboardToken != "",
		"org_policies", len(orgPolicies), "workers", settings.Workers)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	serveErr := srv.Serve(ctx, ln, shutdownGrace)
	stopCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := q.Stop(stopCtx); err != nil {
		log.Warn("jobs did not stop cleanly; unfinished ones run again after the restart", "err", err)
	}
	return serveErr
}

// readPolicies reads the organisation's *.cue policies. A folder that is
// not there is an error, not "no policies": a typo in TMBOT_POLICIES_DIR
// must not quietly turn the organisation's rules off.
func readPolicies(dir string) (map[string][]byte, error) {
	if dir == "" {
		return nil, nil
	}
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, errors.New("TMBOT_POLICIES_DIR (policies_dir) names a folder that does not exist: create it, or correct the path")
	case err != nil:
		return nil, fmt.Errorf("TMBOT_POLICIES_DIR (policies_dir): %w", err)
	case !st.IsDir():
		return nil, errors.New("TMBOT_POLICIES_DIR (policies_dir) names a file, not a folder of *.cue policies")
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.cue"))
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read organisation policy: %w", err)
		}
		out["org/"+filepath.Base(f)] = data
	}
	return out, nil
}
