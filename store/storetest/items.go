package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store"
)

var feedTests = []test{
	{"StateRoundTrip", func(t *testing.T, e *env) {
		if _, ok, err := e.s.FeedState(e.ctx, "http://never/polled"); err != nil || ok {
			t.Fatalf("FeedState of a feed never polled = ok %v, %v; want not ok", ok, err)
		}
		at := e.now().Add(-time.Hour)
		f := model.FeedState{URL: "http://b/feed", Name: "B", ETag: `"e1"`, LastModified: "Mon, 02 Jan 2006 15:04:05 GMT",
			BodyHash: "h", Initialized: true, LastPoll: at, LastSuccess: at.Add(-time.Minute), LastParsed: at.Add(-2 * time.Minute),
			LastError: "503", LastErrorAt: at, FailingSince: at.Add(-time.Hour), Failures: 3, NextPoll: at.Add(time.Hour),
			Gone: true, MovedTo: "http://c/feed", NotifiedAt: at.Add(-30 * time.Minute)}
		e.must("SaveFeedState", e.s.SaveFeedState(e.ctx, f))
		e.must("SaveFeedState", e.s.SaveFeedState(e.ctx, model.FeedState{URL: "http://a/feed", Name: "A"}))
		got, ok, err := e.s.FeedState(e.ctx, f.URL)
		if err != nil || !ok {
			t.Fatalf("FeedState = ok %v, %v", ok, err)
		}
		if !sameFeed(got, f) {
			t.Errorf("FeedState =\n%+v\nwant\n%+v", got, f)
		}
		// Saving again replaces every field, down to clearing one.
		f2 := model.FeedState{URL: f.URL, Name: "B2", ETag: `"e2"`, BodyHash: "h2", LastPoll: at.Add(time.Hour),
			LastSuccess: at.Add(time.Hour), LastParsed: at.Add(time.Hour), Failures: 0, NextPoll: at.Add(2 * time.Hour)}
		e.must("SaveFeedState", e.s.SaveFeedState(e.ctx, f2))
		all, err := e.s.FeedStates(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 2 || all[0].URL != "http://a/feed" || all[1].URL != f.URL || !sameFeed(all[1], f2) {
			t.Errorf("FeedStates = %+v, want A then B as saved last (%+v)", all, f2)
		}
	}},
	{"DueStates", func(t *testing.T, e *env) {
		now := e.now()
		if due, err := e.s.FeedStatesDue(e.ctx, now, 0); err != nil || len(due) != 0 {
			t.Fatalf("FeedStatesDue of an empty store = %+v, %v; want none", due, err)
		}
		save := func(f model.FeedState) { e.must("SaveFeedState", e.s.SaveFeedState(e.ctx, f)) }
		save(model.FeedState{URL: "http://later/feed", NextPoll: now.Add(time.Millisecond)})
		save(model.FeedState{URL: "http://now/feed", Name: "Now", ETag: `"e"`, Initialized: true, NextPoll: now})
		save(model.FeedState{URL: "http://overdue/feed", NextPoll: now.Add(-time.Hour), Failures: 2})
		save(model.FeedState{URL: "http://gone/feed", NextPoll: now.Add(-2 * time.Hour), Gone: true})
		save(model.FeedState{URL: "http://never/feed"}) // next poll unset: due at once
		// Ingest saves the state too, and its next poll counts.
		if _, err := e.s.Ingest(e.ctx, model.FeedState{URL: "http://ingested/feed", Initialized: true, NextPoll: now.Add(-time.Minute)}, nil, nil); err != nil {
			t.Fatal(err)
		}
		urls := func(fs []model.FeedState) []string {
			var out []string
			for _, f := range fs {
				out = append(out, f.URL)
			}
			return out
		}
		due, err := e.s.FeedStatesDue(e.ctx, now, 0)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"http://never/feed", "http://overdue/feed", "http://ingested/feed", "http://now/feed"}
		if !slices.Equal(urls(due), want) {
			t.Fatalf("FeedStatesDue(now) = %v, want %v (due at or before now, not gone, longest overdue first)", urls(due), want)
		}
		// The states are whole, as FeedState returns them.
		for _, f := range due {
			got, _, err := e.s.FeedState(e.ctx, f.URL)
			if err != nil {
				t.Fatal(err)
			}
			if !sameFeed(f, got) {
				t.Errorf("FeedStatesDue state =\n%+v\nFeedState =\n%+v", f, got)
			}
		}
		if due, err := e.s.FeedStatesDue(e.ctx, now, 2); err != nil || !slices.Equal(urls(due), want[:2]) {
			t.Errorf("FeedStatesDue(now, limit 2) = %v, %v; want %v", urls(due), err, want[:2])
		}
		// A poll moves a feed's next poll on: it is no longer due until then.
		save(model.FeedState{URL: "http://overdue/feed", NextPoll: now.Add(time.Hour)})
		if due, err := e.s.FeedStatesDue(e.ctx, now, -1); err != nil || !slices.Equal(urls(due), []string{want[0], want[2], want[3]}) {
			t.Errorf("after a poll FeedStatesDue = %v, %v; want %v", urls(due), err, []string{want[0], want[2], want[3]})
		}
		later, err := e.s.FeedStatesDue(e.ctx, now.Add(time.Millisecond), 0)
		if err != nil || !slices.Contains(urls(later), "http://later/feed") || slices.Contains(urls(later), "http://gone/feed") {
			t.Errorf("FeedStatesDue(now+1ms) = %v, %v; want the later feed and never the gone one", urls(later), err)
		}
	}},
	{"IngestSavesStateWithLastParsed", func(t *testing.T, e *env) {
		f := model.FeedState{URL: "http://a/feed", Name: "A", ETag: "x", Initialized: true}
		if _, err := e.s.Ingest(e.ctx, f, nil, nil); err != nil {
			t.Fatal(err)
		}
		got, ok, err := e.s.FeedState(e.ctx, f.URL)
		if err != nil || !ok {
			t.Fatalf("FeedState after Ingest = ok %v, %v", ok, err)
		}
		if got.Name != "A" || got.ETag != "x" || !got.Initialized || !got.LastParsed.Equal(e.now()) {
			t.Errorf("after Ingest FeedState = %+v, want the state saved with LastParsed %v (the store's clock)", got, e.now())
		}
	}},
}

// sameFeed compares feed states, times by instant.
func sameFeed(a, b model.FeedState) bool {
	ta := []time.Time{a.LastPoll, a.LastSuccess, a.LastParsed, a.LastErrorAt, a.FailingSince, a.NextPoll, a.NotifiedAt}
	tb := []time.Time{b.LastPoll, b.LastSuccess, b.LastParsed, b.LastErrorAt, b.FailingSince, b.NextPoll, b.NotifiedAt}
	for i := range ta {
		if !ta[i].Equal(tb[i]) {
			return false
		}
	}
	a.LastPoll, a.LastSuccess, a.LastParsed, a.LastErrorAt, a.FailingSince, a.NextPoll, a.NotifiedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}, time.Time{}, time.Time{}, time.Time{}
	b.LastPoll, b.LastSuccess, b.LastParsed, b.LastErrorAt, b.FailingSince, b.NextPoll, b.NotifiedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}, time.Time{}, time.Time{}, time.Time{}
	return a == b
}

var ingestTests = []test{
	{"RecordsItemsAndQueuesAlerts", func(t *testing.T, e *env) {
		res := e.ingest("http://a/feed", nil,
			item("g1", "http://a/1", "one", "console"),
			item("g2", "http://a/2", "two", "console", "telegram:1"),
			item("g3", "http://a/3", "three"))
		e.wantIngest("first parse", res, 3, 0, 3)
		if res.QueuedByPlatform["console"] != 2 || res.QueuedByPlatform["telegram"] != 1 || len(res.QueuedByPlatform) != 2 {
			t.Errorf("QueuedByPlatform = %v, want console 2, telegram 1", res.QueuedByPlatform)
		}
		seen := e.seen("http://a/feed", "g1", "g2", "g3", "nope")
		if !seen["g1"] || !seen["g2"] || !seen["g3"] || seen["nope"] || len(seen) != 3 {
			t.Errorf("SeenKeys = %v, want g1, g2 and g3", seen)
		}
		if other := e.seen("http://b/feed", "g1"); other["g1"] {
			t.Error("SeenKeys of another feed reports this feed's key")
		}
		if st := e.stats(); st.Pending != 3 {
			t.Errorf("QueueStats.Pending = %d, want 3", st.Pending)
		}
		res = e.ingest("http://a/feed", nil, item("g4", "http://a/4", "four"))
		if res.Queued != 0 || len(res.QueuedByPlatform) != 0 {
			t.Errorf("silent item: %+v, want nothing queued", res)
		}
	}},
	{"DedupByFeedAndKey", func(t *testing.T, e *env) {
		e.ingest("http://a/feed", nil, item("g1", "http://a/1", "one", "console"))
		e.wantIngest("same key, same feed", e.ingest("http://a/feed", nil, item("g1", "http://a/1-edited", "one edited", "console")), 0, 0, 0)
		e.wantIngest("same key, other feed", e.ingest("http://b/feed", nil, item("g1", "http://b/1", "other story", "console")), 1, 0, 1)
	}},
	{"DedupByLink", func(t *testing.T, e *env) {
		e.ingest("http://a/feed", nil, item("g1", "http://a/1", "one", "console"))
		e.wantIngest("GUID changed, same link", e.ingest("http://a/feed", nil, item("g1-new", "http://a/1", "one", "console")), 1, 1, 0)
		e.wantIngest("other feed, same link", e.ingest("http://b/feed", nil, item("x", "http://a/1", "another title", "telegram:1")), 1, 1, 0)
		e.wantIngest("other link", e.ingest("http://b/feed", nil, item("y", "http://b/y", "yet another", "console")), 1, 0, 1)
		if !e.seen("http://a/feed", "g1-new")["g1-new"] || !e.seen("http://b/feed", "x")["x"] {
			t.Error("a duplicate must still be recorded under its own key")
		}
		e.wantIngest("duplicate seen again", e.ingest("http://b/feed", nil, item("x", "http://a/1", "another title", "console")), 0, 0, 0)
	}},
	{"DedupByTitleWithinWindow", func(t *testing.T, e *env) {
		e.ingest("http://a/feed", nil, item("1", "http://a/1", "headline", "console"))
		e.ingest("http://a/feed", nil, item("2", "http://a/2", "other headline", "console"))
		e.advance(store.TitleWindow - time.Hour)
		e.wantIngest("same title inside the window", e.ingest("http://b/feed", nil, item("b1", "http://b/1", "headline", "console")), 1, 1, 0)
		e.advance(2 * time.Hour)
		e.wantIngest("same title after the window", e.ingest("http://c/feed", nil, item("c1", "http://c/1", "other headline", "console")), 1, 0, 1)
	}},
	{"DedupByTitleOnlyAgainstAlertedStories", func(t *testing.T, e *env) {
		// Feed A carried the headline silently (it matched no watch).
		e.ingest("http://a/feed", nil, item("1", "http://a/1", "same headline"))
		e.wantIngest("first alert for a silent headline", e.ingest("http://b/feed", nil, item("2", "http://b/2", "same headline", "console")), 1, 0, 1)
		e.wantIngest("second alert for the headline", e.ingest("http://c/feed", nil, item("3", "http://c/3", "same headline", "console")), 1, 1, 0)
		// A silent item's link still guards against GUID renumbering.
		e.wantIngest("renumbered GUID of a silent item", e.ingest("http://a/feed", nil, item("1-renumbered", "http://a/1", "", "console")), 1, 1, 0)
	}},
	{"DuplicatesInOneBatch", func(t *testing.T, e *env) {
		res := e.ingest("http://a/feed", nil,
			item("k1", "http://a/1", "t1", "console"),
			item("k2", "http://a/1", "t2", "console"), // same link as k1
			item("k3", "http://a/3", "t3", "console"),
			item("k4", "http://a/4", "t3", "console"), // same title as k3
			item("k1", "http://a/5", "t5", "console"), // same key as k1
		)
		e.wantIngest("one batch", res, 4, 2, 2)
		if got := titles(e.next("console", e.now())); got != "k1,k3" {
			t.Errorf("queued %q, want k1,k3", got)
		}
	}},
	{"AllOrNothing", func(t *testing.T, e *env) {
		// The store contract rejects an item without a key; coming last,
		// it makes the store undo the work done for the items before it.
		_, err := e.s.Ingest(e.ctx, feed("http://a/feed"), []string{"old"}, []model.NewItem{
			item("g1", "http://a/1", "one", "console", "telegram:1"),
			item("g2", "http://a/2", "two", "console"),
			{LinkKey: "http://a/3", Alerts: []model.Alert{{Destination: "console", Title: "keyless"}}},
		})
		if err == nil {
			t.Fatal("Ingest accepted an item without a key")
		}
		e.checkNothingRecorded("after a failed ingest")

		ctx, cancel := context.WithCancel(e.ctx)
		cancel()
		if _, err := e.s.Ingest(ctx, feed("http://a/feed"), nil, []model.NewItem{item("g1", "http://a/1", "one", "console")}); err == nil {
			t.Fatal("Ingest with a cancelled context succeeded")
		}
		e.checkNothingRecorded("after a cancelled ingest")

		// The same parse, valid, goes through whole.
		e.wantIngest("valid retry", e.ingest("http://a/feed", nil, item("g1", "http://a/1", "one", "console", "telegram:1"), item("g2", "http://a/2", "two", "console")), 2, 0, 3)
	}},
}

// checkNothingRecorded checks that the store holds no trace of a feed
// http://a/feed with items g1 and g2.
func (e *env) checkNothingRecorded(when string) {
	e.t.Helper()
	if _, ok, err := e.s.FeedState(e.ctx, "http://a/feed"); err != nil || ok {
		e.t.Errorf("%s: feed state saved (ok %v, %v)", when, ok, err)
	}
	if seen := e.seen("http://a/feed", "g1", "g2"); len(seen) != 0 {
		e.t.Errorf("%s: items left marked seen %v: their alerts would be lost", when, seen)
	}
	if st := e.stats(); st.Pending != 0 {
		e.t.Errorf("%s: %d alerts queued", when, st.Pending)
	}
}

const day = 24 * time.Hour

var pruneTests = []test{
	{"KeepsItemsStillInFeed", func(t *testing.T, e *env) {
		e.ingest("http://a", nil, item("stays", "", ""), item("leaves", "", ""))
		e.advance(100 * day)
		// A later parse lists only "stays".
		e.ingest("http://a", []string{"stays"})
		e.advance(100 * day)
		n, err := e.s.PruneItems(e.ctx, 30*day)
		if err != nil {
			t.Fatal(err)
		}
		seen := e.seen("http://a", "stays", "leaves")
		if n != 1 || !seen["stays"] || seen["leaves"] {
			t.Fatalf("pruned %d, seen %v; want only 'leaves' forgotten", n, seen)
		}
	}},
	{"KeepsItemsOfAFeedNotParsedSince", func(t *testing.T, e *env) {
		// The feed has failed for months: its items were in it at its
		// last parse and must not be forgotten (they would alert again).
		e.ingest("http://a", nil, item("listed", "", ""))
		e.advance(200 * day)
		if n, err := e.s.PruneItems(e.ctx, 30*day); err != nil || n != 0 {
			t.Fatalf("PruneItems = %d, %v; want nothing pruned", n, err)
		}
		if !e.seen("http://a", "listed")["listed"] {
			t.Fatal("an item listed at its feed's last parse was forgotten")
		}
	}},
	{"KeepsRecentlyLeftItems", func(t *testing.T, e *env) {
		e.ingest("http://a", nil, item("stays", "", ""), item("leaves", "", ""))
		e.advance(10 * day)
		e.ingest("http://a", []string{"stays"})
		e.advance(10 * day)
		if n, err := e.s.PruneItems(e.ctx, 30*day); err != nil || n != 0 {
			t.Fatalf("PruneItems = %d, %v; want nothing pruned within keep", n, err)
		}
		if seen := e.seen("http://a", "stays", "leaves"); len(seen) != 2 {
			t.Fatalf("seen %v after pruning within keep, want both", seen)
		}
	}},
}
