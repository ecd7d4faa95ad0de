package engine_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/engine"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/store/sqlite"
	"github.com/newshound/newshound/websub"
)

// hubFeed serves an RSS feed that advertises a hub, and plays that hub:
// subscribe requests are answered 202 and handed to the test.
type hubFeed struct {
	mu    sync.Mutex
	items []string // "guid|title"
	feed  *httptest.Server
	hub   *httptest.Server
	subs  chan url.Values
}

func newHubFeed(t *testing.T, items ...string) *hubFeed {
	h := &hubFeed{items: items, subs: make(chan url.Values, 4)}
	h.feed = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, h.body())
	}))
	h.hub = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		w.WriteHeader(http.StatusAccepted)
		h.subs <- r.PostForm
	}))
	t.Cleanup(h.feed.Close)
	t.Cleanup(h.hub.Close)
	return h
}

func (h *hubFeed) body(extra ...string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, `<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>Hub Wire</title><link>%s</link>`+
		`<atom:link rel="hub" href="%s"/><atom:link rel="self" href="%s/feed"/>`, h.feed.URL, h.hub.URL, h.feed.URL)
	for _, it := range append(extra, h.items...) {
		p := strings.SplitN(it, "|", 2)
		fmt.Fprintf(&b, `<item><guid isPermaLink="false">%s</guid><title>%s</title><link>https://news.example/%s</link></item>`, p[0], p[1], p[0])
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}

// TestWebSubPushIngestedLikeAPoll subscribes a feed at a loopback hub,
// pushes to the daemon's callback, and checks that a push queues the same
// alert once, a badly signed one nothing, that the feed is polled only as
// a safety net meanwhile, and back at its own interval once pushes stop.
func TestWebSubPushIngestedLikeAPoll(t *testing.T) {
	ctx := context.Background()
	h := newHubFeed(t, "old|Weather is fine")
	var eng *engine.Engine
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { eng.WebSub().ServeHTTP(w, r) }))
	defer cb.Close()
	cfg := testConfig(t, h.feed.URL+"/feed", filepath.Join(t.TempDir(), "ws.db"), 0)
	cfg.Poll.Fulltext = config.FulltextNever // a push is checked against a poll, not against an article
	cfg.HTTP.PublicURL = cb.URL
	db, err := sqlite.Open(ctx, cfg.Store.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	eng, err = engine.New(engine.Options{Config: cfg, Store: db, Senders: map[string]notify.Sender{"console": discard{}}})
	if err != nil {
		t.Fatal(err)
	}
	feedURL := cfg.Feeds[0].URL
	nextPollIn := func() time.Duration {
		st, _, err := db.FeedState(ctx, feedURL)
		if err != nil {
			t.Fatal(err)
		}
		return time.Until(st.NextPoll)
	}
	pending := func() int {
		qs, err := db.QueueStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return qs.Pending
	}

	if err := eng.PollCycle(ctx, true); err != nil {
		t.Fatal(err)
	}
	eng.WaitWebSub()
	var form url.Values
	select {
	case form = <-h.subs:
	default:
		t.Fatal("the feed's hub got no subscribe request")
	}
	if form.Get("hub.topic") != h.feed.URL+"/feed" || !strings.HasPrefix(form.Get("hub.callback"), cb.URL+websub.Path) {
		t.Fatalf("subscribe form %v", form)
	}
	resp, err := http.Get(form.Get("hub.callback") + "?" + url.Values{"hub.mode": {"subscribe"}, "hub.topic": {form.Get("hub.topic")},
		"hub.challenge": {"ch"}, "hub.lease_seconds": {"86400"}}.Encode())
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("verification: %v %v", resp, err)
	}
	resp.Body.Close()

	// With pushes expected, a poll schedules the next one at max_interval.
	if err := eng.PollCycle(ctx, true); err != nil {
		t.Fatal(err)
	}
	if got := nextPollIn(); got < cfg.Poll.MaxInterval/2 {
		t.Errorf("next poll in %s with an active subscription, want about poll.max_interval %s", got, cfg.Poll.MaxInterval)
	}

	push := func(body, sig string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, form.Get("hub.callback"), strings.NewReader(body))
		req.Header.Set("Content-Type", "application/rss+xml")
		req.Header.Set("X-Hub-Signature", sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			t.Fatalf("push answered %d", resp.StatusCode)
		}
	}
	bad := h.body("forged|APT29 forged story")
	push(bad, websub.Sign("guess", []byte(bad)))
	if n := pending(); n != 0 {
		t.Fatalf("a badly signed push queued %d alerts", n)
	}
	good := h.body("new|APT29 breaks into a ministry")
	for range 2 {
		push(good, websub.Sign(form.Get("hub.secret"), []byte(good)))
		if n := pending(); n != 1 {
			t.Fatalf("after a signed push: %d alerts queued, want 1 (same dedup as a poll)", n)
		}
	}
	// The publisher's feed has the story too: the safety-net poll finds
	// nothing new, and the subscription stays active.
	h.mu.Lock()
	h.items = append([]string{"new|APT29 breaks into a ministry"}, h.items...)
	h.mu.Unlock()
	if err := eng.PollCycle(ctx, true); err != nil {
		t.Fatal(err)
	}
	if n := pending(); n != 1 {
		t.Fatalf("the poll after the push queued again: %d alerts", n)
	}
	if got := nextPollIn(); got < cfg.Poll.MaxInterval/2 {
		t.Errorf("subscription lost though the push brought everything: next poll in %s", got)
	}
	// Pushes stop: the next poll finds an item no push brought, alerts on
	// it, and the feed goes back to its own interval.
	h.mu.Lock()
	h.items = append([]string{"missed|APT29 again"}, h.items...)
	h.mu.Unlock()
	if err := eng.PollCycle(ctx, true); err != nil {
		t.Fatal(err)
	}
	eng.WaitWebSub()
	if n := pending(); n != 2 {
		t.Fatalf("the missed item: %d alerts queued, want 2", n)
	}
	if got := nextPollIn(); got > cfg.Poll.MaxInterval/2 {
		t.Errorf("pushes stopped but the next poll is in %s", got)
	}
}
