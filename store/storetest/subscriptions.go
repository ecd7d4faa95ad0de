package storetest

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newshound/newshound/model"
)

// subID is the shape of a subscription id (model.Subscription.ID).
var subID = regexp.MustCompile(`^[a-z2-7]{6}$`)

// addSub adds s and fails the test on error.
func (e *env) addSub(s model.Subscription) model.Subscription {
	e.t.Helper()
	got, err := e.s.AddSubscription(e.ctx, s)
	if err != nil {
		e.t.Fatalf("AddSubscription(%+v): %v", s, err)
	}
	return got
}

// subs returns chat's subscriptions, failing the test on error.
func (e *env) subs(chat model.Destination) []model.Subscription {
	e.t.Helper()
	got, err := e.s.Subscriptions(e.ctx, chat)
	if err != nil {
		e.t.Fatalf("Subscriptions(%q): %v", chat, err)
	}
	return got
}

var subscriptionTests = []test{
	{"AssignsIDsAndRefusesDuplicates", func(t *testing.T, e *env) {
		at := e.now().Add(-time.Hour)
		w := e.addSub(model.Subscription{Chat: "telegram:-100", Watch: "apt29", CreatedBy: "42", CreatedAt: at})
		if !subID.MatchString(w.ID) {
			t.Errorf("id %q is not 6 base32 characters", w.ID)
		}
		q := e.addSub(model.Subscription{Chat: "telegram:-100", Query: ` "Cozy Bear" OR APT29 `, CreatedBy: "42", CreatedAt: at.Add(time.Second)})
		if q.Query != `"Cozy Bear" OR APT29` {
			t.Errorf("query not trimmed: %q", q.Query)
		}
		if q.ID == w.ID || !subID.MatchString(q.ID) {
			t.Errorf("second id %q (first %q): want a distinct 6-character id", q.ID, w.ID)
		}
		tests := []struct {
			name    string
			sub     model.Subscription
			wantErr error
			wantID  string
		}{
			{"same watch same chat", model.Subscription{Chat: "telegram:-100", Watch: "apt29"}, model.ErrSubscriptionExists, w.ID},
			{"same query same chat", model.Subscription{Chat: "telegram:-100", Query: `"Cozy Bear" OR APT29`}, model.ErrSubscriptionExists, q.ID},
			{"same query untrimmed", model.Subscription{Chat: "telegram:-100", Query: `  "Cozy Bear" OR APT29`}, model.ErrSubscriptionExists, q.ID},
			{"same watch other chat", model.Subscription{Chat: "discord:7", Watch: "apt29"}, nil, ""},
			{"watch named like a query", model.Subscription{Chat: "telegram:-100", Watch: `"Cozy Bear" OR APT29`}, nil, ""},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				tc.sub.CreatedAt = at.Add(time.Hour)
				got, err := e.s.AddSubscription(e.ctx, tc.sub)
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				if tc.wantID != "" && got.ID != tc.wantID {
					t.Errorf("existing id = %q, want %q", got.ID, tc.wantID)
				}
			})
		}
		for _, s := range []model.Subscription{
			{Chat: "telegram:-100"},
			{Chat: "telegram:-100", Watch: "a", Query: "b"},
			{Watch: "a"},
			{Chat: "telegram:-100", Watch: "  "},
		} {
			if _, err := e.s.AddSubscription(e.ctx, s); err == nil {
				t.Errorf("AddSubscription(%+v) accepted an invalid subscription", s)
			}
		}

		got := e.subs("telegram:-100")
		if len(got) != 3 || got[0].ID != w.ID || got[1].ID != q.ID || got[2].Watch != `"Cozy Bear" OR APT29` {
			t.Fatalf("Subscriptions = %+v, want apt29, the query, then the odd watch", got)
		}
		if !got[0].CreatedAt.Equal(at) || got[0].CreatedBy != "42" || got[0].Watch != "apt29" || got[0].Query != "" || got[0].Chat != "telegram:-100" {
			t.Errorf("round trip lost fields: %+v", got[0])
		}
		all := e.subs("")
		if len(all) != 4 || all[0].Chat != "discord:7" {
			t.Errorf("all subscriptions = %+v, want 4 ordered by chat", all)
		}
	}},
	{"CreatedAtDefaultsToNow", func(t *testing.T, e *env) {
		s := e.addSub(model.Subscription{Chat: "telegram:1", Watch: "w"})
		if !s.CreatedAt.Equal(e.now()) {
			t.Errorf("CreatedAt = %v, want the store's clock %v", s.CreatedAt, e.now())
		}
		e.advance(time.Minute)
		e.addSub(model.Subscription{Chat: "telegram:1", Watch: "a later one"})
		if got := e.subs("telegram:1"); len(got) != 2 || got[0].ID != s.ID || !got[0].CreatedAt.Equal(epoch) {
			t.Errorf("Subscriptions = %+v, want w (created at %v) first", got, epoch)
		}
	}},
	{"ConcurrentAddsGetUniqueIDs", func(t *testing.T, e *env) {
		const n = 40
		ids := make([]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				s, err := e.s.AddSubscription(e.ctx, model.Subscription{Chat: "telegram:1", Query: fmt.Sprint("q", i)})
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
		if got := e.subs("telegram:1"); len(got) != n {
			t.Errorf("%d subscriptions stored, want %d", len(got), n)
		}
	}},
	{"Remove", func(t *testing.T, e *env) {
		byID := e.addSub(model.Subscription{Chat: "c", Watch: "w1"})
		e.addSub(model.Subscription{Chat: "c", Watch: "w2"})
		e.addSub(model.Subscription{Chat: "c", Query: "Baku AND Moscow"})
		other := e.addSub(model.Subscription{Chat: "other", Watch: "w2"})
		tests := []struct {
			name string
			key  string
			want int
		}{
			{"by id, upper case", strings.ToUpper(byID.ID), 1},
			{"same id again", byID.ID, 0},
			{"by watch name", "w2", 1},
			{"query not exact", "baku and moscow", 0},
			{"by exact query", "Baku AND Moscow", 1},
			{"other chat's id", other.ID, 0},
			{"empty", "  ", 0},
			{"unknown", "nope", 0},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				n, err := e.s.RemoveSubscription(e.ctx, "c", tc.key)
				if err != nil {
					t.Fatal(err)
				}
				if n != tc.want {
					t.Errorf("removed %d, want %d", n, tc.want)
				}
			})
		}
		if left := e.subs(""); len(left) != 1 || left[0].ID != other.ID {
			t.Errorf("left %+v, want only the other chat's", left)
		}
	}},
	{"MoveChat", func(t *testing.T, e *env) {
		for _, s := range []model.Subscription{
			{Chat: "telegram:-1", Watch: "apt29"},
			{Chat: "telegram:-1", Watch: "baku"},
			{Chat: "telegram:-1", Query: "Kyiv"},
			{Chat: "telegram:-1009", Watch: "apt29"}, // already on the new chat
			{Chat: "telegram:-2", Watch: "baku"},     // unrelated
		} {
			e.addSub(s)
		}
		e.must("MoveChat", e.s.MoveChat(e.ctx, "telegram:-1", "telegram:-1009"))
		if old := e.subs("telegram:-1"); len(old) != 0 {
			t.Errorf("old chat still has %+v", old)
		}
		var keys []string
		for _, s := range e.subs("telegram:-1009") {
			keys = append(keys, s.Watch+s.Query)
			if s.Chat != "telegram:-1009" {
				t.Errorf("moved subscription %+v names chat %s", s, s.Chat)
			}
		}
		slices.Sort(keys)
		if want := []string{"Kyiv", "apt29", "baku"}; !slices.Equal(keys, want) {
			t.Errorf("new chat holds %v, want %v", keys, want)
		}
		if other := e.subs("telegram:-2"); len(other) != 1 {
			t.Errorf("unrelated chat changed: %+v", other)
		}
		if err := e.s.MoveChat(e.ctx, "telegram:-1009", "telegram:-1009"); err != nil {
			t.Errorf("self move: %v", err)
		}
		if got := e.subs("telegram:-1009"); len(got) != 3 {
			t.Errorf("self move left %d subscriptions, want 3", len(got))
		}
		if err := e.s.MoveChat(e.ctx, "", "x"); err == nil {
			t.Error("move from empty chat accepted")
		}
	}},
}

var chatFeedTests = []test{
	{"RoundTrip", func(t *testing.T, e *env) {
		at := e.now().Add(-time.Hour)
		feeds := []model.ChatFeed{
			{URL: "https://example.org/rss", Tags: []string{"ukraine", "osint"}, AddedBy: "7", AddedAt: at},
			{URL: "https://example.net/atom.xml", AddedBy: "8", AddedAt: at.Add(time.Minute)},
		}
		for _, f := range feeds {
			e.must("AddChatFeed "+f.URL, e.s.AddChatFeed(e.ctx, f))
		}
		if err := e.s.AddChatFeed(e.ctx, model.ChatFeed{URL: " https://example.org/rss "}); !errors.Is(err, model.ErrChatFeedExists) {
			t.Errorf("duplicate feed: err = %v, want model.ErrChatFeedExists", err)
		}
		if err := e.s.AddChatFeed(e.ctx, model.ChatFeed{URL: ""}); err == nil {
			t.Error("empty URL accepted")
		}
		got, err := e.s.ChatFeeds(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 {
			t.Fatalf("ChatFeeds = %+v", got)
		}
		if got[0].URL != feeds[0].URL || !slices.Equal(got[0].Tags, feeds[0].Tags) || got[0].AddedBy != "7" || !got[0].AddedAt.Equal(at) {
			t.Errorf("first feed = %+v, want %+v", got[0], feeds[0])
		}
		if got[1].URL != feeds[1].URL || len(got[1].Tags) != 0 {
			t.Errorf("second feed = %+v, want %s with no tags", got[1], feeds[1].URL)
		}
		ok, err := e.s.RemoveChatFeed(e.ctx, "https://example.org/rss")
		if err != nil || !ok {
			t.Fatalf("RemoveChatFeed = %v, %v", ok, err)
		}
		ok, err = e.s.RemoveChatFeed(e.ctx, "https://example.org/rss")
		if err != nil || ok {
			t.Errorf("second RemoveChatFeed = %v, %v, want false", ok, err)
		}
		got, _ = e.s.ChatFeeds(e.ctx)
		if len(got) != 1 || got[0].URL != feeds[1].URL {
			t.Errorf("after remove: %+v", got)
		}
	}},
	{"AddedAtDefaultsToNow", func(t *testing.T, e *env) {
		e.must("AddChatFeed", e.s.AddChatFeed(e.ctx, model.ChatFeed{URL: "https://example.org/rss"}))
		got, err := e.s.ChatFeeds(e.ctx)
		if err != nil || len(got) != 1 || !got[0].AddedAt.Equal(e.now()) {
			t.Errorf("ChatFeeds = %+v, %v; want AddedAt %v (the store's clock)", got, err, e.now())
		}
	}},
}

var stateTests = []test{
	{"GetSet", func(t *testing.T, e *env) {
		if v, err := e.s.GetState(e.ctx, "k"); err != nil || v != "" {
			t.Fatalf("absent = %q, %v; want empty", v, err)
		}
		e.must("SetState", e.s.SetState(e.ctx, "k", "1"))
		e.must("SetState", e.s.SetState(e.ctx, "k", "2"))
		e.must("SetState", e.s.SetState(e.ctx, "other", "x"))
		if v, err := e.s.GetState(e.ctx, "k"); err != nil || v != "2" {
			t.Fatalf("state = %q, %v; want 2", v, err)
		}
		if v, _ := e.s.GetState(e.ctx, "other"); v != "x" {
			t.Errorf("other key = %q, want x", v)
		}
	}},
	{"Ping", func(t *testing.T, e *env) {
		e.must("Ping", e.s.Ping(e.ctx))
	}},
}
