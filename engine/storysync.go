package engine

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/newshound/newshound/feeds"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/stories"
)

// Replicas sharing a store each keep a story index in memory. A report that
// replica A indexed must be in B's index before B decides on an item of
// the same event, or the event becomes two stories and two alerts. So
// before a batch of new items is decided (one ingest: a feed's poll), a
// replica reads the records the others wrote since it last read
// (store.Stories.StoryRecordsAfter, by seq, the primary key: one indexed
// query per batch; the workers of a cycle share one when they ask
// together, outside the story lock) and indexes them under the index's
// mutex.
//
// Two replicas deciding reports of one event at the same moment (each
// between the other's catch-up and its ingest's commit) would still open
// two stories, and each alert. So a batch with items to decide runs its
// catch-up, its decisions and the ingest that commits them under the
// store's story lock (store.Stories.LockStories, lockStories below: a
// session advisory lock in PostgreSQL): the second replica to take it
// reads the first's committed records and reports the same story. The
// lock covers neither the fetch nor the parse, only that short stretch
// of milliseconds, and goes with a holder that dies; a wait is bounded,
// past it the batch is decided as before, without the lock.

// holeGrace is how long a seq found missing below the highest read is
// asked for again: a transaction that took it and has not committed yet (an
// ingest in flight on another replica) shows it within that time, or it was
// rolled back and never will. An ingest is a transaction of milliseconds;
// the lease of a feed's poll bounds it from above.
const holeGrace = DefaultLease

// maxHoles bounds the seqs asked for again at once: more than every worker
// of every replica could have in flight.
const maxHoles = 4096

// storyCatchUp is how far a replica read the store's story records.
type storyCatchUp struct {
	// mu makes catch-ups one at a time, and is taken before storyIndex.mu.
	mu    sync.Mutex
	after int64               // the highest seq read
	holes map[int64]time.Time // seqs below after not read yet, and when they were found missing
	// began is when the latest catch-up started (the monotonic clock): a
	// worker that asked before it is covered by it.
	began time.Time
}

// opened starts from the records the index was restored from (in seq
// order). Gaps among those recorded within holeGrace may be ingests still
// in flight; older gaps are rolled back or out of the window.
func (c *storyCatchUp) opened(recs []model.StoryRecord, now time.Time) {
	c.holes = make(map[int64]time.Time)
	for i, r := range recs {
		if i > 0 && now.Sub(r.Seen) <= holeGrace {
			c.missing(recs[i-1].Seq, r.Seq, now)
		}
		c.after = max(c.after, r.Seq)
	}
}

// missing notes the seqs strictly between lo and hi, the highest maxHoles
// of them (the likeliest to be in flight).
func (c *storyCatchUp) missing(lo, hi int64, now time.Time) {
	for q := max(lo+1, hi-maxHoles); q < hi; q++ {
		c.holes[q] = now
	}
}

// query is what to ask the store for: the seqs above after, and the holes.
func (c *storyCatchUp) query() (after int64, also []int64) {
	also = slices.Sorted(maps.Keys(c.holes))
	return c.after, also
}

// read notes the records a catch-up read (in seq order): the holes they
// fill, the new holes below them, and forgets holes older than holeGrace.
func (c *storyCatchUp) read(recs []model.StoryRecord, now time.Time) {
	for _, r := range recs {
		delete(c.holes, r.Seq)
		if r.Seq <= c.after {
			continue
		}
		if c.after > 0 {
			// after 0: nothing was read yet, and what lies below the first
			// record is older than this replica, not in flight.
			c.missing(c.after, r.Seq, now)
		}
		c.after = r.Seq
	}
	maps.DeleteFunc(c.holes, func(_ int64, at time.Time) bool { return now.Sub(at) > holeGrace })
	if n := len(c.holes) - maxHoles; n > 0 {
		for _, q := range slices.Sorted(maps.Keys(c.holes))[:n] {
			delete(c.holes, q)
		}
	}
}

// catchUpStories indexes the story records other replicas wrote since this
// one last read, before a batch of new items is decided. A daemon alone on
// its store (no Options.Holder) has nothing to catch up with. A failed
// read is logged and the batch decided without it: at worst an event gets
// a second alert, never a missed one.
func (e *Engine) catchUpStories(ctx context.Context) {
	if e.o.Holder == "" {
		return
	}
	s := e.stories
	c := &s.caught
	asked := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.began.After(asked) {
		return // a catch-up that began after this batch asked read all it would
	}
	c.began = time.Now()
	after, also := c.query()
	recs, err := e.st.StoryRecordsAfter(ctx, after, also, e.o.Holder)
	if err != nil {
		e.log.Warn("reading other replicas' story records failed; deciding without them", "err", err)
		return
	}
	now := e.o.Now()
	cutoff := now.Add(-s.window)
	s.mu.Lock()
	for _, r := range recs {
		if r.Origin == e.o.Holder || r.Seen.Before(cutoff) {
			continue // indexed when decided; or out of the window already
		}
		rec := stories.Record{Story: uint64(r.Story), Seen: r.Seen, Published: r.Published, Features: r.Features}
		if err := s.ix.Restore([]stories.Record{rec}); err != nil {
			e.log.Warn("skipping another replica's story record", "story", r.Story, "seq", r.Seq, "err", err)
		}
	}
	s.mu.Unlock()
	c.read(recs, now)
}

// lockStories takes the store's story lock (store.Stories.LockStories) for
// a batch of fresh items of which some will be decided (alerting: only
// those are stories), and returns its release: held from the catch-up to
// the commit of the batch's ingest, it keeps every other replica from
// deciding in between, so that of two reports of one event decided at the
// same moment on two replicas the second is decided with the first's
// record read. A daemon alone on its store (no Options.Holder) has no one
// to exclude. The wait is bounded by half the lease, so that a replica
// stuck holding the lock costs the others that much per batch, not their
// polling, and the feed's lease (taken when its poll began) still holds
// when the wait ends; past it, or when the store fails, the batch is
// decided without the lock: at worst an event gets a second alert, never
// a missed one.
func (e *Engine) lockStories(ctx context.Context, fresh []feeds.Item, alerting map[string]bool) (unlock func()) {
	if e.o.Holder == "" || !slices.ContainsFunc(fresh, func(it feeds.Item) bool { return alerting[it.Key] }) {
		return func() {}
	}
	wait, cancel := context.WithTimeout(ctx, e.lease()/2)
	defer cancel()
	unlock, err := e.stories.lock.enter(wait, e.st)
	if err != nil {
		if ctx.Err() == nil {
			e.log.Warn("waiting for the story lock failed; deciding without it", "err", err)
		}
		return func() {}
	}
	return unlock
}

// maxStoryHold is how long this replica's workers keep joining the story
// lock it holds: past it, newcomers wait for the lock to be released and
// take it again, behind the other replicas already waiting for it
// (PostgreSQL grants a released advisory lock to its waiters in order).
// The workers of one replica share one index, so they need no lock
// between them: taking the store's lock once per batch would make every
// ingest of the cycle wait for the one before (a changed cycle on the
// farm ran at 0.58 of its speed, BENCHMARKS.md). The bound keeps a busy
// replica from starving the others; it costs them at most that much more
// wait per batch.
const maxStoryHold = 200 * time.Millisecond

// storyLock shares the store's story lock between the workers of this
// replica: the first to enter takes it, the others join while it is held
// (for maxStoryHold at most), and the last to leave releases it.
type storyLock struct {
	mu      sync.Mutex
	changed chan struct{} // closed and replaced when the lock is taken, released or a take failed
	release func()        // the store lock's release while held, nil when not
	since   time.Time     // when it was taken (the monotonic clock)
	holders int           // workers in the section
	taking  bool          // a worker is waiting for the store's lock
	closed  bool          // held past maxStoryHold: no one joins any more
	hold    time.Duration // maxStoryHold when 0 (tests shorten it)
}

// broadcast wakes the waiters; mu is held.
func (l *storyLock) broadcast() {
	if l.changed != nil {
		close(l.changed)
	}
	l.changed = make(chan struct{})
}

// enter waits until this worker is in the section and returns its leave.
func (l *storyLock) enter(ctx context.Context, st Store) (func(), error) {
	l.mu.Lock()
	for {
		hold := l.hold
		if hold == 0 {
			hold = maxStoryHold
		}
		if l.release != nil && !l.closed && time.Since(l.since) < hold {
			l.holders++
			l.mu.Unlock()
			return l.leave(), nil
		}
		if l.release == nil && !l.taking {
			l.taking = true
			l.mu.Unlock()
			release, err := st.LockStories(ctx)
			l.mu.Lock()
			l.taking = false
			if err != nil {
				l.broadcast() // another waiter may try in turn
				l.mu.Unlock()
				return nil, err
			}
			l.release, l.since, l.holders, l.closed = release, time.Now(), 1, false
			l.broadcast()
			l.mu.Unlock()
			return l.leave(), nil
		}
		if l.release != nil {
			l.closed = true // held too long: let the others have it first
		}
		if l.changed == nil {
			l.changed = make(chan struct{})
		}
		ch := l.changed
		l.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for the story lock: %w", ctx.Err())
		}
		l.mu.Lock()
	}
}

// leave returns a worker's way out of the section (once; later calls do
// nothing): the last one out releases the store's lock.
func (l *storyLock) leave() func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.holders--
			if l.holders == 0 {
				l.release()
				l.release = nil
				l.broadcast()
			}
		})
	}
}
