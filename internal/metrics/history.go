package metrics

import (
	"github.com/newshound/newshound/model"
	"github.com/prometheus/client_golang/prometheus"
)

// historyGauges are the history's size, set by the engine after each
// hourly pruning (engine.HistoryObserver): measuring it walks the
// history's pages, too slow for every scrape.
type historyGauges struct {
	stories, bytes, oldest prometheus.Gauge
}

func newHistoryGauges(reg *prometheus.Registry) *historyGauges {
	h := &historyGauges{
		stories: prometheus.NewGauge(prometheus.GaugeOpts{Name: "newshound_history_stories", Help: "Stories kept in the history (history.keep)."}),
		bytes:   prometheus.NewGauge(prometheus.GaugeOpts{Name: "newshound_history_bytes", Help: "Space the history and its full-text index take in the store."}),
		oldest:  prometheus.NewGauge(prometheus.GaugeOpts{Name: "newshound_history_oldest_timestamp_seconds", Help: "When the oldest story kept was first seen (0: none)."}),
	}
	reg.MustRegister(h.stories, h.bytes, h.oldest)
	return h
}

// History implements engine.HistoryObserver.
func (m *Metrics) History(st model.HistoryStats) {
	m.history.stories.Set(float64(st.Stories))
	m.history.bytes.Set(float64(st.Bytes))
	oldest := 0.0
	if !st.Oldest.IsZero() {
		oldest = float64(st.Oldest.UnixMilli()) / 1000
	}
	m.history.oldest.Set(oldest)
}
