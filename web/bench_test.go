package web

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store"
	"github.com/newshound/newshound/store/postgres"
	"github.com/newshound/newshound/store/postgres/pgtest"
	"github.com/newshound/newshound/store/sqlite"
	"github.com/newshound/newshound/watchlist"
)

// historyConfig is the config of the built history: the watches the
// watches page charts.
const historyConfig = `
watches:
  - {name: apt29, query: 'actor:APT29'}
  - {name: ransomware, query: 'ransomware AND (hospital OR ministry)'}
  - {name: baku, query: 'Baku OR Azerbaijan'}
routes:
  - {watches: [apt29, ransomware, baku], to: [console, "telegram:-1001"]}
`

var (
	benchWords = strings.Fields("officials said the ministry energy grid monday report election market " +
		"weather football minister parliament budget court police storm bank shares talks summit border " +
		"protest festival vaccine trial satellite airline strike port pipeline harvest museum")
	benchHits = []struct {
		title, text string
		watch       string
		terms       []string
	}{
		{"Cozy Bear phishing hits embassies", "Researchers tied the «Cozy Bear» campaign to diplomats.", "apt29", []string{"APT29"}},
		{"Ransomware shuts hospital systems", "A «ransomware» attack on the regional «hospital» network.", "ransomware", []string{"ransomware", "hospital"}},
		{"Baku talks resume", "Delegations met in «Baku» on Monday.", "baku", []string{"Baku"}},
	}
)

// backend is a store the history is built in: how to open it, and how
// to run the statements that spread the seen times (in its SQL dialect).
type backend struct {
	name string
	open func(tb testing.TB) (store.Store, func(ctx context.Context, q string, args ...any) error)
}

// sqliteBackend is a temporary SQLite file.
var sqliteBackend = backend{"sqlite", func(tb testing.TB) (store.Store, func(context.Context, string, ...any) error) {
	ctx := context.Background()
	path := filepath.Join(tb.TempDir(), "history.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db, func(ctx context.Context, q string, args ...any) error {
		raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
		if err != nil {
			return err
		}
		defer raw.Close()
		_, err = raw.ExecContext(ctx, strings.NewReplacer("$", "?").Replace(q), args...)
		return err
	}
}}

// postgresBackend is a fresh schema on the NEWSHOUND_TEST_PG server
// (skipped without one).
var postgresBackend = backend{"postgres", func(tb testing.TB) (store.Store, func(context.Context, string, ...any) error) {
	ctx := context.Background()
	dsn := pgtest.DSN(tb)
	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db, func(ctx context.Context, q string, args ...any) error {
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return err
		}
		defer c.Close(ctx)
		_, err = c.Exec(ctx, q, args...)
		return err
	}
}}

// buildHistory fills a temporary store of be with days of history from
// feeds feeds, perDay stories each per day, one in 40 of them (at random) alerted (to
// the console and a Telegram chat), and returns the console over it. The
// store records stories at its own clock; their seen times are then spread
// evenly over the days before now, straight in the database.
func buildHistory(tb testing.TB, be backend, feeds, days, perDay int) *Server {
	tb.Helper()
	ctx := context.Background()
	db, exec := be.open(tb)
	rng := rand.New(rand.NewPCG(16, 500))
	n := 0
	for f := range feeds {
		items := make([]model.NewItem, 0, days*perDay)
		for range days * perDay {
			n++
			key := fmt.Sprintf("s%d", n)
			var words []string
			for range 40 {
				words = append(words, benchWords[rng.IntN(len(benchWords))])
			}
			st := &model.Story{Title: strings.Join(words[:7], " "), Link: "https://farm.example/" + key, Text: strings.Join(words, " ") + "."}
			it := model.NewItem{Key: key, LinkKey: st.Link, TitleKey: key, Story: st}
			if rng.IntN(40) == 0 {
				h := benchHits[rng.IntN(len(benchHits))]
				st.Title, st.Text = h.title+" "+key, h.text+" "+st.Text
				for _, d := range []model.Destination{"console", "telegram:-1001"} {
					it.Alerts = append(it.Alerts, model.Alert{Destination: d, Title: st.Title, Link: st.Link, Snippet: h.text,
						Watches: []model.WatchMatch{{Name: h.watch, Terms: h.terms}}})
				}
			}
			items = append(items, it)
		}
		fs := model.FeedState{URL: fmt.Sprintf("https://farm.example/feed/%d", f), Name: fmt.Sprintf("Outlet %d", f), Initialized: true}
		if f%25 == 0 {
			fs.Failures, fs.LastError = 3, "HTTP 503"
		}
		if _, err := db.Ingest(ctx, fs, nil, items); err != nil {
			tb.Fatal(err)
		}
	}
	now := time.Now()
	// Feeds were ingested one after the other: interleave them in time,
	// story i of every feed on the same day, newest last.
	span := int64(days) * 24 * int64(time.Hour/time.Millisecond)
	per := int64(days * perDay)
	first := `UPDATE history SET seen = CAST($1 AS BIGINT) - CAST($2 AS BIGINT) + ((id - 1) % CAST($3 AS BIGINT)) * CAST($2 AS BIGINT) / CAST($3 AS BIGINT) + (id - 1) / CAST($3 AS BIGINT)`
	if err := exec(ctx, first, now.UnixMilli(), span, per); err != nil {
		tb.Fatalf("%s: %v", first, err)
	}
	second := `UPDATE history_watches SET seen = (SELECT seen FROM history WHERE history.id = story)`
	if err := exec(ctx, second); err != nil {
		tb.Fatalf("%s: %v", second, err)
	}
	if be.name == "postgres" {
		// The planner's statistics, as autovacuum would have them on a
		// store that grew over a month rather than in a minute.
		if err := exec(ctx, `VACUUM ANALYZE history`); err != nil {
			tb.Fatal(err)
		}
		if err := exec(ctx, `VACUUM ANALYZE history_watches`); err != nil {
			tb.Fatal(err)
		}
	}
	cfg, err := config.Parse([]byte(historyConfig), "c.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	set, err := watchlist.Compile(cfg, nil)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := New(Deps{Store: db, Watchlist: func() *watchlist.Set { return set }, Listen: "127.0.0.1:0",
		LastCycle: func() time.Time { return now.Add(-time.Minute) }, Now: func() time.Time { return now }})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// benchPages are the pages benchmarked, and a word each must show.
var benchPages = []struct{ name, path, want string }{
	{"overview", "/", "feeds failing of 500"},
	{"feeds", "/feeds", "Outlet 499"},
	{"watches", "/watches", "ransomware"},
	{"stories", "/stories", "Outlet"},
	{"outbox", "/outbox", "telegram:-1001"},
	{"query-7d", "/query?q=" + url.QueryEscape("actor:APT29"), "stories match"},
	{"query-30d", "/query?since=30d&q=" + url.QueryEscape("actor:APT29"), "stories match"},
	{"query-ransomware-30d", "/query?since=30d&q=" + url.QueryEscape("ransomware AND (hospital OR ministry)"), "stories match"},
	{"query-word-in-half-30d", "/query?since=30d&q=" + url.QueryEscape("pipeline"), "stories match"},
	{"query-feed-30d", "/query?since=30d&q=" + url.QueryEscape("feed:\"Outlet 7\""), "stories match"},
	// Broad queries the index cannot answer exactly: a phrase of common
	// words, a NOT of a rare word beside a common one, a regex alone.
	{"query-phrase-30d", "/query?since=30d&q=" + url.QueryEscape(`"officials said"`), "stories match"},
	{"query-not-30d", "/query?since=30d&q=" + url.QueryEscape("market AND NOT ransomware"), "stories match"},
	{"query-regex-30d", "/query?since=30d&q=" + url.QueryEscape("/pipe+line/"), "stories match"},
	// The phrase with its "count them all" link followed: no budget.
	{"query-phrase-30d-all", "/query?since=30d&all=1&q=" + url.QueryEscape(`"officials said"`), "stories match"},
}

// BenchmarkPages renders each page of the console over 30 days of
// history from 500 feeds (10 stories a feed a day: 150,000 stories) in
// SQLite:
//
//	go test -run XXX -bench 'Pages$' -count 5 ./web/
func BenchmarkPages(b *testing.B) { benchPagesOn(b, sqliteBackend) }

// BenchmarkPagesPostgres is BenchmarkPages on PostgreSQL, the server
// NEWSHOUND_TEST_PG names (skipped without it):
//
//	eval "$(.ci/pg.sh start)"; go test -run XXX -bench PagesPostgres -count 5 ./web/
func BenchmarkPagesPostgres(b *testing.B) { benchPagesOn(b, postgresBackend) }

func benchPagesOn(b *testing.B, be backend) {
	s := buildHistory(b, be, 500, 30, 10)
	for _, p := range benchPages {
		b.Run(p.name, func(b *testing.B) {
			get := func() string {
				w := httptest.NewRecorder()
				s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, p.path, nil))
				if w.Code != 200 {
					b.Fatalf("%s: %d", p.path, w.Code)
				}
				return w.Body.String()
			}
			if body := get(); !strings.Contains(body, p.want) {
				b.Fatalf("%s lacks %q", p.path, p.want)
			}
			for b.Loop() {
				get()
			}
		})
	}
}
