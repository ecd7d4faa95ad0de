package feeds

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
)

func siteFeed(title string) string {
	return `<?xml version="1.0"?><rss version="2.0"><channel><title>` + title +
		`</title><item><title>a</title><link>https://x.example/a</link></item></channel></rss>`
}

const atomDoc = `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Site (Atom)</title>` +
	`<entry><title>a</title><id>urn:a</id><link href="https://x.example/a"/></entry></feed>`

// site serves pages by path; a path not listed is a 404. It counts requests.
type site struct {
	pages map[string]string
	hits  atomic.Int64
}

func (s *site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.hits.Add(1)
	body, ok := s.pages[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if strings.HasPrefix(body, "redirect:") {
		http.Redirect(w, r, strings.TrimPrefix(body, "redirect:"), http.StatusFound)
		return
	}
	switch {
	case strings.HasPrefix(body, "<!DOCTYPE html") || strings.HasPrefix(body, "<html"):
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	case strings.Contains(body, "<feed"):
		w.Header().Set("Content-Type", "application/atom+xml")
	default:
		w.Header().Set("Content-Type", "application/rss+xml")
	}
	fmt.Fprint(w, body)
}

func TestDiscover(t *testing.T) {
	tests := []struct {
		name  string
		pages map[string]string
		start string
		want  []Found // URLs relative to the server
		max   int64   // most requests allowed (0: no check)
	}{
		{
			"several advertised feeds, a dead one dropped",
			map[string]string{
				"/": `<!DOCTYPE html><html><head><title>Site</title>
<link rel="alternate" type="application/rss+xml" title="RSS" href="/rss.xml">
<link rel="alternate" type="application/atom+xml" href="atom">
<link rel="alternate" type="application/rss+xml" href="/gone.xml">
<link rel="alternate" type="text/html" hreflang="uk" href="/uk/">
<link rel="stylesheet" type="text/css" href="/s.css">
<link rel="alternate" type="application/rss+xml" href="/rss.xml#again">
</head><body></body></html>`,
				"/rss.xml": siteFeed("Site (RSS)"),
				"/atom":    atomDoc,
			},
			"/",
			[]Found{{URL: "/rss.xml", Title: "Site (RSS)", Type: "rss 2.0", Items: 1}, {URL: "/atom", Title: "Site (Atom)", Type: "atom 1.0", Items: 1}},
			0,
		},
		{
			"a base element",
			map[string]string{
				"/blog/post":     `<html><head><link rel="alternate" type="application/rss+xml" href="feed.xml"><base href="/blog/"></head></html>`,
				"/blog/feed.xml": siteFeed("Blog"),
			},
			"/blog/post",
			[]Found{{URL: "/blog/feed.xml", Title: "Blog", Type: "rss 2.0", Items: 1}},
			0,
		},
		{
			"WordPress without links: /feed/ first",
			map[string]string{
				"/":      `<html><head><meta name="generator" content="WordPress 6.5"></head><body><img src="/wp-content/x.png"></body></html>`,
				"/feed/": siteFeed("WP"),
			},
			"/",
			[]Found{{URL: "/feed/", Title: "WP", Type: "rss 2.0", Items: 1}},
			0,
		},
		{
			"Ghost: /rss/",
			map[string]string{
				"/":     `<html><head><meta name="generator" content="Ghost 5.80"></head></html>`,
				"/rss/": siteFeed("Ghost"),
			},
			"/",
			[]Found{{URL: "/rss/", Title: "Ghost", Type: "rss 2.0", Items: 1}},
			0,
		},
		{
			"two guesses leading to one feed count once",
			map[string]string{
				"/":          `<html><body>Hugo</body></html>`,
				"/feed":      "redirect:/index.xml",
				"/index.xml": siteFeed("Hugo"),
			},
			"/",
			[]Found{{URL: "/feed", Title: "Hugo", Type: "rss 2.0", Items: 1}},
			0,
		},
		{
			"none",
			map[string]string{"/": `<html><body>no feeds here</body></html>`},
			"/",
			nil,
			1 + int64(len(commonPaths)),
		},
		{
			"the URL is a feed",
			map[string]string{"/news.rss": siteFeed("Direct")},
			"/news.rss",
			[]Found{{URL: "/news.rss", Title: "Direct", Type: "rss 2.0", Items: 1}},
			1,
		},
		{
			"hundreds of alternates: bounded",
			map[string]string{"/": "<html><head>" + manyLinks(300) + "</head></html>"},
			"/",
			nil,
			1 + maxCandidates,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &site{pages: tt.pages}
			srv := httptest.NewServer(s)
			defer srv.Close()
			got, err := Discover(context.Background(), NewFetcher(Options{}), srv.URL+tt.start, true)
			if err != nil {
				t.Fatal(err)
			}
			for i := range got {
				got[i].URL = strings.TrimPrefix(got[i].URL, srv.URL)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			if tt.max > 0 && s.hits.Load() > tt.max {
				t.Errorf("%d requests, want at most %d", s.hits.Load(), tt.max)
			}
		})
	}
}

func manyLinks(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `<link rel="alternate" type="application/rss+xml" href="/tag/%d.xml">`, i)
	}
	return b.String()
}

// TestDiscoverSSRF: with allowPrivate false every request of a discovery
// passes the guard. 127.0.0.1 stands in for a public site, 127.0.0.2 for
// the private network it must not reach: as an advertised feed, through a
// redirect of a guessed path, and as the page itself.
func TestDiscoverSSRF(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	}
	inner := &site{pages: map[string]string{"/": "<html></html>", "/feed": siteFeed("internal"), "/rss": siteFeed("internal")}}
	private := httptest.NewUnstartedServer(inner)
	private.Listener.Close()
	private.Listener = ln
	private.Start()
	defer private.Close()

	outer := &site{pages: map[string]string{
		"/advertises": `<html><head><link rel="alternate" type="application/rss+xml" href="` + private.URL + `/feed"></head></html>`,
		"/guess/":     `<html><body>nothing</body></html>`,
		"/rss":        "redirect:" + private.URL + "/rss",
	}}
	public := httptest.NewServer(outer)
	defer public.Close()

	onlyOne := func(a netip.Addr) bool { return a == netip.MustParseAddr("127.0.0.1") }
	f := newFetcher(Options{}, onlyOne)
	for _, start := range []string{public.URL + "/advertises", public.URL + "/guess/", private.URL + "/"} {
		got, err := Discover(context.Background(), f, start, false)
		var be *BlockedAddressError
		if !errors.As(err, &be) || be.Addr != "127.0.0.2" {
			t.Errorf("%s: got %v, %v; want *BlockedAddressError for 127.0.0.2", start, got, err)
		}
	}
	if n := inner.hits.Load(); n != 0 {
		t.Errorf("the private server was reached %d times", n)
	}
	// The same discovery from a trusted source reaches it.
	got, err := Discover(context.Background(), f, public.URL+"/advertises", true)
	if err != nil || len(got) != 1 || got[0].Title != "internal" {
		t.Errorf("trusted: %+v, %v", got, err)
	}
}
