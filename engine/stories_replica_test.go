package engine_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/engine"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/notify/telegram"
	"github.com/newshound/newshound/notify/telegram/telegramtest"
	"github.com/newshound/newshound/store"
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

// Two replicas deciding reports of one event at the same moment: replica 1
// polls only feed A, replica 2 only feed B, the two feeds gain a report of
// one event together, and both replicas poll at once. Their stores hold
// each ingest that records a story until the other replica has got as
// far, either its own ingest (it has decided) or waiting for the story
// lock: without the lock both decide before either commits, whatever the
// scheduling, and the event alerts twice; with it, the second to take the
// lock reads the first's record and reports the same story. Every round
// must be one message, naming the other outlet (as sent, when both
// reports were recorded before it was read, or through its edit). Between rounds the clock moves past the story
// and title windows, so each round's event is new.
func TestReplicasDecideTogether(t *testing.T) {
	dsn := pgtest.DSN(t)
	tg := telegramtest.NewServer(tgToken)
	t.Cleanup(tg.Close)
	a, b := newFeedServer(t, "wa|Weather: a mild week ahead|https://a.example/w"), newFeedServer(t, "wb|Markets close flat|https://b.example/w")
	clock := &storyClock{t: time.Now().Add(time.Hour)}
	gate := &decideGate{t: t, changed: make(chan struct{})}
	replica := func(i int, feed *feedServer, name string) *engine.Engine {
		cfg, err := config.Parse(fmt.Appendf(nil, `
poll:
  backfill: 10
  fulltext: never
  interval: 5m
feeds:
  - {url: %s, name: %s}
watches:
  - name: apt29
    query: 'actor:APT29'
routes:
  - watches: [apt29]
    to: ["telegram:%s"]
`, feed.srv.URL, name, tgChat), "replica.yaml")
		if err != nil {
			t.Fatal(err)
		}
		db, err := postgres.Open(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		bot, err := telegram.New(t.Context(), telegram.Options{Token: tgToken, API: tg.URL(), Now: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		eng, err := engine.New(engine.Options{Config: cfg, Store: &gatedStore{Store: db, gate: gate, i: i},
			Senders: map[string]notify.Sender{"telegram": bot}, Holder: fmt.Sprintf("r%d", i+1), Now: clock.Now, After: clock.After})
		if err != nil {
			t.Fatal(err)
		}
		return eng
	}
	r1, r2 := replica(0, a, "Wire A"), replica(1, b, "Wire B")
	run := func(eng *engine.Engine) {
		t.Helper()
		if err := eng.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	// First polls: the feeds' backlogs, which alert nobody.
	run(r1)
	run(r2)
	places := []string{"Redmond", "Dublin", "Singapore", "Sydney", "Toronto", "Madrid", "Warsaw", "Nairobi", "Osaka", "Lima"}
	rounds := len(places)
	for round := range rounds {
		clock.After(100 * time.Hour) // past stories.window: the last round's story is evicted
		// A title of its own each round: the store's title dedup runs on
		// its own clock, which the fake one does not move.
		where := places[round%len(places)]
		a.add(fmt.Sprintf("a%d|%s in %s|https://a.example/%d", round, eventA, where, round))
		b.add(fmt.Sprintf("b%d|%s in %s|https://b.example/%d", round, eventA2, where, round))
		gate.arm()
		var wg sync.WaitGroup
		for _, eng := range []*engine.Engine{r1, r2} {
			wg.Go(func() {
				if err := eng.PollCycle(context.Background(), true); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		gate.disarm()
		// Deliver: the alert first, then, past the edit gap, its edit.
		run(r1)
		clock.After(10 * time.Minute)
		run(r2)
		clock.After(10 * time.Minute)
		run(r1)
		sent := tg.Sent()
		if len(sent) != round+1 {
			t.Fatalf("round %d: %d messages in all, want %d: two replicas deciding one event at once alerted it twice", round, len(sent), round+1)
		}
		// The message names the other outlet, as sent (both reports were
		// recorded when it was read) or through its edit.
		final := sent[round].Visible
		for _, e := range tg.Edits() {
			if e.MessageID == round+1 {
				final = e.Visible
			}
		}
		if !strings.Contains(final, "Also reported by: Wire") {
			t.Fatalf("round %d: the event's message reads %q, want it to name the other outlet", round, final)
		}
	}
}

// decideGate holds each replica's ingest of a story until the other replica
// has decided too (its ingest is here) or waits for the story lock.
type decideGate struct {
	t       *testing.T
	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every change
	on      bool
	// By replica: at its ingest of a story, in LockStories.
	ingesting, locking [2]bool
}

func (g *decideGate) update(fn func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	fn()
	close(g.changed)
	g.changed = make(chan struct{})
}

func (g *decideGate) arm() {
	g.update(func() { g.on, g.ingesting, g.locking = true, [2]bool{}, [2]bool{} })
}

func (g *decideGate) disarm() { g.update(func() { g.on = false }) }

// atIngest is replica i at its ingest of a story: it waits for the other.
func (g *decideGate) atIngest(i int) {
	g.update(func() { g.ingesting[i] = true })
	for {
		g.mu.Lock()
		done := !g.on || g.ingesting[1-i] || g.locking[1-i]
		ch := g.changed
		g.mu.Unlock()
		if done {
			return
		}
		select {
		case <-ch:
		case <-time.After(time.Minute):
			g.t.Errorf("replica %d: the other replica neither decided nor waited for the story lock", i+1)
			return
		}
	}
}

// gatedStore is replica i's store, through decideGate.
type gatedStore struct {
	store.Store
	gate *decideGate
	i    int
}

func (s *gatedStore) Ingest(ctx context.Context, f model.FeedState, present []string, items []model.NewItem) (model.IngestResult, error) {
	for _, it := range items {
		if it.Report != nil {
			s.gate.atIngest(s.i)
			break
		}
	}
	return s.Store.Ingest(ctx, f, present, items)
}

func (s *gatedStore) LockStories(ctx context.Context) (func(), error) {
	s.gate.update(func() { s.gate.locking[s.i] = true })
	defer s.gate.update(func() { s.gate.locking[s.i] = false })
	return s.Store.LockStories(ctx)
}

// A replica stuck holding the story lock (here a handle that never lets go)
// delays the others' decisions by half the lease at most: then they decide
// without it, and the event alerts.
func TestStoryLockWaitBounded(t *testing.T) {
	dsn := pgtest.DSN(t)
	tg := telegramtest.NewServer(tgToken)
	t.Cleanup(tg.Close)
	a := newFeedServer(t, "wa|Weather: a mild week ahead|https://a.example/w")
	cfg, err := config.Parse(fmt.Appendf(nil, `
poll:
  fulltext: never
feeds:
  - {url: %s, name: Wire A}
watches:
  - name: apt29
    query: 'actor:APT29'
routes:
  - watches: [apt29]
    to: ["telegram:%s"]
`, a.srv.URL, tgChat), "stuck.yaml")
	if err != nil {
		t.Fatal(err)
	}
	open := func() *postgres.DB {
		db, err := postgres.Open(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	stuck := open()
	clock := &storyClock{t: time.Now().Add(time.Hour)}
	bot, err := telegram.New(t.Context(), telegram.Options{Token: tgToken, API: tg.URL(), Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(engine.Options{Config: cfg, Store: open(), Senders: map[string]notify.Sender{"telegram": bot},
		Holder: "r1", Lease: 200 * time.Millisecond, Now: clock.Now, After: clock.After})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.RunOnce(context.Background()); err != nil { // the backlog: no story, no lock
		t.Fatal(err)
	}
	unlock, err := stuck.LockStories(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	clock.After(10 * time.Minute)
	a.add("a1|" + eventA + "|https://a.example/1")
	if err := eng.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := len(tg.Sent()); got != 1 {
		t.Errorf("with the story lock stuck elsewhere: %d messages, want 1", got)
	}
}
