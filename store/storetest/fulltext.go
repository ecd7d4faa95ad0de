package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/model"
)

// pendingItem is a new item held for its article's text.
func pendingItem(key, link, title string) model.NewItem {
	return model.NewItem{Key: key, LinkKey: link, TitleKey: title, Published: epoch.Add(-time.Hour),
		Fulltext: &model.PendingText{Link: link, Title: title, Summary: "teaser of " + key, FeedTags: []string{"t"}, FeedHost: "a"}}
}

// pending returns every pending story, failing the test on error.
func (e *env) pending(skip ...int64) []model.PendingText {
	e.t.Helper()
	ps, err := e.s.PendingTexts(e.ctx, 0, skip)
	if err != nil {
		e.t.Fatalf("PendingTexts: %v", err)
	}
	return ps
}

var fulltextTests = []test{
	{"IngestMarksPendingWithoutAlerts", func(t *testing.T, e *env) {
		res := e.ingest("http://a/feed", nil, pendingItem("k1", "http://a/1", "t1"), item("k2", "http://a/2", "t2", "console"))
		if res.New != 2 || res.Pending != 1 || res.Queued != 1 {
			t.Errorf("ingest = %+v, want 2 new, 1 pending, 1 queued (the other item's)", res)
		}
		ps := e.pending()
		if len(ps) != 1 {
			t.Fatalf("PendingTexts = %+v, want the one held item", ps)
		}
		p := ps[0]
		if p.ID == 0 || p.FeedURL != "http://a/feed" || p.Key != "k1" || p.Summary != "teaser of k1" || p.FeedHost != "a" ||
			len(p.FeedTags) != 1 || !p.Published.Equal(epoch.Add(-time.Hour)) || !p.CreatedAt.Equal(e.now()) {
			t.Errorf("pending = %+v, want what was ingested, with an id and CreatedAt = the store's clock", p)
		}
		if got := e.seen("http://a/feed", "k1"); !got["k1"] {
			t.Error("a pending item must be recorded as seen at ingest (never fetched twice)")
		}
		if n := len(e.next("console", e.now())); n != 1 {
			t.Errorf("%d alerts queued, want only the unheld item's", n)
		}
	}},
	{"CompleteQueuesOnceAndClears", func(t *testing.T, e *env) {
		e.ingest("http://a/feed", nil, pendingItem("k1", "http://a/1", "t1"))
		id := e.pending()[0].ID
		alerts := []model.Alert{{Destination: "console", Title: "k1", FromArticle: true}, {Destination: "telegram:1", Title: "k1"}}
		res, err := e.s.CompleteText(e.ctx, id, alerts, nil, "")
		if err != nil || res.Queued != 2 || res.QueuedByPlatform["telegram"] != 1 {
			t.Fatalf("CompleteText = %+v, %v; want 2 queued", res, err)
		}
		if ps := e.pending(); len(ps) != 0 {
			t.Errorf("after CompleteText pending = %+v, want none", ps)
		}
		res, err = e.s.CompleteText(e.ctx, id, alerts, nil, "")
		if err != nil || res.Queued != 0 {
			t.Errorf("second CompleteText = %+v, %v; want nothing queued", res, err)
		}
		got := e.next("console", e.now())
		if len(got) != 1 || !got[0].FromArticle {
			t.Errorf("console alerts = %+v, want one, FromArticle kept", got)
		}
	}},
	{"CompleteWithoutAlertsClears", func(t *testing.T, e *env) {
		e.ingest("http://a/feed", nil, pendingItem("k1", "http://a/1", "t1"))
		res, err := e.s.CompleteText(e.ctx, e.pending()[0].ID, nil, nil, "")
		if err != nil || res.Queued != 0 || len(e.pending()) != 0 {
			t.Errorf("CompleteText(no alerts) = %+v, %v, pending %d; want cleared", res, err, len(e.pending()))
		}
		// A story that matched nothing does not take its title out of
		// circulation: the same headline elsewhere still alerts.
		e.wantIngest("same title, other feed", e.ingest("http://b/feed", nil, item("x", "http://b/x", "t1", "console")), 1, 0, 1)
	}},
	{"DuplicatesAreNotHeld", func(t *testing.T, e *env) {
		e.ingest("http://a/feed", nil, item("k1", "http://a/1", "t1", "console"))
		res := e.ingest("http://b/feed", nil, pendingItem("x", "http://a/1", "other"), pendingItem("y", "http://b/y", "t1"))
		if res.Duplicates != 2 || res.Pending != 0 {
			t.Errorf("ingest = %+v, want both duplicates (link, title) and none held", res)
		}
	}},
	{"AlertedTitleDedups", func(t *testing.T, e *env) {
		e.ingest("http://a/feed", nil, pendingItem("k1", "http://a/1", "t1"))
		if _, err := e.s.CompleteText(e.ctx, e.pending()[0].ID, []model.Alert{{Destination: "console"}}, nil, ""); err != nil {
			t.Fatal(err)
		}
		e.wantIngest("same title after it alerted", e.ingest("http://b/feed", nil, item("x", "http://b/x", "t1", "console")), 1, 1, 0)
	}},
	{"SkipAndLimit", func(t *testing.T, e *env) {
		e.ingest("http://a/feed", nil, pendingItem("k1", "http://a/1", "t1"), pendingItem("k2", "http://a/2", "t2"), pendingItem("k3", "http://a/3", "t3"))
		all := e.pending()
		if len(all) != 3 || all[0].Key != "k1" || all[2].Key != "k3" {
			t.Fatalf("pending = %+v, want k1..k3 oldest first", all)
		}
		rest := e.pending(all[0].ID)
		if len(rest) != 2 || rest[0].Key != "k2" {
			t.Errorf("pending skipping k1 = %+v, want k2, k3", rest)
		}
		one, err := e.s.PendingTexts(e.ctx, 1, nil)
		if err != nil || len(one) != 1 || one[0].Key != "k1" {
			t.Errorf("PendingTexts(limit 1) = %+v, %v", one, err)
		}
	}},
}

// The history keeps a story held for its text once it completes, with the
// watches and destinations it alerted; a held duplicate is never marked.
var fulltextHistoryTests = []test{
	{"HistoryRecordedOnCompletion", func(t *testing.T, e *env) {
		it := pendingItem("k1", "http://a/1", "t1")
		it.Story = &model.Story{Title: "Held story", Link: "http://a/1", Text: "teaser"}
		e.ingest("http://a/feed", nil, it)
		if got, err := e.s.SearchHistory(e.ctx, model.HistorySearch{Words: "held"}); err != nil || len(got) != 0 {
			t.Fatalf("history before completion = %+v, %v; want nothing yet", got, err)
		}
		id := e.pending()[0].ID
		alerts := []model.Alert{{Destination: "console", Title: "Held story", Watches: []model.WatchMatch{{Name: "w", Terms: []string{"x"}}}}}
		if _, err := e.s.CompleteText(e.ctx, id, alerts, nil, ""); err != nil {
			t.Fatal(err)
		}
		got, err := e.s.SearchHistory(e.ctx, model.HistorySearch{Words: "held"})
		if err != nil || len(got) != 1 {
			t.Fatalf("history after completion = %+v, %v; want the story", got, err)
		}
		if len(got[0].Watches) != 1 || got[0].Watches[0].Name != "w" || len(got[0].Sent) != 1 || got[0].Sent[0] != "console" {
			t.Errorf("history = %+v; want watch w, sent to console", got[0])
		}
		if _, err := e.s.CompleteText(e.ctx, id, alerts, nil, ""); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.s.SearchHistory(e.ctx, model.HistorySearch{Words: "held"}); len(got) != 1 {
			t.Errorf("a second completion recorded the story again: %d stories", len(got))
		}
	}},
	{"HistoryKeepsTheArticle", func(t *testing.T, e *env) {
		read := pendingItem("k1", "http://a/1", "t1")
		read.Story = &model.Story{Title: "Held story", Link: "http://a/1", Text: "teaser"}
		unread := pendingItem("k2", "http://a/2", "t2")
		unread.Story = &model.Story{Title: "Other story", Link: "http://a/2", Text: "teaser"}
		e.ingest("http://a/feed", nil, read, unread)
		ps := e.pending()
		if len(ps) != 2 {
			t.Fatalf("pending = %+v, want 2", ps)
		}
		if _, err := e.s.CompleteText(e.ctx, ps[0].ID, nil, nil, "teaser\n\nThe article names Cozy Bear."); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.CompleteText(e.ctx, ps[1].ID, nil, nil, ""); err != nil {
			t.Fatal(err)
		}
		got, err := e.s.SearchHistory(e.ctx, model.HistorySearch{Words: "cozy"})
		if err != nil || len(got) != 1 || got[0].Title != "Held story" || !strings.Contains(got[0].Text, "Cozy Bear") {
			t.Errorf("history search for a word of the article = %+v, %v; want the held story with its article", got, err)
		}
		got, err = e.s.SearchHistory(e.ctx, model.HistorySearch{Words: "teaser"})
		if err != nil || len(got) != 2 {
			t.Errorf("history search for the teaser = %d stories, %v; want both (the unread one kept its teaser)", len(got), err)
		}
	}},
	{"HeldDuplicateIsNotPending", func(t *testing.T, e *env) {
		e.ingest("http://a/feed", nil, item("k1", "http://a/1", "t1", "console"))
		res := e.ingest("http://b/feed", nil, pendingItem("k2", "http://a/1", "t2"))
		if res.Duplicates != 1 || res.Pending != 0 || len(e.pending()) != 0 {
			t.Errorf("ingest of a duplicate held for text = %+v, pending %v; want a duplicate, nothing pending", res, e.pending())
		}
	}},
}
