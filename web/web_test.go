package web

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store/sqlite"
	"github.com/newshound/newshound/watchlist"
	"golang.org/x/crypto/bcrypt"
)

const testToken = "0123456789abcdef-token"

// hostile is a feed title that tries every trick at once.
const hostile = "<script>alert(1)</script>\u202Egnp.exe Cozy Bear"

type fixture struct {
	srv    *httptest.Server
	db     *sqlite.DB
	client *http.Client
}

func newFixture(t *testing.T, auth string) *fixture {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "web.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cfg, err := config.Parse([]byte("watches:\n  - {name: apt29, query: 'actor:APT29'}\nroutes:\n  - {watches: [apt29], to: [console, \"discord-webhook:https://discord.com/api/webhooks/1/SECRETTOKEN\"]}\n"), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	set, err := watchlist.Compile(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	secret := model.Destination("discord-webhook:https://discord.com/api/webhooks/1/SECRETTOKEN")
	items := []model.NewItem{
		{Key: "1", Story: &model.Story{Title: hostile, Link: "javascript:alert(2)", Text: "Cozy Bear again"},
			Alerts: []model.Alert{{Destination: "console", Title: hostile, Snippet: "the «Cozy Bear» group", Watches: []model.WatchMatch{{Name: "apt29", Terms: []string{"APT29"}}}},
				{Destination: secret, Title: hostile}}},
		{Key: "2", Story: &model.Story{Title: "Weather in Baku", Link: "https://news.example/2"}},
	}
	if _, err := db.Ingest(context.Background(), model.FeedState{URL: "https://news.example/feed", Name: "News <b>", Initialized: true, Failures: 2, LastError: "HTTP 503"}, nil, items); err != nil {
		t.Fatal(err)
	}
	rows, _ := db.ListOutbox(context.Background(), model.StatePending, secret, 0)
	if len(rows) != 1 {
		t.Fatalf("want one alert to the webhook, got %d", len(rows))
	}
	if err := db.Park(context.Background(), rows[0].ID, "404 Unknown Webhook"); err != nil {
		t.Fatal(err)
	}
	s, err := New(Deps{Store: db, Watchlist: func() *watchlist.Set { return set }, Auth: auth, Listen: "127.0.0.1:0", LastCycle: func() time.Time { return time.Unix(1e9, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	return &fixture{srv: srv, db: db, client: &http.Client{Jar: jar}}
}

func (f *fixture) get(t *testing.T, path string) (int, string, http.Header) {
	t.Helper()
	resp, err := f.client.Get(f.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

func (f *fixture) post(t *testing.T, path string, form url.Values, from string) (int, string) {
	t.Helper()
	_, body, _ := f.get(t, from)
	if m := csrfRE.FindStringSubmatch(body); m != nil && form.Get("csrf") == "" {
		form.Set("csrf", m[1])
	}
	resp, err := f.client.PostForm(f.srv.URL+path, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestPagesRenderAndEscape(t *testing.T) {
	f := newFixture(t, "")
	for _, tt := range []struct {
		path  string
		wants []string
	}{
		{"/", []string{`id="failing"><b>1</b>`, "HTTP 503", `id="queue"><b>1</b>alerts waiting, 1 parked`, "2001-09-09"}},
		{"/feeds", []string{"News &lt;b&gt;", "2 failures"}},
		{"/watches", []string{"apt29", "<svg", "<rect", "1 matches in 30 days", "why: apt29: APT29"}},
		{"/stories", []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "<mark>Cozy Bear</mark>", "discord-webhook:"}},
		{"/outbox", []string{"404 Unknown Webhook", `class="retry"`}},
		{"/query?q=actor:APT29", []string{"1 of 2 stories match", "<mark>Cozy Bear</mark>"}},
		{"/query?q=" + url.QueryEscape("Baku AND (x"), []string{`id="qerr"`, "Baku AND <mark>(</mark>x", "unclosed"}},
	} {
		code, body, h := f.get(t, tt.path)
		if code != 200 {
			t.Errorf("%s: %d", tt.path, code)
		}
		for _, w := range tt.wants {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %q", tt.path, w)
			}
		}
		for _, bad := range []string{"<script>", "SECRETTOKEN", "javascript:", "\u202E"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s contains %q", tt.path, bad)
			}
		}
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
			t.Errorf("%s: CSP %q", tt.path, csp)
		}
	}
}

func TestRetryNeedsCSRF(t *testing.T) {
	f := newFixture(t, "")
	parked := func() int {
		st, _ := f.db.QueueStats(context.Background())
		return st.Parked
	}
	if code, _ := f.post(t, "/outbox/retry", url.Values{"id": {"0"}, "csrf": {"forged"}}, "/outbox"); code != http.StatusForbidden || parked() != 1 {
		t.Errorf("forged CSRF: %d, parked %d; want 403 and nothing retried", code, parked())
	}
	// A cross-origin POST is refused even with a token.
	req, _ := http.NewRequest("POST", f.srv.URL+"/outbox/retry", strings.NewReader("id=0"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp, err := f.client.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST: %v %v", resp.StatusCode, err)
	}
	if code, _ := f.post(t, "/outbox/retry", url.Values{"id": {"0"}}, "/outbox"); code != 200 || parked() != 0 {
		t.Errorf("retry: %d, parked %d; want the alert re-queued", code, parked())
	}
}

func TestAuth(t *testing.T) {
	hash, _ := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	t.Run("token", func(t *testing.T) {
		f := newFixture(t, testToken)
		if _, body, _ := f.get(t, "/outbox"); !strings.Contains(body, `name="token"`) {
			t.Errorf("without login /outbox did not lead to the login form")
		}
		req, _ := http.NewRequest("GET", f.srv.URL+"/outbox", nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Errorf("bearer: %v %v", resp.StatusCode, err)
		}
		req.Header.Set("Authorization", "Bearer wrong")
		resp, _ = (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("wrong bearer: %d", resp.StatusCode)
		}
		if code, _ := f.post(t, "/login", url.Values{"token": {"wrong"}}, "/login"); code != http.StatusUnauthorized {
			t.Errorf("wrong token login: %d", code)
		}
		if code, body := f.post(t, "/login", url.Values{"token": {testToken}}, "/login"); code != 200 || !strings.Contains(body, "Overview") {
			t.Errorf("login: %d", code)
		}
		if _, body, _ := f.get(t, "/outbox"); !strings.Contains(body, "404 Unknown Webhook") {
			t.Errorf("after login the outbox is not shown")
		}
	})
	t.Run("user", func(t *testing.T) {
		f := newFixture(t, "ann:"+string(hash))
		if code, _ := f.post(t, "/login", url.Values{"user": {"ann"}, "password": {"nope"}}, "/login"); code != http.StatusUnauthorized {
			t.Errorf("wrong password: %d", code)
		}
		if code, _ := f.post(t, "/login", url.Values{"user": {"bob"}, "password": {"s3cret"}}, "/login"); code != http.StatusUnauthorized {
			t.Errorf("wrong user: %d", code)
		}
		if code, body := f.post(t, "/login", url.Values{"user": {"ann"}, "password": {"s3cret"}}, "/login"); code != 200 || !strings.Contains(body, "Overview") {
			t.Errorf("login: %d", code)
		}
	})
	t.Run("refused off loopback", func(t *testing.T) {
		if _, err := New(Deps{Listen: ":9090"}); err != ErrAuthRequired {
			t.Errorf("New off loopback without auth = %v", err)
		}
	})
}

func TestFeedsAddRemove(t *testing.T) {
	f := newFixture(t, "")
	if code, body := f.post(t, "/feeds/add", url.Values{"url": {"javascript:alert(1)"}}, "/feeds"); code != 200 || !strings.Contains(body, "Not an http(s) URL") {
		t.Errorf("bad URL: %d", code)
	}
	f.post(t, "/feeds/add", url.Values{"url": {"https://new.example/rss"}}, "/feeds")
	if cf, _ := f.db.ChatFeeds(context.Background()); len(cf) != 1 || cf[0].URL != "https://new.example/rss" {
		t.Fatalf("chat feeds = %+v", cf)
	}
	f.post(t, "/feeds/remove", url.Values{"url": {"https://new.example/rss"}}, "/feeds")
	if cf, _ := f.db.ChatFeeds(context.Background()); len(cf) != 0 {
		t.Errorf("after remove chat feeds = %+v", cf)
	}
}

// TestQueryBudget checks both wordings of the query page's count: a broad
// query the index cannot answer exactly stops once the budget is spent
// with the page full and says "at least", with a link that counts them
// all; that link, and a query the index answers exactly, give the exact
// count.
func TestQueryBudget(t *testing.T) {
	s := buildHistory(t, sqliteBackend, 4, 10, 3) // 120 stories
	s.budget = 60
	get := func(path string) string {
		t.Helper()
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		if w.Code != 200 {
			t.Fatalf("%s: %d", path, w.Code)
		}
		return w.Body.String()
	}
	total := func(body string) string {
		t.Helper()
		_, rest, ok := strings.Cut(body, `<p id="total">`)
		if !ok {
			t.Fatalf("no total in %s", body)
		}
		p, _, _ := strings.Cut(rest, "</p>")
		return p
	}
	// A regex every story holds: the index has no word to pre-filter
	// with (a scan of the window).
	q := url.QueryEscape("/[a-z]/")
	partial := get("/query?since=30d&q=" + q)
	if got, want := total(partial), "At least 60 of 120 stories match (the newest 60 scanned; narrow the query or the window for an exact count)."; !strings.HasPrefix(got, want) {
		t.Errorf("bounded: %q, want %q", got, want)
	}
	if n := strings.Count(partial, `class="match"`); n != 50 {
		t.Errorf("bounded: %d matches shown, want 50", n)
	}
	m := regexp.MustCompile(`id="countall" href="([^"]*)"`).FindStringSubmatch(partial)
	if m == nil {
		t.Fatalf("bounded page lacks the link to count all: %s", total(partial))
	}
	link, err := url.Parse(html.UnescapeString(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	if v := link.Query(); link.Path != "/query" || v.Get("q") != "/[a-z]/" || v.Get("since") != "30d" || v.Get("all") != "1" {
		t.Errorf("count-all link %s", link)
	}
	if got, want := total(get(link.String())), "120 of 120 stories match."; got != want {
		t.Errorf("all=1: %q, want %q", got, want)
	}
	// A word the index answers exactly is counted by the store, however
	// many stories hold it.
	n, err := s.d.Store.CountHistory(context.Background(), model.HistorySearch{Words: "the"})
	if err != nil {
		t.Fatal(err)
	}
	if n <= 60 {
		t.Fatalf("only %d stories hold \"the\": the test needs more than the budget", n)
	}
	if got, want := total(get("/query?since=30d&q=the")), fmt.Sprintf("%d of 120 stories match.", n); got != want {
		t.Errorf("exact: %q, want %q", got, want)
	}
}
