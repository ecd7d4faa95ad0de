package notify

import (
	"sync"
	"time"
)

// window is an exact sliding-window limiter: at most Rate.N events in any
// span of Rate.Per. Platforms state their limits this way ("20 messages per
// minute"), and a token bucket would allow twice the burst at a window edge.
// Events are recorded at the moment they really happen (take), not when
// they were planned, so a late send never squeezes the next window.
type window struct {
	mu      sync.Mutex
	rate    Rate
	events  []time.Time // the last N events, oldest first
	blocked time.Time   // nothing before this (retry_after)
}

// newWindow returns a limiter for r; a zero Rate limits nothing but still
// honours block.
func newWindow(r Rate) *window {
	if r.N <= 0 || r.Per <= 0 {
		return &window{}
	}
	// A small margin absorbs scheduling and network jitter between our
	// count and the platform's, so pacing does not graze the limit.
	r.Per += r.Per/50 + 5*time.Millisecond
	return &window{rate: r}
}

// earliest returns the first time at or after t at which an event fits.
func (w *window) earliest(t time.Time) time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.earliestLocked(t)
}

func (w *window) earliestLocked(t time.Time) time.Time {
	if t.Before(w.blocked) {
		t = w.blocked
	}
	if w.rate.N > 0 && len(w.events) >= w.rate.N {
		if free := w.events[len(w.events)-w.rate.N].Add(w.rate.Per); t.Before(free) {
			t = free
		}
	}
	return t
}

// take records an event at t if one fits then, reporting whether it did.
func (w *window) take(t time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.earliestLocked(t).After(t) {
		return false
	}
	if w.rate.N > 0 {
		w.events = append(w.events, t)
		if len(w.events) > w.rate.N {
			w.events = append(w.events[:0], w.events[len(w.events)-w.rate.N:]...)
		}
	}
	return true
}

// block forbids any event before t (a platform's retry_after).
func (w *window) block(t time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if t.After(w.blocked) {
		w.blocked = t
	}
}
