// Package storetest is the conformance suite of the store contract: the
// checks any store.Store backend must pass, in the spirit of
// testing/slogtest and testing/fstest.TestFS.
//
// A backend runs it from one test:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return openEmpty(t) })
//	}
//
// The suite assumes nothing about how a backend stores its data: it only
// calls store.Store methods and compares what they return with what the
// contract in package store says.
//
// Many rules depend on the store's own clock (the title dedup window,
// pruning, mutes, when an alert was queued and so becomes due). store.Store
// has no way to set it, so the suite needs one more method, Clocked, which
// a backend implements for its tests only (typically on a wrapper type in
// its _test.go file, so that the production type keeps no test hook). The
// suite never sleeps: it moves the clock instead.
package storetest

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store"
)

// Clocked is the interface, beside store.Store, through which the suite
// moves a store's clock: every time the store takes for "now" (Ingest's
// LastParsed and queue times, MarkSent, Park, PruneItems, PruneSent,
// MuteUntil, the CreatedAt and AddedAt defaults) must come from now once
// SetClock has been called. The suite calls it once per store, right after
// open and before any other method; now is safe for concurrent use.
//
// Every subtest fails when the store returned by open does not implement
// Clocked: with a clock the suite cannot hold still, "due now" and "queued
// at" are not testable, and a skipped window or pruning rule would pass
// unnoticed.
type Clocked interface {
	// SetClock makes the store take every "now" from now.
	SetClock(now func() time.Time)
}

// Run runs the conformance suite against the stores that open returns. Each
// subtest opens its own store, which must be empty; Run closes it when the
// subtest ends (open may register further cleanup with t.Cleanup, for
// instance to drop a database, which then runs after Close). Subtests run
// one after another.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	groups := []struct {
		name  string
		tests []test
	}{
		{"Feeds", feedTests},
		{"Ingest", ingestTests},
		{"PruneItems", pruneTests},
		{"Outbox", outboxTests},
		{"Destinations", destinationTests},
		{"Subscriptions", subscriptionTests},
		{"ChatFeeds", chatFeedTests},
		{"State", stateTests},
		{"Stories", storyTests},
		{"Chats", chatTests},
		{"Move", moveTests},
		{"ChatChoices", choiceTests},
		{"Leases", leaseTests},
		{"WebSub", webSubTests},
		{"History", historyTests},
		{"Fulltext", fulltextTests},
		{"FulltextHistory", fulltextHistoryTests},
		{"IngestByWatch", watchCountTests},
		{"Buttons", buttonTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tt := range g.tests {
				t.Run(tt.name, func(t *testing.T) {
					tt.fn(t, newEnv(t, open))
				})
			}
		})
	}
}

// test is one subtest of the suite.
type test struct {
	name string
	fn   func(t *testing.T, e *env)
}

// env is one subtest's store and clock.
type env struct {
	t     *testing.T
	ctx   context.Context
	s     store.Store
	clock *clock
}

func newEnv(t *testing.T, open func(t *testing.T) store.Store) *env {
	t.Helper()
	s := open(t)
	if s == nil {
		t.Fatal("open returned a nil store")
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	c, ok := s.(Clocked)
	if !ok {
		t.Fatalf("%T does not implement storetest.Clocked: the suite must hold and move the store's clock", s)
	}
	e := &env{t: t, ctx: t.Context(), s: s, clock: &clock{now: epoch}}
	c.SetClock(e.clock.Now)
	return e
}

// epoch is where every subtest's clock starts: whole seconds, which every
// backend keeps exactly, and not the real time, so that a store that reads
// the wall clock somewhere shows up.
var epoch = time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)

// now is the store's current time.
func (e *env) now() time.Time { return e.clock.Now() }

// advance moves the store's clock forward by d.
func (e *env) advance(d time.Duration) {
	e.clock.advance(d)
}

// clock is the suite's fake clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the clock's time.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// feed returns the state of a feed after a successful parse.
func feed(url string) model.FeedState { return model.FeedState{URL: url, Name: url, Initialized: true} }

// item is a new item whose alerts (one per destination) are titled by key.
func item(key, link, title string, dests ...model.Destination) model.NewItem {
	it := model.NewItem{Key: key, LinkKey: link, TitleKey: title}
	for _, d := range dests {
		it.Alerts = append(it.Alerts, model.Alert{Destination: d, Title: key})
	}
	return it
}

// ingest runs a successful parse of url and fails the test on error.
func (e *env) ingest(url string, present []string, items ...model.NewItem) model.IngestResult {
	e.t.Helper()
	res, err := e.s.Ingest(e.ctx, feed(url), present, items)
	if err != nil {
		e.t.Fatalf("Ingest(%s): %v", url, err)
	}
	return res
}

// wantIngest checks an ingest's counts.
func (e *env) wantIngest(what string, got model.IngestResult, new, dup, queued int) {
	e.t.Helper()
	if got.New != new || got.Duplicates != dup || got.Queued != queued {
		e.t.Errorf("%s: ingest = %+v, want %d new, %d duplicates, %d queued", what, got, new, dup, queued)
	}
}

// seen returns which of keys the feed at url has recorded.
func (e *env) seen(url string, keys ...string) map[string]bool {
	e.t.Helper()
	m, err := e.s.SeenKeys(e.ctx, url, keys)
	if err != nil {
		e.t.Fatalf("SeenKeys(%s): %v", url, err)
	}
	return m
}

// next returns NextAlerts(dest, at, 100), failing the test on error.
func (e *env) next(dest model.Destination, at time.Time) []model.Alert {
	e.t.Helper()
	as, err := e.s.NextAlerts(e.ctx, dest, at, 100)
	if err != nil {
		e.t.Fatalf("NextAlerts(%s): %v", dest, err)
	}
	return as
}

// list returns ListOutbox(state, dest, 0), failing the test on error.
func (e *env) list(state string, dest model.Destination) []model.OutboxRow {
	e.t.Helper()
	rows, err := e.s.ListOutbox(e.ctx, state, dest, 0)
	if err != nil {
		e.t.Fatalf("ListOutbox(%q, %q): %v", state, dest, err)
	}
	return rows
}

// due returns DueDestinations(at), sorted.
func (e *env) due(at time.Time) []model.Destination {
	e.t.Helper()
	ds, err := e.s.DueDestinations(e.ctx, at)
	if err != nil {
		e.t.Fatalf("DueDestinations: %v", err)
	}
	slices.Sort(ds)
	return ds
}

// stats returns QueueStats, failing the test on error.
func (e *env) stats() model.QueueStats {
	e.t.Helper()
	st, err := e.s.QueueStats(e.ctx)
	if err != nil {
		e.t.Fatalf("QueueStats: %v", err)
	}
	return st
}

// must fails the test when err is not nil.
func (e *env) must(what string, err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("%s: %v", what, err)
	}
}

// titles joins the alerts' titles with commas.
func titles(as []model.Alert) string {
	var b []string
	for _, a := range as {
		b = append(b, a.Title)
	}
	return strings.Join(b, ",")
}

// rowTitles joins the rows' alert titles with commas.
func rowTitles(rows []model.OutboxRow) string {
	var b []string
	for _, r := range rows {
		b = append(b, r.Alert.Title)
	}
	return strings.Join(b, ",")
}

// dests builds a sorted destination list for comparisons.
func dests(ds ...model.Destination) []model.Destination {
	slices.Sort(ds)
	return ds
}
