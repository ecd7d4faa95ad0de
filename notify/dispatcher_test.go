package notify_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/store/sqlite"
)

// fakeSender records deliveries and answers with scripted errors.
type fakeSender struct {
	mu     sync.Mutex
	sent   []model.Alert
	times  []time.Time
	clock  *fakeClock // if set, times are read from it
	script func(a model.Alert, attempt int) error
	tries  map[int64]int
}

func (f *fakeSender) Send(_ context.Context, a model.Alert) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.tries == nil {
		f.tries = map[int64]int{}
	}
	f.tries[a.ID]++
	if f.script != nil {
		if err := f.script(a, f.tries[a.ID]); err != nil {
			return err
		}
	}
	f.sent = append(f.sent, a)
	now := time.Now
	if f.clock != nil {
		now = f.clock.Now
	}
	f.times = append(f.times, now())
	return nil
}

func (f *fakeSender) titles(dest model.Destination) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, a := range f.sent {
		if dest == "" || a.Destination == dest {
			out = append(out, a.Title)
		}
	}
	return out
}

type pacedSender struct {
	*fakeSender
	perDest, platform notify.Rate
}

func (p pacedSender) Limits(model.Destination) (notify.Rate, notify.Rate) {
	return p.perDest, p.platform
}

func openStore(t testing.TB) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "q.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// queue puts one story per title into the outbox for each destination,
// published in the order given.
func queue(t *testing.T, db *sqlite.DB, dests []model.Destination, titles ...string) {
	t.Helper()
	base := time.Now().Add(-time.Hour)
	var items []model.NewItem
	for i, title := range titles {
		var alerts []model.Alert
		for _, d := range dests {
			alerts = append(alerts, model.Alert{Destination: d, Title: title})
		}
		items = append(items, model.NewItem{Key: fmt.Sprintf("%s-%d", title, i), Published: base.Add(time.Duration(i) * time.Second), Alerts: alerts})
	}
	// Ingest in reverse to prove delivery follows publication time, not insertion.
	for i, j := 0, len(items)-1; i < j; i, j = i+1, j-1 {
		items[i], items[j] = items[j], items[i]
	}
	if _, err := db.Ingest(context.Background(), model.FeedState{URL: "http://feed/" + t.Name()}, nil, items); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestDrainDeliversInPublicationOrder(t *testing.T) {
	db := openStore(t)
	var out bytes.Buffer
	tg := &fakeSender{}
	queue(t, db, []model.Destination{"console", "telegram:1"}, "first", "second", "third")
	d := notify.NewDispatcher(db, notify.DispatcherOptions{Senders: map[string]notify.Sender{
		"console": notify.NewConsole(&out), "telegram": tg,
	}})
	if err := d.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(tg.titles(""), ","); got != "first,second,third" {
		t.Fatalf("telegram got %q", got)
	}
	text := out.String()
	if i, j := strings.Index(text, "first"), strings.Index(text, "third"); i < 0 || j < i {
		t.Fatalf("console output out of order:\n%s", text)
	}
	st, _ := db.QueueStats(context.Background())
	if st.Pending != 0 {
		t.Fatalf("%d alerts still pending", st.Pending)
	}
	// A second drain sends nothing again.
	if err := d.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(tg.titles("")); n != 3 {
		t.Fatalf("after second drain %d deliveries, want 3", n)
	}
}

func runDispatcher(t *testing.T, d *notify.Dispatcher) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

// fakeClock is a clock that moves only when told, or when the dispatcher
// waits on it (After moves it to the end of the wait at once).
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Now()} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.Advance(d)
	ch := make(chan time.Time, 1)
	ch <- c.Now()
	return ch
}

func TestRetryAfterIsObeyed(t *testing.T) {
	db := openStore(t)
	clk := newFakeClock()
	var first time.Time
	tg := &fakeSender{clock: clk, script: func(a model.Alert, n int) error {
		if n == 1 && a.Title == "a" {
			first = clk.Now()
			return &notify.RetryAfterError{After: 300 * time.Millisecond, Err: errors.New("429")}
		}
		return nil
	}}
	queue(t, db, []model.Destination{"telegram:1"}, "a", "b")
	d := notify.NewDispatcher(db, notify.DispatcherOptions{Senders: map[string]notify.Sender{"telegram": tg}, Now: clk.Now, After: clk.After})
	if err := d.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	tg.mu.Lock()
	defer tg.mu.Unlock()
	if len(tg.sent) != 2 {
		t.Fatalf("sent %d, want both after the retry_after", len(tg.sent))
	}
	if gap := tg.times[0].Sub(first); gap < 300*time.Millisecond {
		t.Fatalf("resent %v after a 300ms retry_after", gap)
	}
	if got := tg.sent[0].Title + tg.sent[1].Title; got != "ab" {
		t.Fatalf("order after retry = %q, want ab", got)
	}
}

func TestTransientFailuresRetryThenDeliver(t *testing.T) {
	db := openStore(t)
	tg := &fakeSender{script: func(a model.Alert, n int) error {
		if n <= 3 {
			return errors.New("500 internal server error")
		}
		return nil
	}}
	queue(t, db, []model.Destination{"telegram:1"}, "x")
	d := notify.NewDispatcher(db, notify.DispatcherOptions{Senders: map[string]notify.Sender{"telegram": tg},
		Poll: 5 * time.Millisecond, Backoff: func(int) time.Duration { return 10 * time.Millisecond }})
	runDispatcher(t, d)
	waitFor(t, "delivery after 3 failures", func() bool { return len(tg.titles("")) == 1 })
	tg.mu.Lock()
	defer tg.mu.Unlock()
	if tg.tries[tg.sent[0].ID] != 4 {
		t.Fatalf("tries = %d, want 4", tg.tries[tg.sent[0].ID])
	}
}

func TestPermanentErrorParksAndDisables(t *testing.T) {
	ctx := context.Background()
	db := openStore(t)
	var told []model.Destination
	tg := &fakeSender{script: func(a model.Alert, _ int) error {
		if a.Destination == "telegram:1" {
			return &notify.PermanentError{Err: errors.New("Forbidden: bot was blocked by the user")}
		}
		return nil
	}}
	queue(t, db, []model.Destination{"telegram:1", "telegram:2"}, "a", "b", "c")
	d := notify.NewDispatcher(db, notify.DispatcherOptions{Senders: map[string]notify.Sender{"telegram": tg},
		OnPermanent: func(_ context.Context, dest model.Destination, _ error) { told = append(told, dest) }})
	if err := d.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(tg.titles("telegram:2"), ""); got != "abc" {
		t.Fatalf("healthy chat got %q, want abc", got)
	}
	parked, _ := db.ListOutbox(ctx, model.StateParked, "telegram:1", 0)
	if len(parked) != 3 || !strings.Contains(parked[0].LastError, "blocked") {
		t.Fatalf("parked = %+v", parked)
	}
	if dis, _ := db.DisabledDestinations(ctx); dis["telegram:1"] == "" {
		t.Fatalf("telegram:1 not disabled: %v", dis)
	}
	if len(told) != 1 || told[0] != "telegram:1" {
		t.Fatalf("admins told %v", told)
	}
}

func TestMigrationMovesAlerts(t *testing.T) {
	db := openStore(t)
	var moved [2]model.Destination
	tg := &fakeSender{script: func(a model.Alert, _ int) error {
		if a.Destination == "telegram:-5" {
			return &notify.PermanentError{Err: errors.New("group upgraded"), MigrateTo: "telegram:-1005"}
		}
		return nil
	}}
	queue(t, db, []model.Destination{"telegram:-5"}, "a", "b")
	d := notify.NewDispatcher(db, notify.DispatcherOptions{Senders: map[string]notify.Sender{"telegram": tg},
		OnMove: func(_ context.Context, from, to model.Destination) error {
			moved = [2]model.Destination{from, to}
			return nil
		}})
	if err := d.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(tg.titles("telegram:-1005"), ""); got != "ab" {
		t.Fatalf("new chat got %q, want ab", got)
	}
	if moved != [2]model.Destination{"telegram:-5", "telegram:-1005"} {
		t.Fatalf("OnMove = %v", moved)
	}
}

func TestSlowDestinationDoesNotBlockOthers(t *testing.T) {
	db := openStore(t)
	release := make(chan struct{})
	tg := &fakeSender{}
	slow := &blockingSender{release: release, inner: tg}
	queue(t, db, []model.Destination{"telegram:1", "discord:2"}, "a", "b")
	d := notify.NewDispatcher(db, notify.DispatcherOptions{Senders: map[string]notify.Sender{"telegram": slow, "discord": tg}, Poll: 5 * time.Millisecond})
	runDispatcher(t, d)
	waitFor(t, "discord delivered while telegram hangs", func() bool { return len(tg.titles("discord:2")) == 2 })
	close(release)
	waitFor(t, "telegram delivered after release", func() bool { return len(tg.titles("telegram:1")) == 2 })
}

type blockingSender struct {
	release chan struct{}
	inner   notify.Sender
}

func (b *blockingSender) Send(ctx context.Context, a model.Alert) error {
	<-b.release
	return b.inner.Send(ctx, a)
}

func TestPacingRespectsWindows(t *testing.T) {
	db := openStore(t)
	rate := notify.Rate{N: 3, Per: 200 * time.Millisecond}
	queue(t, db, []model.Destination{"telegram:1"}, "1", "2", "3", "4", "5", "6", "7", "8", "9")
	// The clock starts after the alerts were queued (at the store's real
	// clock): started before, it could stand a millisecond before their
	// queue time, and nothing would be due.
	clk := newFakeClock()
	ps := pacedSender{fakeSender: &fakeSender{clock: clk}, perDest: rate}
	// On the fake clock every wait is exact, so the windows are checked
	// exactly, however busy the machine.
	d := notify.NewDispatcher(db, notify.DispatcherOptions{Senders: map[string]notify.Sender{"telegram": ps}, Now: clk.Now, After: clk.After})
	if err := d.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	times := ps.times
	if len(times) != 9 {
		t.Fatalf("sent %d, want 9", len(times))
	}
	// A broken limiter sends the burst back to back.
	for i := rate.N; i < len(times); i++ {
		if gap := times[i].Sub(times[i-rate.N]); gap < rate.Per {
			t.Fatalf("messages %d and %d only %v apart: more than %d per %v", i-rate.N, i, gap, rate.N, rate.Per)
		}
	}
}

func TestBackoffIsCappedWithJitter(t *testing.T) {
	for _, tt := range []struct {
		attempts int
		rnd      float64
		want     time.Duration
	}{
		{0, 0.5, 2 * time.Second},
		{3, 0.5, 16 * time.Second},
		{30, 0.5, 10 * time.Minute},
		{1000, 0.0, 8 * time.Minute},
		{1000, 0.999999, 12 * time.Minute},
	} {
		got := notify.Backoff(tt.attempts, func() float64 { return tt.rnd })
		if diff := got - tt.want; diff < -time.Second || diff > time.Second {
			t.Errorf("Backoff(%d, %v) = %v, want about %v", tt.attempts, tt.rnd, got, tt.want)
		}
	}
}

func TestFormatTextIsOneParagraph(t *testing.T) {
	a := model.Alert{Title: "Fake\nmatched apt29: forged", Feed: "Feed", Link: "https://x/1",
		Published: time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC),
		Watches:   []model.WatchMatch{{Name: "apt29", Terms: []string{`APT29, as "Cozy Bear"`}}}, Snippet: "the «Cozy Bear» group"}
	got := notify.FormatText(a)
	want := "Fake matched apt29: forged\n  Feed · 2026-11-01 10:00 UTC\n  https://x/1\n  matched apt29: APT29, as \"Cozy Bear\"\n  the «Cozy Bear» group"
	if got != want {
		t.Fatalf("FormatText =\n%s\nwant\n%s", got, want)
	}
}

func TestShutdownFinishesInFlightSendAndKeepsTheRest(t *testing.T) {
	db := openStore(t)
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	rec := &fakeSender{}
	slow := senderFunc(func(ctx context.Context, a model.Alert) error {
		started <- struct{}{}
		<-release
		return rec.Send(ctx, a)
	})
	queue(t, db, []model.Destination{"telegram:1"}, "a", "b", "c")
	d := notify.NewDispatcher(db, notify.DispatcherOptions{Senders: map[string]notify.Sender{"telegram": slow}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	<-started
	cancel() // shutdown while "a" is in flight
	select {
	case <-done:
		t.Fatal("Run returned before the in-flight send ended")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	<-done
	if got := strings.Join(rec.titles(""), ""); got != "a" {
		t.Fatalf("delivered %q during shutdown, want only the in-flight a", got)
	}
	pending, _ := db.ListOutbox(context.Background(), model.StatePending, "", 0)
	if len(pending) != 2 {
		t.Fatalf("%d alerts left queued, want b and c", len(pending))
	}
}

type senderFunc func(context.Context, model.Alert) error

func (f senderFunc) Send(ctx context.Context, a model.Alert) error { return f(ctx, a) }

func TestHungSendTimesOutAndIsRetried(t *testing.T) {
	db := openStore(t)
	rec := &fakeSender{}
	var mu sync.Mutex
	calls := 0
	hang := senderFunc(func(ctx context.Context, a model.Alert) error {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n <= 2 { // the platform accepts the connection and never answers
			<-ctx.Done()
			return ctx.Err()
		}
		return rec.Send(ctx, a)
	})
	queue(t, db, []model.Destination{"discord:9"}, "a", "b")
	d := notify.NewDispatcher(db, notify.DispatcherOptions{Senders: map[string]notify.Sender{"discord": hang},
		SendTimeout: 50 * time.Millisecond, Poll: 10 * time.Millisecond,
		Backoff: func(int) time.Duration { return 20 * time.Millisecond }})
	runDispatcher(t, d)
	waitFor(t, "delivery after two hung attempts", func() bool { return len(rec.titles("")) == 2 })
	if got := strings.Join(rec.titles(""), ""); got != "ab" {
		t.Fatalf("delivered %q, want ab in order", got)
	}
}
