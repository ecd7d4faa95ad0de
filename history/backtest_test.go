package history

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/matcher"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store"
	"github.com/newshound/newshound/store/sqlite"
	"github.com/newshound/newshound/watchlist"
)

// memHistory is a store.History over a fixed list of stories (newest
// last), for known answers over many days: the SQLite store's clock is not
// settable outside its own tests. TestRunOnSQLite runs the real store.
type memHistory struct {
	store.History
	stories []model.Story
	words   map[int64]map[string]bool // index words by story ID, made on first search
}

// ScanHistory calls fn with the stories seen at or after q.Since that
// hold q.Any's words (see SearchHistory), newest first.
func (m *memHistory) ScanHistory(_ context.Context, q model.HistorySearch, fn func(model.Story) bool) error {
	for i := len(m.stories) - 1; i >= 0; i-- {
		if s := m.stories[i]; !s.Seen.Before(q.Since) && (len(q.Any) == 0 || holdsSets(m.indexWords(s), q.Any)) && !fn(s) {
			return nil
		}
	}
	return nil
}

// CountHistory counts the stories seen at or after q.Since (the only
// count Run asks for).
func (m *memHistory) CountHistory(ctx context.Context, q model.HistorySearch) (int64, error) {
	var n int64
	err := m.ScanHistory(ctx, model.HistorySearch{Since: q.Since}, func(model.Story) bool { n++; return true })
	return n, err
}

// SearchHistory is the index's contract in Go: a story is selected when
// it holds a word of every set among its index words (matcher.IndexText
// of its title, text and categories), each word exact or, ending in *, a
// prefix.
func (m *memHistory) SearchHistory(ctx context.Context, q model.HistorySearch) ([]model.Story, error) {
	var out []model.Story
	err := m.ScanHistory(ctx, q, func(s model.Story) bool {
		out = append(out, s)
		return true
	})
	return out, err
}

// CountHistoryDays counts what ScanHistory selects per UTC day.
func (m *memHistory) CountHistoryDays(ctx context.Context, q model.HistorySearch) ([]model.HistoryDay, error) {
	var out []model.HistoryDay
	err := m.ScanHistory(ctx, q, func(s model.Story) bool {
		d := s.Seen.UTC().Truncate(24 * time.Hour)
		i := slices.IndexFunc(out, func(x model.HistoryDay) bool { return x.Day.Equal(d) })
		if i < 0 {
			out = append(out, model.HistoryDay{Day: d})
			i = len(out) - 1
		}
		out[i].Count++
		return true
	})
	slices.SortFunc(out, func(a, b model.HistoryDay) int { return a.Day.Compare(b.Day) })
	return out, err
}

// indexWords are s's index words, made on first use.
func (m *memHistory) indexWords(s model.Story) map[string]bool {
	if m.words == nil {
		m.words = make(map[int64]map[string]bool)
	}
	ws, ok := m.words[s.ID]
	if !ok {
		ws = make(map[string]bool)
		for _, w := range strings.Fields(string(matcher.IndexText(nil, s.Feed, s.Title, s.Text, strings.Join(s.Categories, "\n")))) {
			ws[w] = true
		}
		m.words[s.ID] = ws
	}
	return ws
}

// holdsSets reports whether a story's index words hold a word of each set.
func holdsSets(words map[string]bool, sets [][]string) bool {
	for _, set := range sets {
		if !slices.ContainsFunc(set, func(w string) bool {
			p, prefix := strings.CutSuffix(w, "*")
			if !prefix {
				return words[p]
			}
			for x := range words {
				if strings.HasPrefix(x, p) {
					return true
				}
			}
			return false
		}) {
			return false
		}
	}
	return true
}

const testConfig = `
feeds:
  - {url: "http://ua/feed", name: UA, tags: [ukraine]}
  - {url: "http://world/feed", name: World}
watches:
  - {name: apt29, query: 'actor:APT29'}
  - {name: baku, query: 'place:Azerbaijan', tags: [ukraine]}
routes:
  - {watches: [apt29, baku], to: [console]}
`

func testSet(t *testing.T) *watchlist.Set {
	t.Helper()
	cfg, err := config.Parse([]byte(testConfig), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	set, err := watchlist.Compile(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

var day0 = time.Date(2031, 5, 1, 0, 0, 0, 0, time.UTC)

// stories: ten days of news. The apt29 watch fired on "s1" and "s4" when
// they arrived; "s6" arrived on a feed's first poll, so nothing fired.
func stories() []model.Story {
	at := func(d, h int) time.Time { return day0.Add(time.Duration(d)*24*time.Hour + time.Duration(h)*time.Hour) }
	fired := []model.WatchMatch{{Name: "apt29"}}
	return []model.Story{
		{ID: 1, FeedURL: "http://world/feed", Feed: "World", Title: "s1 Cozy Bear phishing wave", Seen: at(0, 1), Watches: fired},
		{ID: 2, FeedURL: "http://world/feed", Feed: "World", Title: "s2 Weather in Baku", Seen: at(0, 2)},
		{ID: 3, FeedURL: "http://ua/feed", Feed: "UA", Title: "s3 Talks in Baku", Seen: at(2, 5)},
		{ID: 4, FeedURL: "http://ua/feed", Feed: "UA", Title: "s4 APT 29 and Midnight Blizzard", Text: "in Azerbaijan", Seen: at(5, 0), Watches: fired},
		{ID: 5, FeedURL: "http://world/feed", Feed: "World", Title: "s5 Markets", Text: "nothing to see", Seen: at(5, 3)},
		{ID: 6, FeedURL: "http://ua/feed", Feed: "UA", Title: "s6 Cozy Bear again", Text: "The SVR's hackers.", Seen: at(9, 23)},
	}
}

func TestRun(t *testing.T) {
	set := testSet(t)
	h := &memHistory{stories: stories()}
	until := day0.Add(10*24*time.Hour - time.Second)
	for _, tt := range []struct {
		name    string
		req     Request
		matches []string // titles' first words, newest first
		perDay  []int    // from the window's first day
		news    []string
	}{
		{name: "watch over everything", req: Request{Watch: "apt29"},
			matches: []string{"s6", "s4", "s1"}, perDay: []int{1, 0, 0, 0, 0, 1, 0, 0, 0, 1}, news: []string{"s6"}},
		{name: "watch since day 3", req: Request{Watch: "apt29", Since: day0.Add(3 * 24 * time.Hour)},
			matches: []string{"s6", "s4"}, perDay: []int{0, 0, 1, 0, 0, 0, 1}, news: []string{"s6"}},
		{name: "tags apply to a watch", req: Request{Watch: "baku"},
			matches: []string{"s4", "s3"}, perDay: []int{1, 0, 0, 1, 0, 0, 0, 0}, news: []string{"s4", "s3"}},
		{name: "ad-hoc query sees every feed", req: Request{Query: "place:Azerbaijan"},
			matches: []string{"s4", "s3", "s2"}, perDay: []int{1, 0, 1, 0, 0, 1, 0, 0, 0, 0}},
		{name: "a new query for a watch: what is new", req: Request{Watch: "apt29", Query: "actor:APT29 -phishing"},
			matches: []string{"s6", "s4"}, perDay: []int{1, 0, 0, 0, 1}},
		{name: "a wider query for a watch", req: Request{Watch: "apt29", Query: "actor:APT29 OR Markets"},
			matches: []string{"s6", "s5", "s4", "s1"}, perDay: []int{1, 0, 0, 0, 0, 2, 0, 0, 0, 1}, news: []string{"s5"}},
		{name: "limit keeps the counts", req: Request{Watch: "apt29", Limit: 1},
			matches: []string{"s6"}, perDay: []int{1, 0, 0, 0, 0, 1, 0, 0, 0, 1}, news: []string{"s6"}},
		{name: "nothing", req: Request{Query: "Lazarus"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.Until = until
			res, err := Run(t.Context(), h, set, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if got := firstWords(res.Matches); !slices.Equal(got, tt.matches) {
				t.Errorf("matches = %v, want %v", got, tt.matches)
			}
			var perDay []int
			total := 0
			for _, d := range res.PerDay {
				perDay = append(perDay, d.Count)
				total += d.Count
			}
			if !slices.Equal(perDay, tt.perDay) {
				t.Errorf("per day = %v, want %v", perDay, tt.perDay)
			}
			if res.Total != total || (tt.req.Limit == 0 && res.Total != len(tt.matches)) {
				t.Errorf("total = %d, per-day sum %d, matches %d", res.Total, total, len(tt.matches))
			}
			if got := firstWords(res.New); !slices.Equal(got, tt.news) || (tt.req.Limit == 0 && res.NewTotal != len(tt.news)) {
				t.Errorf("new = %v (%d), want %v", got, res.NewTotal, tt.news)
			}
			for _, m := range res.Matches {
				if len(m.Hit.Terms) == 0 {
					t.Errorf("match %q carries no terms (why)", m.Story.Title)
				}
			}
		})
	}
}

func TestRunErrors(t *testing.T) {
	set := testSet(t)
	h := &memHistory{stories: stories()}
	_, err := Run(t.Context(), h, set, Request{Query: "Baku AND (talks"})
	var se *matcher.SyntaxError
	if !errors.As(err, &se) || se.Pos == 0 {
		t.Errorf("bad query: %v, want a positioned *matcher.SyntaxError", err)
	}
	if _, err := Run(t.Context(), h, set, Request{Watch: "nope"}); !errors.Is(err, ErrUnknownWatch) {
		t.Errorf("unknown watch: %v", err)
	}
	if _, err := Run(t.Context(), h, set, Request{Query: "/ba.u/"}); err == nil {
		t.Error("a regex from a chat user was allowed")
	}
	if _, err := Run(t.Context(), h, set, Request{Query: "/ba.u/", AllowRegex: true}); err != nil {
		t.Errorf("an allowed regex: %v", err)
	}
}

func firstWords(ms []Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Story.Title[:2])
	}
	return out
}

// TestRunOnSQLite backtests stories that went through the real ingest path.
func TestRunOnSQLite(t *testing.T) {
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var items []model.NewItem
	for _, s := range stories() {
		it := model.NewItem{Key: s.Title, Story: &model.Story{Title: s.Title, Text: s.Text, Link: "http://x/" + s.Title[:2]}}
		if len(s.Watches) > 0 {
			it.Alerts = []model.Alert{{Destination: "console", Watches: s.Watches}}
		}
		items = append(items, it)
	}
	if _, err := db.Ingest(t.Context(), model.FeedState{URL: "http://ua/feed", Name: "UA", Initialized: true}, nil, items); err != nil {
		t.Fatal(err)
	}
	res, err := Run(t.Context(), db, testSet(t), Request{Watch: "apt29"})
	if err != nil {
		t.Fatal(err)
	}
	if got := firstWords(res.Matches); !slices.Equal(got, []string{"s6", "s4", "s1"}) || res.Scanned != 6 || firstWords(res.New)[0] != "s6" || res.NewTotal != 1 {
		t.Errorf("matches %v, new %v, scanned %d", got, firstWords(res.New), res.Scanned)
	}
	if len(res.PerDay) != 1 || res.PerDay[0].Count != 3 {
		t.Errorf("per day = %+v, want one day with 3", res.PerDay)
	}
}

// TestRunBudget: a query the index cannot answer exactly stops once
// Budget candidates are judged with the page full, newest first, and says
// so (Partial, Total a lower bound, Scanned still the whole window); one
// the index answers exactly, and any query without a budget, are exact.
func TestRunBudget(t *testing.T) {
	set := testSet(t)
	h := &memHistory{stories: stories()}
	until := day0.Add(10*24*time.Hour - time.Second)
	for _, tt := range []struct {
		name    string
		req     Request
		partial bool
		judged  int
		matches []string
		total   int
	}{
		// "Cozy Bear" (a phrase) pre-filters on its words: s6 and s1.
		{name: "phrase, budget spent with the page full", req: Request{Query: `"cozy bear"`, Limit: 1, Budget: 1},
			partial: true, judged: 1, matches: []string{"s6"}, total: 1},
		{name: "phrase, page not full: scans on", req: Request{Query: `"cozy bear"`, Limit: 5, Budget: 1},
			judged: 2, matches: []string{"s6", "s1"}, total: 2},
		{name: "phrase, budget left at the last candidate", req: Request{Query: `"cozy bear"`, Limit: 1, Budget: 2},
			judged: 2, matches: []string{"s6"}, total: 2},
		{name: "regex scan, budget spent", req: Request{Query: `/s[0-9]/`, Limit: 2, Budget: 3, AllowRegex: true},
			partial: true, judged: 3, matches: []string{"s6", "s5"}, total: 3},
		{name: "no budget: every candidate", req: Request{Query: `/s[0-9]/`, Limit: 2, AllowRegex: true},
			judged: 6, matches: []string{"s6", "s5"}, total: 6},
		{name: "exact query: counted, not judged", req: Request{Query: "Baku", Limit: 1, Budget: 1},
			matches: []string{"s3"}, total: 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.Until = until
			res, err := Run(t.Context(), h, set, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if res.Partial != tt.partial || res.Judged != tt.judged || res.Total != tt.total {
				t.Errorf("partial %v judged %d total %d, want %v %d %d", res.Partial, res.Judged, res.Total, tt.partial, tt.judged, tt.total)
			}
			if got := firstWords(res.Matches); !slices.Equal(got, tt.matches) {
				t.Errorf("matches = %v, want %v", got, tt.matches)
			}
			if res.Scanned != len(h.stories) {
				t.Errorf("scanned = %d, want the window's %d", res.Scanned, len(h.stories))
			}
		})
	}
}
