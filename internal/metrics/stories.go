package metrics

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// storyMetrics are the series of stories across outlets (issue 13).
type storyMetrics struct {
	reports *prometheus.CounterVec // new items by kind: first report of a story, or a later one
	open    prometheus.Gauge       // stories in the window
	indexed prometheus.Gauge       // reports indexed for them
	edits   *prometheus.CounterVec // edits of sent alerts by platform and outcome
}

func newStoryMetrics(reg *prometheus.Registry) *storyMetrics {
	s := &storyMetrics{
		reports: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newshound_story_reports_total",
			Help: "New items by story: report=first opened a story, report=later joined one already known (reports per story = total / first).",
		}, []string{"report"}),
		open: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "newshound_stories", Help: "Stories in stories.window (after the last poll cycle).",
		}),
		indexed: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "newshound_story_index_reports", Help: "Reports indexed for the stories in the window.",
		}),
		edits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newshound_alert_edits_total",
			Help: "Edits of sent alerts (\"also reported by\") by platform and outcome: sent, gone (message no longer editable), failed (retried or parked).",
		}, []string{"platform", "outcome"}),
	}
	reg.MustRegister(s.reports, s.open, s.indexed, s.edits)
	return s
}

// Story implements engine.StoryObserver.
func (m *Metrics) Story(later bool) {
	if later {
		m.stories.reports.WithLabelValues("later").Inc()
	} else {
		m.stories.reports.WithLabelValues("first").Inc()
	}
}

// Stories implements engine.StoryObserver.
func (m *Metrics) Stories(stories, reports int) {
	m.stories.open.Set(float64(stories))
	m.stories.indexed.Set(float64(reports))
}

// edit counts an edit attempt's outcome as the dispatcher reported it.
func (s *storyMetrics) edit(platform, outcome string) {
	switch {
	case outcome == "edited":
		s.edits.WithLabelValues(platform, "sent").Inc()
	case outcome == "edit_gone":
		s.edits.WithLabelValues(platform, "gone").Inc()
	case strings.HasPrefix(outcome, "edit_"):
		s.edits.WithLabelValues(platform, "failed").Inc()
	}
}
