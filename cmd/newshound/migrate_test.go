package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store/postgres"
	"github.com/newshound/newshound/store/postgres/pgtest"
	"github.com/newshound/newshound/store/sqlite"
)

// A SQLite store copied twice (as after an interruption) into PostgreSQL
// holds the same state there, once, and a story already seen before the
// move is still a duplicate after it.
func TestMigrateToPostgres(t *testing.T) {
	dsn := pgtest.DSN(t)
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "old.db")
	src, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	feed := model.FeedState{URL: "https://wire.example/rss", Name: "Wire", Initialized: true, ETag: `"e1"`}
	item := func(k string) model.NewItem {
		return model.NewItem{Key: k, LinkKey: "https://n.example/" + k, TitleKey: "title " + k,
			Alerts: []model.Alert{{Destination: "telegram:-100", Title: k}, {Destination: "console", Title: k}}}
	}
	res, err := src.Ingest(ctx, feed, []string{"a", "b", "c"}, []model.NewItem{item("a"), item("b"), item("c")})
	if err != nil || res.Queued != 6 {
		t.Fatalf("ingest: %+v, %v", res, err)
	}
	pending, _ := src.NextAlerts(ctx, "console", time.Now().AddDate(1, 0, 0), 10)
	if len(pending) == 0 {
		t.Fatal("nothing queued for console")
	}
	if err := src.MarkSent(ctx, pending[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := src.AddSubscription(ctx, model.Subscription{Chat: "telegram:-100", Watch: "apt29"}); err != nil {
		t.Fatal(err)
	}
	if err := src.AddChatFeed(ctx, model.ChatFeed{URL: "https://chat.example/rss", Tags: []string{"x"}}); err != nil {
		t.Fatal(err)
	}
	if err := src.SetState(ctx, "telegram.offset", "42"); err != nil {
		t.Fatal(err)
	}
	if err := src.SetMute(ctx, "console", time.Now().AddDate(10, 0, 0)); err != nil {
		t.Fatal(err)
	}
	src.Close()

	var out bytes.Buffer
	for range 2 {
		out.Reset()
		if _, err := migrateSQLite(ctx, path, dsn, &out); err != nil {
			t.Fatal(err)
		}
	}
	for _, line := range []string{"feeds          1", "items          3", "outbox         6", "subscriptions  1", "chat_feeds     1"} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("report lacks %q:\n%s", line, out.String())
		}
	}

	dst, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	seen, err := dst.SeenKeys(ctx, feed.URL, []string{"a", "b", "c", "d"})
	if err != nil || len(seen) != 3 || seen["d"] {
		t.Errorf("SeenKeys after the move = %v, %v; want a, b, c", seen, err)
	}
	all, err := dst.ListOutbox(ctx, model.StateSent, "", 0)
	if err != nil || len(all) != 1 {
		t.Errorf("sent alerts after the move: %d, %v; want 1", len(all), err)
	}
	waiting, _ := dst.ListOutbox(ctx, "", "", 0)
	if len(waiting) != 5 {
		t.Errorf("%d alerts waiting after the move, want 5", len(waiting))
	}
	// The same story under a new GUID (same link) must not alert again,
	// and new alerts must get ids of their own.
	res, err = dst.Ingest(ctx, feed, nil, []model.NewItem{{Key: "a2", LinkKey: "https://n.example/a", Alerts: item("a2").Alerts}, item("d")})
	if err != nil || res.Queued != 2 || res.Duplicates != 1 {
		t.Errorf("ingest after the move: %+v, %v; want a2 a duplicate and d queued twice", res, err)
	}
	subs, _ := dst.Subscriptions(ctx, "")
	feeds, _ := dst.ChatFeeds(ctx)
	off, _ := dst.GetState(ctx, "telegram.offset")
	mute, _ := dst.MuteUntil(ctx, "console")
	if len(subs) != 1 || subs[0].Watch != "apt29" || len(feeds) != 1 || off != "42" || mute.IsZero() {
		t.Errorf("after the move: subs %v, chat feeds %v, offset %q, mute %v", subs, feeds, off, mute)
	}
}
