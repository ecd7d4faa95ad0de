package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/newshound/newshound/model"
)

func openSubsTestDB(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "subs.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestAddSubscriptionAssignsIDAndRefusesDuplicates(t *testing.T) {
	ctx := context.Background()
	db := openSubsTestDB(t)
	at := time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC)

	w, err := db.AddSubscription(ctx, model.Subscription{Chat: "telegram:-100", Watch: "apt29", CreatedBy: "42", CreatedAt: at})
	if err != nil {
		t.Fatalf("add watch: %v", err)
	}
	if !regexp.MustCompile(`^[a-z2-7]{6}$`).MatchString(w.ID) {
		t.Errorf("id %q is not 6 base32 characters", w.ID)
	}
	q, err := db.AddSubscription(ctx, model.Subscription{Chat: "telegram:-100", Query: ` "Cozy Bear" OR APT29 `, CreatedBy: "42", CreatedAt: at.Add(time.Second)})
	if err != nil {
		t.Fatalf("add query: %v", err)
	}
	if q.Query != `"Cozy Bear" OR APT29` {
		t.Errorf("query not trimmed: %q", q.Query)
	}
	if q.ID == w.ID {
		t.Errorf("two subscriptions share id %q", q.ID)
	}

	tests := []struct {
		name    string
		sub     model.Subscription
		wantErr error
		wantID  string
	}{
		{"same watch same chat", model.Subscription{Chat: "telegram:-100", Watch: "apt29"}, model.ErrSubscriptionExists, w.ID},
		{"same query same chat", model.Subscription{Chat: "telegram:-100", Query: `"Cozy Bear" OR APT29`}, model.ErrSubscriptionExists, q.ID},
		{"same watch other chat", model.Subscription{Chat: "discord:7", Watch: "apt29"}, nil, ""},
		{"watch named like a query", model.Subscription{Chat: "telegram:-100", Watch: `"Cozy Bear" OR APT29`}, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.sub.CreatedAt = at.Add(time.Hour)
			got, err := db.AddSubscription(ctx, tc.sub)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if tc.wantID != "" && got.ID != tc.wantID {
				t.Errorf("existing id = %q, want %q", got.ID, tc.wantID)
			}
		})
	}

	bad := []model.Subscription{
		{Chat: "telegram:-100"},
		{Chat: "telegram:-100", Watch: "a", Query: "b"},
		{Watch: "a"},
	}
	for _, s := range bad {
		if _, err := db.AddSubscription(ctx, s); err == nil {
			t.Errorf("AddSubscription(%+v) accepted an invalid subscription", s)
		}
	}

	got, err := db.Subscriptions(ctx, "telegram:-100")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].ID != w.ID || got[1].ID != q.ID {
		t.Fatalf("Subscriptions = %+v, want apt29, query, then the odd watch", got)
	}
	if !got[0].CreatedAt.Equal(at) || got[0].CreatedBy != "42" || got[0].Watch != "apt29" {
		t.Errorf("round trip lost fields: %+v", got[0])
	}
	all, err := db.Subscriptions(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 4 || all[0].Chat != "discord:7" {
		t.Errorf("all subscriptions = %+v, want 4 ordered by chat", all)
	}
}

func TestAddSubscriptionConcurrentUniqueIDs(t *testing.T) {
	ctx := context.Background()
	db := openSubsTestDB(t)
	const n = 40
	ids := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			s, err := db.AddSubscription(ctx, model.Subscription{Chat: "telegram:1", Query: "q" + string(rune('a'+i%26)) + string(rune('a'+i/26))})
			ids[i], errs[i] = s.ID, err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("add %d: %v", i, err)
		}
	}
	slices.Sort(ids)
	if len(slices.Compact(ids)) != n {
		t.Errorf("ids not unique: %v", ids)
	}
}

func TestRemoveSubscription(t *testing.T) {
	ctx := context.Background()
	db := openSubsTestDB(t)
	add := func(s model.Subscription) model.Subscription {
		t.Helper()
		got, err := db.AddSubscription(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	byID := add(model.Subscription{Chat: "c", Watch: "w1"})
	add(model.Subscription{Chat: "c", Watch: "w2"})
	add(model.Subscription{Chat: "c", Query: "Baku AND Moscow"})
	other := add(model.Subscription{Chat: "other", Watch: "w2"})

	tests := []struct {
		name string
		chat model.Destination
		key  string
		want int
	}{
		{"by id, upper case", "c", upper(byID.ID), 1},
		{"same id again", "c", byID.ID, 0},
		{"by watch name", "c", "w2", 1},
		{"by exact query", "c", "Baku AND Moscow", 1},
		{"other chat's id", "c", other.ID, 0},
		{"empty", "c", "  ", 0},
		{"unknown", "c", "nope", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, err := db.RemoveSubscription(ctx, tc.chat, tc.key)
			if err != nil {
				t.Fatal(err)
			}
			if n != tc.want {
				t.Errorf("removed %d, want %d", n, tc.want)
			}
		})
	}
	left, err := db.Subscriptions(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 1 || left[0].ID != other.ID {
		t.Errorf("left %+v, want only the other chat's", left)
	}
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func TestMoveChat(t *testing.T) {
	ctx := context.Background()
	db := openSubsTestDB(t)
	for _, s := range []model.Subscription{
		{Chat: "telegram:-1", Watch: "apt29"},
		{Chat: "telegram:-1", Watch: "baku"},
		{Chat: "telegram:-1", Query: "Kyiv"},
		{Chat: "telegram:-1009", Watch: "apt29"}, // already on the new chat
		{Chat: "telegram:-2", Watch: "baku"},     // unrelated
	} {
		if _, err := db.AddSubscription(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.MoveChat(ctx, "telegram:-1", "telegram:-1009"); err != nil {
		t.Fatalf("MoveChat: %v", err)
	}
	old, err := db.Subscriptions(ctx, "telegram:-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(old) != 0 {
		t.Errorf("old chat still has %+v", old)
	}
	moved, err := db.Subscriptions(ctx, "telegram:-1009")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, s := range moved {
		keys = append(keys, s.Watch+s.Query)
	}
	slices.Sort(keys)
	if want := []string{"Kyiv", "apt29", "baku"}; !slices.Equal(keys, want) {
		t.Errorf("new chat holds %v, want %v", keys, want)
	}
	if other, _ := db.Subscriptions(ctx, "telegram:-2"); len(other) != 1 {
		t.Errorf("unrelated chat changed: %+v", other)
	}
	if err := db.MoveChat(ctx, "telegram:-1009", "telegram:-1009"); err != nil {
		t.Errorf("self move: %v", err)
	}
	if err := db.MoveChat(ctx, "", "x"); err == nil {
		t.Error("move from empty chat accepted")
	}
}

func TestChatFeedsRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := openSubsTestDB(t)
	at := time.Date(2026, 11, 27, 1, 2, 3, 4_000_000, time.UTC)
	feeds := []model.ChatFeed{
		{URL: "https://example.org/rss", Tags: []string{"ukraine", "osint"}, AddedBy: "7", AddedAt: at},
		{URL: "https://example.net/atom.xml", AddedBy: "8", AddedAt: at.Add(time.Minute)},
	}
	for _, f := range feeds {
		if err := db.AddChatFeed(ctx, f); err != nil {
			t.Fatalf("AddChatFeed(%s): %v", f.URL, err)
		}
	}
	if err := db.AddChatFeed(ctx, model.ChatFeed{URL: " https://example.org/rss "}); !errors.Is(err, model.ErrChatFeedExists) {
		t.Errorf("duplicate feed: err = %v, want model.ErrChatFeedExists", err)
	}
	if err := db.AddChatFeed(ctx, model.ChatFeed{URL: ""}); err == nil {
		t.Error("empty URL accepted")
	}
	got, err := db.ChatFeeds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("ChatFeeds = %+v", got)
	}
	if got[0].URL != feeds[0].URL || !slices.Equal(got[0].Tags, feeds[0].Tags) || got[0].AddedBy != "7" || !got[0].AddedAt.Equal(at) {
		t.Errorf("first feed = %+v, want %+v", got[0], feeds[0])
	}
	if got[1].Tags == nil || len(got[1].Tags) != 0 {
		t.Errorf("untagged feed tags = %#v, want empty", got[1].Tags)
	}

	ok, err := db.RemoveChatFeed(ctx, "https://example.org/rss")
	if err != nil || !ok {
		t.Fatalf("RemoveChatFeed = %v, %v", ok, err)
	}
	ok, err = db.RemoveChatFeed(ctx, "https://example.org/rss")
	if err != nil || ok {
		t.Errorf("second RemoveChatFeed = %v, %v, want false", ok, err)
	}
	got, _ = db.ChatFeeds(ctx)
	if len(got) != 1 || got[0].URL != feeds[1].URL {
		t.Errorf("after remove: %+v", got)
	}
}
