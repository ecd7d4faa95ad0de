package engine_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/newshound/newshound/engine"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/store"
	"github.com/newshound/newshound/store/postgres"
	"github.com/newshound/newshound/store/postgres/pgtest"
	"github.com/newshound/newshound/store/sqlite"
)

// BenchmarkFarmBackends runs the farm of BenchmarkFarm on each backend
// and, on PostgreSQL, with one replica and with two sharing the store:
//
//	sqlite        one engine, no leases (the default daemon)
//	postgres/1    one replica (Holder set: a lease claimed per feed)
//	postgres/2    two replicas polling the same farm at once
//
// Each run is a first cycle (every item new, a backlog: no story), a
// changed cycle (every feed gained 2 items, each a story to decide: with
// replicas, under the story lock), then 5 steady cycles answered 304.
// The clock is the replicas' shared fake one, moved past every feed's
// interval between cycles, so a cycle polls the feeds that are due
// (PollCycle(ctx, false)), as the daemon does; with two replicas a feed
// polled by one is no longer due for the other. It reports feeds/s of the
// first, the changed and the 304 cycles (wall time until every replica
// has finished), and checks that every feed was fetched exactly once per
// cycle, whatever the replicas, and (two replicas) how the work split.
// NEWSHOUND_FARM sets the number of feeds (default 500); PostgreSQL comes
// from NEWSHOUND_TEST_PG (skipped without it).
func BenchmarkFarmBackends(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchFarmReplicas(b, "", 0) })
	b.Run("postgres/1", func(b *testing.B) { benchFarmReplicas(b, pgtest.Server(b), 1) })
	b.Run("postgres/2", func(b *testing.B) { benchFarmReplicas(b, pgtest.Server(b), 2) })
}

// uaCounter counts requests by User-Agent (one per replica) in front of a farm.
type uaCounter struct {
	next http.Handler
	mu   sync.Mutex
	byUA map[string]int
}

func (c *uaCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.byUA[r.UserAgent()]++
	c.mu.Unlock()
	c.next.ServeHTTP(w, r)
}

func (c *uaCounter) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.byUA
	c.byUA = map[string]int{}
	return out
}

func benchFarmReplicas(b *testing.B, server string, replicas int) {
	feeds := farmSize(b)
	const steady = 5
	for range b.N {
		f := &farm{items: 50, newPerGen: 2}
		counter := &uaCounter{next: f, byUA: map[string]int{}}
		for range 16 {
			srv := httptest.NewServer(counter)
			b.Cleanup(srv.Close)
			f.servers = append(f.servers, srv)
		}
		ctx := context.Background()
		clock := &fakeClock{now: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)}
		var dsn string
		if server != "" {
			dsn = pgtest.DSN(b)
		}
		var engines []*engine.Engine
		var stores []store.Store
		for r := range max(replicas, 1) {
			cfg := farmConfig(b, f, feeds)
			cfg.Poll.UserAgent = fmt.Sprintf("replica-%d", r)
			var db store.Store
			var err error
			holder := ""
			if server == "" {
				db, err = sqlite.Open(ctx, cfg.Store.Path)
			} else {
				db, err = postgres.Open(ctx, dsn)
				holder = fmt.Sprintf("r%d", r)
			}
			if err != nil {
				b.Fatal(err)
			}
			stores = append(stores, db)
			eng, err := engine.New(engine.Options{Config: cfg, Store: db, Senders: map[string]notify.Sender{"console": discard{}},
				Holder: holder, Now: clock.Now})
			if err != nil {
				b.Fatal(err)
			}
			engines = append(engines, eng)
		}
		var split []map[string]int // fetches by replica, per cycle
		cycle := func() time.Duration {
			start := time.Now()
			var wg sync.WaitGroup
			errs := make([]error, len(engines))
			for i, eng := range engines {
				wg.Go(func() { errs[i] = eng.PollCycle(ctx, false) })
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					b.Fatal(err)
				}
			}
			took := time.Since(start)
			got := counter.take()
			total := 0
			for _, n := range got {
				total += n
			}
			if total != feeds {
				b.Fatalf("a cycle fetched %d times for %d feeds (by replica: %v)", total, feeds, got)
			}
			split = append(split, got)
			clock.advance(7 * time.Hour) // past max_interval: every feed due again
			return took
		}
		first := cycle()
		f.generation.Add(1)
		changed := cycle()
		var notModified time.Duration
		for range steady {
			notModified += cycle()
		}
		notModified /= steady
		for _, db := range stores {
			db.Close()
		}
		if len(engines) > 1 {
			for ua, n := range split[0] {
				b.ReportMetric(float64(n)/float64(feeds)*100, "%first-by-"+ua)
			}
			for ua, n := range split[len(split)-1] {
				b.ReportMetric(float64(n)/float64(feeds)*100, "%304-by-"+ua)
			}
		}
		b.ReportMetric(float64(feeds)/first.Seconds(), "feeds/s-first")
		b.ReportMetric(float64(feeds)/changed.Seconds(), "feeds/s-changed")
		b.ReportMetric(float64(feeds)/notModified.Seconds(), "feeds/s-304")
	}
}
