package engine_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/engine"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/store/sqlite"
	"github.com/newshound/newshound/watchlist"
)

// feedServer serves an RSS feed whose items the test can change, with an
// ETag so that unchanged polls are answered 304.
type feedServer struct {
	mu    sync.Mutex
	items []string // "guid|title|link"
	hits  int
	srv   *httptest.Server
}

func newFeedServer(t *testing.T, items ...string) *feedServer {
	fs := &feedServer{items: items}
	fs.srv = httptest.NewServer(http.HandlerFunc(fs.serve))
	t.Cleanup(fs.srv.Close)
	return fs
}

func (fs *feedServer) add(item string) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.items = append([]string{item}, fs.items...)
}

func (fs *feedServer) serve(w http.ResponseWriter, r *http.Request) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.hits++
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Test Wire</title><link>` + fs.srv.URL + `</link>`)
	for i, it := range fs.items {
		p := strings.SplitN(it, "|", 3)
		date := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(len(fs.items)-i) * time.Minute)
		fmt.Fprintf(&b, `<item><guid isPermaLink="false">%s</guid><title>%s</title><link>%s</link><pubDate>%s</pubDate></item>`,
			p[0], p[1], p[2], date.Format(time.RFC1123Z))
	}
	b.WriteString(`</channel></rss>`)
	etag := fmt.Sprintf(`"%d"`, len(b.String())+len(fs.items))
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	fmt.Fprint(w, b.String())
}

func testConfig(t *testing.T, feedURL, dbPath string, backfill int) *config.Config {
	t.Helper()
	yaml := fmt.Sprintf(`
poll:
  backfill: %d
store:
  path: %s
http:
  listen: ""
feeds:
  - url: %s
    name: Test Wire
entities:
  russia: [Russia, Russian, Kremlin]
watches:
  - name: apt29
    query: 'actor:APT29'
  - name: russia-azerbaijan
    query: '(actor:russia OR Moscow) AND (Azerbaijan OR Baku)'
routes:
  - watches: [apt29, russia-azerbaijan]
    to: [console]
`, backfill, dbPath, feedURL)
	cfg, err := config.Parse([]byte(yaml), "test.yaml")
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg
}

// runOnce opens the store, runs one --once pass and returns the console output.
func runOnce(t *testing.T, cfg *config.Config) string {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, cfg.Store.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out bytes.Buffer
	eng, err := engine.New(engine.Options{Config: cfg, Store: db, Senders: map[string]notify.Sender{"console": notify.NewConsole(&out)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func alertsIn(out string) int { return strings.Count(out, "\n  matched ") }

func TestEndToEndOnceRestartNoRepeat(t *testing.T) {
	fs := newFeedServer(t,
		"g1|Cozy Bear phishing hits embassies|https://news.example/1?utm_source=x",
		"g2|Weather is nice today|https://news.example/2",
		"g3|Kremlin talks with Baku stall|https://news.example/3",
	)
	dbPath := filepath.Join(t.TempDir(), "nh.db")
	cfg := testConfig(t, fs.srv.URL+"/rss", dbPath, 0)

	// First poll of a new feed: remember, alert none (backfill 0).
	if out := runOnce(t, cfg); alertsIn(out) != 0 {
		t.Fatalf("first poll alerted:\n%s", out)
	}
	// New items: one matching, one not.
	fs.add("g4|Midnight Blizzard targets ministries|https://news.example/4")
	fs.add("g5|Local football results|https://news.example/5")
	out := runOnce(t, cfg)
	if alertsIn(out) != 1 || !strings.Contains(out, "Midnight Blizzard targets ministries") {
		t.Fatalf("want exactly the Midnight Blizzard alert, got:\n%s", out)
	}
	if !strings.Contains(out, `APT29, as "Midnight Blizzard"`) || !strings.Contains(out, "Test Wire") {
		t.Fatalf("alert lacks the why or the feed:\n%s", out)
	}
	// Restart on the same database: nothing repeats.
	if out := runOnce(t, cfg); alertsIn(out) != 0 {
		t.Fatalf("restart repeated alerts:\n%s", out)
	}
	// One more matching item: exactly that one alert.
	fs.add("g6|Russia and Azerbaijan sign gas deal|https://news.example/6")
	out = runOnce(t, cfg)
	if alertsIn(out) != 1 || !strings.Contains(out, "Russia and Azerbaijan sign gas deal") || !strings.Contains(out, "russia-azerbaijan") {
		t.Fatalf("want exactly the Russia/Azerbaijan alert, got:\n%s", out)
	}
	// A GUID change of an alerted story does not re-alert.
	fs.mu.Lock()
	fs.items[0] = "g6-renumbered|Russia and Azerbaijan sign gas deal|https://news.example/6"
	fs.mu.Unlock()
	if out := runOnce(t, cfg); alertsIn(out) != 0 {
		t.Fatalf("GUID change re-alerted:\n%s", out)
	}
}

func TestBackfillAlertsNewestN(t *testing.T) {
	fs := newFeedServer(t,
		"a|APT29 newest|https://n/a",
		"b|APT29 middle|https://n/b",
		"c|APT29 oldest|https://n/c",
	)
	cfg := testConfig(t, fs.srv.URL, filepath.Join(t.TempDir(), "nh.db"), 2)
	out := runOnce(t, cfg)
	if alertsIn(out) != 2 || !strings.Contains(out, "APT29 newest") || !strings.Contains(out, "APT29 middle") || strings.Contains(out, "APT29 oldest") {
		t.Fatalf("backfill 2 should alert the two newest, got:\n%s", out)
	}
}

func TestFailingFeedKeepsErrorAndBacksOff(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer srv.Close()
	dbPath := filepath.Join(t.TempDir(), "nh.db")
	cfg := testConfig(t, srv.URL, dbPath, 0)
	runOnce(t, cfg)
	runOnce(t, cfg)
	db, err := sqlite.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, ok, err := db.FeedState(context.Background(), srv.URL)
	if err != nil || !ok {
		t.Fatalf("feed state: %v %v", ok, err)
	}
	if st.Failures != 2 || !strings.Contains(st.LastError, "500") || st.Gone {
		t.Fatalf("state = %+v, want 2 failures with the 500 visible", st)
	}
	if wait := st.NextPoll.Sub(st.LastPoll); wait < time.Minute {
		t.Fatalf("next poll only %v after a second failure", wait)
	}
}

// failingStore makes Ingest fail like a full disk while failing is set.
type failingStore struct {
	*sqlite.DB
	failing bool
}

func (f *failingStore) Ingest(ctx context.Context, st model.FeedState, present []string, items []model.NewItem) (model.IngestResult, error) {
	if f.failing {
		return model.IngestResult{}, fmt.Errorf("store: ingest %s: database or disk is full", st.URL)
	}
	return f.DB.Ingest(ctx, st, present, items)
}

func TestStoreFailureLosesNothing(t *testing.T) {
	ctx := context.Background()
	fs := newFeedServer(t, "g1|Old news|https://n/1")
	cfg := testConfig(t, fs.srv.URL, filepath.Join(t.TempDir(), "nh.db"), 0)
	db, err := sqlite.Open(ctx, cfg.Store.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fst := &failingStore{DB: db}
	var out bytes.Buffer
	eng, err := engine.New(engine.Options{Config: cfg, Store: fst, Senders: map[string]notify.Sender{"console": notify.NewConsole(&out)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	fs.add("g2|APT29 breaks into a ministry|https://n/2")
	fst.failing = true
	if err := eng.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if alertsIn(out.String()) != 0 {
		t.Fatalf("alerted although nothing could be recorded:\n%s", out.String())
	}
	fst.failing = false
	if err := eng.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if alertsIn(out.String()) != 1 || !strings.Contains(out.String(), "APT29 breaks into a ministry") {
		t.Fatalf("after the store recovered, want the one alert, got:\n%s", out.String())
	}
}

func TestBadQueryReportsFilePosition(t *testing.T) {
	yaml := "watches:\n  - name: broken\n    query: 'APT29 AND (Cozy'\nroutes:\n  - watches: [broken]\n    to: [console]\n"
	cfg, err := config.Parse([]byte(yaml), "bad.yaml")
	if err != nil {
		t.Fatalf("config itself is valid: %v", err)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "nh.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = engine.New(engine.Options{Config: cfg, Store: db})
	if err == nil || !strings.HasPrefix(err.Error(), "bad.yaml:3:") {
		t.Fatalf("engine.New = %v, want an error at bad.yaml:3:col", err)
	}
}

func TestAdminsToldOfLongFailureAndGoneFeed(t *testing.T) {
	ctx := context.Background()
	status := http.StatusInternalServerError
	var mu sync.Mutex
	polls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		polls++
		http.Error(w, "nope", status)
	}))
	defer srv.Close()
	cfg := testConfig(t, srv.URL, filepath.Join(t.TempDir(), "nh.db"), 0)
	db, err := sqlite.Open(ctx, cfg.Store.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	clock := time.Now()
	var notices []string
	eng, err := engine.New(engine.Options{Config: cfg, Store: db, Now: func() time.Time { return clock },
		Notice: func(_ context.Context, text string) { notices = append(notices, text) }})
	if err != nil {
		t.Fatal(err)
	}
	step := func(d time.Duration) {
		clock = clock.Add(d)
		if err := eng.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	step(0)
	step(time.Hour)
	if len(notices) != 0 {
		t.Fatalf("told after an hour: %v", notices)
	}
	step(engine.FailureNotice)
	step(time.Hour)
	if len(notices) != 1 || !strings.Contains(notices[0], srv.URL) || !strings.Contains(notices[0], "500") {
		t.Fatalf("after a day of failures want one notice naming the feed and error, got %q", notices)
	}
	mu.Lock()
	status = http.StatusGone
	mu.Unlock()
	step(time.Hour)
	if len(notices) != 2 || !strings.Contains(notices[1], "410") {
		t.Fatalf("want a notice that the feed is gone, got %q", notices)
	}
	mu.Lock()
	before := polls
	mu.Unlock()
	step(time.Hour)
	mu.Lock()
	defer mu.Unlock()
	if polls != before {
		t.Fatal("a feed that answered 410 Gone is still polled")
	}
	st, _, _ := db.FeedState(ctx, srv.URL)
	if !st.Gone || !strings.Contains(st.LastError, "410") {
		t.Fatalf("gone feed state = %+v", st)
	}
}

// TestParseFailureKeepsValidators: a body that fails to parse must be
// fetched and parsed again, not answered 304 on the strength of its ETag.
func TestParseFailureKeepsValidators(t *testing.T) {
	var mu sync.Mutex
	body := "<html><body>Down for maintenance</body></html>"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		etag := fmt.Sprintf(`"%d"`, len(body))
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		fmt.Fprint(w, body)
	}))
	defer srv.Close()
	cfg := testConfig(t, srv.URL, filepath.Join(t.TempDir(), "nh.db"), 0)
	runOnce(t, cfg) // HTML: a parse error, recorded
	runOnce(t, cfg)
	db, err := sqlite.Open(context.Background(), cfg.Store.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, _, _ := db.FeedState(context.Background(), srv.URL)
	if st.ETag != "" || st.Failures != 2 {
		t.Fatalf("after two unparsable bodies: etag %q, failures %d; want no etag kept and 2 failures", st.ETag, st.Failures)
	}
}

func TestHotReload(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	base := fmt.Sprintf("poll:\n  schedule: \"@every 1h\"\nstore:\n  path: %s\nwatches:\n  - name: a\n    query: APT29\n", filepath.Join(dir, "nh.db"))
	if err := os.WriteFile(path, []byte(base), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), cfg.Store.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mu sync.Mutex
	var notices []string
	reloaded := 0
	eng, err := engine.New(engine.Options{Config: cfg, Store: db,
		Notice: func(_ context.Context, text string) {
			mu.Lock()
			notices = append(notices, text)
			mu.Unlock()
		},
		OnReload: func(*watchlist.Set) {
			mu.Lock()
			reloaded++
			mu.Unlock()
		}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- eng.Run(ctx) }()
	defer func() { cancel(); <-done }()
	wait := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			mu.Lock()
			ok := cond()
			mu.Unlock()
			if ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// Each edit replaces the file in one step, as editors and `newshound
	// watch add` do: written in place, the watcher could read it half
	// written (an empty config is valid) and count a reload too many.
	write := func(body string) {
		t.Helper()
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	write(base + "  - name: b\n    query: actor:Sandworm\n")
	wait("the valid edit to be in force", func() bool { return len(eng.Config().Watches) == 2 && reloaded == 1 })

	write(base + "  - name: b\n    query: 'Sandworm AND ('\n")
	wait("the invalid query to be refused", func() bool { return len(notices) == 1 })
	mu.Lock()
	msg := notices[0]
	mu.Unlock()
	if !strings.Contains(msg, "config.yaml:9:") || len(eng.Config().Watches) != 2 || eng.Config().Watches[1].Query != "actor:Sandworm" {
		t.Fatalf("invalid edit: notice %q, watches %+v; want file:line:col and the old config in force", msg, eng.Config().Watches)
	}

	write(base + "bogus_key: 1\n")
	wait("the unknown key to be refused", func() bool { return len(notices) == 2 })
	mu.Lock()
	msg = notices[1]
	mu.Unlock()
	if !strings.Contains(msg, "config.yaml:8:1") || len(eng.Config().Watches) != 2 {
		t.Fatalf("unknown key: notice %q; want config.yaml:8:1 and the old config in force", msg)
	}
}

// TestAdminNoticesGoThroughTheOutbox: a notice to admins on every platform
// is queued like an alert, so an outage does not lose it.
func TestAdminNoticesGoThroughTheOutbox(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "gone", http.StatusGone)
	}))
	defer srv.Close()
	cfg := testConfig(t, srv.URL, filepath.Join(t.TempDir(), "nh.db"), 0)
	cfg.Telegram.Token = "1:T"
	cfg.Admins.Telegram = []string{"42"}
	db, err := sqlite.Open(ctx, cfg.Store.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	down := notify.Sender(senderFunc(func(context.Context, model.Alert) error { return errors.New("telegram: 502 Bad Gateway") }))
	admins := func(*config.Config) []model.Destination { return []model.Destination{"telegram:42", "discord-dm:7"} }
	eng, err := engine.New(engine.Options{Config: cfg, Store: db, Senders: map[string]notify.Sender{"telegram": down, "discord-dm": down}, Admins: admins})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	dm, err := db.ListOutbox(ctx, model.StatePending, "discord-dm:7", 0)
	if err != nil || len(dm) != 1 {
		t.Fatalf("pending notices for the Discord admin = %+v, %v; want the notice queued like the Telegram one", dm, err)
	}
	rows, err := db.ListOutbox(ctx, model.StatePending, "telegram:42", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || !strings.Contains(rows[0].Alert.Snippet, "410") || rows[0].Attempts != 1 {
		t.Fatalf("pending notices for the admin = %+v; want the 410 notice, tried once and kept for retry", rows)
	}
}

type senderFunc func(context.Context, model.Alert) error

func (f senderFunc) Send(ctx context.Context, a model.Alert) error { return f(ctx, a) }

// hookedStore runs onSubs once, inside the first Subscriptions call after it
// is armed: the moment a poll cycle reads the chats' subscriptions.
type hookedStore struct {
	*sqlite.DB
	armed  atomic.Bool
	onSubs func()
}

func (s *hookedStore) Subscriptions(ctx context.Context, chat model.Destination) ([]model.Subscription, error) {
	if s.armed.CompareAndSwap(true, false) {
		s.onSubs()
	}
	return s.DB.Subscriptions(ctx, chat)
}

// TestReloadDuringPollCycleIsKept: a reload that lands while a poll cycle
// rebuilds the watchlist for new subscriptions stays in force (the cycle
// once swapped in its own list, built on the old config, reverting it).
func TestReloadDuringPollCycleIsKept(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<rss version="2.0"><channel><title>T</title></channel></rss>`)
	}))
	defer srv.Close()
	cfg := testConfig(t, srv.URL, filepath.Join(t.TempDir(), "nh.db"), 0)
	db, err := sqlite.Open(ctx, cfg.Store.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := &hookedStore{DB: db}
	eng, err := engine.New(engine.Options{Config: cfg, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	next := *cfg
	next.Watches = append(slices.Clone(cfg.Watches), config.Watch{Name: "odesa", Query: "Odesa"})
	st.onSubs = func() {
		if err := eng.Reload(ctx, &next); err != nil {
			t.Errorf("reload: %v", err)
		}
	}
	// A new subscription makes the cycle build a new list.
	if _, err := db.AddSubscription(ctx, model.Subscription{Chat: "telegram:5", Query: "Kyiv"}); err != nil {
		t.Fatal(err)
	}
	st.armed.Store(true)
	if err := eng.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got := eng.Config(); got != &next {
		t.Fatalf("after a reload during the poll cycle the config in force has %d watches; want the reloaded one (%d)", len(got.Watches), len(next.Watches))
	}
	if got := eng.Watchlist().Config(); got != &next {
		t.Fatal("the watchlist in force was compiled from the old config")
	}
}

// A chat-added feed that is a config feed spelt differently (host case, a
// trailing slash) is polled once, as the config's.
func TestFeedPolledOnceUnderTwoSpellings(t *testing.T) {
	ctx := context.Background()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<rss version="2.0"><channel><title>T</title></channel></rss>`)
	}))
	defer srv.Close()
	cfg := testConfig(t, srv.URL, filepath.Join(t.TempDir(), "nh.db"), 0)
	cfg.Security.AllowPrivateFeeds = true // the chat feed may reach the loopback server
	db, err := sqlite.Open(ctx, cfg.Store.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.AddChatFeed(ctx, model.ChatFeed{URL: strings.Replace(srv.URL, "http://", "HTTP://", 1) + "/"}); err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(engine.Options{Config: cfg, Store: db})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("the feed was fetched %d times in one cycle; want once", n)
	}
}
