package storetest

import (
	"maps"
	"slices"
	"testing"

	"github.com/newshound/newshound/model"
)

// watchCountTests check IngestResult.QueuedByWatch: the stories that
// alerted, by watch, after dedup — what newshound_watch_matches_total
// counts. A story counts once per watch however many destinations it
// reached; a duplicate, a silent item or a key seen before counts nothing.
var watchCountTests = []test{
	{"CountsStoriesThatQueued", func(t *testing.T, e *env) {
		res := e.ingest("http://a/feed", nil,
			byWatch("g1", "http://a/1", "one", map[model.Destination][]string{"console": {"apt29"}, "telegram:1": {"apt29", "ru"}}),
			byWatch("g2", "http://a/2", "two", map[model.Destination][]string{"console": {"apt29"}}),
			item("g3", "http://a/3", "three"))
		wantWatches(t, "first parse", res, map[string]int{"apt29": 2, "ru": 1})
		res = e.ingest("http://a/feed", nil, item("g4", "http://a/4", "four"))
		wantWatches(t, "a silent item", res, nil)
	}},
	{"DuplicatesDoNotCount", func(t *testing.T, e *env) {
		one := map[model.Destination][]string{"console": {"apt29"}}
		e.ingest("http://a/feed", nil, byWatch("g1", "http://a/1", "headline", one))
		for _, tt := range []struct {
			what string
			feed string
			it   model.NewItem
		}{
			{"same key again", "http://a/feed", byWatch("g1", "http://a/1-edited", "headline edited", one)},
			{"same link, other feed", "http://b/feed", byWatch("b1", "http://a/1", "another title", one)},
			{"same title, other feed", "http://c/feed", byWatch("c1", "http://c/1", "headline", one)},
		} {
			wantWatches(t, tt.what, e.ingest(tt.feed, nil, tt.it), nil)
		}
		res := e.ingest("http://a/feed", nil,
			byWatch("g2", "http://a/2", "fresh", one),
			byWatch("g3", "http://a/2", "fresh", one)) // the same story twice in one parse
		wantWatches(t, "a story and its duplicate in one parse", res, map[string]int{"apt29": 1})
	}},
}

// byWatch is a new item with one alert per destination, each naming the
// watches given for it.
func byWatch(key, link, title string, byDest map[model.Destination][]string) model.NewItem {
	it := model.NewItem{Key: key, LinkKey: link, TitleKey: title}
	for _, d := range slices.Sorted(maps.Keys(byDest)) {
		a := model.Alert{Destination: d, Title: key}
		for _, w := range byDest[d] {
			a.Watches = append(a.Watches, model.WatchMatch{Name: w, Terms: []string{w}})
		}
		it.Alerts = append(it.Alerts, a)
	}
	return it
}

// wantWatches checks an ingest's QueuedByWatch (nil and empty are the same).
func wantWatches(t *testing.T, what string, got model.IngestResult, want map[string]int) {
	t.Helper()
	if len(got.QueuedByWatch) != len(want) || !maps.Equal(got.QueuedByWatch, want) {
		t.Errorf("%s: QueuedByWatch = %v, want %v", what, got.QueuedByWatch, want)
	}
}
