package replica

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newshound/newshound/store/sqlite"
)

// stepClock is a fake clock shared by the replicas. Each replica waits
// through its own After (afterFor), which announces every wait on that
// replica's channel, so the test moves time only to the next deadline of
// the replica it watches, once that replica is waiting.
type stepClock struct {
	mu  sync.Mutex
	now time.Time
	// next holds each replica's pending deadline.
	next map[string]timer
}

type timer struct {
	at time.Time
	c  chan time.Time
}

func (c *stepClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *stepClock) afterFor(who string, waiting chan<- struct{}) func(time.Duration) <-chan time.Time {
	return func(d time.Duration) <-chan time.Time {
		c.mu.Lock()
		ch := make(chan time.Time, 1)
		c.next[who] = timer{c.now.Add(d), ch}
		c.mu.Unlock()
		waiting <- struct{}{}
		return ch
	}
}

// fire moves the clock to who's pending deadline and fires it.
func (c *stepClock) fire(who string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.next[who]
	delete(c.next, who)
	if t.at.After(c.now) {
		c.now = t.at
	}
	t.c <- c.now
}

// Two replicas compete for a connection; the leader dies without releasing
// (as kill -9 would leave its lease in the store). The other must take
// over within the promised 30 s of the shared clock, and the two must
// never lead at once.
func TestLeaderFailover(t *testing.T) {
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "lead.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	clock := &stepClock{now: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC), next: make(map[string]timer)}
	var running atomic.Int32
	leaders := make(chan string, 4)
	waiting := map[string]chan struct{}{"a": make(chan struct{}, 1), "b": make(chan struct{}, 1)}
	run := func(ctx context.Context, holder string) {
		opts := Options{Leases: crashOnCancel{db}, Holder: holder, Now: clock.Now, After: clock.afterFor(holder, waiting[holder])}
		Lead(ctx, "telegram", opts, func(ctx context.Context) error {
			if n := running.Add(1); n > 1 {
				t.Errorf("%d leaders at once", n)
			}
			leaders <- holder
			<-ctx.Done()
			running.Add(-1)
			return nil
		})
	}
	ctxA, killA := context.WithCancel(t.Context())
	ctxB, stopB := context.WithCancel(t.Context())
	defer stopB()
	aDone, bDone := make(chan struct{}), make(chan struct{})
	go func() { defer close(aDone); run(ctxA, "a") }()
	if who := <-leaders; who != "a" {
		t.Fatalf("first leader %s, want a (it started alone)", who)
	}
	<-waiting["a"] // a holds and waits to renew
	go func() { defer close(bDone); run(ctxB, "b") }()
	<-waiting["b"] // b found the lease taken and waits to retry
	// a renews once while b keeps failing: leadership is stable.
	clock.fire("a")
	<-waiting["a"]
	select {
	case who := <-leaders:
		t.Fatalf("%s became leader while a renewed", who)
	default:
	}
	killA()
	<-aDone
	diedAt := clock.Now()
	for {
		clock.fire("b")
		select {
		case who := <-leaders:
			if who != "b" {
				t.Fatalf("leader after a died: %s", who)
			}
			if took := clock.Now().Sub(diedAt); took > 30*time.Second {
				t.Errorf("failover took %s, want within 30s", took)
			} else {
				t.Logf("failover after %s of the shared clock", took)
			}
			stopB()
			<-bDone
			return
		case <-waiting["b"]:
		}
		if clock.Now().Sub(diedAt) > time.Minute {
			t.Fatal("no failover within a minute")
		}
	}
}

// crashOnCancel makes a cancelled replica leave its leases in place, as
// kill -9 does, instead of releasing them on the way out.
type crashOnCancel struct{ *sqlite.DB }

func (c crashOnCancel) ReleaseLeases(ctx context.Context, holder string, names []string) error {
	return nil
}
