package engine_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/engine"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store/sqlite"
)

// countingStore counts the cycle's reads of feed states.
type countingStore struct {
	*sqlite.DB
	mu        sync.Mutex
	all, due  int
	dueLimits []int
}

func (c *countingStore) FeedStates(ctx context.Context) ([]model.FeedState, error) {
	c.mu.Lock()
	c.all++
	c.mu.Unlock()
	return c.DB.FeedStates(ctx)
}

func (c *countingStore) FeedStatesDue(ctx context.Context, now time.Time, limit int) ([]model.FeedState, error) {
	c.mu.Lock()
	c.due++
	c.dueLimits = append(c.dueLimits, limit)
	c.mu.Unlock()
	return c.DB.FeedStatesDue(ctx, now, limit)
}

// TestTickReadsOnlyDueFeeds: once the engine knows which feeds have a
// state, a tick reads only the due ones, and still polls a feed never
// polled (a chat feed added meanwhile) at once, every due feed when its
// time comes, and never a gone one.
func TestTickReadsOnlyDueFeeds(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	hits := map[string]int{}
	fs := newFeedServer(t, "g1|Old news|https://n/1")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		if r.URL.Path == "/gone" {
			http.Error(w, "gone", http.StatusGone)
			return
		}
		fs.serve(w, r)
	}))
	defer srv.Close()
	cfg := testConfig(t, srv.URL+"/a", filepath.Join(t.TempDir(), "nh.db"), 0)
	cfg.Feeds = append(cfg.Feeds, config.Feed{URL: srv.URL + "/b"}, config.Feed{URL: srv.URL + "/gone"})
	for i := range cfg.Feeds {
		cfg.Feeds[i].Interval = time.Minute
	}
	cfg.Security.AllowPrivateFeeds = true
	db, err := sqlite.Open(ctx, cfg.Store.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cs := &countingStore{DB: db}
	clock := time.Now()
	eng, err := engine.New(engine.Options{Config: cfg, Store: cs, Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	tick := func(d time.Duration) {
		t.Helper()
		clock = clock.Add(d)
		if err := eng.PollCycle(ctx, false); err != nil {
			t.Fatal(err)
		}
	}
	want := func(when string, all, due int, polls map[string]int) {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		cs.mu.Lock()
		defer cs.mu.Unlock()
		if cs.all != all || cs.due != due {
			t.Errorf("%s: %d full reads and %d due reads, want %d and %d", when, cs.all, cs.due, all, due)
		}
		for p, n := range polls {
			if hits[p] != n {
				t.Errorf("%s: %s polled %d times, want %d (all: %v)", when, p, hits[p], n, hits)
			}
		}
	}
	tick(0)
	want("first cycle", 1, 0, map[string]int{"/a": 1, "/b": 1, "/gone": 1})
	tick(time.Second) // learns which feeds have a state
	want("second tick", 2, 0, map[string]int{"/a": 1, "/b": 1, "/gone": 1})
	tick(time.Second)
	tick(time.Second)
	want("steady ticks", 2, 2, map[string]int{"/a": 1, "/b": 1, "/gone": 1})

	if err := db.AddChatFeed(ctx, model.ChatFeed{URL: srv.URL + "/chat", AddedBy: "test"}); err != nil {
		t.Fatal(err)
	}
	tick(time.Second)
	want("after a chat feed was added", 3, 2, map[string]int{"/chat": 1, "/a": 1})
	tick(time.Second)
	tick(time.Second)
	want("chat feed known", 4, 3, map[string]int{"/chat": 1, "/a": 1})

	tick(10 * time.Minute)
	want("once due", 4, 4, map[string]int{"/a": 2, "/b": 2, "/gone": 1})
	tick(24 * time.Hour)
	want("a day later", 4, 5, map[string]int{"/a": 3, "/b": 3, "/chat": 2, "/gone": 1})
	cs.mu.Lock()
	defer cs.mu.Unlock()
	for _, l := range cs.dueLimits {
		if l < 4 {
			t.Errorf("FeedStatesDue limit %d, below the 4 feeds polled", l)
		}
	}
}
