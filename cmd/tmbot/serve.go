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
	"github.com/tmbot/tmbot/bot/metrics"
	"github.com/tmbot/tmbot/bot/model"
	"github.com/tmbot/tmbot/bot/policy"
	"github.com/tmbot/tmbot/bot/queue"
	"github.com/tmbot/tmbot/bot/review"
	"github.com/tmbot/tmbot/bot/sandbox"
	"github.com/tmbot/tmbot/bot/server"
	"github.com/tmbot/tmbot/bot/store"
	"github.com/tmbot/tmbot/cmd/tmbot/settings"
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
	cfg, err := settings.Load(*file, os.Getenv)
	if err != nil {
		fmt.Fprintf(stderr, "tmbot: %v\n", err)
		return exitUsage
	}
	log := newLogger(stderr, cfg.LogLevel)
	if err := scrub(serve(ctx, cfg, log, nil), cfg); err != nil {
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
func serve(ctx context.Context, cfg settings.Settings, log *slog.Logger, ready chan<- string) error {
	return scrub(serveSettings(ctx, cfg, log, ready), cfg)
}

// serveSettings opens what the settings name, starts the jobs and serves
// until ctx is done; then the answers and the jobs in flight finish,
// within shutdownGrace.
func serveSettings(ctx context.Context, cfg settings.Settings, log *slog.Logger, ready chan<- string) error {
	// The configured paths first: a path that is not there stops the
	// start, before anything is opened.
	orgPolicies, err := readPolicies(cfg.PoliciesDir)
	if err != nil {
		return err
	}
	if cfg.PoliciesDir != "" && len(orgPolicies) == 0 {
		log.Warn("the organisation's policy folder holds no *.cue file: no organisation policy applies", "policies_dir", cfg.PoliciesDir)
	}
	st, err := store.Open(ctx, cfg.Database, log)
	if err != nil {
		return fmt.Errorf("open the database named by TMBOT_DATABASE: %w", err)
	}
	defer st.Close()
	m := metrics.New() // one set, counted by the server and the jobs
	runner, err := newRunner(cfg, st, orgPolicies, m, log)
	if err != nil {
		return err
	}
	f, err := openForges(cfg)
	if err != nil {
		return err
	}
	runner.Client = f.client
	var q *queue.Queue
	q, err = queue.New(st, queue.Handlers{
		Review: runner.ReviewJob,
		Resync: func(ctx context.Context) error { return runner.Resync(ctx, q) },
		Track:  runner.TrackJob,
	}, queue.Options{Workers: cfg.Workers, ResyncInterval: cfg.ResyncInterval, ResyncFirst: cfg.ResyncFirst, Log: log,
		JobTimeout: cfg.JobTimeout, RescueStuckJobsAfter: cfg.JobRescueAfter, LockTTL: cfg.JobLockTTL,
		RetryBase: cfg.RetryBase, RetryMax: cfg.RetryMax})
	if err != nil {
		return err
	}
	srvCfg := cfg.Server()
	srvCfg.Metrics = m
	srv := server.New(srvCfg, st, q, log)
	if f.gitlab != nil { // GitLab: learn the bot's username, to ignore its own issue events
		srv.SetGitLabBot(f.gitlab.BotLogin)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
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
		"database", strings.SplitN(cfg.Database, ":", 2)[0],
		"github", f.github != nil, "gitlab", f.gitlab != nil, "dashboard", cfg.DashboardToken != "",
		"org_policies", len(orgPolicies), "workers", cfg.Workers)
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

// forges are the forges the settings turn on (nil: off).
type forges struct {
	github *ghforge.App
	// gitlab (bot/forge/gitlab): one client for the instance and its token.
	gitlab *glforge.Client
}

func openForges(cfg settings.Settings) (forges, error) {
	var f forges
	var err error
	if cfg.GitHub.AppID != 0 {
		f.github, err = ghforge.NewApp(ghforge.AppConfig{AppID: cfg.GitHub.AppID,
			PrivateKey: []byte(cfg.GitHub.PrivateKey), BaseURL: cfg.GitHub.APIURL})
		if err != nil {
			return f, fmt.Errorf("the GitHub App (TMBOT_GITHUB_APP_ID, TMBOT_GITHUB_PRIVATE_KEY): %w", err)
		}
	}
	if cfg.GitLab.URL != "" {
		f.gitlab, err = glforge.New(cfg.GitLab.URL, cfg.GitLab.Token, nil)
		if err != nil {
			return f, fmt.Errorf("GitLab (TMBOT_GITLAB_URL, TMBOT_GITLAB_TOKEN): %w", err)
		}
	}
	return f, nil
}

// client is the forge client of a repository: its installation's on
// GitHub, the instance's on GitLab.
func (f forges) client(repo forge.Repo) (forge.Client, error) {
	switch {
	case repo.Forge == "github" && f.github != nil:
		return f.github.Client(repo.Installation)
	case repo.Forge == "gitlab" && f.gitlab != nil: // GitLab
		return f.gitlab, nil
	default:
		return nil, fmt.Errorf("%s is not configured: %w", repo.Forge, forge.ErrGone)
	}
}

// newRunner is what the jobs need: the model loader within the CUE
// budget, the policies, the review budget and the metrics (the forges'
// clients are the caller's to set).
func newRunner(cfg settings.Settings, st *store.Store, orgPolicies map[string][]byte, m *metrics.Metrics, log *slog.Logger) (*jobs.Runner, error) {
	budget := sandbox.Budget{Timeout: cfg.CUETimeout, MemoryBytes: cfg.CUEMemory}
	loader, err := model.NewLoader(model.Limits{CUE: model.CUEBudget(budget)})
	if err != nil {
		return nil, err
	}
	return &jobs.Runner{Store: st, Loader: loader, Log: log, OrgPolicies: orgPolicies, ResyncReserve: cfg.ResyncReserve,
		OrgPoliciesOverridable: cfg.OrgPoliciesOverridable, PolicyBudget: budget,
		Engines: policy.NewPool(cfg.Workers), // one idle engine per worker
		// Reviews compute on all cores but one, whatever the workers: the
		// last core answers webhooks (docs/performance.md).
		Compute: review.NewLimiter(runtime.GOMAXPROCS(0) - 1),
		Budget:  cfg.ReviewBudget(),
		Metrics: m}, nil
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
