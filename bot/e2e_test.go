package bot_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newshound/newshound/bot"
	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/engine"
	"github.com/newshound/newshound/feeds"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/store/sqlite"
)

// recorder is a notify.Sender that remembers what it was given.
type recorder struct {
	mu   sync.Mutex
	sent []model.Alert
}

func (r *recorder) Send(_ context.Context, a model.Alert) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, a)
	return nil
}

// take returns and forgets the alerts sent to dest so far.
func (r *recorder) take(dest model.Destination) []model.Alert {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out, keep []model.Alert
	for _, a := range r.sent {
		if a.Destination == dest {
			out = append(out, a)
		} else {
			keep = append(keep, a)
		}
	}
	r.sent = keep
	return out
}

// wire serves an RSS feed whose items the test adds to.
type wire struct {
	mu    sync.Mutex
	items []string // "guid|title"
}

func (w *wire) add(items ...string) {
	w.mu.Lock()
	w.items = append(w.items, items...)
	w.mu.Unlock()
}

func (w *wire) ServeHTTP(rw http.ResponseWriter, _ *http.Request) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Wire</title>`)
	for i, it := range w.items {
		guid, title, _ := strings.Cut(it, "|")
		pub := time.Date(2026, 11, 1, 12, i, 0, 0, time.UTC).Format(time.RFC1123Z)
		fmt.Fprintf(&b, `<item><guid isPermaLink="false">%s</guid><title>%s</title><link>https://wire.example/%s</link><pubDate>%s</pubDate></item>`, guid, title, guid, pub)
	}
	b.WriteString(`</channel></rss>`)
	rw.Header().Set("Content-Type", "application/rss+xml")
	fmt.Fprint(rw, b.String())
}

func watchNames(a model.Alert) []string {
	var out []string
	for _, w := range a.Watches {
		out = append(out, w.Name)
	}
	return out
}

// TestChatCommandsDriveRouting runs the command core and the engine on one
// store: subscriptions made in chat route alerts, a chat reached by a config
// route and by its own subscriptions gets one alert per story, and a muted
// chat's alerts are held until /unmute.
func TestChatCommandsDriveRouting(t *testing.T) {
	ctx := context.Background()
	feed := &wire{}
	feed.add("old-1|Cozy Bear story from before")
	srv := httptest.NewServer(feed)
	defer srv.Close()

	dbPath := filepath.Join(t.TempDir(), "nh.db")
	cfg, err := config.Parse(fmt.Appendf(nil, `
store:
  path: %s
feeds:
  - url: %s/rss
    name: Wire
entities:
  russia: [Russia, Russian, Kremlin]
watches:
  - name: apt29
    query: 'actor:APT29'
  - name: russia-azerbaijan
    query: '(actor:russia OR Moscow) AND (Azerbaijan OR Baku)'
routes:
  - watches: [apt29]
    to: ["telegram:-100500"]
admins:
  telegram: [1001]
`, dbPath, srv.URL), "e2e.yaml")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rec := &recorder{}
	eng, err := engine.New(engine.Options{Config: cfg, Store: db, Senders: map[string]notify.Sender{"telegram": rec, "console": rec}})
	if err != nil {
		t.Fatal(err)
	}
	var wakes atomic.Int32
	core := bot.New(bot.Deps{Store: db, Watchlist: eng.Watchlist(), Fetcher: bot.FeedFetcher{F: feeds.NewFetcher(feeds.Options{})},
		Wake: func() { wakes.Add(1); eng.Dispatcher().Wake() }})
	say := func(chat string, kind bot.ChatKind, user, cmd, args string) string {
		t.Helper()
		return core.Handle(ctx, bot.Request{Platform: "telegram", Chat: model.Destination(chat), Kind: kind, UserID: user, Command: cmd, Args: args,
			IsChatAdmin: func(context.Context) (bool, error) { return true, nil }}).Text
	}

	// First poll: the feed's current items are remembered, not alerted.
	if err := eng.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	rec.take("telegram:-100500")

	const group, alice, bob = "telegram:-100500", "telegram:3003", "telegram:4004"
	for _, c := range []struct{ chat, cmd, args, want string }{
		{group, "subscribe", "apt29", "Subscribed"},
		{group, "watch", `"Cozy Bear" OR Baku`, "Subscribed"},
		{alice, "subscribe", "russia-azerbaijan", "Subscribed"},
		{bob, "watch", "Kyiv", "Subscribed"},
		{bob, "mute", "1h", "Muted"},
	} {
		kind := bot.ChatPrivate
		if c.chat == group {
			kind = bot.ChatGroup
		}
		if got := say(c.chat, kind, "42", c.cmd, c.args); !strings.Contains(got, c.want) {
			t.Fatalf("/%s %s in %s: %s", c.cmd, c.args, c.chat, got)
		}
	}

	feed.add("new-1|Cozy Bear hackers hit Baku ministry, Moscow denies", "new-2|Kyiv metro reopens")
	if err := eng.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	got := rec.take(group)
	if len(got) != 1 {
		t.Fatalf("group got %d alerts, want one per story: %+v", len(got), got)
	}
	names := watchNames(got[0])
	t.Logf("group alert: %q watches %v", got[0].Title, names)
	if !slices.Contains(names, "apt29") || len(names) < 2 {
		t.Errorf("group alert lists watches %v, want apt29 and the chat's own query", names)
	}
	if a := rec.take(alice); len(a) != 1 || !strings.Contains(a[0].Title, "Baku") || !slices.Contains(watchNames(a[0]), "russia-azerbaijan") {
		t.Errorf("alice got %+v, want the Baku story for russia-azerbaijan", a)
	}
	if b := rec.take(bob); len(b) != 0 {
		t.Errorf("muted bob got %+v", b)
	}

	// /status sees bob's alert held for him.
	if st := say(bob, bot.ChatPrivate, "4004", "status", ""); !strings.Contains(st, "Held for a digest: 1") {
		t.Errorf("/status while muted: %s", st)
	}
	if got := say(bob, bot.ChatPrivate, "4004", "unmute", ""); !strings.Contains(got, "Unmuted") {
		t.Fatal(got)
	}
	if wakes.Load() != 1 {
		t.Errorf("/unmute woke the dispatcher %d times, want 1", wakes.Load())
	}
	// The held alerts arrive as one digest (issue 15), not one by one.
	if err := eng.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if b := rec.take(bob); len(b) != 1 || len(b[0].Digest) != 1 || len(b[0].Digest[0].Stories) != 1 || !strings.Contains(b[0].Digest[0].Stories[0].Title, "Kyiv") {
		t.Errorf("after /unmute bob got %+v, want one digest with the held Kyiv alert", b)
	}

	// Unsubscribing in chat stops the routing (the config route stays).
	say(group, bot.ChatGroup, "42", "unsubscribe", "apt29")
	say(alice, bot.ChatPrivate, "3003", "unsubscribe", "russia-azerbaijan")
	feed.add("new-3|Baku and Moscow sign deal; Midnight Blizzard quiet")
	if err := eng.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if a := rec.take(alice); len(a) != 0 {
		t.Errorf("alice still alerted after /unsubscribe: %+v", a)
	}
	if g := rec.take(group); len(g) != 1 {
		t.Errorf("group got %d alerts for the third story, want 1 (route + own query)", len(g))
	}
}

// TestExplicitOffBeatsConfigDefault: a chat's "/digest off" and "/quiet off"
// outlive a reload of a config whose destinations: section gives that chat a
// digest and quiet hours, and /status says the default is overridden; a
// default no chat overrode follows the config when it changes.
func TestExplicitOffBeatsConfigDefault(t *testing.T) {
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "nh.db")
	const chat, other = "telegram:-100600", "telegram:-100601"
	load := func(otherDigest string) *config.Config {
		t.Helper()
		otherLine := fmt.Sprintf("%q: {digest: %q}", other, otherDigest)
		if otherDigest == "" {
			otherLine = ""
		}
		cfg, err := config.Parse(fmt.Appendf(nil, `
store:
  path: %s
watches:
  - name: apt29
    query: 'actor:APT29'
routes:
  - watches: [apt29]
    to: [%q, %q]
destinations:
  %q: {digest: "08:00 Europe/Kyiv", quiet: "22:00-07:00"}
  %s
`, dbPath, chat, other, chat, otherLine), "defaults.yaml")
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	db, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rec := &recorder{}
	eng, err := engine.New(engine.Options{Config: load("08:00"), Store: db, Senders: map[string]notify.Sender{"telegram": rec, "console": rec}})
	if err != nil {
		t.Fatal(err)
	}
	core := bot.New(bot.Deps{Store: db, Watchlist: eng.Watchlist(), Fetcher: bot.FeedFetcher{F: feeds.NewFetcher(feeds.Options{})}})
	say := func(cmd, args string) string {
		t.Helper()
		return core.Handle(ctx, bot.Request{Platform: "telegram", Chat: chat, Kind: bot.ChatGroup, UserID: "42", Command: cmd, Args: args,
			IsChatAdmin: func(context.Context) (bool, error) { return true, nil }}).Text
	}
	delivery := func(dest model.Destination) model.Delivery {
		t.Helper()
		d, err := db.Delivery(ctx, dest)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if d := delivery(chat); !d.Digest.On || !d.Quiet.On {
		t.Fatalf("config defaults not applied at start: %+v", d)
	}
	if got := say("digest", "off"); !strings.Contains(got, "Digest off") || !strings.Contains(got, "config default (08:00 Europe/Kyiv)") {
		t.Errorf("/digest off: %s", got)
	}
	if got := say("quiet", "off"); !strings.Contains(got, "Quiet hours off") || !strings.Contains(got, "config default (22:00-07:00 UTC)") {
		t.Errorf("/quiet off: %s", got)
	}
	if err := eng.Reload(ctx, load("09:30")); err != nil {
		t.Fatal(err)
	}
	if d := delivery(chat); d.Digest.On || d.Quiet.On || !d.DigestNext.IsZero() || !d.QuietFrom.IsZero() {
		t.Errorf("after a reload the config defaults came back over /digest off and /quiet off: %+v", d)
	}
	st := say("status", "")
	for _, want := range []string{"Digest: off (config default 08:00 Europe/Kyiv overridden by /digest off)",
		"Quiet hours: off (config default 22:00-07:00 UTC overridden by /quiet off)"} {
		if !strings.Contains(st, want) {
			t.Errorf("/status lacks %q:\n%s", want, st)
		}
	}
	if d := delivery(other); d.Digest.String() != "09:30 UTC" {
		t.Errorf("a default no chat overrode = %s after the config changed it to 09:30", d.Digest)
	}
	// A chat's own time, too, beats the default, and /status names both.
	if got := say("digest", "07:15"); !strings.Contains(got, "Digest on") {
		t.Fatal(got)
	}
	if err := eng.Reload(ctx, load("09:30")); err != nil {
		t.Fatal(err)
	}
	if d := delivery(chat); d.Digest.String() != "07:15 UTC" {
		t.Errorf("chat's /digest 07:15 after a reload = %s", d.Digest)
	}
	if st := say("status", ""); !strings.Contains(st, "(config default 08:00 Europe/Kyiv overridden by /digest)") {
		t.Errorf("/status after /digest 07:15:\n%s", st)
	}
	// A default the config drops goes, where no chat chose its own.
	if err := eng.Reload(ctx, load("")); err != nil {
		t.Fatal(err)
	}
	if d := delivery(other); d.Digest.On || !d.DigestNext.IsZero() {
		t.Errorf("a default the config dropped stays: %+v", d)
	}
	if d := delivery(chat); d.Digest.String() != "07:15 UTC" {
		t.Errorf("chat's own digest after another default went: %s", d.Digest)
	}
}
