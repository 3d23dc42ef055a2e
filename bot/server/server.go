package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tmbot/tmbot/bot/forge/gitlab"
	"github.com/tmbot/tmbot/bot/metrics"
	"github.com/tmbot/tmbot/bot/queue"
	"github.com/tmbot/tmbot/bot/store"
)

// Server is the webhook service's HTTP side.
type Server struct {
	cfg     Config
	store   *store.Store
	queue   *queue.Queue
	log     *slog.Logger
	metrics *metrics.Metrics // cfg.Metrics
	ready   atomic.Bool
	gl      gitlabState  // gitlab_bot.go
	bodies  *bodyLimiter // body.go
}

// New makes a server over a migrated store and a queue.
func New(cfg Config, st *store.Store, q *queue.Queue, log *slog.Logger) *Server {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = MaxWebhookBody
	}
	s := &Server{cfg: cfg, store: st, queue: q, log: log, metrics: cfg.Metrics,
		bodies: newBodyLimiter(bodyBytesInFlight, cfg.MaxBodyBytes)}
	s.gl.signingKey = gitlab.SigningKey(cfg.GitLab.SigningKey)
	s.gl.bot = strings.TrimPrefix(strings.TrimSpace(cfg.GitLab.BotUsername), "@")
	return s
}

// SetReady marks the service ready (store migrated, workers running).
func (s *Server) SetReady(ok bool) { s.ready.Store(ok) }

// Handler routes the endpoints.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/webhooks/github", s.timed(http.HandlerFunc(s.handleGitHub)))
	// GitLab: project and group webhooks (webhook_gitlab.go).
	mux.Handle("/webhooks/gitlab", s.timed(http.HandlerFunc(s.handleGitLab)))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", s.handleReady)
	mux.Handle("GET /metrics", s.metricsHandler())
	// Dashboard: GET /dashboard, /dashboard/login, /api/v1/… (dashboard.go);
	// nothing is added when TMBOT_DASHBOARD_TOKEN is unset.
	s.dashboardRoutes(mux)
	return mux
}

// timed records how long a webhook took to answer.
func (s *Server) timed(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		h.ServeHTTP(w, r)
		s.metrics.Answered(time.Since(start))
	})
}

func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	if !s.ready.Load() {
		http.Error(w, "starting", http.StatusServiceUnavailable)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	io.WriteString(w, "ready\n")
}

// Serve answers on ln until ctx is done, then shuts down gracefully within
// grace: no new connection is accepted and answers in flight finish.
func (s *Server) Serve(ctx context.Context, ln net.Listener, grace time.Duration) error {
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 60 * time.Second, ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	s.SetReady(false)
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}
