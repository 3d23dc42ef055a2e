package server

import (
	"context"
	"net/http"
	"time"
)

// metricsHandler serves /metrics (bot/metrics), refreshing the queue's
// job gauges first.
func (s *Server) metricsHandler() http.Handler {
	inner := s.metrics.Handler()
	if s.metrics == nil {
		return inner
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if stats, err := s.queue.Stats(ctx); err == nil {
			s.metrics.Jobs(stats)
		}
		inner.ServeHTTP(w, r)
	})
}
