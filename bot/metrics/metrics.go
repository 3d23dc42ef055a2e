package metrics

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the service's metrics. Its methods do nothing on a nil
// *Metrics.
type Metrics struct {
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

// New makes the metrics on a registry of their own, with the Go runtime's
// and the process's collectors.
func New() *Metrics {
	m := &Metrics{
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

// Delivery counts a webhook delivery by forge, event and result
// (tmbot_webhook_deliveries_total).
func (m *Metrics) Delivery(forgeName, event, result string) {
	if m == nil {
		return
	}
	m.deliveries.WithLabelValues(forgeName, event, result).Inc()
}

// Answered records how long a webhook took to answer
// (tmbot_webhook_ack_seconds).
func (m *Metrics) Answered(took time.Duration) {
	if m == nil {
		return
	}
	m.ackSeconds.Observe(took.Seconds())
}

// PreviousSecret counts a delivery authenticated by the forge's previous
// webhook secret (tmbot_webhook_previous_secret_total).
func (m *Metrics) PreviousSecret(forgeName string) {
	if m == nil {
		return
	}
	m.previous.WithLabelValues(forgeName).Inc()
}

// SharedSecret counts a GitLab delivery that carried the service's shared
// secret or signing key, by result: "accepted" or "refused"
// (tmbot_gitlab_shared_secret_total).
func (m *Metrics) SharedSecret(result string) {
	if m == nil {
		return
	}
	m.shared.WithLabelValues(result).Inc()
}

// Job records a job's duration by kind ("review", "track") and result
// (tmbot_review_seconds).
func (m *Metrics) Job(kind string, took time.Duration, err error) {
	if m == nil {
		return
	}
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.reviews.WithLabelValues(kind, result).Observe(took.Seconds())
}

// APIUse records the API use of a forge client, when the client counts its
// calls (tmbot_api_calls_total: the calls since the last record) or knows
// its rate limit (tmbot_api_rate_limit_remaining).
func (m *Metrics) APIUse(forgeName string, installation int64, client any) {
	if m == nil {
		return
	}
	inst := strconv.FormatInt(installation, 10)
	if c, ok := client.(interface{ Calls() int64 }); ok {
		key := forgeName + "/" + inst
		total := c.Calls()
		m.mu.Lock()
		delta := total - m.lastCalls[key]
		if delta < 0 {
			delta = total
		}
		m.lastCalls[key] = total
		m.mu.Unlock()
		m.apiCalls.WithLabelValues(forgeName, inst).Add(float64(delta))
	}
	if c, ok := client.(interface{ RateRemaining() (int, time.Time) }); ok {
		if left, _ := c.RateRemaining(); left >= 0 {
			m.rateLeft.WithLabelValues(forgeName, inst).Set(float64(left))
		}
	}
}

// Jobs sets the queue's jobs by state (tmbot_jobs), forgetting states no
// longer there.
func (m *Metrics) Jobs(byState map[string]int) {
	if m == nil {
		return
	}
	m.jobs.Reset()
	for state, n := range byState {
		m.jobs.WithLabelValues(state).Set(float64(n))
	}
}

// Handler serves the metrics in Prometheus's exposition format (404 on a
// nil *Metrics).
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Gatherer is the registry, for tests that read the metrics.
func (m *Metrics) Gatherer() prometheus.Gatherer {
	if m == nil {
		return prometheus.Gatherers{}
	}
	return m.reg
}
