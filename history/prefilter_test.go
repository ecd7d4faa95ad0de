package history

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/newshound/newshound/matcher"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store"
	"github.com/newshound/newshound/store/postgres"
	"github.com/newshound/newshound/store/postgres/pgtest"
	"github.com/newshound/newshound/store/sqlite"
)

// variedWords are the fragments of the varied history: inflections,
// accents, letters the matcher folds and an index may not, Cyrillic case
// forms, prefixes, phrases, letters glued to digits.
var variedWords = strings.Fields(`ransomware Ransomwares hospital hospitals ministry minister bank banks
	hackers hacking hack power grid grids Élection élections election résumé resume naïve naive Straße strasse
	ıstanbul Istanbul Jørgen jorgen łódź lodz APT29 APT-29 apt Russia's e-mail email Cozy Bear
	Россия России Россию ёлка елка Київ Києві Киев їжак йод иод Египет Египта Беларусь ўсё усе Ќе ѓ`)

// variedQueries are tried on the varied history besides every fragment
// alone and the letter sweep.
var variedQueries = []string{
	"ransomware AND (hospital OR ministry)", "title:hospital ransomware", "hack*", "hosp*", "ransom*",
	`"power grid"`, `"power grids"`, `"=hospital"`, `"=ransomware" bank`, "ransomware -bank", "ransomware OR bank",
	"actor:APT29", "category:bank", "bank NEAR/3 hackers", "hospital NEAR/2 (bank OR ministry)",
	"россия", "РОССИЯ", "киев", "Київ", "Киї*", "election", "ELECTION", "strasse", "straße", "istanbul",
	"jorgen", "lodz", "resume", "naive", "усе", "елка", "ёлка", "египет", "беларусь", "APT 29", "apt",
	"e-mail", "russia", "cozy bear", `"cozy bear"`, "title:(bank hospital)", "feed:UA bank", "(bank OR hospital) -ransomware", "bank -ransomware",
	"bank /bank/",
}

// sweepMissed are the letters the index is known to fold otherwise than
// the matcher and RequiredWords does not avoid (see its doc): the
// compatibility forms Catalan ŀ (l·) and long ſ (s; PostgreSQL's index),
// and Livonian ǡ (SQLite's).
const sweepMissed = "ĿŀſǠǡ"

// sweepLetter is the word the letter sweep writes each letter in.
func sweepLetter(r rune) string { return "zor" + string(r) + "ma" }

// variedHistory is 600 stories of variedWords (and a story per letter of
// Latin-1 to Latin Extended-B and Cyrillic, in a word), some with
// categories, and the queries to try on it: variedQueries, every fragment
// and the matcher's folding of every sweep word.
func variedHistory() (items []model.NewItem, queries []string) {
	rng := rand.New(rand.NewPCG(16, 3))
	pick := func(n int) string {
		var ws []string
		for range n {
			ws = append(ws, variedWords[rng.IntN(len(variedWords))])
		}
		return strings.Join(ws, " ")
	}
	for i := range 600 {
		s := &model.Story{Title: pick(4), Text: pick(10) + ".", Link: fmt.Sprintf("http://x/%d", i)}
		if i%7 == 0 {
			s.Categories = []string{pick(1)}
		}
		items = append(items, model.NewItem{Key: s.Link, Story: s})
	}
	queries = append(queries, variedQueries...)
	queries = append(queries, variedWords...)
	seen := make(map[string]bool)
	for _, rg := range [][2]rune{{0xC0, 0x250}, {0x400, 0x530}} {
		for r := rg[0]; r < rg[1]; r++ {
			if !unicode.IsLetter(r) || strings.ContainsRune(sweepMissed, r) {
				continue
			}
			w := sweepLetter(r)
			items = append(items, model.NewItem{Key: w, Story: &model.Story{Title: "sweep", Text: "a " + w + " b", Link: "http://x/" + w}})
			for _, q := range []string{w, strings.ToLower(w), matcher.NormalizeName(w)} {
				if !seen[q] {
					seen[q] = true
					queries = append(queries, q)
				}
			}
		}
	}
	return items, queries
}

// TestPrefilterEqualsScan runs each query on the varied history with the
// index's pre-filter and with a scan of every story, on each backend: the
// answers must be the same.
func TestPrefilterEqualsScan(t *testing.T) {
	backends := map[string]func(t *testing.T) store.History{
		"sqlite": func(t *testing.T) store.History {
			db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "h.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
		"postgres": func(t *testing.T) store.History {
			db, err := postgres.Open(t.Context(), pgtest.DSN(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
	}
	items, queries := variedHistory()
	set := testSet(t)
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			h := backends[name](t)
			in, ok := h.(interface {
				Ingest(context.Context, model.FeedState, []string, []model.NewItem) (model.IngestResult, error)
			})
			if !ok {
				t.Fatal("no Ingest")
			}
			if _, err := in.Ingest(t.Context(), model.FeedState{URL: "http://ua/feed", Name: "UA", Initialized: true}, nil, items); err != nil {
				t.Fatal(err)
			}
			filtered := 0
			for _, q := range queries {
				req := Request{Query: q, AllowRegex: true, Limit: 1000}
				want, err := run(t.Context(), h, set, req, false)
				if err != nil {
					t.Fatalf("%q: scan: %v", q, err)
				}
				got, err := run(t.Context(), h, set, req, true)
				if err != nil {
					t.Fatalf("%q: pre-filtered: %v", q, err)
				}
				if len(matcher.RequiredWords(q).Words) > 0 {
					filtered++
				}
				if got.Scanned != want.Scanned || got.Total != want.Total || !slices.Equal(ids(got.Matches), ids(want.Matches)) {
					t.Errorf("%q (index words %q): pre-filtered %d of %d %v, scan %d of %d %v", q, matcher.RequiredWords(q).Words,
						got.Total, got.Scanned, ids(got.Matches), want.Total, want.Scanned, ids(want.Matches))
				}
			}
			if filtered < len(queries)/3 {
				t.Errorf("only %d of %d queries pre-filtered", filtered, len(queries))
			}
		})
	}
}

func ids(ms []Match) []int64 {
	var out []int64
	for _, m := range ms {
		out = append(out, m.Story.ID)
	}
	return out
}

// spyHistory counts how Run reads the history.
type spyHistory struct {
	store.History
	scans, searches int
}

func (s *spyHistory) ScanHistory(ctx context.Context, since time.Time, fn func(model.Story) bool) error {
	s.scans++
	return s.History.ScanHistory(ctx, since, fn)
}

func (s *spyHistory) SearchHistory(ctx context.Context, q model.HistorySearch) ([]model.Story, error) {
	s.searches++
	return s.History.SearchHistory(ctx, q)
}

// TestPrefilterFallsBackToScan: queries that give no index words are
// answered by a scan, the others by a search.
func TestPrefilterFallsBackToScan(t *testing.T) {
	set := testSet(t)
	for _, tc := range []struct {
		q    string
		scan bool
	}{
		{"ransomware", false},
		{"ransomware AND (hospital OR ministry)", false},
		{"ransomware OR bank", true},
		{"(bank OR ransomware) -hospital", true},
		{"bank -ransomware", false},
		{"bank NOT (ransomware OR hospital)", false},
		{"actor:APT29", true},
		{"place:Baku", true},
		{"category:bank", true},
		{"feed:UA", true},
		{"/bank/", true},
		{"россия", true}, // р before о: ӧ would be о to the matcher
		{"29", true},
	} {
		h := &spyHistory{History: &memHistory{stories: stories()}}
		if _, err := Run(t.Context(), h, set, Request{Query: tc.q, AllowRegex: true}); err != nil {
			t.Fatalf("%q: %v", tc.q, err)
		}
		if scanned := h.scans == 1 && h.searches == 0; scanned != tc.scan || h.scans+h.searches != 1 {
			t.Errorf("%q: %d scans, %d searches; want a scan: %v", tc.q, h.scans, h.searches, tc.scan)
		}
	}
}

// TestPipelined: fn sees the stories in order, and once it returns false
// it sees no more and the reader is stopped.
func TestPipelined(t *testing.T) {
	for _, stopAt := range []int{0, 1, 255, 256, 300, 5000} {
		read := 0
		var got []int64
		err := pipelined(func(each func(model.Story) bool) error {
			for i := range 3000 {
				read++
				if !each(model.Story{ID: int64(i)}) {
					return nil
				}
			}
			return nil
		}, func(s model.Story) bool {
			got = append(got, s.ID)
			return len(got) < stopAt
		})
		if err != nil {
			t.Fatal(err)
		}
		want := min(stopAt, 3000)
		if stopAt == 0 {
			want = 1 // fn sees the first story and says stop
		}
		if len(got) != want || (len(got) > 0 && got[len(got)-1] != int64(want-1)) {
			t.Errorf("stop at %d: fn saw %d stories, last %v", stopAt, len(got), got[len(got)-1:])
		}
		if stopAt < 1000 && read > want+6*scanBatch {
			t.Errorf("stop at %d: the reader went on to %d stories", stopAt, read)
		}
	}
}
