package engine_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/engine"
	"github.com/newshound/newshound/store/sqlite"
)

// TestAdaptiveNextPoll polls feeds of different rhythms on a fake clock and
// checks when each is due again: the engine's interval is the feed's own
// publishing rate within poll.min_interval..poll.max_interval, a fixed
// feeds[].interval wins, the server's TTL is a floor even on a 304, and a
// 304 keeps the adaptive rhythm instead of falling back to poll.interval.
func TestAdaptiveNextPoll(t *testing.T) {
	clock := time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		step time.Duration // between items, newest at clock
		ttl  int           // RSS <ttl> minutes; 0: none
		own  string        // feeds[].interval
		// want is the interval expected after the first poll, want304 after
		// a 304 40 minutes later; the engine adds ±10% jitter to both unless
		// floor (the TTL) is what decides.
		want, want304 time.Duration
		floor         bool
	}{
		// 30 items, one every 3 minutes: 87m / 30 = 2m54s. 40 minutes later,
		// with no new item, 127m / 30 = 4m14s.
		{"busy wire", 3 * time.Minute, 0, "", 174 * time.Second, 254 * time.Second, false},
		// 290s / 30 is under a minute; 40 minutes later 2690s / 30 = 89.67s.
		{"firehose clamps to min_interval", 10 * time.Second, 0, "", time.Minute, 2690 * time.Second / 30, false},
		{"weekly clamps to max_interval", 7 * 24 * time.Hour, 0, "", 6 * time.Hour, 6 * time.Hour, false},
		{"TTL is a floor, also on a 304", 3 * time.Minute, 60, "", time.Hour, time.Hour, true},
		{"own interval wins", 3 * time.Minute, 0, "10m", 10 * time.Minute, 10 * time.Minute, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("If-None-Match") == `"v1"` {
					w.WriteHeader(http.StatusNotModified)
					return
				}
				var b strings.Builder
				b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>`)
				if tt.ttl > 0 {
					fmt.Fprintf(&b, "<ttl>%d</ttl>", tt.ttl)
				}
				for i := range 30 {
					fmt.Fprintf(&b, `<item><guid>g%d</guid><title>t%d</title><pubDate>%s</pubDate></item>`,
						i, i, clock.Add(-time.Duration(i)*tt.step).Format(time.RFC1123Z))
				}
				b.WriteString(`</channel></rss>`)
				w.Header().Set("ETag", `"v1"`)
				fmt.Fprint(w, b.String())
			}))
			defer srv.Close()
			own := ""
			if tt.own != "" {
				own = "\n    interval: " + tt.own
			}
			src := fmt.Sprintf("poll:\n  interval: 5m\nstore:\n  path: %s\nhttp:\n  listen: \"\"\nfeeds:\n  - url: %s%s\n",
				filepath.Join(t.TempDir(), "nh.db"), srv.URL, own)
			cfg, err := config.Parse([]byte(src), "test.yaml")
			if err != nil {
				t.Fatal(err)
			}
			db, err := sqlite.Open(ctx, cfg.Store.Path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			now := clock
			eng, err := engine.New(engine.Options{Config: cfg, Store: db, Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			due := func(what string, want time.Duration) {
				t.Helper()
				lo, hi := want-want/10, want+want/10
				if tt.floor {
					lo, hi = want, want
				}
				if err := eng.PollCycle(ctx, true); err != nil {
					t.Fatal(err)
				}
				st, _, err := db.FeedState(ctx, srv.URL)
				if err != nil {
					t.Fatal(err)
				}
				if got := st.NextPoll.Sub(st.LastPoll); got < lo || got > hi {
					t.Errorf("%s: due again after %v, want %v..%v", what, got, lo, hi)
				}
			}
			due("after a 200", tt.want)
			now = now.Add(40 * time.Minute)
			due("after a 304", tt.want304)
		})
	}
}
