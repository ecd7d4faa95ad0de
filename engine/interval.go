package engine

import (
	"fmt"
	"sync"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/feeds"
)

// PollInterval is how long after a successful poll a feed is due again,
// before the server's own floor (TTL, Cache-Control max-age) is applied:
// own (feeds[].interval) when set, else the interval its publishing
// history asks for within poll.min_interval and poll.max_interval, else
// poll.interval when its items carry no dates. why says which, for
// "feed test".
func PollInterval(p config.Poll, own time.Duration, published []time.Time, now time.Time) (d time.Duration, why string) {
	if own > 0 {
		return own, "the feed's own interval"
	}
	d, ok := feeds.AdaptiveInterval(published, now, p.MinInterval, p.MaxInterval)
	if !ok {
		return p.Interval, "poll.interval: its items have no dates"
	}
	n := 0
	for _, t := range published {
		if !t.IsZero() && !t.Before(now.Add(-feeds.HistoryWindow)) {
			n++
		}
	}
	return d, fmt.Sprintf("adaptive: %d items in the last 7 days, within %s..%s", n, p.MinInterval, p.MaxInterval)
}

// history keeps, per feed URL, what the last parsed document said about
// its rhythm, so that a 304 (nothing parsed) still gets the adaptive
// interval, growing as the feed stays quiet, and still honours the TTL.
// It lives in memory only: after a restart a feed polls at poll.interval
// until its next 200.
type history struct {
	mu sync.Mutex
	m  map[string]feedRhythm
}

type feedRhythm struct {
	published []time.Time // within feeds.HistoryWindow, plus the oldest older one
	ttl       time.Duration
}

func (h *history) get(url string) feedRhythm {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.m[url]
}

// set records a parsed feed's publication times, keeping only what
// AdaptiveInterval can still use: the items in the window and the oldest
// before it (it tells that the document covers the whole window).
func (h *history) set(url string, feed *feeds.Feed, now time.Time) {
	start := now.Add(-feeds.HistoryWindow)
	r := feedRhythm{ttl: feed.TTL}
	var older time.Time
	for _, it := range feed.Items {
		switch t := it.Published; {
		case t.IsZero():
		case t.Before(start):
			if older.IsZero() || t.Before(older) {
				older = t
			}
		default:
			r.published = append(r.published, t)
		}
	}
	if !older.IsZero() {
		r.published = append(r.published, older)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m == nil {
		h.m = make(map[string]feedRhythm)
	}
	h.m[url] = r
}
