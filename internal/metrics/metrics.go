// Package metrics exposes Newshound's Prometheus metrics (series named
// newshound_*) and the /healthz and /readyz endpoints.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/newshound/newshound/model"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Source is what the scrape-time collectors and /readyz read.
type Source interface {
	QueueStats(ctx context.Context) (model.QueueStats, error)
	FeedStates(ctx context.Context) ([]model.FeedState, error)
	Ping(ctx context.Context) error
}

// Metrics records what the engine and the dispatcher do. It implements
// engine.Observer. Each Metrics has its own registry: no global state.
type Metrics struct {
	reg        *prometheus.Registry
	polls      *prometheus.CounterVec
	fetch      prometheus.Histogram
	newItems   *prometheus.CounterVec
	matches    *prometheus.CounterVec
	queued     *prometheus.CounterVec
	alerts     *prometheus.CounterVec
	rateLimits *prometheus.CounterVec
	delivery   *prometheus.HistogramVec
	lastCycle  prometheus.Gauge
	stories    *storyMetrics
	history    *historyGauges
	art        *articleMetrics
}

// New returns metrics that read queue depth and feed health from src at
// scrape time.
func New(src Source) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		polls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newshound_feed_polls_total", Help: "Feed polls by feed and outcome (ok, not_modified, unchanged, error, gone).",
		}, []string{"feed", "outcome"}),
		fetch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "newshound_feed_fetch_seconds", Help: "Time to fetch and parse one feed.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2.5, 10),
		}),
		newItems: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newshound_items_new_total", Help: "New items recorded, by feed.",
		}, []string{"feed"}),
		matches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newshound_watch_matches_total", Help: "New stories that alerted, by watch (duplicates of a story already alerted do not count).",
		}, []string{"watch"}),
		queued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newshound_alerts_queued_total", Help: "Alerts queued in the outbox, by platform.",
		}, []string{"platform"}),
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newshound_alerts_total", Help: "Delivery attempts by platform and outcome (sent, retry, rate_limited, parked, moved).",
		}, []string{"platform", "outcome"}),
		rateLimits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newshound_rate_limited_total", Help: "429 answers (retry_after obeyed), by platform.",
		}, []string{"platform"}),
		delivery: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "newshound_delivery_seconds", Help: "Time of one delivery attempt, by platform.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2.5, 10),
		}, []string{"platform"}),
		lastCycle: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "newshound_last_poll_cycle_timestamp_seconds", Help: "When the last poll cycle ended.",
		}),
	}
	m.art = newArticleMetrics(m.reg)
	m.reg.MustRegister(m.polls, m.fetch, m.newItems, m.matches, m.queued, m.alerts, m.rateLimits, m.delivery, m.lastCycle,
		&stateCollector{src: src}, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.stories = newStoryMetrics(m.reg)
	m.history = newHistoryGauges(m.reg)
	return m
}

// Polled implements engine.Observer.
func (m *Metrics) Polled(feed, outcome string, latency time.Duration, newItems int) {
	m.polls.WithLabelValues(feed, outcome).Inc()
	m.fetch.Observe(latency.Seconds())
	if newItems > 0 {
		m.newItems.WithLabelValues(feed).Add(float64(newItems))
	}
}

// Matched implements engine.Observer.
func (m *Metrics) Matched(watch string) { m.matches.WithLabelValues(watch).Inc() }

// Queued implements engine.Observer.
func (m *Metrics) Queued(platform string, n int) { m.queued.WithLabelValues(platform).Add(float64(n)) }

// Cycle implements engine.Observer.
func (m *Metrics) Cycle(at time.Time) { m.lastCycle.Set(float64(at.UnixMilli()) / 1000) }

// Delivered implements notify.Observer.
func (m *Metrics) Delivered(platform, outcome string, latency time.Duration) {
	m.alerts.WithLabelValues(platform, outcome).Inc()
	m.delivery.WithLabelValues(platform).Observe(latency.Seconds())
	if outcome == "rate_limited" || outcome == "edit_rate_limited" {
		m.rateLimits.WithLabelValues(platform).Inc()
	}
	m.stories.edit(platform, outcome)
}

// stateCollector reads queue depth and feed health from the store at scrape time.
type stateCollector struct{ src Source }

var (
	queueDepthDesc = prometheus.NewDesc("newshound_queue_depth", "Alerts in the outbox by state (pending, parked).", []string{"state"}, nil)
	feedFailDesc   = prometheus.NewDesc("newshound_feed_consecutive_failures", "Consecutive failed polls, by feed (0 = healthy).", []string{"feed"}, nil)
	feedOKDesc     = prometheus.NewDesc("newshound_feed_last_success_timestamp_seconds", "Last successful poll, by feed.", []string{"feed"}, nil)
	feedGoneDesc   = prometheus.NewDesc("newshound_feed_gone", "1 when the feed answered 410 Gone and is no longer polled.", []string{"feed"}, nil)
)

// Describe implements prometheus.Collector.
func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueDepthDesc
	ch <- feedFailDesc
	ch <- feedOKDesc
	ch <- feedGoneDesc
}

// Collect implements prometheus.Collector; a store that does not answer
// leaves its series out of this scrape rather than failing it.
func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if qs, err := c.src.QueueStats(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(queueDepthDesc, prometheus.GaugeValue, float64(qs.Pending), "pending")
		ch <- prometheus.MustNewConstMetric(queueDepthDesc, prometheus.GaugeValue, float64(qs.Parked), "parked")
	}
	states, err := c.src.FeedStates(ctx)
	if err != nil {
		return
	}
	for _, f := range states {
		ch <- prometheus.MustNewConstMetric(feedFailDesc, prometheus.GaugeValue, float64(f.Failures), f.URL)
		if !f.LastSuccess.IsZero() {
			ch <- prometheus.MustNewConstMetric(feedOKDesc, prometheus.GaugeValue, float64(f.LastSuccess.UnixMilli())/1000, f.URL)
		}
		gone := 0.0
		if f.Gone {
			gone = 1
		}
		ch <- prometheus.MustNewConstMetric(feedGoneDesc, prometheus.GaugeValue, gone, f.URL)
	}
}

// Health says whether the scheduler is ticking.
type Health interface {
	// LastCycle returns when the last poll cycle ended (zero before the first).
	LastCycle() time.Time
}

// Handler serves /metrics, /healthz (the process answers) and /readyz.
//
// Ready means the daemon is doing its job: the store accepts writes, a
// poll cycle ended within maxCycleAge, and not every polled feed failed its
// last poll (10 of 10 feeds failing is a daemon that alerts on nothing;
// feeds never polled yet and feeds gone for good do not count). Some feeds
// failing is normal and stays ready: /metrics and "newshound feed ls" show
// which.
func (m *Metrics) Handler(src Source, h Health, started time.Time, maxCycleAge time.Duration) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if err := src.Ping(ctx); err != nil {
			http.Error(w, "not ready: store not writable: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		last := h.LastCycle()
		if last.IsZero() {
			last = started
		}
		if age := time.Since(last); age > maxCycleAge {
			http.Error(w, fmt.Sprintf("not ready: no poll cycle has ended for %s", age.Round(time.Second)), http.StatusServiceUnavailable)
			return
		}
		if n, err := allFeedsFailing(ctx, src); err == nil && n > 0 {
			http.Error(w, fmt.Sprintf("not ready: every feed (%d) failed its last poll", n), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	return mux
}

// allFeedsFailing returns the number of polled feeds when every one of
// them failed its last poll, else 0.
func allFeedsFailing(ctx context.Context, src Source) (int, error) {
	states, err := src.FeedStates(ctx)
	if err != nil {
		return 0, err
	}
	polled := 0
	for _, st := range states {
		if st.Gone || st.LastPoll.IsZero() {
			continue
		}
		if st.Failures == 0 {
			return 0, nil
		}
		polled++
	}
	return polled, nil
}

// Serve listens on addr and serves handler until ctx ends.
func Serve(ctx context.Context, addr string, handler http.Handler) error {
	ln, err := net.Listen("tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("http.listen %s: address already in use (another newshound, or another program, listens there)", addr)
	}
	if err != nil {
		return fmt.Errorf("http.listen %s: %w", addr, err)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		return err
	}
	return nil
}
