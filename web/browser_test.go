package web

import (
	"context"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/newshound/newshound/model"
)

// chromiumPath is Debian's chromium package; .ci/run installs it.
const chromiumPath = "/usr/bin/chromium"

// browser starts a headless Chromium with a fresh profile and returns a
// tab's context. Without Chromium the test skips, unless
// NEWSHOUND_REQUIRE_CHROMIUM=1 (as in CI), where it fails: the browser
// tests must never silently not run there.
func browser(t testing.TB) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("NEWSHOUND_REQUIRE_CHROMIUM") == "1" {
			t.Fatalf("NEWSHOUND_REQUIRE_CHROMIUM=1 but %s is missing: %v", chromiumPath, err)
		}
		t.Skipf("no %s (apt-get install chromium); set NEWSHOUND_REQUIRE_CHROMIUM=1 to fail instead", chromiumPath)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelB := chromedp.NewContext(actx)
	// The first action starts the browser, which lives as long as the
	// context of that call: no timeout on it, only on what follows.
	if err := chromedp.Do(bctx); err != nil {
		cancelB()
		cancelA()
		t.Fatalf("starting %s: %v", chromiumPath, err)
	}
	tctx, cancelT := context.WithTimeout(bctx, 60*time.Second)
	t.Cleanup(func() { cancelT(); cancelB(); cancelA() })
	return tctx
}

// dialogs records every JavaScript dialog a page opens: with the CSP and
// the escaping, alert(1) must never get to run.
func dialogs(ctx context.Context) func() []string {
	var mu sync.Mutex
	var got []string
	evs := chromedp.Events(ctx, cdppage.JavascriptDialogOpening)
	go func() {
		for ev, err := range evs {
			if err != nil {
				return
			}
			mu.Lock()
			got = append(got, ev.Message)
			mu.Unlock()
			chromedp.Call(ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{})
		}
	}()
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), got...)
	}
}

// hostileFeed adds a feed whose very name is hostile, beside the
// fixture's hostile story.
func hostileFeed(t *testing.T, f *fixture) {
	t.Helper()
	items := []model.NewItem{{Key: "h1", Story: &model.Story{Title: hostile + " 2", Link: "javascript:alert(3)", Text: "nothing"}}}
	if _, err := f.db.Ingest(context.Background(), model.FeedState{URL: "https://evil.example/feed", Name: hostile, Initialized: true}, nil, items); err != nil {
		t.Fatal(err)
	}
}

// pageFacts is what every page is checked for once rendered.
type pageFacts struct {
	Title      string `json:"title"`
	H1         string `json:"h1"`
	Scripts    int    `json:"scripts"`
	JSLinks    int    `json:"jsLinks"`
	Text       string `json:"text"`
	Injected   int    `json:"injected"` // elements a title could have smuggled in
	HostileBdi int    `json:"hostileBdi"`
}

const factsJS = `({
	title: document.title,
	h1: document.querySelector('h1') ? document.querySelector('h1').innerText : '',
	scripts: document.querySelectorAll('script').length,
	jsLinks: Array.from(document.querySelectorAll('[href],[src],[action]')).filter(e =>
		/^\s*javascript:/i.test(e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('action') || '')).length,
	text: document.body.innerText,
	injected: document.querySelectorAll('main b b, iframe, object, embed, img[onerror]').length,
	hostileBdi: Array.from(document.querySelectorAll('bdi')).filter(e => e.textContent.includes('<script>alert(1)</script>')).length
})`

// css is a CSS selector (a plain string would be a DOM search).
type css = chromedp.CSS

// run runs a that returns a value and fails the test on an error.
func run[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// TestBrowser drives the console in headless Chromium, as a user would:
// log in with the token, open every page, query, retry a parked alert;
// and checks that the hostile feed's title stays text throughout.
func TestBrowser(t *testing.T) {
	ctx := browser(t)
	f := newFixture(t, testToken)
	hostileFeed(t, f)
	seen := dialogs(ctx)

	// Logging in: any page leads to the form; the token opens the overview.
	do(t, ctx, "opening /outbox", chromedp.Navigate(f.srv.URL+"/outbox"), chromedp.WaitVisible(css(`input[name=token]`)))
	if loc := run(t, ctx, "location", chromedp.Location()); !strings.HasSuffix(loc, "/login") {
		t.Fatalf("before login /outbox went to %q", loc)
	}
	do(t, ctx, "logging in",
		chromedp.SendKeys(css(`input[name=token]`), testToken),
		chromedp.Click(css(`main button`)),
		chromedp.WaitVisible(css(`#failing`)),
	)
	if h1 := run(t, ctx, "h1", chromedp.Text(css(`h1`))); h1 != "Overview" {
		t.Fatalf("after login h1 %q", h1)
	}

	// Every page, through its link in the header.
	for _, p := range []struct{ href, h1, want string }{
		{"/feeds", "Feeds", "HTTP 503"},
		{"/watches", "Watches", "1 matches in 30 days"},
		{"/stories", "Stories", "Cozy Bear"},
		{"/outbox", "Outbox", "404 Unknown Webhook"},
		{"/query", "Query", "Search the history"},
		{"/", "Overview", "1 parked"},
	} {
		do(t, ctx, p.href,
			chromedp.Click(css(`header a[href="`+p.href+`"]`)),
			chromedp.WaitVisible(css(`header a.on[href="`+p.href+`"]`)),
		)
		facts := run(t, ctx, p.href, chromedp.Evaluate[pageFacts](factsJS))
		if facts.H1 != p.h1 || !strings.HasPrefix(facts.Title, p.h1+" · ") {
			t.Errorf("%s: title %q, h1 %q", p.href, facts.Title, facts.H1)
		}
		if !strings.Contains(facts.Text, p.want) {
			t.Errorf("%s does not show %q", p.href, p.want)
		}
		if facts.Scripts != 0 || facts.JSLinks != 0 || facts.Injected != 0 {
			t.Errorf("%s: %d script elements, %d javascript: links, %d injected elements; want none", p.href, facts.Scripts, facts.JSLinks, facts.Injected)
		}
		if strings.ContainsAny(facts.Text, "\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069") {
			t.Errorf("%s shows a bidi control", p.href)
		}
		// The hostile title is on these pages, and must read as text.
		if p.href == "/feeds" || p.href == "/stories" || p.href == "/outbox" {
			if facts.HostileBdi == 0 || !strings.Contains(facts.Text, "<script>alert(1)</script>gnp.exe Cozy Bear") {
				t.Errorf("%s does not show the hostile title as text (%d bdi)", p.href, facts.HostileBdi)
			}
		}
	}

	// A query typed in the box: hits highlighted.
	do(t, ctx, "query",
		chromedp.Navigate(f.srv.URL+"/query"),
		chromedp.SendKeys(css(`input[name=q]`), "actor:APT29"),
		chromedp.Submit(css(`input[name=q]`)),
		chromedp.WaitVisible(css(`#total`)),
	)
	total := run(t, ctx, "total", chromedp.Text(css(`#total`)))
	marks := run(t, ctx, "marks", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('tr.match mark')).map(m => m.innerText)`))
	// Both hostile stories name Cozy Bear, an alias of APT29.
	if total != "2 of 3 stories match." || len(marks) != 2 || marks[0] != "Cozy Bear" || marks[1] != "Cozy Bear" {
		t.Errorf("query actor:APT29: %q, marks %q; want 2 matches with Cozy Bear marked", total, marks)
	}

	// A parse error, shown at its position.
	do(t, ctx, "bad query",
		chromedp.Clear(css(`input[name=q]`)),
		chromedp.SendKeys(css(`input[name=q]`), "Baku AND (x"),
		chromedp.Submit(css(`input[name=q]`)),
		chromedp.WaitVisible(css(`#qerr`)),
	)
	qerr := run(t, ctx, "qerr", chromedp.Text(css(`#qerr`)))
	at := run(t, ctx, "qerr mark", chromedp.Text(css(`#qerr mark`)))
	if at != "(" || !strings.Contains(qerr, "at character 9") || !strings.Contains(qerr, "unclosed") {
		t.Errorf("parse error shown as %q, marked %q; want ( marked at character 9", qerr, at)
	}

	// Retrying the parked alert: a POST with the form's CSRF token.
	do(t, ctx, "outbox", chromedp.Navigate(f.srv.URL+"/outbox"))
	if n := run(t, ctx, "parked", chromedp.Evaluate[int](`document.querySelectorAll('tr.parked').length`)); n != 1 {
		t.Fatalf("outbox before retry: %d parked", n)
	}
	do(t, ctx, "retry", chromedp.Click(css(`tr.parked button.retry`)), chromedp.WaitNotPresent(css(`tr.parked`)))
	waiting := run(t, ctx, "waiting", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('tr.waiting')).map(r => r.innerText)`))
	joined := strings.Join(waiting, "\n")
	if len(waiting) != 2 || !strings.Contains(joined, "discord-webhook:") || strings.Contains(joined, "SECRETTOKEN") {
		t.Errorf("after retry waiting %q; want the webhook's alert back among 2, its secret hidden", waiting)
	}
	if st, _ := f.db.QueueStats(context.Background()); st.Parked != 0 || st.Pending != 2 {
		t.Errorf("store after retry: %+v", st)
	}

	if d := seen(); len(d) != 0 {
		t.Errorf("pages opened JavaScript dialogs: %q", d)
	}
}

// TestScreenshots writes the README's screenshots of the main pages to
// docs/ from a built history of 40 feeds over 30 days. It runs only when
// asked, so CI never rewrites them:
//
//	NEWSHOUND_SCREENSHOTS=1 go test ./web -run TestScreenshots
func TestScreenshots(t *testing.T) {
	if os.Getenv("NEWSHOUND_SCREENSHOTS") != "1" {
		t.Skip("set NEWSHOUND_SCREENSHOTS=1 to rewrite docs/console-*.png")
	}
	ctx := browser(t)
	s := buildHistory(t, sqliteBackend, 40, 30, 6)
	srv := httptest.NewServer(s)
	defer srv.Close()
	for _, p := range []struct{ name, path string }{
		{"overview", "/"},
		{"watches", "/watches"},
		{"stories", "/stories"},
		{"outbox", "/outbox"},
		{"query", "/query?since=30d&q=" + url.QueryEscape("actor:APT29 OR ransomware")},
		{"query-error", "/query?q=" + url.QueryEscape(`ransomware AND (hospital OR "ministry`)},
	} {
		do(t, ctx, p.name, chromedp.Navigate(srv.URL+p.path))
		png := run(t, ctx, p.name, chromedp.CaptureScreenshot())
		if err := os.WriteFile(filepath.Join("..", "docs", "console-"+p.name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
