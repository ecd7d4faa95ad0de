package notify

import (
	"context"
	"slices"
	"sync"
	"time"
)

// window is a sliding-window limiter: at most Rate.N events in any span of
// Rate.Per. Platforms state their limits this way ("20 messages per
// minute"), and a token bucket would allow twice the burst at a window edge.
//
// The platform counts a message when it arrives, which is somewhere between
// our send starting and its answer. An event is therefore taken at the
// start of a send and moved to the send's end when it finishes: spacing the
// next one from there guarantees the arrivals are spaced too, whatever the
// network did to the first request.
type window struct {
	mu      sync.Mutex
	rate    Rate
	events  []*event  // the latest events, at most N kept
	blocked time.Time // nothing before this (retry_after)
}

type event struct{ at time.Time }

// newWindow returns a limiter for r; a zero Rate limits nothing but still
// honours block.
func newWindow(r Rate) *window {
	if r.N <= 0 || r.Per <= 0 {
		return &window{}
	}
	// A small margin absorbs clock differences between our count and the
	// platform's, so pacing does not graze the limit.
	r.Per += r.Per/100 + 2*time.Millisecond
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
		// Events finish out of order across lanes: the window is full
		// until the N-th latest of them is Per old.
		w.sortLocked()
		if free := w.events[len(w.events)-w.rate.N].at.Add(w.rate.Per); t.Before(free) {
			t = free
		}
	}
	return t
}

func (w *window) sortLocked() {
	slices.SortFunc(w.events, func(a, b *event) int { return a.at.Compare(b.at) })
}

// take records an event starting at t if one fits then. It returns the
// function to call with the time the event ended, or nil when it does not fit.
func (w *window) take(t time.Time) (finish func(time.Time)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.earliestLocked(t).After(t) {
		return nil
	}
	if w.rate.N == 0 {
		return func(time.Time) {}
	}
	e := &event{at: t}
	w.events = append(w.events, e)
	if len(w.events) > w.rate.N {
		w.sortLocked()
		w.events = append(w.events[:0], w.events[len(w.events)-w.rate.N:]...)
	}
	return func(end time.Time) {
		w.mu.Lock()
		defer w.mu.Unlock()
		if end.After(e.at) {
			e.at = end
		}
	}
}

// block forbids any event before t (a platform's retry_after).
func (w *window) block(t time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if t.After(w.blocked) {
		w.blocked = t
	}
}

// fairWindow is a window shared by many lanes (a whole platform) that
// grants its slots in the order lanes asked for them. Racing for each free
// slot let some chats fall behind; at the end of a burst those few chats,
// each paced to its own limit, left the platform's capacity idle.
type fairWindow struct {
	*window
	mu        sync.Mutex
	next      uint64          // next ticket to hand out
	serving   uint64          // ticket whose turn it is
	abandoned map[uint64]bool // tickets whose lane gave up
	turn      chan struct{}   // closed when serving advances
}

func newFairWindow(r Rate) *fairWindow {
	return &fairWindow{window: newWindow(r), abandoned: make(map[uint64]bool), turn: make(chan struct{})}
}

// acquire waits for this caller's turn and a free slot, takes it and
// returns the function to call with the time the event ended; false if
// ctx ended first.
func (f *fairWindow) acquire(ctx context.Context, c clock) (finish func(time.Time), ok bool) {
	f.mu.Lock()
	ticket := f.next
	f.next++
	f.mu.Unlock()
	for {
		f.mu.Lock()
		mine, turn := f.serving == ticket, f.turn
		f.mu.Unlock()
		if !mine {
			select {
			case <-turn:
				continue
			case <-ctx.Done():
				f.abandon(ticket)
				return nil, false
			}
		}
		if !sleepUntil(ctx, f.earliest(c.now()), c) {
			f.abandon(ticket)
			return nil, false
		}
		if finish = f.take(c.now()); finish != nil {
			f.advance()
			return finish, true
		}
	}
}

// advance passes the turn to the next ticket not abandoned. Called by the
// ticket being served.
func (f *fairWindow) advance() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.serving++
	for f.abandoned[f.serving] {
		delete(f.abandoned, f.serving)
		f.serving++
	}
	close(f.turn)
	f.turn = make(chan struct{})
}

func (f *fairWindow) abandon(ticket uint64) {
	f.mu.Lock()
	if f.serving != ticket {
		f.abandoned[ticket] = true
		f.mu.Unlock()
		return
	}
	f.mu.Unlock()
	f.advance()
}
