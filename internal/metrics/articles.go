package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// articleMetrics are the full-text series (poll.fulltext).
type articleMetrics struct {
	articles   *prometheus.CounterVec
	extraction prometheus.Histogram
	textLen    prometheus.Histogram
}

func newArticleMetrics(reg *prometheus.Registry) *articleMetrics {
	a := &articleMetrics{
		articles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newshound_articles_total",
			Help: "Article pages of teaser stories, by outcome: fetched (its text was matched); failed, timeout, little_text, backoff (the story fell back to its teaser).",
		}, []string{"outcome"}),
		extraction: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "newshound_article_seconds", Help: "Time to fetch an article page and extract its main text.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2.5, 10),
		}),
		textLen: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "newshound_article_text_runes", Help: "Length of the extracted article text, in characters.",
			Buckets: prometheus.ExponentialBuckets(250, 2, 10),
		}),
	}
	reg.MustRegister(a.articles, a.extraction, a.textLen)
	return a
}

// Article implements engine.ArticleObserver.
func (m *Metrics) Article(outcome string, took time.Duration, textLen int) {
	m.art.articles.WithLabelValues(outcome).Inc()
	m.art.extraction.Observe(took.Seconds())
	if outcome == "fetched" {
		m.art.textLen.Observe(float64(textLen))
	}
}
