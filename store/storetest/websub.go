package storetest

import (
	"testing"
	"time"

	"github.com/newshound/newshound/model"
)

// webSubTests check the WebSub subscriptions: saved whole, replaced by
// feed, listed by feed URL, deleted.
var webSubTests = []test{
	{"save, replace, list, delete", func(t *testing.T, e *env) {
		at := time.UnixMilli(1_760_000_000_000).UTC()
		a := model.WebSubSubscription{Feed: "https://b.example/feed", Hub: "https://hub.example/", Topic: "https://b.example/feed",
			ID: "id-b", Secret: "s3cret", State: model.WebSubPending, Requested: at}
		b := model.WebSubSubscription{Feed: "https://a.example/feed", Hub: "https://hub.example/", Topic: "https://a.example/self",
			ID: "id-a", Secret: "other", State: model.WebSubActive, Requested: at, LeaseUntil: at.Add(time.Hour),
			LastPush: at.Add(time.Minute), Failures: 2, Error: "hub answered 500"}
		for _, s := range []model.WebSubSubscription{a, b} {
			if err := e.s.SaveWebSub(e.ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		a.State, a.LeaseUntil = model.WebSubActive, at.Add(24*time.Hour)
		if err := e.s.SaveWebSub(e.ctx, a); err != nil {
			t.Fatal(err)
		}
		got, err := e.s.WebSubs(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []model.WebSubSubscription{b, a}
		if len(got) != len(want) {
			t.Fatalf("WebSubs = %d subscriptions, want %d: %+v", len(got), len(want), got)
		}
		for i := range want {
			g, w := got[i], want[i]
			if g.Feed != w.Feed || g.Hub != w.Hub || g.Topic != w.Topic || g.ID != w.ID || g.Secret != w.Secret || g.State != w.State ||
				!g.Requested.Equal(w.Requested) || !g.LeaseUntil.Equal(w.LeaseUntil) || !g.LastPush.Equal(w.LastPush) ||
				g.Failures != w.Failures || g.Error != w.Error {
				t.Errorf("WebSubs[%d] = %+v, want %+v", i, g, w)
			}
		}
		if err := e.s.DeleteWebSub(e.ctx, a.Feed); err != nil {
			t.Fatal(err)
		}
		if err := e.s.DeleteWebSub(e.ctx, "https://never.example/"); err != nil {
			t.Errorf("deleting a subscription that does not exist: %v", err)
		}
		if got, _ := e.s.WebSubs(e.ctx); len(got) != 1 || got[0].Feed != b.Feed {
			t.Errorf("after delete: %+v, want only %s", got, b.Feed)
		}
	}},
}
