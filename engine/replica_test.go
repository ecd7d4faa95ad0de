package engine_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/engine"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/store/postgres"
	"github.com/newshound/newshound/store/postgres/pgtest"
)

// fakeClock is a clock the replicas share, moved by the test.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// recorder is a fake sender shared by every replica: it records each
// delivery by destination and title, and calls onSend (under no lock)
// after each, so a test can kill a replica mid-flight.
type recorder struct {
	mu     sync.Mutex
	got    map[string]int // destination + "|" + title -> deliveries
	sends  int
	onSend func(n int)
}

func (r *recorder) Send(_ context.Context, a model.Alert) error {
	r.mu.Lock()
	r.got[string(a.Destination)+"|"+a.Title]++
	r.sends++
	n, hook := r.sends, r.onSend
	r.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	return nil
}

// replicaConfig routes APT29 stories from every feed to two destinations.
func replicaConfig(t *testing.T, feeds []string) *config.Config {
	t.Helper()
	var b strings.Builder
	// fulltext never: the stories are teasers whose links lead nowhere, and
	// this test is about sharing the work, not about articles.
	b.WriteString("poll:\n  backfill: 100\n  interval: 5m\n  min_interval: 5m\n  concurrency: 4\n  fulltext: never\nhttp:\n  listen: \"\"\nfeeds:\n")
	for i, u := range feeds {
		fmt.Fprintf(&b, "  - url: %s\n    name: Wire %d\n    interval: 5m\n", u, i)
	}
	b.WriteString("watches:\n  - name: apt29\n    query: 'actor:APT29'\nroutes:\n  - watches: [apt29]\n    to: [console, \"telegram:-100\"]\n")
	cfg, err := config.Parse([]byte(b.String()), "replicas.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// A farm of feeds on one PostgreSQL store, polled by three replicas while
// stories flow; in every round one replica is killed mid-delivery (its
// context cancelled after a random number of sends) and replaced by a new
// one, and once the connections of all of them are cut by the server
// (pg_terminate_backend). No story may be lost or sent twice to a
// destination, and every feed must keep being polled.
func TestReplicasShareTheWork(t *testing.T) {
	dsn := pgtest.DSN(t)
	// A name for this test's connections, so that the network cut below
	// ends only them and not other tests' on the same server.
	u, _ := url.Parse(dsn)
	q := u.Query()
	app := "replicas-" + q.Get("search_path")
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	dsn = u.String()

	const nFeeds, rounds, replicas = 6, 8, 3
	var servers []*feedServer
	var urls []string
	for i := range nFeeds {
		fs := newFeedServer(t, fmt.Sprintf("f%d-s0|APT29 story %d.0|https://n.example/%d/0", i, i, i))
		servers = append(servers, fs)
		urls = append(urls, fs.srv.URL)
	}
	cfg := replicaConfig(t, urls)
	clock := &fakeClock{now: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)}
	rec := &recorder{got: make(map[string]int)}
	senders := map[string]notify.Sender{"console": rec, "telegram": rec}

	type replica struct {
		eng  *engine.Engine
		db   *postgres.DB
		name string
	}
	started := 0
	start := func() *replica {
		started++
		db, err := postgres.Open(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		name := fmt.Sprintf("r%d", started)
		eng, err := engine.New(engine.Options{Config: cfg, Store: db, Senders: senders, Holder: name, Now: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		return &replica{eng: eng, db: db, name: name}
	}
	live := make([]*replica, replicas)
	for i := range live {
		live[i] = start()
	}

	rnd := rand.New(rand.NewPCG(18, 18))
	kills := 0
	want := 0
	// cycle runs one poll cycle and a drain on every live replica at once;
	// victim (-1: none) is cancelled after its share of sends.
	// afterCut: the cycle right after the network cut, whose first queries
	// meet dead connections and fail, as a real daemon's cycle would (it
	// logs and tries again at the next tick); any other error fails.
	afterCut := false
	cycle := func(victim int) {
		ctxs := make([]context.Context, len(live))
		cancels := make([]context.CancelFunc, len(live))
		for i := range live {
			ctxs[i], cancels[i] = context.WithCancel(t.Context())
		}
		if victim >= 0 {
			at := rec.sends + 1 + rnd.IntN(4)
			var once sync.Once
			rec.mu.Lock()
			rec.onSend = func(n int) {
				if n >= at {
					once.Do(cancels[victim])
				}
			}
			rec.mu.Unlock()
		}
		var wg sync.WaitGroup
		for i, r := range live {
			wg.Go(func() {
				if err := r.eng.PollCycle(ctxs[i], false); err != nil && ctxs[i].Err() == nil && !afterCut {
					t.Errorf("%s: poll cycle: %v", r.name, err)
				}
				if err := r.eng.Dispatcher().Drain(ctxs[i]); err != nil && ctxs[i].Err() == nil && !afterCut {
					t.Errorf("%s: drain: %v", r.name, err)
				}
			})
		}
		wg.Wait()
		rec.mu.Lock()
		rec.onSend = nil
		rec.mu.Unlock()
		for _, c := range cancels {
			c()
		}
	}
	want = nFeeds // the first story of each feed
	for round := 1; round <= rounds; round++ {
		for i, fs := range servers {
			fs.add(fmt.Sprintf("f%d-s%d|APT29 story %d.%d|https://n.example/%d/%d", i, round, i, round, i, round))
		}
		want += nFeeds
		victim := rnd.IntN(len(live))
		cycle(victim)
		afterCut = false
		kills++
		// The victim died holding leases; a replacement starts, and the
		// clock moves past every lease and every feed's interval.
		live[victim] = start()
		if round == rounds/2 {
			cutConnections(t, app)
			afterCut = true
		}
		clock.advance(10 * time.Minute)
	}
	// Quiet rounds with no kills: what a victim left queued or unpolled is
	// picked up by the others.
	for range 2 {
		cycle(-1)
		clock.advance(10 * time.Minute)
	}

	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, dest := range []string{"console", "telegram:-100"} {
		for i := range nFeeds {
			for s := 0; s <= rounds; s++ {
				k := fmt.Sprintf("%s|APT29 story %d.%d", dest, i, s)
				if n := rec.got[k]; n != 1 {
					t.Errorf("%s delivered %d times, want once", k, n)
				}
			}
		}
	}
	if len(rec.got) != 2*want {
		t.Errorf("%d distinct deliveries, want %d", len(rec.got), 2*want)
	}
	st, err := live[0].db.FeedStates(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != nFeeds {
		t.Fatalf("%d feeds have state, want %d", len(st), nFeeds)
	}
	for _, f := range st {
		if f.LastPoll.Before(clock.Now().Add(-25 * time.Minute)) {
			t.Errorf("feed %s last polled at %s, long before the end (%s)", f.URL, f.LastPoll, clock.Now())
		}
	}
	t.Logf("%d replicas started, %d killed, %d sends", started, kills, rec.sends)
}

// cutConnections ends, from the server's side, every connection named app
// (the replicas' pools), as a network cut or a database failover would.
func cutConnections(t *testing.T, app string) {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), pgtest.Server(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(t.Context(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no replica connection to cut: the test would not test a cut")
	}
}
