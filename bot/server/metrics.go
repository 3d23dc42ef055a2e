package server

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the service's Prometheus metrics, on their own registry (no
// package-level state).
type metrics struct {
	reg        *prometheus.Registry
	deliveries *prometheus.CounterVec
	ackSeconds prometheus.Histogram
	jobs       *prometheus.GaugeVec
	reviews    *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tmbot_webhook_deliveries_total",
			Help: "Webhook deliveries by forge, event and result (accepted, duplicate, bad_signature, ...)."},
			[]string{"forge", "event", "result"}),
		ackSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "tmbot_webhook_ack_seconds",
			Help: "Time from receiving a webhook to answering it.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
		jobs: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "tmbot_jobs",
			Help: "Jobs by kind-independent state; discarded is the dead letter."}, []string{"state"}),
		reviews: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "tmbot_review_seconds",
			Help: "Duration of a pull request review job.", Buckets: prometheus.ExponentialBuckets(0.01, 2, 14)}, []string{"result"}),
	}
	m.reg.MustRegister(m.deliveries, m.ackSeconds, m.jobs, m.reviews,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) delivery(forgeName, event, result string) {
	m.deliveries.WithLabelValues(forgeName, event, result).Inc()
}

// handler serves /metrics, refreshing the job gauges first.
func (s *Server) metricsHandler() http.Handler {
	inner := promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if stats, err := s.queue.Stats(ctx); err == nil {
			s.metrics.jobs.Reset()
			for state, n := range stats {
				s.metrics.jobs.WithLabelValues(state).Set(float64(n))
			}
		}
		inner.ServeHTTP(w, r)
	})
}
