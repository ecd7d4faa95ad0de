package history

import (
	"context"
	"fmt"
	"math"
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
	"github.com/newshound/newshound/watchlist"
)

// variedWords are the fragments of the varied history: inflections,
// accents, letters the matcher folds and a tokenizer may not, Cyrillic and
// Greek case forms, prefixes, phrases, letters glued to digits, full-width
// letters, ligatures, ŀ, ſ, bidirectional marks, actor aliases and places.
var variedWords = append(strings.Fields(`ransomware Ransomwares hospital hospitals ministry minister bank banks
	hackers hacking hack power grid grids Élection élections election résumé resume naïve naive Straße strasse
	ıstanbul Istanbul Jørgen jorgen łódź lodz APT29 APT-29 apt Russia's e-mail email Cozy Bear
	Россия России Россию ёлка елка Київ Києві Киев їжак йод иод Египет Египта Беларусь ўсё усе Ќе ѓ
	3CX 3cx CX cx ＡＰＴ２９ ＣＸ ﬁnance finance ﬂight flight coŀlegi col·legi ſecret secret Ǡ ǡ Ŀ
	Αθήνα ΑΘΗΝΑ Αθηνα ελλάδα Ελλάδα Baku Баку Azerbaijan Азербайджан NOBELIUM Nobelium
	Midnight Blizzard UNC2452 unc2452 Dukes group Sandworm 2452 ⑴ ﷺ 29`), "\u200fBaku\u200e", "\u202eBaku")

// variedQueries are tried on the varied history besides every fragment
// alone, the letter sweep and the random queries.
var variedQueries = []string{
	"ransomware AND (hospital OR ministry)", "title:hospital ransomware", "hack*", "hosp*", "ransom*",
	`"power grid"`, `"power grids"`, `"=hospital"`, `"=ransomware" bank`, "ransomware -bank", "ransomware OR bank",
	"actor:APT29", "actor:APT29+", "actor:Sandworm", "place:Azerbaijan", "place:Baku", "category:bank", "bank NEAR/3 hackers",
	"hospital NEAR/2 (bank OR ministry)", "россия", "РОССИЯ", "киев", "Київ", "Киї*", "election", "ELECTION", "strasse",
	"straße", "istanbul", "jorgen", "lodz", "resume", "naive", "усе", "елка", "ёлка", "египет", "беларусь", "APT 29", "apt",
	"e-mail", "russia", "cozy bear", `"cozy bear"`, "title:(bank hospital)", "feed:UA bank", "(bank OR hospital) -ransomware",
	"bank -ransomware", "bank /bank/", "cx", "3cx", "apt29", "fin*", "ﬁ*", "secret", "ſecret", "col·legi", "coŀlegi",
	"αθηνα", "ΑΘΉΝΑ", "Ελλ*", "baku", "feed:UA", "feed:U*", "feed:ＵＡ hack*", "actor:APT29 OR place:Baku", "actor:APT29 NEAR/5 hackers", "(actor:APT29 OR cx) bank",
}

// sweepLetter is the word the letter sweep writes each letter in.
func sweepLetter(r rune) string { return "zor" + string(r) + "ma" }

// sweepRanges are the letters the sweep tries, each in a word of its own:
// Latin-1 to Latin Extended-B, Greek, Cyrillic, Latin Extended Additional,
// letter-like symbols and the full-width forms.
var sweepRanges = [][2]rune{{0xC0, 0x250}, {0x370, 0x530}, {0x1E00, 0x1F00}, {0x2100, 0x2150}, {0xFB00, 0xFB07}, {0xFF10, 0xFF5B}}

// variedHistory is 600 stories of variedWords (and a story per letter of
// sweepRanges, in a word), some with categories, and the queries to try
// on it: variedQueries, every fragment and the matcher's folding of every
// sweep word.
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
	for _, rg := range sweepRanges {
		for r := rg[0]; r < rg[1]; r++ {
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				continue
			}
			w := sweepLetter(r)
			items = append(items, model.NewItem{Key: w, Story: &model.Story{Title: "sweep", Text: "a " + w + " b", Link: "http://x/" + w}})
			for _, q := range []string{w, matcher.NormalizeName(w)} {
				if !seen[q] {
					seen[q] = true
					queries = append(queries, q)
				}
			}
		}
	}
	return items, queries
}

// randomText is a text of n words: fragments, glued pairs ("3" + "CX"),
// and random letters of the sweep ranges, Arabic and Hebrew with
// bidirectional marks and punctuation between.
func randomText(rng *rand.Rand, n int) string {
	seps := []string{" ", " ", ", ", "-", "'s ", " \u200f", "\u200e ", "/", "’", ". "}
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(seps[rng.IntN(len(seps))])
		}
		switch rng.IntN(6) {
		case 0:
			rg := sweepRanges[rng.IntN(len(sweepRanges))]
			for range 1 + rng.IntN(5) {
				b.WriteRune(rg[0] + rune(rng.IntN(int(rg[1]-rg[0]))))
			}
		case 1:
			b.WriteString(variedWords[rng.IntN(len(variedWords))])
			b.WriteString(variedWords[rng.IntN(len(variedWords))])
		case 2:
			b.WriteString([]string{"شركة", "ﷺ", "עברית", "בַּנְק", "٣CX", "१२", "東京", "ｶﾀｶﾅ"}[rng.IntN(8)])
		default:
			b.WriteString(variedWords[rng.IntN(len(variedWords))])
		}
	}
	return b.String()
}

// randomQuery is a query over the words of words: words, prefixes,
// phrases, actors and places, under AND, OR, NOT, NEAR and scopes.
func randomQuery(rng *rand.Rand, words []string, depth int) string {
	if depth <= 0 || rng.IntN(3) == 0 {
		w := words[rng.IntN(len(words))]
		switch rng.IntN(9) {
		case 0:
			r := []rune(w)
			return string(r[:1+rng.IntN(len(r))]) + "*"
		case 1:
			return `"` + w + " " + words[rng.IntN(len(words))] + `"`
		case 2:
			return []string{"actor:APT29", "actor:Sandworm", "actor:APT29+", "place:Azerbaijan", "place:Baku", "place:Russia",
				"feed:UA", "feed:U*", `feed:"world news"`, "feed:Record", `feed:"The R*"`, "feed:Ｒｅｃｏｒｄ"}[rng.IntN(12)]
		case 3:
			return "title:" + w
		case 4:
			return "category:" + w
		case 5:
			return `"=` + w + `"`
		}
		return w
	}
	l, r := randomQuery(rng, words, depth-1), randomQuery(rng, words, depth-1)
	switch rng.IntN(5) {
	case 0:
		return "(" + l + " OR " + r + ")"
	case 1:
		return "(" + l + " -" + r + ")"
	case 2:
		return "(" + l + " NEAR/3 " + r + ")"
	}
	return "(" + l + " AND " + r + ")"
}

// prefilterCheck is what checkCandidates found.
type prefilterCheck struct{ queries, filtered, exact, matching int }

// checkCandidates checks the pre-filter's promise on every story of h and
// every query: the stories the matcher finds with the query (all queries
// compiled as watches of one matcher, the history scanned once) are all
// among those SearchHistory selects with the query's RequiredWords.
func checkCandidates(t *testing.T, h store.History, set *watchlist.Set, queries []string) prefilterCheck {
	t.Helper()
	var ws []matcher.Watch
	for _, q := range queries {
		if set.Check(q, true) == nil {
			ws = append(ws, matcher.Watch{Name: q, Query: q})
		}
	}
	c, err := matcher.Compile(ws, set.Registry(), matcher.CompileOptions{AllowRegex: true})
	if err != nil {
		t.Fatal(err)
	}
	found := make([][]int64, len(ws))
	err = h.ScanHistory(t.Context(), model.HistorySearch{}, func(s model.Story) bool {
		for _, hit := range c.Match(Doc(s, nil)) {
			found[hit.Index] = append(found[hit.Index], s.ID)
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	res := prefilterCheck{queries: len(ws)}
	for i, w := range ws {
		if len(found[i]) > 0 {
			res.matching++
		}
		sets, exact := matcher.IndexQuery(w.Query, set.Registry())
		if len(sets) == 0 {
			continue // a scan: the matcher sees every story
		}
		res.filtered++
		cands, err := h.SearchHistory(t.Context(), model.HistorySearch{Any: sets, Limit: math.MaxInt32})
		if err != nil {
			t.Fatalf("%q: search %q: %v", w.Query, sets, err)
		}
		in := make(map[int64]bool, len(cands))
		for _, s := range cands {
			in[s.ID] = true
		}
		for _, id := range found[i] {
			if !in[id] {
				t.Errorf("%q (index words %q): story %d matches but is not a candidate", w.Query, sets, id)
				break
			}
		}
		if exact {
			res.exact++
			if len(cands) != len(found[i]) {
				t.Errorf("%q (index words %q, exact): %d candidates, %d matches", w.Query, sets, len(cands), len(found[i]))
			}
		}
	}
	return res
}

// TestPrefilterRandom: on random stories of adversarial text, every story
// a random query matches is among the pre-filter's candidates (over the
// index's contract, memHistory.SearchHistory), most queries are
// pre-filtered, and Run's answers for some equal a full scan's.
func TestPrefilterRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 16))
	set := testSet(t)
	var ss []model.Story
	for i := range 300 {
		s := model.Story{ID: int64(i + 1), FeedURL: "http://ua/feed", Feed: []string{"UA", "World News", "The Record", "ＵＡ"}[i%4], Title: randomText(rng, 5), Text: randomText(rng, 25),
			Seen: day0.Add(time.Duration(i) * time.Minute)}
		if i%5 == 0 {
			s.Categories = []string{randomText(rng, 2), randomText(rng, 1)}
		}
		ss = append(ss, s)
	}
	var words []string
	for _, s := range ss[:60] {
		words = append(words, strings.FieldsFunc(s.Title+" "+s.Text, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune("()\"*:-/,.", r) })...)
	}
	h := &memHistory{stories: ss}
	var queries []string
	for range 5000 {
		queries = append(queries, randomQuery(rng, words, 3))
	}
	got := checkCandidates(t, h, set, queries)
	t.Logf("%d queries, %d pre-filtered (%d exactly), %d matching some story", got.queries, got.filtered, got.exact, got.matching)
	if got.queries < 3000 || got.filtered < got.queries/2 || got.exact < got.queries/10 || got.matching < got.queries/10 {
		t.Errorf("%+v: the test lost its teeth", got)
	}
	tried := 0
	for _, q := range queries {
		if _, exact := matcher.IndexQuery(q, set.Registry()); (exact || tried < 100) && set.Check(q, true) == nil && tried < 400 {
			tried++
			sameAsScan(t, h, set, q)
		}
	}
}

// sameAsScan checks that Run's answer to q is the same pre-filtered as
// by a scan of every story.
func sameAsScan(t *testing.T, h store.History, set *watchlist.Set, q string) {
	t.Helper()
	req := Request{Query: q, AllowRegex: true, Limit: 1000}
	want, err := run(t.Context(), h, set, req, false)
	if err != nil {
		t.Fatalf("%q: scan: %v", q, err)
	}
	got, err := run(t.Context(), h, set, req, true)
	if err != nil {
		t.Fatalf("%q: pre-filtered: %v", q, err)
	}
	if got.Scanned != want.Scanned || got.Total != want.Total || !slices.Equal(ids(got.Matches), ids(want.Matches)) ||
		!slices.Equal(got.PerDay, want.PerDay) || !slices.EqualFunc(got.Matches, want.Matches, func(a, b Match) bool { return a.Hit.Snippet == b.Hit.Snippet }) {
		t.Errorf("%q (index words %q): pre-filtered %d of %d %v, scan %d of %d %v", q, matcher.RequiredWords(q, set.Registry()),
			got.Total, got.Scanned, ids(got.Matches), want.Total, want.Scanned, ids(want.Matches))
	}
}

// TestPrefilterEqualsScan runs, on each backend, the varied history: every
// story a query matches is among the index's candidates (every fragment,
// the letter sweep, variedQueries), and Run's answers to variedQueries are
// the same pre-filtered as by a scan.
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
			got := checkCandidates(t, h, set, queries)
			if got.filtered < got.queries*2/3 || got.matching < got.queries/2 {
				t.Errorf("%+v: too few queries pre-filtered or matching", got)
			}
			for _, q := range variedQueries {
				sameAsScan(t, h, set, q)
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

func (s *spyHistory) ScanHistory(ctx context.Context, q model.HistorySearch, fn func(model.Story) bool) error {
	if len(q.Any) == 0 {
		s.scans++
	} else {
		s.searches++
	}
	return s.History.ScanHistory(ctx, q, fn)
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
		{"ransomware OR bank", false},
		{"(bank OR ransomware) -hospital", false},
		{"bank -ransomware", false},
		{"bank NOT (ransomware OR hospital)", false},
		{"actor:APT29", false},
		{"place:Baku", false},
		{"category:bank", false},
		{"feed:UA", false},
		{"feed:UA OR /bank/", true},
		{"/bank/", true},
		{"россия", false},
		{"29", false},
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
