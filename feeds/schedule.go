package feeds

import "time"

// HistoryWindow is how far back AdaptiveInterval looks: a week, so that a
// feed's weekday rhythm is averaged out (Miniflux uses the same).
const HistoryWindow = 7 * 24 * time.Hour

// AdaptiveInterval is the poll interval a feed's own publishing history
// asks for: the mean time between its items of the last HistoryWindow,
// clamped to [lo, hi]. published are the items' publication times as now
// listed in the feed (zero times are ignored; times after now count as
// now, for feeds with a wrong time zone).
//
// A feed document that reaches back past the window is averaged over the
// whole window (Miniflux's "7 days / items this week"). One that does not
// (it lists only its newest items, all recent) is averaged over the time
// it does cover, from its oldest item to now, so that a feed listing its
// last 10 items of the last hour counts as publishing every 6 minutes,
// not 10 times a week; and since now moves on, a feed that goes quiet
// gets a longer interval at every poll, without a new item. No item in
// the window gives hi. ok is false when no item has a date: there is no
// history, use the configured interval.
//
// The result is a publishing estimate only; the caller keeps it above
// what the server asks (TTL, Cache-Control max-age, Retry-After).
func AdaptiveInterval(published []time.Time, now time.Time, lo, hi time.Duration) (d time.Duration, ok bool) {
	start := now.Add(-HistoryWindow)
	var n int
	var oldest time.Time
	for _, t := range published {
		if t.IsZero() {
			continue
		}
		if t.After(now) {
			t = now
		}
		if oldest.IsZero() || t.Before(oldest) {
			oldest = t
		}
		if !t.Before(start) {
			n++
		}
	}
	if oldest.IsZero() {
		return 0, false
	}
	if n == 0 {
		return max(lo, hi), true
	}
	span := HistoryWindow
	if oldest.After(start) {
		span = now.Sub(oldest)
	}
	return clampDuration(span/time.Duration(n), lo, hi), true
}

func clampDuration(d, lo, hi time.Duration) time.Duration {
	if hi > 0 && d > hi {
		d = hi
	}
	if d < lo {
		d = lo
	}
	return d
}
