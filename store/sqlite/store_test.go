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

// The backend-independent rules are in the conformance suite
// (conformance_test.go); these tests cover what only SQLite has: a file that
// is reopened and migrated, a read-only database, group commit and the
// checkpointer.

func TestReopenKeepsEverything(t *testing.T) {
	ctx := context.Background()
	db, path := openTest(t)
	res, err := db.Ingest(ctx, model.FeedState{URL: "http://a/feed", Initialized: true}, nil, []model.NewItem{
		{Key: "g1", LinkKey: "http://a/1", TitleKey: "one", Alerts: []model.Alert{alertTo("console", "One")}},
		{Key: "g2", LinkKey: "http://a/2", TitleKey: "two", Alerts: []model.Alert{alertTo("console", "Two"), alertTo("telegram:1", "Two")}},
	})
	if err != nil || res.Queued != 3 {
		t.Fatalf("Ingest = %+v, %v; want 3 queued", res, err)
	}
	if _, err := db.AddSubscription(ctx, model.Subscription{Chat: "telegram:1", Watch: "w"}); err != nil {
		t.Fatal(err)
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
	if st.Pending != 3 {
		t.Fatalf("pending after reopen = %d, want 3", st.Pending)
	}
	if seen, _ := db2.SeenKeys(ctx, "http://a/feed", []string{"g1", "g2"}); len(seen) != 2 {
		t.Fatalf("seen after reopen = %v, want g1 and g2", seen)
	}
	if subs, _ := db2.Subscriptions(ctx, "telegram:1"); len(subs) != 1 {
		t.Fatalf("subscriptions after reopen = %+v, want 1", subs)
	}
}

// Tags are stored as JSON: an untagged feed reads back as an empty list,
// never nil (the contract leaves this open; SQLite has always done it).
func TestChatFeedTagsNeverNil(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	if err := db.AddChatFeed(ctx, model.ChatFeed{URL: "https://example.net/atom.xml"}); err != nil {
		t.Fatal(err)
	}
	got, err := db.ChatFeeds(ctx)
	if err != nil || len(got) != 1 {
		t.Fatalf("ChatFeeds = %+v, %v", got, err)
	}
	if got[0].Tags == nil || len(got[0].Tags) != 0 {
		t.Errorf("untagged feed tags = %#v, want empty", got[0].Tags)
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
