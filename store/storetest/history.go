package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/newshound/newshound/model"
)

// story is an item kept in the history with title and text, alerting dests
// for watch (no alerts when watch is "").
func story(key, title, text, watch string, dests ...model.Destination) model.NewItem {
	it := model.NewItem{Key: key, LinkKey: "http://x/" + key,
		Story: &model.Story{Title: title, Link: "http://x/" + key, Text: text, Categories: []string{"c-" + key}}}
	if watch != "" {
		for _, d := range dests {
			it.Alerts = append(it.Alerts, model.Alert{Destination: d, Title: title, Snippet: "«" + title + "»",
				Watches: []model.WatchMatch{{Name: watch, Terms: []string{title}}}})
		}
	}
	return it
}

// storyTitles returns the stories' titles in order.
func storyTitles(ss []model.Story) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Title)
	}
	return out
}

func (e *env) search(q model.HistorySearch) []string {
	e.t.Helper()
	ss, err := e.s.SearchHistory(e.ctx, q)
	if err != nil {
		e.t.Fatalf("SearchHistory(%+v): %v", q, err)
	}
	return storyTitles(ss)
}

var historyTests = []test{
	{"RecordedWithTheIngest", func(t *testing.T, e *env) {
		p := e.now().Add(-time.Hour)
		it := story("1", "Cozy Bear phishing", "The group sent mail.", "apt29", "console", "telegram:1")
		it.Published = p
		it.Story.Published = p
		e.ingest("http://a/feed", nil, it, story("2", "Weather", "Sunny.", ""))
		var got []model.Story
		e.must("ScanHistory", e.s.ScanHistory(e.ctx, model.HistorySearch{}, func(s model.Story) bool { got = append(got, s); return true }))
		if len(got) != 2 {
			t.Fatalf("ScanHistory = %d stories, want 2", len(got))
		}
		s := got[1] // newest first: story 2 was recorded after story 1
		if got[0].Title != "Weather" || s.Title != "Cozy Bear phishing" {
			t.Fatalf("ScanHistory order = %v, want newest first", storyTitles(got))
		}
		if s.FeedURL != "http://a/feed" || s.Feed != "http://a/feed" || s.Link != "http://x/1" || s.Text != "The group sent mail." ||
			!s.Published.Equal(p) || !s.Seen.Equal(e.now()) || !slices.Equal(s.Categories, []string{"c-1"}) || s.Snippet != "«Cozy Bear phishing»" {
			t.Errorf("story = %+v, want every field as ingested, Seen at the store's clock", s)
		}
		if len(s.Watches) != 1 || s.Watches[0].Name != "apt29" || !slices.Equal(s.Sent, []model.Destination{"console", "telegram:1"}) {
			t.Errorf("story watches %v sent %v, want apt29 once, sent to console and telegram:1", s.Watches, s.Sent)
		}
		if len(got[0].Watches) != 0 || len(got[0].Sent) != 0 {
			t.Errorf("silent story = %+v, want no watches, sent nowhere", got[0])
		}
		// A story already recorded is not recorded twice, and an item without Story keeps nothing.
		e.ingest("http://a/feed", []string{"1"}, story("1", "Cozy Bear phishing", "", "apt29", "console"), model.NewItem{Key: "3"})
		if st, err := e.s.HistoryStats(e.ctx); err != nil || st.Stories != 2 || !st.Oldest.Equal(e.now()) || st.Bytes <= 0 {
			t.Errorf("HistoryStats = %+v, %v; want 2 stories, the oldest seen now, some bytes", st, err)
		}
	}},
	{"DuplicateKeptButNotSent", func(t *testing.T, e *env) {
		e.ingest("http://a/feed", nil, story("1", "Breach at bank", "", "w", "console"))
		dup := story("2", "Breach at bank", "", "w", "console")
		dup.LinkKey = "http://x/1" // same canonical link: a duplicate
		e.ingest("http://b/feed", nil, dup)
		got := e.search(model.HistorySearch{Words: "breach", Alerted: true})
		if !slices.Equal(got, []string{"Breach at bank"}) {
			t.Errorf("alerted stories = %v, want only the first report", got)
		}
		if got := e.search(model.HistorySearch{Words: "breach"}); len(got) != 2 {
			t.Errorf("stories = %v, want both reports kept", got)
		}
	}},
	{"SearchWords", func(t *testing.T, e *env) {
		e.ingest("http://a/feed", nil,
			story("1", "Ransomware hits hospital", "Systems down in Kyiv.", "w", "console"),
			story("2", "Élection à Paris", "Les résultats.", ""),
			story("3", "Hospital reopens", "After the ransomware attack.", ""),
			story("4", "Ransomwarefree day", "", ""))
		for _, tt := range []struct {
			words string
			want  []string
		}{
			{"ransomware", []string{"Hospital reopens", "Ransomware hits hospital"}},
			{"RANSOMWARE hospital", []string{"Hospital reopens", "Ransomware hits hospital"}},
			{"ransomware kyiv", []string{"Ransomware hits hospital"}},
			{"election", []string{"Élection à Paris"}}, // accents folded
			{"ransom*", []string{"Ransomwarefree day", "Hospital reopens", "Ransomware hits hospital"}},
			{`"hospital": (ransomware-^`, []string{"Hospital reopens", "Ransomware hits hospital"}}, // FTS syntax is only words
			{"nothing-here", nil},
			{"***", nil},
		} {
			if got := e.search(model.HistorySearch{Words: tt.words}); !slices.Equal(got, tt.want) {
				t.Errorf("search %q = %v, want %v", tt.words, got, tt.want)
			}
		}
		if got := e.search(model.HistorySearch{Limit: 2}); !slices.Equal(got, []string{"Ransomwarefree day", "Hospital reopens"}) {
			t.Errorf("newest 2 = %v", got)
		}
		if got := e.search(model.HistorySearch{Watch: "w"}); !slices.Equal(got, []string{"Ransomware hits hospital"}) {
			t.Errorf("watch w = %v", got)
		}
	}},
	{"CountAndAnySets", func(t *testing.T, e *env) {
		plain := func(it model.NewItem) model.NewItem { it.Story.Categories = nil; return it }
		e.ingest("http://a/feed", nil,
			plain(story("1", "Ransomware hits hospital", "Systems down.", "w", "console")),
			story("2", "Weather", "Sunny.", ""), // categorised: c-2
			plain(story("3", "Bank talks", "Ransomware again.", "")),
			plain(story("4", "Football", "A match.", "w", "console")))
		count := func(q model.HistorySearch) int64 {
			t.Helper()
			n, err := e.s.CountHistory(e.ctx, q)
			if err != nil {
				t.Fatalf("CountHistory(%+v): %v", q, err)
			}
			return n
		}
		for _, tt := range []struct {
			q    model.HistorySearch
			want int64
		}{
			{model.HistorySearch{}, 4},
			{model.HistorySearch{Limit: 1}, 4}, // the limit is ignored
			{model.HistorySearch{Alerted: true}, 2},
			{model.HistorySearch{Alerted: true, Since: e.now().Add(time.Hour)}, 0},
			{model.HistorySearch{Words: "ransomware"}, 2},
			{model.HistorySearch{Words: "ransomware", Alerted: true}, 1},
			{model.HistorySearch{Words: "c-2"}, 1}, // categories are indexed too
			{model.HistorySearch{Watch: "w"}, 2},
			{model.HistorySearch{Words: "***"}, 0},
			{model.HistorySearch{Any: [][]string{{"sunny", "match"}}}, 2},
			{model.HistorySearch{Any: [][]string{{"sunny", "match"}, {"footb*"}}}, 1},
			{model.HistorySearch{Any: [][]string{{"ransomware"}, {"bank", "hospital"}}, Words: "again"}, 1},
			{model.HistorySearch{Any: [][]string{{"ransomware"}, {}}}, 0}, // an empty set: nothing holds one of its words
		} {
			if got := count(tt.q); got != tt.want {
				t.Errorf("CountHistory(%+v) = %d, want %d", tt.q, got, tt.want)
			}
		}
		q := model.HistorySearch{Any: [][]string{{"weath*", "ransomware"}}, Limit: 1}
		want := []string{"Bank talks", "Weather", "Ransomware hits hospital"}
		if got := e.search(model.HistorySearch{Any: q.Any}); !slices.Equal(got, want) {
			t.Errorf("search weath* or ransomware = %v, want %v", got, want)
		}
		var scanned []model.Story
		e.must("ScanHistory", e.s.ScanHistory(e.ctx, q, func(s model.Story) bool { scanned = append(scanned, s); return true }))
		if got := storyTitles(scanned); !slices.Equal(got, want) {
			t.Errorf("scan weath* or ransomware = %v, want %v (the limit ignored)", got, want)
		}
		scanned = nil
		e.must("ScanHistory", e.s.ScanHistory(e.ctx, q, func(s model.Story) bool { scanned = append(scanned, s); return len(scanned) < 2 }))
		if got := storyTitles(scanned); !slices.Equal(got, want[:2]) {
			t.Errorf("scan stopped after 2 = %v, want %v", got, want[:2])
		}
	}},
	{"ScanLongAndCutShort", func(t *testing.T, e *env) {
		// More stories than a backend reads at a time (store/postgres
		// fetches its cursor in chunks): a scan sees them all, newest
		// first, once each; one cut short stops where fn said, and the
		// store answers the next question at once.
		const n = 1234
		var items []model.NewItem
		for i := range n {
			items = append(items, story(fmt.Sprint(i), fmt.Sprintf("t%d", i), "common words", ""))
		}
		e.ingest("http://a/feed", nil, items...)
		for _, q := range []model.HistorySearch{{}, {Words: "common"}} {
			var ids []int64
			e.must("ScanHistory", e.s.ScanHistory(e.ctx, q, func(s model.Story) bool { ids = append(ids, s.ID); return true }))
			descending := true
			for i := 1; i < len(ids); i++ {
				descending = descending && ids[i] < ids[i-1]
			}
			if len(ids) != n || !descending {
				t.Errorf("ScanHistory(%+v): %d stories, want %d newest first, once each", q, len(ids), n)
			}
			for _, stop := range []int{1, 499, 500, 501, 1000} {
				seen := 0
				e.must("ScanHistory", e.s.ScanHistory(e.ctx, q, func(model.Story) bool { seen++; return seen < stop }))
				if seen != stop {
					t.Errorf("ScanHistory(%+v) told to stop after %d: fn called %d times", q, stop, seen)
				}
			}
			if got := e.search(model.HistorySearch{Words: q.Words, Limit: 1}); !slices.Equal(got, []string{fmt.Sprintf("t%d", n-1)}) {
				t.Errorf("search after the scans = %v, want the newest", got)
			}
		}
	}},
	{"IndexHoldsTheMatchersWords", func(t *testing.T, e *env) {
		// The words as the matcher reads them, whatever a full-text
		// tokenizer would make of them: digits glued to letters,
		// full-width letters, ligatures, ŀ, ſ, a possessive, NFKD leaving
		// punctuation (⑴) or spaces (ﷺ) in a word.
		e.ingest("http://a/feed", nil,
			story("1", "3CX supply chain", "", ""),
			story("2", "ＡＰＴ２９ again", "", ""),
			story("3", "ﬁnancial ſtatement", "coŀlegi", ""),
			story("4", "Russia's move", "⑴ ﷺ", ""))
		for _, tt := range []struct {
			words string
			want  []string
		}{
			{"cx", []string{"3CX supply chain"}},
			{"3", []string{"ﬁnancial ſtatement", "3CX supply chain"}}, // story 3's category c-3
			{"apt29", []string{"ＡＰＴ２９ again"}},
			{"APT 29", []string{"ＡＰＴ２９ again"}},
			{"financial statement", []string{"ﬁnancial ſtatement"}},
			{"coŀlegi", []string{"ﬁnancial ſtatement"}}, // to the matcher "col·legi" is two words
			{"russia", []string{"Russia's move"}},
			{"⑴", []string{"Russia's move"}},
			{"ﷺ", []string{"Russia's move"}},
			{"fin*", []string{"ﬁnancial ſtatement"}},
		} {
			if got := e.search(model.HistorySearch{Words: tt.words}); !slices.Equal(got, tt.want) {
				t.Errorf("search %q = %v, want %v", tt.words, got, tt.want)
			}
		}
	}},
	{"SinceWatchDaysAndPrune", func(t *testing.T, e *env) {
		e.ingest("http://a/feed", nil, story("1", "old one", "", "w", "console"))
		e.advance(24 * time.Hour)
		mid := e.now()
		e.ingest("http://a/feed", nil, story("2", "mid one", "", "w", "console"), story("3", "mid two", "", "v", "console"))
		e.advance(24 * time.Hour)
		e.ingest("http://a/feed", nil, story("4", "new one", "", "w", "console"))
		if got := e.search(model.HistorySearch{Since: mid}); !slices.Equal(got, []string{"new one", "mid two", "mid one"}) {
			t.Errorf("since mid = %v", got)
		}
		days, err := e.s.WatchDays(e.ctx, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		d0 := epoch.Truncate(24 * time.Hour)
		want := []model.WatchDay{{Watch: "v", Day: d0.Add(24 * time.Hour), Count: 1},
			{Watch: "w", Day: d0, Count: 1}, {Watch: "w", Day: d0.Add(24 * time.Hour), Count: 1}, {Watch: "w", Day: d0.Add(48 * time.Hour), Count: 1}}
		if len(days) != len(want) {
			t.Fatalf("WatchDays = %+v, want %+v", days, want)
		}
		for i := range want {
			if days[i].Watch != want[i].Watch || !days[i].Day.Equal(want[i].Day) || days[i].Count != want[i].Count {
				t.Errorf("WatchDays[%d] = %+v, want %+v", i, days[i], want[i])
			}
		}
		for _, tt := range []struct {
			q    model.HistorySearch
			want []model.HistoryDay
		}{
			{model.HistorySearch{Limit: 1}, []model.HistoryDay{{Day: d0, Count: 1}, {Day: d0.Add(24 * time.Hour), Count: 2}, {Day: d0.Add(48 * time.Hour), Count: 1}}},
			{model.HistorySearch{Words: "one"}, []model.HistoryDay{{Day: d0, Count: 1}, {Day: d0.Add(24 * time.Hour), Count: 1}, {Day: d0.Add(48 * time.Hour), Count: 1}}},
			{model.HistorySearch{Any: [][]string{{"two", "new"}}, Since: mid}, []model.HistoryDay{{Day: d0.Add(24 * time.Hour), Count: 1}, {Day: d0.Add(48 * time.Hour), Count: 1}}},
			{model.HistorySearch{Words: "none"}, nil},
		} {
			got, err := e.s.CountHistoryDays(e.ctx, tt.q)
			if err != nil || !slices.EqualFunc(got, tt.want, func(a, b model.HistoryDay) bool { return a.Day.Equal(b.Day) && a.Count == b.Count }) {
				t.Errorf("CountHistoryDays(%+v) = %+v, %v; want %+v", tt.q, got, err, tt.want)
			}
		}
		n, err := e.s.PruneHistory(e.ctx, 36*time.Hour)
		if err != nil || n != 1 {
			t.Errorf("PruneHistory = %d, %v; want 1 (the story of two days ago)", n, err)
		}
		if got := e.search(model.HistorySearch{Words: "one"}); !slices.Equal(got, []string{"new one", "mid one"}) {
			t.Errorf("after prune = %v, want the old story gone from the index too", got)
		}
		if days, _ := e.s.WatchDays(e.ctx, time.Time{}); len(days) != 3 {
			t.Errorf("WatchDays after prune = %+v, want the old day gone", days)
		}
	}},
}
