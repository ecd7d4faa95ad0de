package sqlite

// End-to-end digests on the real store: the Digester and the dispatcher
// (notify, imported by this test only) over a store that is closed and
// reopened as a restart would, all on one fake clock.

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/notify"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// After fires at once and moves the clock: nothing here waits for time.
func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	c.t = c.t.Add(d)
	now := c.t
	c.mu.Unlock()
	ch := make(chan time.Time, 1)
	ch <- now
	return ch
}

type sink struct {
	mu   sync.Mutex
	sent []model.Alert
}

func (s *sink) Send(_ context.Context, a model.Alert) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, a)
	return nil
}

func (s *sink) take() []model.Alert {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.sent
	s.sent = nil
	return out
}

// daemon is one run of the parts that matter here over the database file.
type daemon struct {
	db  *DB
	dig *notify.Digester
	dis *notify.Dispatcher
}

func start(t *testing.T, path string, clk *fakeClock, out *sink) *daemon {
	t.Helper()
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	db.now = clk.Now
	return &daemon{db: db,
		dig: notify.NewDigester(db, notify.DigesterOptions{Now: clk.Now, After: clk.After}),
		dis: notify.NewDispatcher(notify.QuietQueue(db, db), notify.DispatcherOptions{
			Senders: map[string]notify.Sender{"telegram": out}, Now: clk.Now, After: clk.After})}
}

// cycle is what the engine does after a poll: queue digests due, deliver.
func (d *daemon) cycle(t *testing.T) int {
	t.Helper()
	n, err := d.dig.Tick(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := d.dis.Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
	return n
}

func (d *daemon) queue(t *testing.T, dest model.Destination, key, watch string, published time.Time, more ...model.Destination) {
	t.Helper()
	it := model.NewItem{Key: key, LinkKey: "https://x.example/" + key, Published: published}
	for _, to := range append([]model.Destination{dest}, more...) {
		it.Alerts = append(it.Alerts, model.Alert{Destination: to, Title: key, Link: "https://x.example/" + key, Feed: "Wire", Published: published,
			Watches: []model.WatchMatch{{Name: watch}}})
	}
	if _, err := d.db.Ingest(t.Context(), model.FeedState{URL: "https://f.example/", Initialized: true}, nil, []model.NewItem{it}); err != nil {
		t.Fatal(err)
	}
}

func (d *daemon) set(t *testing.T, dest model.Destination, digest, quiet string, now time.Time) {
	t.Helper()
	dg, err := model.ParseDigest(digest)
	if err != nil {
		t.Fatal(err)
	}
	q, err := model.ParseQuiet(quiet)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.db.SetDelivery(t.Context(), model.Delivery{Destination: dest, Digest: dg, Quiet: q}.Schedule(now)); err != nil {
		t.Fatal(err)
	}
}

func storyTitles(a model.Alert) map[string][]string {
	out := map[string][]string{}
	for _, g := range a.Digest {
		for _, s := range g.Stories {
			out[g.Watch] = append(out[g.Watch], s.Title)
		}
	}
	return out
}

func TestDigestAcrossDSTAndRestarts(t *testing.T) {
	kyiv, err := time.LoadLocation("Europe/Kyiv")
	if err != nil {
		t.Fatal(err)
	}
	at := func(d, h, m int) time.Time { return time.Date(2025, 3, d, h, m, 0, 0, kyiv) }
	const chat = model.Destination("telegram:-1001")
	path := filepath.Join(t.TempDir(), "nh.db")
	clk := &fakeClock{t: at(29, 20, 0)}
	out := &sink{}
	d := start(t, path, clk, out)
	d.set(t, chat, "08:00 Europe/Kyiv", "off", clk.Now())

	d.queue(t, chat, "old", "apt29", at(29, 20, 0))
	clk.set(at(29, 21, 0))
	d.queue(t, chat, "new", "apt29", at(29, 21, 0))
	d.queue(t, chat, "baku", "russia-az", at(29, 20, 30))
	// The night of 29-30 March loses an hour (03:00 -> 04:00).
	clk.set(at(30, 7, 59))
	if n := d.cycle(t); n != 0 || len(out.take()) != 0 {
		t.Fatalf("before 08:00 local: %d digests queued", n)
	}
	clk.set(at(30, 8, 0))
	if n := d.cycle(t); n != 1 {
		t.Fatalf("at 08:00 local (05:00 UTC after the switch) queued %d, want 1", n)
	}
	got := out.take()
	if len(got) != 1 {
		t.Fatalf("sent %d messages, want one digest", len(got))
	}
	st := storyTitles(got[0])
	if len(st) != 2 || len(st["apt29"]) != 2 || st["apt29"][0] != "new" || st["apt29"][1] != "old" || st["russia-az"][0] != "baku" {
		t.Errorf("digest = %v, want apt29: new, old (newest first) and russia-az: baku", st)
	}
	if got[0].Digest[0].Watch != "apt29" {
		t.Errorf("groups in order %v, want the one with the newest story first", got[0].Digest)
	}

	// A crash after the digest is queued but before it is sent: the next
	// run sends it once, and queues no second one.
	d.queue(t, chat, "monday", "apt29", at(30, 9, 0))
	clk.set(at(31, 8, 0))
	if n, err := d.dig.Tick(t.Context()); err != nil || n != 1 {
		t.Fatalf("Tick = %d, %v", n, err)
	}
	d.db.Close()
	d = start(t, path, clk, out)
	if n := d.cycle(t); n != 0 {
		t.Errorf("after the restart %d more digests queued", n)
	}
	if got := out.take(); len(got) != 1 || storyTitles(got[0])["apt29"][0] != "monday" {
		t.Errorf("after the restart sent %+v, want the queued digest once", got)
	}

	// Down over two digest times: one digest when it comes back, not two.
	d.queue(t, chat, "while-down", "apt29", at(31, 9, 0))
	d.db.Close()
	clk.set(at(33, 12, 0)) // 2 April, 12:00: the 1 and 2 April digests were missed
	d = start(t, path, clk, out)
	if n := d.cycle(t); n != 1 {
		t.Errorf("after two missed digests queued %d, want 1", n)
	}
	if got := out.take(); len(got) != 1 {
		t.Errorf("sent %d, want 1", len(got))
	}
	if n := d.cycle(t); n != 0 {
		t.Errorf("a second look queued %d more", n)
	}
	s, err := d.db.Delivery(t.Context(), chat)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2025, 4, 3, 8, 0, 0, 0, kyiv); !s.DigestNext.Equal(want) {
		t.Errorf("next digest %v, want %v", s.DigestNext.In(kyiv), want)
	}
	d.db.Close()
}

func TestQuietHoursAcrossMidnight(t *testing.T) {
	kyiv, err := time.LoadLocation("Europe/Kyiv")
	if err != nil {
		t.Fatal(err)
	}
	// 25-26 October 2025: the clocks fall back at 04:00, the night is 10 hours.
	at := func(d, h, m int) time.Time { return time.Date(2025, 10, d, h, m, 0, 0, kyiv) }
	const held, silent = model.Destination("telegram:-1002"), model.Destination("telegram:-1003")
	clk := &fakeClock{t: at(25, 21, 0)}
	out := &sink{}
	d := start(t, filepath.Join(t.TempDir(), "nh.db"), clk, out)
	defer func() { d.db.Close() }()
	d.set(t, held, "off", "22:00-07:00 Europe/Kyiv", clk.Now())
	d.set(t, silent, "off", "22:00-07:00 Europe/Kyiv silent", clk.Now())

	byDest := func(as []model.Alert) map[model.Destination][]model.Alert {
		m := map[model.Destination][]model.Alert{}
		for _, a := range as {
			m[a.Destination] = append(m[a.Destination], a)
		}
		return m
	}
	steps := []struct {
		name                       string
		at                         time.Time
		story                      string
		wantHeld, wantSilent       int // messages sent to each
		heldDigest, silentIsSilent bool
	}{
		{"before the window", at(25, 21, 30), "evening", 1, 1, false, false},
		{"before midnight", at(25, 23, 0), "late", 0, 1, false, true},
		{"after midnight, after the switch", at(26, 5, 0), "night", 0, 1, false, true},
		{"one minute before the end", at(26, 6, 59), "", 0, 0, false, false},
		{"the end: one digest", at(26, 7, 0), "", 1, 0, true, false},
		{"after the window", at(26, 7, 30), "morning", 1, 1, false, false},
	}
	for _, s := range steps {
		clk.set(s.at)
		if s.story != "" {
			d.queue(t, held, s.story, "w", s.at, silent)
		}
		d.cycle(t)
		got := byDest(out.take())
		if len(got[held]) != s.wantHeld || len(got[silent]) != s.wantSilent {
			t.Fatalf("%s: sent %d to the hold chat and %d to the silent one, want %d and %d", s.name, len(got[held]), len(got[silent]), s.wantHeld, s.wantSilent)
		}
		if s.heldDigest {
			if st := storyTitles(got[held][0])["w"]; len(st) != 2 || st[0] != "night" || st[1] != "late" {
				t.Errorf("%s: digest %v, want night, late", s.name, st)
			}
		} else if len(got[held]) > 0 && len(got[held][0].Digest) > 0 {
			t.Errorf("%s: a digest where a single alert was due", s.name)
		}
		for _, a := range got[silent] {
			if a.Silent != s.silentIsSilent {
				t.Errorf("%s: Silent = %v, want %v", s.name, a.Silent, s.silentIsSilent)
			}
		}
	}
	s, _ := d.db.Delivery(t.Context(), held)
	if want := at(26, 22, 0); !s.QuietFrom.Equal(want) {
		t.Errorf("next window from %v, want %v", s.QuietFrom.In(kyiv), want)
	}
}
