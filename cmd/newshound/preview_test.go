package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// previewSite serves a home page linking to feeds, the feeds themselves
// (with an ETag and a TTL) and a page without any feed.
func previewSite(t *testing.T) *httptest.Server {
	t.Helper()
	now := time.Now().UTC()
	long := strings.Repeat("Officials confirmed the intrusion into the ministry network. ", 30)
	rss := `<?xml version="1.0" encoding="windows-1251"?><rss version="2.0"><channel><title>Wire ` + "\xcf\xf0\xe8\xe2\xe5\xf2" + `</title><ttl>15</ttl>` +
		fmt.Sprintf(`<item><guid>1</guid><title>Full story</title><description>%s</description><pubDate>%s</pubDate></item>`, long, now.Add(-time.Hour).Format(time.RFC1123Z)) +
		fmt.Sprintf(`<item><guid>2</guid><title>Teaser</title><description>Hackers hit the ministry [&#8230;]</description><pubDate>%s</pubDate></item>`, now.Add(-2*time.Hour).Format(time.RFC1123Z)) +
		`<item><guid>3</guid><title>Undated</title></item></channel></rss>`
	atom := `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Wire Atom</title><entry><id>a</id><title>x</title></entry></feed>`
	mux := http.NewServeMux()
	page := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, body)
		}
	}
	mux.HandleFunc("/one/", page(`<html><head><link rel="alternate" type="application/rss+xml" href="/feeds/wire.rss"></head></html>`))
	mux.HandleFunc("/two/", page(`<html><head><link rel="alternate" type="application/rss+xml" href="/feeds/wire.rss"><link rel="alternate" type="application/atom+xml" href="/feeds/wire.atom"></head></html>`))
	mux.HandleFunc("/none/", page(`<html><body>nothing</body></html>`))
	mux.HandleFunc("/feeds/wire.rss", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"r1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"r1"`)
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, rss)
	})
	mux.HandleFunc("/feeds/wire.atom", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, atom) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestFeedTest(t *testing.T) {
	srv := previewSite(t)
	path := writeTemp(t, "config.yaml", commentedConfig)
	tests := []struct {
		name string
		url  string
		code int
		out  []string // in stdout
		errs []string // in stderr
	}{
		{"a feed", srv.URL + "/feeds/wire.rss", exitOK, []string{
			"title            Wire Привет",
			"type             rss 2.0, charset windows-1251,",
			`validators       ETag "r1", Last-Modified -`,
			"conditional GET  yes: 304 Not Modified",
			"TTL              15m (RSS ttl); Cache-Control max-age none",
			"poll interval    every 1h (adaptive: 2 items in the last 7 days",
			"full text        yes for 2 of 3 items (teasers)",
			"items            3 (2 with a date)",
			"Full story", "Teaser", "Undated",
		}, nil},
		{"a page with one feed", srv.URL + "/one/", exitOK, []string{"feed             " + srv.URL + "/feeds/wire.rss", "(found on the web page given)"}, nil},
		{"a page with two", srv.URL + "/two/", exitInput, []string{srv.URL + "/feeds/wire.rss  (rss 2.0, \"Wire Привет\", 3 items)", srv.URL + "/feeds/wire.atom  (atom 1.0, \"Wire Atom\", 1 items)"}, []string{"lists 2 feeds"}},
		{"a page with none", srv.URL + "/none/", exitInput, nil, []string{"no feed found at " + srv.URL + "/none/"}},
		{"a dead server", "http://127.0.0.1:1/rss", exitRuntime, nil, []string{"fetch http://127.0.0.1:1/rss"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCLI("feed", "test", tt.url, "--config", path)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s\n%s", code, tt.code, out, errs)
			}
			for _, w := range tt.out {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.errs {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
		})
	}
	if readFile(t, path) != commentedConfig {
		t.Error("feed test changed the config")
	}
}

func TestFeedAddChecks(t *testing.T) {
	srv := previewSite(t)
	t.Run("a page with one feed adds that feed", func(t *testing.T) {
		path := writeTemp(t, "config.yaml", commentedConfig)
		code, out, errs := runCLI("feed", "add", srv.URL+"/one/", "--config", path)
		if code != exitOK || !strings.Contains(out, "its feed is "+srv.URL+"/feeds/wire.rss") || !strings.Contains(out, `checked: rss 2.0, "Wire Привет", 3 items (2 teasers)`) {
			t.Fatalf("exit %d\n%s\n%s", code, out, errs)
		}
		if !strings.Contains(readFile(t, path), "  - url: "+srv.URL+"/feeds/wire.rss\n") {
			t.Errorf("config:\n%s", readFile(t, path))
		}
	})
	for _, tt := range []struct {
		name, url string
		code      int
		errs      string
	}{
		{"several feeds: nothing added", "/two/", exitInput, "lists 2 feeds"},
		{"no feed: nothing added", "/none/", exitInput, "no feed found"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, "config.yaml", commentedConfig)
			code, _, errs := runCLI("feed", "add", srv.URL+tt.url, "--config", path)
			if code != tt.code || !strings.Contains(errs, tt.errs) || !strings.Contains(errs, "--no-check") {
				t.Fatalf("exit %d: %s", code, errs)
			}
			if readFile(t, path) != commentedConfig {
				t.Error("the config changed")
			}
		})
	}
	t.Run("--no-check adds without a request", func(t *testing.T) {
		path := writeTemp(t, "config.yaml", commentedConfig)
		if code, _, errs := runCLI("feed", "add", "--no-check", "http://127.0.0.1:1/rss", "--config", path); code != exitOK {
			t.Fatalf("exit %d: %s", code, errs)
		}
		if code, _, _ := runCLI("feed", "ls", "--no-check", "--config", path); code != exitInput {
			t.Errorf("--no-check on ls: exit %d, want %d", code, exitInput)
		}
	})
}
