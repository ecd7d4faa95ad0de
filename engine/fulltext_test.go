package engine_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/engine"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/store/sqlite"
)

// The seed story as The Record's feed gives it, and its article page.
const (
	seedTitle  = "Russia Blamed for Cyberattack on Azerbaijan"
	seedTeaser = "Azerbaijani lawmakers have accused Russia of launching a cyberattack against their country earlier this month."
)

// teaserSite is a loopback news site: a teaser-only RSS feed and its
// article pages, counting what was fetched.
type teaserSite struct {
	t     *testing.T
	mu    sync.Mutex
	items []string // "guid|title|teaser|path", newest first
	pages map[string]http.HandlerFunc
	hits  map[string]int // article path → requests
	srv   *httptest.Server
	done  chan struct{} // closed at cleanup: releases slow handlers
}

func newTeaserSite(t *testing.T) *teaserSite {
	s := &teaserSite{t: t, pages: map[string]http.HandlerFunc{}, hits: map[string]int{}, done: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() { close(s.done); s.srv.Close() })
	return s
}

func (s *teaserSite) add(guid, title, teaser, path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.items = append([]string{guid + "|" + title + "|" + teaser + "|" + path}, s.items...)
}

func (s *teaserSite) page(path string, h http.HandlerFunc) { s.pages[path] = h }

func (s *teaserSite) articleHits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, v := range s.hits {
		n += v
	}
	return n
}

func (s *teaserSite) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/feed" {
		s.mu.Lock()
		s.hits[r.URL.Path]++
		h := s.pages[r.URL.Path]
		s.mu.Unlock()
		if h == nil {
			http.NotFound(w, r)
			return
		}
		h(w, r)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>The Record</title><link>` + s.srv.URL + `</link>`)
	for i, it := range s.items {
		p := strings.SplitN(it, "|", 4)
		date := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(len(s.items)-i) * time.Minute)
		fmt.Fprintf(&b, `<item><guid isPermaLink="false">%s</guid><title>%s</title><description>%s</description><link>%s%s</link><pubDate>%s</pubDate></item>`,
			p[0], p[1], p[2], s.srv.URL, p[3], date.Format(time.RFC1123Z))
	}
	b.WriteString(`</channel></rss>`)
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	fmt.Fprint(w, b.String())
}

func htmlFile(t testing.TB, name string) http.HandlerFunc {
	body, err := os.ReadFile(filepath.Join("..", "feeds", "article", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(body)
	}
}

func fulltextConfig(t *testing.T, feedURL, extra string) *config.Config {
	t.Helper()
	yaml := fmt.Sprintf(`
poll:
  max_body_size: 1MiB
%s
store:
  path: %s
http:
  listen: ""
feeds:
  - url: %s
    name: The Record
watches:
  - name: apt29
    query: 'actor:APT29'
routes:
  - watches: [apt29]
    to: [console]
`, extra, filepath.Join(t.TempDir(), "nh.db"), feedURL)
	cfg, err := config.Parse([]byte(yaml), "test.yaml")
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg
}

// onceWith is runOnce with an observer, returning the console output.
func onceWith(t *testing.T, cfg *config.Config, obs engine.Observer) string {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, cfg.Store.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out bytes.Buffer
	eng, err := engine.New(engine.Options{Config: cfg, Store: db, Observer: obs, Senders: map[string]notify.Sender{"console": notify.NewConsole(&out)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// alertsOf splits console output into alerts (each starts unindented).
func alertsOf(out string) map[string]string {
	m := map[string]string{}
	var title string
	for _, l := range strings.Split(out, "\n") {
		if l == "" {
			continue
		}
		if !strings.HasPrefix(l, " ") {
			title = l
			if _, dup := m[title]; dup {
				m[title+" (again)"] = ""
			}
			m[title] += ""
			continue
		}
		m[title] += l + "\n"
	}
	return m
}

// TestFulltextAlerts: the seed story alerts actor:APT29 on its article's
// "Cozy Bear"; articles that 404, redirect to a private address or are
// gzip bombs still alert on their teasers, exactly once; the first poll of
// a 50-item feed fetches no article, and no article is fetched twice.
func TestFulltextAlerts(t *testing.T) {
	site := newTeaserSite(t)
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the SSRF guard let an article redirect reach %s", r.URL)
	}))
	defer internal.Close()
	for i := range 50 {
		site.add(fmt.Sprintf("old-%d", i), fmt.Sprintf("APT29 old story %d", i), "An old teaser about APT29.", fmt.Sprintf("/old/%d", i))
	}
	cfg := fulltextConfig(t, site.srv.URL+"/feed", "")
	if out := onceWith(t, cfg, nil); out != "" || site.articleHits() != 0 {
		t.Fatalf("first poll: output %q, %d article fetches; want none (history is remembered, not matched)", out, site.articleHits())
	}

	site.page("/2025/azerbaijan", htmlFile(t, "therecord.html"))
	site.page("/2025/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, internal.URL+"/latest/meta-data/", http.StatusFound)
	})
	site.page("/2025/bomb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		zw.Write([]byte("<html><body><p>"))
		zeros := make([]byte, 64<<10)
		for range 64 { // 4 MiB inflated, past max_body_size
			zw.Write(zeros)
		}
		zw.Close()
	})
	site.add("seed", seedTitle, seedTeaser, "/2025/azerbaijan")
	site.add("404", "Ministry hacked", "Officials blame APT29 for the breach.", "/2025/missing")
	site.add("redir", "Embassy phished", "Investigators point to Cozy Bear.", "/2025/redirect")
	site.add("bomb", "Grid attack", "Midnight Blizzard is suspected.", "/2025/bomb")
	site.add("quiet", "Weather is fine", "Sunny all week in Baku.", "/2025/missing-too")

	obs := &articleCounter{}
	got := alertsOf(onceWith(t, cfg, obs))
	seed, ok := got[seedTitle]
	if !ok {
		t.Fatalf("no alert for the seed story; got %v", got)
	}
	if !strings.Contains(seed, model.ArticleLabel) || !strings.Contains(seed, "Cozy Bear") || !strings.Contains(seed, "matched apt29") {
		t.Errorf("seed alert = %q, want apt29 with the article's Cozy Bear snippet, said to be in the article", seed)
	}
	for _, title := range []string{"Ministry hacked", "Embassy phished", "Grid attack"} {
		body, ok := got[title]
		if !ok || strings.Contains(body, model.ArticleLabel) {
			t.Errorf("%s: alert %q (present %v), want the teaser-level alert", title, body, ok)
		}
	}
	if len(got) != 4 {
		t.Errorf("alerts = %v, want exactly the four stories, once each", got)
	}
	if n := site.articleHits(); n != 5 {
		t.Errorf("%d article fetches, want 5 (one per new story)", n)
	}
	if obs.count("fetched") != 1 || obs.count("failed") != 4 {
		t.Errorf("article outcomes = %v, want 1 fetched, 4 failed", obs.snapshot())
	}

	if out := onceWith(t, cfg, nil); out != "" || site.articleHits() != 5 {
		t.Errorf("next pass: output %q, %d fetches; want nothing new", out, site.articleHits())
	}

	// The history keeps what was matched: the seed's article (its teaser
	// never names Cozy Bear), and the teaser of a story whose article failed.
	ctx := context.Background()
	db, err := sqlite.Open(ctx, cfg.Store.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	hits, err := db.SearchHistory(ctx, model.HistorySearch{Words: "cozy bear"})
	if err != nil {
		t.Fatal(err)
	}
	titles := make(map[string]bool)
	for _, h := range hits {
		titles[h.Title] = true
	}
	if !titles[seedTitle] || !titles["Embassy phished"] || len(hits) != 2 {
		t.Errorf("history search for the article's words found %v; want the seed (by its article) and Embassy phished (by its teaser)", titles)
	}
}

// TestFulltextTimeout: an article that never answers costs no alert.
func TestFulltextTimeout(t *testing.T) {
	site := newTeaserSite(t)
	site.add("old", "Old", "Old teaser.", "/old")
	cfg := fulltextConfig(t, site.srv.URL+"/feed", "  fulltext_timeout: 100ms")
	onceWith(t, cfg, nil)
	site.page("/slow", func(w http.ResponseWriter, r *http.Request) {
		select { // until the client gives up
		case <-r.Context().Done():
		case <-site.done:
		}
	})
	site.add("slow", seedTitle, "Officials blame APT29.", "/slow")
	obs := &articleCounter{}
	got := alertsOf(onceWith(t, cfg, obs))
	if body, ok := got[seedTitle]; !ok || len(got) != 1 || strings.Contains(body, model.ArticleLabel) {
		t.Errorf("alerts = %v, want the teaser alert once", got)
	}
	if obs.count("timeout") != 1 {
		t.Errorf("outcomes = %v, want one timeout", obs.snapshot())
	}
}

// TestFulltextResumesAfterCrash: stories recorded and marked pending by a
// process that died before enriching them alert once after the restart.
func TestFulltextResumesAfterCrash(t *testing.T) {
	site := newTeaserSite(t)
	site.add("old", "Old", "Old teaser.", "/old")
	site.page("/2025/azerbaijan", htmlFile(t, "therecord.html"))
	cfg := fulltextConfig(t, site.srv.URL+"/feed", "")
	onceWith(t, cfg, nil)
	site.add("seed", seedTitle, seedTeaser, "/2025/azerbaijan")
	site.add("404", "Ministry hacked", "Officials blame APT29.", "/2025/missing")

	ctx := context.Background()
	db, err := sqlite.Open(ctx, cfg.Store.Path)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	eng, err := engine.New(engine.Options{Config: cfg, Store: db, Senders: map[string]notify.Sender{"console": notify.NewConsole(&out)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.PollCycle(ctx, true); err != nil { // ingest only: the "crash" comes before enrichment
		t.Fatal(err)
	}
	pending, err := db.PendingTexts(ctx, 0, nil)
	if err != nil || len(pending) != 2 || site.articleHits() != 0 {
		t.Fatalf("after ingest: %d pending (%v), %d fetches; want 2 pending, none fetched", len(pending), err, site.articleHits())
	}
	db.Close()

	got := alertsOf(onceWith(t, cfg, nil))
	if len(got) != 2 || !strings.Contains(got[seedTitle], "Cozy Bear") {
		t.Errorf("after restart alerts = %v, want both stories, the seed from its article", got)
	}
	if out := onceWith(t, cfg, nil); out != "" {
		t.Errorf("third start alerted again: %q", out)
	}
}

// TestFulltextNever: feeds[].fulltext never keeps the teaser and fetches nothing.
func TestFulltextNever(t *testing.T) {
	site := newTeaserSite(t)
	site.add("old", "Old", "Old teaser.", "/old")
	site.page("/2025/azerbaijan", htmlFile(t, "therecord.html"))
	cfg := fulltextConfig(t, site.srv.URL+"/feed", "  fulltext: never")
	onceWith(t, cfg, nil)
	site.add("seed", seedTitle, seedTeaser, "/2025/azerbaijan")
	if out := onceWith(t, cfg, nil); out != "" || site.articleHits() != 0 {
		t.Errorf("fulltext never: output %q, %d fetches; want neither", out, site.articleHits())
	}
}

// articleCounter is an engine.Observer that counts article outcomes.
type articleCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *articleCounter) Polled(string, string, time.Duration, int) {}
func (c *articleCounter) Matched(string)                            {}
func (c *articleCounter) Queued(string, int)                        {}
func (c *articleCounter) Cycle(time.Time)                           {}
func (c *articleCounter) Delivered(string, string, time.Duration)   {}

func (c *articleCounter) Article(outcome string, _ time.Duration, _ int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[outcome]++
}

func (c *articleCounter) count(o string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[o]
}

func (c *articleCounter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.n))
	for k, v := range c.n {
		out[k] = v
	}
	return out
}

var _ engine.ArticleObserver = (*articleCounter)(nil)
