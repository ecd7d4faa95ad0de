package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store"
)

func openTest(t *testing.T) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

func alertTo(dest model.Destination, title string) model.Alert {
	return model.Alert{Destination: dest, Title: title}
}

func TestIngestDedup(t *testing.T) {
	ctx := context.Background()
	db, path := openTest(t)
	feedA := model.FeedState{URL: "http://a/feed", Initialized: true}
	res, err := db.Ingest(ctx, feedA, nil, []model.NewItem{
		{Key: "g1", LinkKey: "http://a/1", TitleKey: "one", Alerts: []model.Alert{alertTo("console", "One")}},
		{Key: "g2", LinkKey: "http://a/2", TitleKey: "two", Alerts: []model.Alert{alertTo("console", "Two"), alertTo("telegram:1", "Two")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 2 || res.Queued != 3 || res.Duplicates != 0 {
		t.Fatalf("first ingest = %+v, want 2 new, 3 queued", res)
	}
	if res.QueuedByPlatform["console"] != 2 || res.QueuedByPlatform["telegram"] != 1 {
		t.Fatalf("queued by platform = %v, want console 2, telegram 1", res.QueuedByPlatform)
	}

	tests := []struct {
		name      string
		feed      string
		item      model.NewItem
		wantNew   int
		wantDup   int
		wantQueue int
	}{
		{"same key again", "http://a/feed", model.NewItem{Key: "g1", LinkKey: "http://a/1"}, 0, 0, 0},
		{"GUID changed, same link", "http://a/feed", model.NewItem{Key: "g1-new", LinkKey: "http://a/1", TitleKey: "one"}, 1, 1, 0},
		{"other feed, same link", "http://b/feed", model.NewItem{Key: "x", LinkKey: "http://a/2"}, 1, 1, 0},
		{"other feed, same title", "http://b/feed", model.NewItem{Key: "y", LinkKey: "http://b/y", TitleKey: "two"}, 1, 1, 0},
		{"really new", "http://b/feed", model.NewItem{Key: "z", LinkKey: "http://b/z", TitleKey: "three"}, 1, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.item.Alerts = []model.Alert{alertTo("console", tt.name)}
			res, err := db.Ingest(ctx, model.FeedState{URL: tt.feed, Initialized: true}, nil, []model.NewItem{tt.item})
			if err != nil {
				t.Fatal(err)
			}
			if res.New != tt.wantNew || res.Duplicates != tt.wantDup || res.Queued != tt.wantQueue {
				t.Fatalf("ingest = %+v, want new %d dup %d queued %d", res, tt.wantNew, tt.wantDup, tt.wantQueue)
			}
		})
	}

	seen, err := db.SeenKeys(ctx, "http://a/feed", []string{"g1", "g2", "nope"})
	if err != nil {
		t.Fatal(err)
	}
	if !seen["g1"] || !seen["g2"] || seen["nope"] {
		t.Fatalf("SeenKeys = %v", seen)
	}

	// Reopening runs no migration twice and keeps everything.
	db.Close()
	db2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	st, err := db2.QueueStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Pending != 4 {
		t.Fatalf("pending after reopen = %d, want 4", st.Pending)
	}
}

func TestTitleWindowExpires(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	db.now = func() time.Time { return clock }
	if _, err := db.Ingest(ctx, model.FeedState{URL: "http://a"}, nil, []model.NewItem{{Key: "1", TitleKey: "headline"}}); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(store.TitleWindow + time.Hour)
	res, err := db.Ingest(ctx, model.FeedState{URL: "http://b"}, nil, []model.NewItem{{Key: "2", TitleKey: "headline", Alerts: []model.Alert{alertTo("console", "x")}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Duplicates != 0 || res.Queued != 1 {
		t.Fatalf("after the window the same title is a new story; got %+v", res)
	}
}

func TestOutboxLifecycle(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	now := time.Now()
	old, newer := now.Add(-2*time.Hour), now.Add(-time.Hour)
	_, err := db.Ingest(ctx, model.FeedState{URL: "http://a"}, nil, []model.NewItem{
		{Key: "newer", Published: newer, Alerts: []model.Alert{alertTo("telegram:1", "newer")}},
		{Key: "old", Published: old, Alerts: []model.Alert{alertTo("telegram:1", "old"), alertTo("discord:2", "old")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	dests, err := db.DueDestinations(ctx, now)
	if err != nil || len(dests) != 2 {
		t.Fatalf("DueDestinations = %v, %v", dests, err)
	}
	next, err := db.NextAlerts(ctx, "telegram:1", now, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(next) != 2 || next[0].Title != "old" || next[1].Title != "newer" {
		t.Fatalf("NextAlerts order = %+v, want old then newer", next)
	}
	if next[0].Nonce == "" || next[0].Nonce == next[1].Nonce {
		t.Fatalf("nonces must be set and distinct: %q %q", next[0].Nonce, next[1].Nonce)
	}
	// A retried head blocks the rest of its destination: order is kept.
	if err := db.Retry(ctx, next[0].ID, now.Add(time.Minute), "500"); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.NextAlerts(ctx, "telegram:1", now, 10); len(got) != 0 {
		t.Fatalf("after retry of head, NextAlerts = %d alerts, want 0", len(got))
	}
	if got, _ := db.NextAlerts(ctx, "telegram:1", now.Add(2*time.Minute), 10); len(got) != 2 {
		t.Fatalf("after the retry time, NextAlerts = %d, want 2", len(got))
	}
	if err := db.MarkSent(ctx, next[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := db.Park(ctx, next[1].ID, "blocked"); err != nil {
		t.Fatal(err)
	}
	if err := db.DisableDestination(ctx, "telegram:1", "blocked"); err != nil {
		t.Fatal(err)
	}
	parked, err := db.ListOutbox(ctx, model.StateParked, "", 0)
	if err != nil || len(parked) != 1 || parked[0].LastError != "blocked" {
		t.Fatalf("parked = %+v, %v", parked, err)
	}
	n, err := db.RetryParked(ctx, 0)
	if err != nil || n != 1 {
		t.Fatalf("RetryParked = %d, %v", n, err)
	}
	if dis, _ := db.DisabledDestinations(ctx); len(dis) != 0 {
		t.Fatalf("retry must re-enable the destination, still disabled: %v", dis)
	}

	// Mute holds, unmute releases.
	if err := db.SetMute(ctx, "discord:2", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	dests, _ = db.DueDestinations(ctx, now)
	for _, d := range dests {
		if d == "discord:2" {
			t.Fatal("muted destination is due")
		}
	}
	if err := db.SetMute(ctx, "discord:2", time.Time{}); err != nil {
		t.Fatal(err)
	}
	dests, _ = db.DueDestinations(ctx, now)
	if len(dests) != 2 {
		t.Fatalf("after unmute due = %v", dests)
	}

	// Migration of a Telegram group moves its alerts.
	if err := db.MoveDestination(ctx, "telegram:1", "telegram:-1001"); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.NextAlerts(ctx, "telegram:-1001", now, 10); len(got) != 1 || got[0].Destination != "telegram:-1001" {
		t.Fatalf("moved alerts = %+v", got)
	}
}

func TestPruneKeepsItemsStillInFeed(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	db.now = func() time.Time { return clock }
	f := model.FeedState{URL: "http://a"}
	if _, err := db.Ingest(ctx, f, nil, []model.NewItem{{Key: "stays"}, {Key: "leaves"}}); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(100 * 24 * time.Hour)
	// A later parse lists only "stays".
	if _, err := db.Ingest(ctx, f, []string{"stays"}, nil); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(100 * 24 * time.Hour)
	n, err := db.PruneItems(ctx, 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	seen, _ := db.SeenKeys(ctx, "http://a", []string{"stays", "leaves"})
	if n != 1 || !seen["stays"] || seen["leaves"] {
		t.Fatalf("pruned %d, seen %v; want only 'leaves' forgotten", n, seen)
	}
}

func TestState(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	if v, err := db.GetState(ctx, "k"); err != nil || v != "" {
		t.Fatalf("absent = %q, %v", v, err)
	}
	if err := db.SetState(ctx, "k", "1"); err != nil {
		t.Fatal(err)
	}
	if err := db.SetState(ctx, "k", "2"); err != nil {
		t.Fatal(err)
	}
	if v, _ := db.GetState(ctx, "k"); v != "2" {
		t.Fatalf("state = %q, want 2", v)
	}
	if err := db.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestReadOnlyStoreFailsLoudly(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	if _, err := db.w.ExecContext(ctx, `PRAGMA query_only = 1`); err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(ctx); err == nil || !strings.Contains(err.Error(), "write check") {
		t.Fatalf("Ping on a read-only store = %v, want a write-check error", err)
	}
	_, err := db.Ingest(ctx, model.FeedState{URL: "http://a"}, nil, []model.NewItem{{Key: "1", Alerts: []model.Alert{alertTo("console", "x")}}})
	if err == nil || !strings.Contains(err.Error(), "http://a") {
		t.Fatalf("Ingest on a read-only store = %v, want an error naming the feed", err)
	}
	if _, err := db.w.ExecContext(ctx, `PRAGMA query_only = 0`); err != nil {
		t.Fatal(err)
	}
	if seen, _ := db.SeenKeys(ctx, "http://a", []string{"1"}); seen["1"] {
		t.Fatal("a failed ingest left the item marked seen: its alert would be lost")
	}
}

func TestGroupCommitIsolatesFailures(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	const n = 40
	errc := make(chan error, n)
	for i := range n {
		go func() {
			errc <- db.batch(ctx, func(tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, `INSERT INTO state (key, value) VALUES (?, 'x')`, fmt.Sprint("k", i)); err != nil {
					return err
				}
				if i%4 == 0 {
					return errors.New("this one fails after writing")
				}
				return nil
			})
		}()
	}
	failed := 0
	for range n {
		if err := <-errc; err != nil {
			failed++
		}
	}
	var rows int
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM state WHERE key LIKE 'k%'`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if failed != n/4 || rows != n-n/4 {
		t.Fatalf("%d failed, %d rows kept; want %d failed and their writes rolled back (%d rows)", failed, rows, n/4, n-n/4)
	}
}

func TestCheckpointerCopiesTheWAL(t *testing.T) {
	ctx := context.Background()
	db, path := openTest(t)
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	items := make([]model.NewItem, 3000)
	for i := range items {
		items[i] = model.NewItem{Key: fmt.Sprint("k", i), LinkKey: fmt.Sprint("https://x/", i), TitleKey: fmt.Sprint("a title long enough ", i)}
	}
	if _, err := db.Ingest(ctx, model.FeedState{URL: "http://a"}, nil, items); err != nil {
		t.Fatal(err)
	}
	// The writer's own checkpoint waits for 32,000 pages; only the
	// checkpointer can have moved these pages into the database file.
	deadline := time.Now().Add(5 * time.Second)
	for {
		after, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if after.Size() > before.Size() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("database file still %d bytes after the ingest: no checkpoint ran", after.Size())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestTitleDedupOnlyAgainstAlertedStories(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	// Feed A carried the headline silently (it matched no watch).
	if _, err := db.Ingest(ctx, model.FeedState{URL: "http://a"}, nil, []model.NewItem{{Key: "1", LinkKey: "http://a/1", TitleKey: "same headline"}}); err != nil {
		t.Fatal(err)
	}
	// Feed B's copy matches: it was never alerted, so it alerts now.
	res, err := db.Ingest(ctx, model.FeedState{URL: "http://b"}, nil, []model.NewItem{{Key: "2", LinkKey: "http://b/2", TitleKey: "same headline", Alerts: []model.Alert{alertTo("console", "x")}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Queued != 1 {
		t.Fatalf("first alert for the headline: %+v, want it queued", res)
	}
	// Feed C's copy is a duplicate of an alerted story.
	res, err = db.Ingest(ctx, model.FeedState{URL: "http://c"}, nil, []model.NewItem{{Key: "3", LinkKey: "http://c/3", TitleKey: "same headline", Alerts: []model.Alert{alertTo("console", "x")}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Queued != 0 || res.Duplicates != 1 {
		t.Fatalf("second alert for the headline: %+v, want a duplicate", res)
	}
	// A silent item's link still guards against GUID renumbering.
	res, err = db.Ingest(ctx, model.FeedState{URL: "http://a"}, nil, []model.NewItem{{Key: "1-renumbered", LinkKey: "http://a/1", Alerts: []model.Alert{alertTo("console", "x")}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Queued != 0 {
		t.Fatalf("renumbered GUID of a silent item alerted: %+v", res)
	}
}
