package engine_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/engine"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/notify/telegram"
	"github.com/newshound/newshound/notify/telegram/telegramtest"
	"github.com/newshound/newshound/store/sqlite"
)

const (
	tgToken = "123456789:AAF-storiesTEST_abcdefghijklmnopqrstu"
	tgChat  = "-1001234567890"
	// Two outlets' headlines of one event, and another event of the same actor.
	eventA  = "Microsoft says Midnight Blizzard accessed senior staff email accounts"
	eventA2 = "UPDATE 1-Microsoft says Midnight Blizzard accessed senior staff email accounts"
	eventB  = "APT29 breached a cloud provider to reach government tenants"
)

// storyClock is the engine's and the dispatcher's clock: After advances it
// instead of waiting, so a retry_after is waited out without sleeping.
type storyClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *storyClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *storyClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	ch := make(chan time.Time, 1)
	ch <- c.t
	return ch
}

// storyRig is two outlets' feeds, the fake Bot API and a store on disk.
type storyRig struct {
	tg     *telegramtest.Server
	a, b   *feedServer
	cfg    *config.Config
	clock  *storyClock
	dbPath string
}

func newStoryRig(t *testing.T, watchExtra string) *storyRig {
	t.Helper()
	r := &storyRig{tg: telegramtest.NewServer(tgToken), a: newFeedServer(t), b: newFeedServer(t), dbPath: filepath.Join(t.TempDir(), "nh.db")}
	t.Cleanup(r.tg.Close)
	// Ahead of the wall clock, which the store's own timestamps follow:
	// what the store queued is due on the engine's clock.
	r.clock = &storyClock{t: time.Now().Add(time.Hour)}
	yaml := fmt.Sprintf(`
poll:
  backfill: 10
store:
  path: %s
feeds:
  - {url: %s, name: Wire A}
  - {url: %s, name: Wire B}
watches:
  - name: apt29
    query: 'actor:APT29'
%s
routes:
  - watches: [apt29]
    to: ["telegram:%s"]
telegram:
  token: "%s"
  api: %s
`, r.dbPath, r.a.srv.URL, r.b.srv.URL, watchExtra, tgChat, tgToken, r.tg.URL())
	cfg, err := config.Parse([]byte(yaml), "test.yaml")
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	r.cfg = cfg
	return r
}

// run is one `newshound run --once` of a fresh daemon: the store reopened,
// a new engine (so every run is also a restart).
func (r *storyRig) run(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, r.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	bot, err := telegram.New(ctx, telegram.Options{Token: tgToken, API: r.tg.URL(), Now: r.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(engine.Options{Config: r.cfg, Store: db, Senders: map[string]notify.Sender{"telegram": bot},
		Now: r.clock.Now, After: r.clock.After})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
}

func (r *storyRig) want(t *testing.T, when string, sent, edits int) {
	t.Helper()
	if got := len(r.tg.Sent()); got != sent {
		t.Errorf("%s: %d messages sent, want %d: %+v", when, got, sent, r.tg.Sent())
	}
	if got := len(r.tg.Edits()); got != edits {
		t.Errorf("%s: %d edits, want %d: %+v", when, got, edits, r.tg.Edits())
	}
}

// One news event from two outlets is one Telegram message, edited once to
// name the second outlet, across a restart between the two reports; another
// event of the same actor is a message of its own.
func TestStoryAcrossOutletsEditsFirstAlert(t *testing.T) {
	r := newStoryRig(t, "")
	r.a.add("a1|" + eventA + "|https://a.example/1")
	r.run(t)
	r.want(t, "first report", 1, 0)

	r.b.add("b1|" + eventA2 + "|https://b.example/1")
	r.run(t) // a restart between the two reports
	r.want(t, "same event on feed B", 1, 1)
	if e := r.tg.Edits(); len(e) == 1 {
		if e[0].MessageID != 1 || !strings.Contains(e[0].Visible, "Also reported by: Wire B") || !strings.Contains(e[0].Visible, eventA) {
			t.Errorf("edit = %+v, want message 1 keeping its title and naming Wire B", e[0])
		}
	}

	r.run(t)
	r.want(t, "nothing new", 1, 1)

	r.a.add("a2|" + eventB + "|https://a.example/2")
	r.run(t)
	r.want(t, "another event of the same actor", 2, 1)
}

// An edit answered 429 waits retry_after on the dispatcher's clock, then
// lands once.
func TestStoryEditWaitsOutRetryAfter(t *testing.T) {
	r := newStoryRig(t, "")
	r.a.add("a1|" + eventA + "|https://a.example/1")
	r.run(t)
	r.tg.FailCall("editMessageText", telegramtest.APIError(429, "Too Many Requests: retry after 5", map[string]any{"retry_after": 5}))
	r.b.add("b1|" + eventA2 + "|https://b.example/1")
	r.run(t)
	r.want(t, "answered 429", 1, 0)
	r.clock.After(4 * time.Second)
	r.run(t)
	if calls := len(r.tg.Calls("editMessageText")); calls != 1 {
		t.Errorf("4s after a retry_after of 5: editMessageText called %d times, want 1 (the 429 only)", calls)
	}
	r.clock.After(time.Second)
	r.run(t)
	r.want(t, "after retry_after", 1, 1)
	if calls := len(r.tg.Calls("editMessageText")); calls != 2 {
		t.Errorf("editMessageText called %d times, want 2 (the 429, then the edit)", calls)
	}
}

// min_outlets: 2 holds the alert until a second outlet reports the story,
// then sends one alert naming both.
func TestStoryMinOutlets(t *testing.T) {
	r := newStoryRig(t, "    min_outlets: 2")
	r.a.add("a1|" + eventA + "|https://a.example/1")
	r.run(t)
	r.want(t, "one outlet", 0, 0)
	r.b.add("b1|" + eventA2 + "|https://b.example/1")
	r.run(t)
	r.want(t, "two outlets", 1, 0)
	if s := r.tg.Sent(); len(s) == 1 && (!strings.Contains(s[0].Visible, "Wire A") || !strings.Contains(s[0].Visible, "Also reported by: Wire B")) {
		t.Errorf("alert = %q, want it to name Wire A and Wire B", s[0].Visible)
	}
}

// The daemon's story index folds an actor's aliases through the watchlist's
// registry: "Cozy Bear" on one outlet and "APT29" on another are one story
// (one message, one edit), which the words alone would not make of them.
func TestStoryAliasesAreOneActor(t *testing.T) {
	r := newStoryRig(t, "")
	r.a.add("a1|Cozy Bear hackers breach TeamViewer network|https://a.example/1")
	r.run(t)
	r.want(t, "first report", 1, 0)
	r.b.add("b1|APT29 breaches TeamViewer corporate network|https://b.example/1")
	r.run(t)
	r.want(t, "the same event under another name", 1, 1)
}
