package server

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the service's Prometheus metrics, on their own registry (no
// package-level state).
type metrics struct {
	mu         sync.Mutex
	lastCalls  map[string]int64 // forge/installation → calls counted so far
	apiCalls   *prometheus.CounterVec
	rateLeft   *prometheus.GaugeVec
	reg        *prometheus.Registry
	deliveries *prometheus.CounterVec
	ackSeconds prometheus.Histogram
	jobs       *prometheus.GaugeVec
	reviews    *prometheus.HistogramVec
	previous   *prometheus.CounterVec
	shared     *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		lastCalls: map[string]int64{},
		apiCalls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tmbot_api_calls_total",
			Help: "REST calls made to a forge, per installation (GitHub) or instance (GitLab)."}, []string{"forge", "installation"}),
		rateLeft: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "tmbot_api_rate_limit_remaining",
			Help: "Calls left in the forge's rate-limit window, per installation, as of the last answer."}, []string{"forge", "installation"}),
		reg: prometheus.NewRegistry(),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tmbot_webhook_deliveries_total",
			Help: "Webhook deliveries by forge, event and result (accepted, duplicate, bad_signature, ...)."},
			[]string{"forge", "event", "result"}),
		ackSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "tmbot_webhook_ack_seconds",
			Help: "Time from receiving a webhook to answering it.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
		jobs: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "tmbot_jobs",
			Help: "Jobs by kind-independent state; discarded is the dead letter."}, []string{"state"}),
		reviews: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "tmbot_review_seconds",
			Help: "Duration of a job (review or track) by kind and result.", Buckets: prometheus.ExponentialBuckets(0.01, 2, 14)}, []string{"kind", "result"}),
		previous: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tmbot_webhook_previous_secret_total",
			Help: "Deliveries authenticated by the previous webhook secret (a rotation is under way; once this stops growing, remove the previous secret)."},
			[]string{"forge"}),
		shared: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tmbot_gitlab_shared_secret_total",
			Help: "GitLab deliveries that carried the service's shared secret or signing key instead of their project's, by result (accepted while TMBOT_GITLAB_SHARED_SECRET=allow, else refused)."},
			[]string{"result"}),
	}
	m.reg.MustRegister(m.deliveries, m.ackSeconds, m.jobs, m.reviews, m.apiCalls, m.rateLeft, m.previous, m.shared,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

// ObserveJob records a job's duration and the API use of its forge client
// (when the client counts calls and knows its rate limit).
func (s *Server) ObserveJob(kind string, took time.Duration, err error, forgeName string, installation int64, client any) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	s.metrics.reviews.WithLabelValues(kind, result).Observe(took.Seconds())
	inst := strconv.FormatInt(installation, 10)
	if c, ok := client.(interface{ Calls() int64 }); ok {
		key := forgeName + "/" + inst
		total := c.Calls()
		s.metrics.mu.Lock()
		delta := total - s.metrics.lastCalls[key]
		if delta < 0 {
			delta = total
		}
		s.metrics.lastCalls[key] = total
		s.metrics.mu.Unlock()
		s.metrics.apiCalls.WithLabelValues(forgeName, inst).Add(float64(delta))
	}
	if c, ok := client.(interface{ RateRemaining() (int, time.Time) }); ok {
		if left, _ := c.RateRemaining(); left >= 0 {
			s.metrics.rateLeft.WithLabelValues(forgeName, inst).Set(float64(left))
		}
	}
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
