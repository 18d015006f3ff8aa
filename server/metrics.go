package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus metrics, in a registry of its own so that several
// servers can live in one process (tests).
type metrics struct {
	registry   *prometheus.Registry
	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	inFlight   prometheus.Gauge
	operations *prometheus.CounterVec

	retriedMutations prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stakegraph_http_requests_total",
			Help: "HTTP requests by route, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "stakegraph_http_request_duration_seconds",
			Help:    "HTTP request latency by route.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 10),
		}, []string{"route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "stakegraph_http_requests_in_flight",
			Help: "HTTP requests being served.",
		}),
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stakegraph_graphql_operations_total",
			Help: "GraphQL operations by type and outcome (ok, error).",
		}, []string{"type", "outcome"}),
		retriedMutations: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "stakegraph_deadlock_retries_total",
			Help: "GraphQL mutations run again because their transaction lost a lock conflict (a deadlock, a Galera certification failure, a lock wait timeout).",
		}),
	}
	m.registry.MustRegister(m.requests, m.duration, m.inFlight, m.operations, m.retriedMutations,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// watchDatabase reports whether the database answers, as this replica last found it.
func (m *metrics) watchDatabase(a *availability) {
	m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "stakegraph_database_up",
		Help: "1 while the database answers this replica's probes, 0 while it is refused as down.",
	}, func() float64 {
		if a.down.Load() {
			return 0
		}
		return 1
	}))
}

// observe records a finished request. Every label comes from a fixed set, whatever the
// request says: each new value is a series kept for the process's life.
func (m *metrics) observe(r *http.Request, status int, elapsed time.Duration) {
	route := "other"
	switch r.URL.Path {
	case "/graphql", "/healthz", "/readyz", "/metrics", "/":
		route = r.URL.Path
	}
	m.requests.WithLabelValues(route, methodLabel(r.Method), statusLabel(status)).Inc()
	m.duration.WithLabelValues(route).Observe(elapsed.Seconds())
}

// methodLabel returns the method if the server serves it, else "other": a client may send
// any token as a method.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodOptions:
		return method
	}
	return "other"
}

// statusLabel returns the status code, or "other" outside the codes HTTP defines.
func statusLabel(status int) string {
	if status < 100 || status > 599 {
		return "other"
	}
	return strconv.Itoa(status)
}
