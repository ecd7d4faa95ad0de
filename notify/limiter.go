package notify

import (
	"sync"
	"time"
)

// window is an exact sliding-window limiter: at most Rate.N events in any
// span of Rate.Per. Platforms state their limits this way ("20 messages per
// minute"), and a token bucket would allow twice the burst at a window edge.
// Reservations are handed out in non-decreasing time order, so concurrent
// lanes never overbook a window.
type window struct {
	mu    sync.Mutex
	rate  Rate
	slots []time.Time // the last N reserved times, oldest first
	last  time.Time
}

// newWindow returns a limiter for r; a zero Rate limits nothing but still
// honours block.
func newWindow(r Rate) *window {
	if r.N <= 0 || r.Per <= 0 {
		return &window{}
	}
	// A small margin absorbs clock and network jitter between our count and
	// the platform's, so pacing does not graze the limit.
	r.Per += r.Per / 50
	return &window{rate: r}
}

// earliest returns the first time at or after t at which an event fits.
func (w *window) earliest(t time.Time) time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.earliestLocked(t)
}

func (w *window) earliestLocked(t time.Time) time.Time {
	if t.Before(w.last) {
		t = w.last
	}
	if w.rate.N > 0 && len(w.slots) >= w.rate.N {
		if free := w.slots[len(w.slots)-w.rate.N].Add(w.rate.Per); t.Before(free) {
			t = free
		}
	}
	return t
}

// reserve books the first slot at or after t and returns it.
func (w *window) reserve(t time.Time) time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	t = w.earliestLocked(t)
	if w.rate.N == 0 {
		return t
	}
	w.slots = append(w.slots, t)
	if len(w.slots) > w.rate.N {
		w.slots = append(w.slots[:0], w.slots[len(w.slots)-w.rate.N:]...)
	}
	w.last = t
	return t
}

// block forbids any event before t (a platform's retry_after).
func (w *window) block(t time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if t.After(w.last) {
		w.last = t
	}
}
