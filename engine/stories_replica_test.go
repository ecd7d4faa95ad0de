package engine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/engine"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/notify/telegram"
	"github.com/newshound/newshound/notify/telegram/telegramtest"
	"github.com/newshound/newshound/store/postgres"
	"github.com/newshound/newshound/store/postgres/pgtest"
)

// Two replicas on one PostgreSQL store, both started before any story: one
// sees feed A's report of an event and alerts it, the other sees feed B's
// report of the same event later, and edits that alert instead of sending
// a second one (it catches up with the first replica's story records
// before deciding). Then the first replica sees a third outlet's report
// of it: again an edit, now naming both; and another event of the same
// actor is a message of its own.
func TestReplicasShareStories(t *testing.T) {
	dsn := pgtest.DSN(t)
	tg := telegramtest.NewServer(tgToken)
	t.Cleanup(tg.Close)
	a, b, c := newFeedServer(t), newFeedServer(t), newFeedServer(t)
	cfg, err := config.Parse(fmt.Appendf(nil, `
poll:
  backfill: 10
  fulltext: never
  interval: 5m
feeds:
  - {url: %s, name: Wire A}
  - {url: %s, name: Wire B}
  - {url: %s, name: Wire C}
watches:
  - name: apt29
    query: 'actor:APT29'
routes:
  - watches: [apt29]
    to: ["telegram:%s"]
`, a.srv.URL, b.srv.URL, c.srv.URL, tgChat), "replicas.yaml")
	if err != nil {
		t.Fatal(err)
	}
	clock := &storyClock{t: time.Now().Add(time.Hour)}
	replica := func(name string) *engine.Engine {
		db, err := postgres.Open(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		bot, err := telegram.New(t.Context(), telegram.Options{Token: tgToken, API: tg.URL(), Now: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		eng, err := engine.New(engine.Options{Config: cfg, Store: db, Senders: map[string]notify.Sender{"telegram": bot},
			Holder: name, Now: clock.Now, After: clock.After})
		if err != nil {
			t.Fatal(err)
		}
		return eng
	}
	r1, r2 := replica("r1"), replica("r2")
	run := func(eng *engine.Engine) {
		t.Helper()
		if err := eng.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		clock.After(10 * time.Minute) // past the edit gap and the feeds' interval
	}
	want := func(when string, sent, edits int) {
		t.Helper()
		if got := len(tg.Sent()); got != sent {
			t.Errorf("%s: %d messages sent, want %d: %+v", when, got, sent, tg.Sent())
		}
		if got := len(tg.Edits()); got != edits {
			t.Errorf("%s: %d edits, want %d: %+v", when, got, edits, tg.Edits())
		}
	}

	a.add("a1|" + eventA + "|https://a.example/1")
	run(r1)
	want("first report, on replica 1", 1, 0)

	b.add("b1|" + eventA2 + "|https://b.example/1")
	run(r2)
	want("the same event from feed B, on replica 2", 1, 1)
	if e := tg.Edits(); len(e) == 1 && (e[0].MessageID != 1 || !strings.Contains(e[0].Visible, "Also reported by: Wire B")) {
		t.Errorf("edit = %+v, want message 1 naming Wire B", e[0])
	}

	c.add("c1|" + "Midnight Blizzard accessed senior staff email accounts, Microsoft says" + "|https://c.example/1")
	run(r1)
	want("a third outlet, back on replica 1", 1, 2)
	if e := tg.Edits(); len(e) == 2 && (e[1].MessageID != 1 || !strings.Contains(e[1].Visible, "Wire B") || !strings.Contains(e[1].Visible, "Wire C")) {
		t.Errorf("second edit = %+v, want message 1 naming Wire B and Wire C", e[1])
	}

	b.add("b2|" + eventB + "|https://b.example/2")
	run(r2)
	want("another event of the same actor, on replica 2", 2, 2)
}
