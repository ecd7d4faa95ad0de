package engine_test

import (
	"context"
	"fmt"
	"io"
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
	"github.com/newshound/newshound/model"
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

// linkHub is a loopback publisher whose feeds advertise their hub only in
// the HTTP Link header (no atom:link in the documents), and that hub: it
// answers 202 and hands each request's form to the test.
type linkHub struct {
	feeds *httptest.Server
	hub   *httptest.Server
	reqs  chan url.Values
}

func newLinkHub(t *testing.T) *linkHub {
	l := &linkHub{reqs: make(chan url.Values, 8)}
	l.hub = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		w.WriteHeader(http.StatusAccepted)
		l.reqs <- r.PostForm
	}))
	l.feeds = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Link", fmt.Sprintf(`<%s>; rel="hub", <%s>; rel="self"`, l.hub.URL, r.URL.Path+".topic"))
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>Wire %s</title><item><guid>%s-1</guid><title>Weather is fine</title></item></channel></rss>`, r.URL.Path, r.URL.Path)
	}))
	t.Cleanup(l.feeds.Close)
	t.Cleanup(l.hub.Close)
	return l
}

// next returns the hub's next request.
func (l *linkHub) next(t *testing.T) url.Values {
	t.Helper()
	select {
	case f := <-l.reqs:
		return f
	default:
		t.Fatal("the hub got no request")
		return nil
	}
}

// hubGet plays the hub's verification GET on a callback.
func hubGet(t *testing.T, callback string, q url.Values) (int, string) {
	t.Helper()
	resp, err := http.Get(callback + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// hubPush plays a signed delivery and returns the callback's status.
func hubPush(t *testing.T, callback, secret, body string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, callback, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/rss+xml")
	req.Header.Set("X-Hub-Signature", websub.Sign(secret, []byte(body)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestWebSubLinkHeaderAndUnsubscribe: feeds that advertise their hub only
// in the Link header are subscribed with the header's self URL as topic;
// a config feed dropped by a reload and a chat feed removed (as /rmfeed,
// the console and `feed rm` do) are unsubscribed at the next tick, the
// hub's unsubscribe challenge is answered, their rows deleted, and pushes
// for them refused.
func TestWebSubLinkHeaderAndUnsubscribe(t *testing.T) {
	ctx := context.Background()
	l := newLinkHub(t)
	var eng *engine.Engine
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { eng.WebSub().ServeHTTP(w, r) }))
	defer cb.Close()
	dbPath := filepath.Join(t.TempDir(), "ws.db")
	configFeed, chatFeed := l.feeds.URL+"/config", l.feeds.URL+"/chat"
	mkConfig := func(feedURL string) *config.Config {
		cfg := testConfig(t, feedURL, dbPath, 0)
		cfg.Poll.Fulltext = config.FulltextNever
		cfg.HTTP.PublicURL = cb.URL
		cfg.Security.AllowPrivateFeeds = true // the chat feed is on loopback
		return cfg
	}
	db, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.AddChatFeed(ctx, model.ChatFeed{URL: chatFeed, AddedBy: "test", AddedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	eng, err = engine.New(engine.Options{Config: mkConfig(configFeed), Store: db, Senders: map[string]notify.Sender{"console": discard{}}})
	if err != nil {
		t.Fatal(err)
	}
	cycle := func() {
		t.Helper()
		if err := eng.PollCycle(ctx, true); err != nil {
			t.Fatal(err)
		}
		eng.WaitWebSub()
	}
	rows := func() map[string]string {
		subs, err := db.WebSubs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, s := range subs {
			out[s.Feed] = s.State
		}
		return out
	}

	cycle()
	forms := map[string]url.Values{}
	for range 2 {
		f := l.next(t)
		if f.Get("hub.mode") != "subscribe" {
			t.Fatalf("form %v", f)
		}
		forms[f.Get("hub.topic")] = f
	}
	for _, topic := range []string{configFeed + ".topic", chatFeed + ".topic"} {
		f, ok := forms[topic]
		if !ok {
			t.Fatalf("no subscription for the header's self URL %s: %v", topic, forms)
		}
		if status, body := hubGet(t, f.Get("hub.callback"), url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic},
			"hub.challenge": {"hi"}, "hub.lease_seconds": {"86400"}}); status != 200 || body != "hi" {
			t.Fatalf("verification of %s: %d %q", topic, status, body)
		}
	}
	cfgSub, chatSub := forms[configFeed+".topic"], forms[chatFeed+".topic"]
	cycle()
	if len(l.reqs) != 0 {
		t.Fatalf("a tick with every feed still polled sent %v", l.next(t))
	}

	// The config feed leaves the config.
	if err := eng.Reload(ctx, mkConfig(l.feeds.URL+"/other")); err != nil {
		t.Fatal(err)
	}
	cycle()
	var un url.Values
	for range 2 { // /other subscribes too
		if f := l.next(t); f.Get("hub.mode") == "unsubscribe" {
			un = f
		}
	}
	if un == nil || un.Get("hub.topic") != configFeed+".topic" || un.Get("hub.callback") != cfgSub.Get("hub.callback") {
		t.Fatalf("unsubscribe of the removed config feed: %v", un)
	}
	if status := hubPush(t, cfgSub.Get("hub.callback"), cfgSub.Get("hub.secret"), "<rss/>"); status != http.StatusGone {
		t.Errorf("a push for the removed feed answered %d, want 410", status)
	}
	if status, body := hubGet(t, un.Get("hub.callback"), url.Values{"hub.mode": {"unsubscribe"}, "hub.topic": {un.Get("hub.topic")},
		"hub.challenge": {"bye"}}); status != 200 || body != "bye" {
		t.Fatalf("the hub's unsubscribe challenge: %d %q", status, body)
	}
	if r := rows(); r[configFeed] != "" || r[chatFeed] != "active" {
		t.Errorf("rows after the config feed's unsubscribe: %v", r)
	}
	if status := hubPush(t, cfgSub.Get("hub.callback"), cfgSub.Get("hub.secret"), "<rss/>"); status != http.StatusNotFound {
		t.Errorf("a push after the unsubscribe answered %d, want 404", status)
	}

	// The chat feed is removed (/rmfeed). Until the next tick its pushes
	// are refused by the engine, then it is unsubscribed.
	if ok, err := db.RemoveChatFeed(ctx, chatFeed); err != nil || !ok {
		t.Fatalf("RemoveChatFeed = %v, %v", ok, err)
	}
	body := `<rss version="2.0"><channel><title>t</title><item><guid>p</guid><title>APT29 pushed</title></item></channel></rss>`
	if status := hubPush(t, chatSub.Get("hub.callback"), chatSub.Get("hub.secret"), body); status != http.StatusGone {
		t.Errorf("a push for a removed chat feed answered %d, want 410", status)
	}
	cycle()
	un = l.next(t)
	if un.Get("hub.mode") != "unsubscribe" || un.Get("hub.topic") != chatFeed+".topic" {
		t.Fatalf("unsubscribe of the removed chat feed: %v", un)
	}
	if status, body := hubGet(t, un.Get("hub.callback"), url.Values{"hub.mode": {"unsubscribe"}, "hub.topic": {un.Get("hub.topic")},
		"hub.challenge": {"bye2"}}); status != 200 || body != "bye2" {
		t.Fatalf("the hub's unsubscribe challenge: %d %q", status, body)
	}
	if r := rows(); r[chatFeed] != "" || r[configFeed] != "" {
		t.Errorf("rows after both unsubscribes: %v", r)
	}
	qs, err := db.QueueStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if qs.Pending != 0 {
		t.Errorf("a refused push queued %d alerts", qs.Pending)
	}
}
