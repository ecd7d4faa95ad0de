package feeds

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"
)

const smallFeed = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Small</title><link>https://small.example/</link>
<item><title>First story about Azerbaijan</title><link>https://small.example/1?utm_source=rss</link><guid>g1</guid><pubDate>Mon, 02 Jan 2006 15:04:05 GMT</pubDate></item>
<item><title>Second story</title><link>/2</link><guid>g2</guid></item>
</channel></rss>`

// trustedFetcher fetches loopback test servers (AllowPrivate is set on each request).
func trustedFetcher(o Options) *Fetcher { return NewFetcher(o) }

func fetchOK(t *testing.T, f *Fetcher, r Request) *Response {
	t.Helper()
	r.AllowPrivate = true
	resp, err := f.Fetch(context.Background(), r)
	if err != nil {
		t.Fatalf("Fetch(%s): %v", r.URL, err)
	}
	return resp
}

func fetchErr(t *testing.T, f *Fetcher, url string) (*Response, error) {
	t.Helper()
	resp, err := f.Fetch(context.Background(), Request{URL: url, AllowPrivate: true})
	if err == nil {
		t.Fatalf("Fetch(%s) succeeded, want an error", url)
	}
	if !strings.Contains(err.Error(), url) {
		t.Errorf("error %q does not name the URL %s", err, url)
	}
	return resp, err
}

func TestFetchETagAnd304(t *testing.T) {
	var gotINM, gotUA, gotAE atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotINM.Store(r.Header.Get("If-None-Match"))
		gotUA.Store(r.Header.Get("User-Agent"))
		gotAE.Store(r.Header.Get("Accept-Encoding"))
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("Cache-Control", "public, max-age=600")
		fmt.Fprint(w, smallFeed)
	}))
	defer srv.Close()
	f := trustedFetcher(Options{UserAgent: "test-agent/1"})

	r1 := fetchOK(t, f, Request{URL: srv.URL + "/feed"})
	if r1.StatusCode != 200 || r1.NotModified || r1.Unchanged || r1.ETag != `"v1"` || r1.BodyHash == "" {
		t.Fatalf("first fetch: %+v", r1)
	}
	if r1.MinInterval != 10*time.Minute {
		t.Errorf("MinInterval = %v, want 10m from max-age", r1.MinInterval)
	}
	if gotUA.Load() != "test-agent/1" || gotAE.Load() != "gzip" {
		t.Errorf("User-Agent %q, Accept-Encoding %q", gotUA.Load(), gotAE.Load())
	}
	feed, err := Parse(r1.Body, r1.ContentType, r1.FinalURL)
	if err != nil || len(feed.Items) != 2 || feed.Items[1].Link != srv.URL+"/2" || feed.Items[0].Link != "https://small.example/1" {
		t.Fatalf("Parse: %v %+v", err, feed)
	}

	r2 := fetchOK(t, f, Request{URL: srv.URL + "/feed", ETag: r1.ETag, BodyHash: r1.BodyHash})
	if gotINM.Load() != `"v1"` {
		t.Errorf("If-None-Match sent = %q", gotINM.Load())
	}
	if !r2.NotModified || r2.StatusCode != 304 || r2.ETag != `"v1"` || r2.BodyHash != r1.BodyHash || r2.Body != nil {
		t.Errorf("304 response: %+v", r2)
	}
}

func TestFetchLastModified(t *testing.T) {
	const lm = "Mon, 02 Jan 2006 15:04:05 GMT"
	var gotIMS atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotIMS.Store(r.Header.Get("If-Modified-Since"))
		if r.Header.Get("If-Modified-Since") == lm {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Last-Modified", lm)
		fmt.Fprint(w, smallFeed)
	}))
	defer srv.Close()
	f := trustedFetcher(Options{})
	r1 := fetchOK(t, f, Request{URL: srv.URL})
	if r1.LastModified != lm || r1.NotModified {
		t.Fatalf("first: %+v", r1)
	}
	r2 := fetchOK(t, f, Request{URL: srv.URL, LastModified: r1.LastModified})
	if gotIMS.Load() != lm || !r2.NotModified || r2.LastModified != lm {
		t.Fatalf("If-Modified-Since %q, response %+v", gotIMS.Load(), r2)
	}
}

func TestFetchUnchangedBody(t *testing.T) {
	body := smallFeed
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprint(w, body)
	}))
	defer srv.Close()
	f := trustedFetcher(Options{})
	r1 := fetchOK(t, f, Request{URL: srv.URL})
	r2 := fetchOK(t, f, Request{URL: srv.URL, BodyHash: r1.BodyHash})
	if !r2.Unchanged || r2.BodyHash != r1.BodyHash {
		t.Fatalf("same body: Unchanged=%v", r2.Unchanged)
	}
	mu.Lock()
	body = strings.Replace(smallFeed, "Second story", "Second story, updated", 1)
	mu.Unlock()
	r3 := fetchOK(t, f, Request{URL: srv.URL, BodyHash: r1.BodyHash})
	if r3.Unchanged || r3.BodyHash == r1.BodyHash {
		t.Fatalf("changed body reported unchanged")
	}
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFetchGzip(t *testing.T) {
	zipped := gz(t, []byte(smallFeed))
	mux := http.NewServeMux()
	mux.HandleFunc("/declared", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(zipped)
	})
	mux.HandleFunc("/undeclared", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(zipped)
	})
	mux.HandleFunc("/double", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(gz(t, zipped))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f := trustedFetcher(Options{})
	for _, p := range []string{"/declared", "/undeclared", "/double"} {
		r := fetchOK(t, f, Request{URL: srv.URL + p})
		if string(r.Body) != smallFeed {
			t.Errorf("%s: body not gunzipped: %.20q", p, r.Body)
		}
	}
}

func TestFetchLimits(t *testing.T) {
	const limit = 256 << 10
	bomb := func() []byte {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zero := make([]byte, 1<<20)
		for range 64 { // 64 MiB of zeros in ~64 KiB
			zw.Write(zero)
		}
		zw.Close()
		return buf.Bytes()
	}()
	mux := http.NewServeMux()
	mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(20<<20))
		w.Write(bytes.Repeat([]byte("x"), 64<<10))
	})
	mux.HandleFunc("/endless", func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte("<item>endless</item>"), 1000)
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/bomb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(bomb)
	})
	mux.HandleFunc("/bomb-undeclared", func(w http.ResponseWriter, r *http.Request) {
		w.Write(bomb)
	})
	mux.HandleFunc("/huge-gzip-wire", func(w http.ResponseWriter, r *http.Request) {
		// Incompressible bytes: the compressed stream itself exceeds the limit.
		w.Header().Set("Content-Encoding", "gzip")
		noise := make([]byte, 2*limit)
		rand.Read(noise)
		w.Write(gz(t, noise))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f := trustedFetcher(Options{MaxBodySize: limit})
	for _, p := range []string{"/huge", "/endless", "/bomb", "/bomb-undeclared", "/huge-gzip-wire"} {
		t.Run(p, func(t *testing.T) {
			start := time.Now()
			_, err := fetchErr(t, f, srv.URL+p)
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error = %v, want ErrTooLarge", err)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %v to give up", d)
			}
		})
	}
}

func TestFetchSlowDripTimesOut(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fl := w.(http.Flusher)
		fmt.Fprint(w, "<?xml version='1.0'?><rss><channel>")
		for {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(20 * time.Millisecond):
				fmt.Fprint(w, " ")
				fl.Flush()
			}
		}
	}))
	defer srv.Close()
	f := trustedFetcher(Options{Timeout: 300 * time.Millisecond})
	start := time.Now()
	_, err := fetchErr(t, f, srv.URL)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "timed out") {
		t.Errorf("error = %v, want a timeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("slow drip held the fetch for %v", d)
	}
}

func TestFetchRedirects(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/loop-a", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop-b", http.StatusFound) })
	mux.HandleFunc("/loop-b", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop-a", http.StatusFound) })
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/new", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/old308", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/old", http.StatusPermanentRedirect)
	})
	mux.HandleFunc("/temp", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/new", http.StatusFound) })
	mux.HandleFunc("/perm-then-temp", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/temp", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/temp-then-perm", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/old", http.StatusFound)
	})
	mux.HandleFunc("/ftp", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "ftp://example.com/feed", http.StatusFound)
	})
	mux.HandleFunc("/new", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, smallFeed) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f := trustedFetcher(Options{MaxRedirects: 3})

	_, err := fetchErr(t, f, srv.URL+"/loop-a")
	if !errors.Is(err, ErrTooManyRedirects) {
		t.Errorf("loop: %v, want ErrTooManyRedirects", err)
	}
	_, err = fetchErr(t, f, srv.URL+"/ftp")
	if !strings.Contains(err.Error(), "scheme") {
		t.Errorf("ftp redirect: %v", err)
	}

	tests := []struct {
		path, moved string
	}{
		{"/new", ""},
		{"/old", "/new"},
		{"/old308", "/new"},
		{"/temp", ""},
		{"/perm-then-temp", "/temp"},
		{"/temp-then-perm", ""},
	}
	for _, tc := range tests {
		r := fetchOK(t, f, Request{URL: srv.URL + tc.path})
		want := ""
		if tc.moved != "" {
			want = srv.URL + tc.moved
		}
		if r.MovedTo != want || r.FinalURL != srv.URL+"/new" {
			t.Errorf("%s: MovedTo %q FinalURL %q, want MovedTo %q", tc.path, r.MovedTo, r.FinalURL, want)
		}
	}
}

func TestFetchHTTPErrors(t *testing.T) {
	date := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	mux := http.NewServeMux()
	for _, code := range []int{404, 410, 500} {
		mux.HandleFunc(fmt.Sprintf("/%d", code), func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "nope", code)
		})
	}
	mux.HandleFunc("/429", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	mux.HandleFunc("/503", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", date)
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!DOCTYPE html>\n<html><head><title>Login</title></head><body>Sign in</body></html>")
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f := trustedFetcher(Options{})

	for _, code := range []int{404, 410, 500, 429, 503} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			resp, err := fetchErr(t, f, fmt.Sprintf("%s/%d", srv.URL, code))
			var he *HTTPError
			if !errors.As(err, &he) || he.StatusCode != code {
				t.Fatalf("error = %#v, want *HTTPError %d", err, code)
			}
			if IsGone(err) != (code == 410) {
				t.Errorf("IsGone = %v for %d", IsGone(err), code)
			}
			if resp == nil || resp.StatusCode != code {
				t.Errorf("response = %+v", resp)
			}
			switch code {
			case 429:
				if he.RetryAfter != 2*time.Minute || resp.RetryAfter != 2*time.Minute {
					t.Errorf("Retry-After: error %v response %v, want 2m", he.RetryAfter, resp.RetryAfter)
				}
			case 503:
				if he.RetryAfter < 80*time.Second || he.RetryAfter > 91*time.Second {
					t.Errorf("Retry-After date: %v, want ~90s", he.RetryAfter)
				}
			default:
				if he.RetryAfter != 0 {
					t.Errorf("RetryAfter %v on %d", he.RetryAfter, code)
				}
			}
		})
	}
	_, err := fetchErr(t, f, srv.URL+"/html")
	if !errors.Is(err, ErrNotAFeed) {
		t.Errorf("HTML page: %v, want ErrNotAFeed", err)
	}
	if IsGone(errors.New("410")) || IsGone(nil) {
		t.Error("IsGone true for a non-HTTPError")
	}
}

func TestFetchBadURLs(t *testing.T) {
	f := trustedFetcher(Options{})
	for _, u := range []string{"ftp://example.com/feed", "file:///etc/passwd", "http://", "::nope"} {
		if _, err := f.Fetch(context.Background(), Request{URL: u}); err == nil {
			t.Errorf("Fetch(%q) succeeded", u)
		}
	}
	// The password of a URL's user info never reaches an error string.
	_, err := f.Fetch(context.Background(), Request{URL: "gopher://user:s3cret@example.com/"})
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error leaks the password: %v", err)
	}
}

func TestFetchPerHostLimit(t *testing.T) {
	var cur, peak atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(30 * time.Millisecond)
		cur.Add(-1)
		fmt.Fprint(w, smallFeed)
	}))
	defer srv.Close()
	f := trustedFetcher(Options{PerHost: 2})
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Go(func() {
			if _, err := f.Fetch(context.Background(), Request{URL: fmt.Sprintf("%s/%d", srv.URL, i), AllowPrivate: true}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if p := peak.Load(); p > 2 || p < 1 {
		t.Errorf("peak concurrent requests to one host = %d, want at most 2", p)
	}
	f.hosts.mu.Lock()
	left := len(f.hosts.m)
	f.hosts.mu.Unlock()
	if left != 0 {
		t.Errorf("%d host slots left behind after all fetches finished", left)
	}

	// A caller's context bounds the wait for a slot.
	block := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
	defer slow.Close()
	defer close(block)
	g := trustedFetcher(Options{PerHost: 1})
	go g.Fetch(context.Background(), Request{URL: slow.URL, AllowPrivate: true})
	time.Sleep(50 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := g.Fetch(ctx, Request{URL: slow.URL, AllowPrivate: true}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting for a busy host: %v, want the caller's deadline", err)
	}
}

func TestFetchCharsetFromHTTPHeader(t *testing.T) {
	doc := `<rss version="2.0"><channel><title>Новости</title><item><title>Россия и Азербайджан</title><guid>1</guid></item></channel></rss>`
	cp, err := charmap.Windows1251.NewEncoder().String(doc)
	if err != nil {
		t.Fatal(err)
	}
	declared := strings.Replace(`<?xml version="1.0" encoding="windows-1251"?>`+doc, "", "", 1)
	declaredCP, _ := charmap.Windows1251.NewEncoder().String(declared)
	mux := http.NewServeMux()
	mux.HandleFunc("/header", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=windows-1251")
		fmt.Fprint(w, cp)
	})
	mux.HandleFunc("/lying-header", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		fmt.Fprint(w, declaredCP)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f := trustedFetcher(Options{})
	for _, p := range []string{"/header", "/lying-header"} {
		r := fetchOK(t, f, Request{URL: srv.URL + p})
		feed, err := Parse(r.Body, r.ContentType, r.FinalURL)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if feed.Title != "Новости" || feed.Items[0].Title != "Россия и Азербайджан" {
			t.Errorf("%s: title %q / %q", p, feed.Title, feed.Items[0].Title)
		}
	}
}

// TestSSRFGuard runs the real dialer-level guard against loopback servers.
func TestSSRFGuard(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, smallFeed) }))
	defer srv.Close()
	f := NewFetcher(Options{})

	_, err := f.Fetch(context.Background(), Request{URL: srv.URL})
	var be *BlockedAddressError
	if !errors.As(err, &be) || be.Addr != "127.0.0.1" || !strings.Contains(err.Error(), srv.URL) {
		t.Fatalf("guarded fetch of loopback: %v, want *BlockedAddressError naming the URL", err)
	}
	// Names are checked after resolution, not by spelling.
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	_, err = f.Fetch(context.Background(), Request{URL: "http://localhost:" + port + "/"})
	if !errors.As(err, &be) {
		t.Fatalf("guarded fetch of localhost: %v, want *BlockedAddressError", err)
	}
	if _, err := f.Fetch(context.Background(), Request{URL: srv.URL, AllowPrivate: true}); err != nil {
		t.Fatalf("AllowPrivate fetch of loopback: %v", err)
	}
}

// TestSSRFGuardOnRedirect allows one loopback address (standing in for a
// public server) and refuses another: a redirect from the first to the
// second must be refused at connection time.
func TestSSRFGuardOnRedirect(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	}
	inner := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "secret metadata")
	}))
	inner.Listener.Close()
	inner.Listener = ln
	inner.Start()
	defer inner.Close()
	outer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/feed" {
			fmt.Fprint(w, smallFeed)
			return
		}
		http.Redirect(w, r, inner.URL+"/latest/meta-data", http.StatusFound)
	}))
	defer outer.Close()

	onlyOne := func(a netip.Addr) bool { return a == netip.MustParseAddr("127.0.0.1") }
	f := newFetcher(Options{}, onlyOne)
	if _, err := f.Fetch(context.Background(), Request{URL: outer.URL + "/feed"}); err != nil {
		t.Fatalf("allowed address refused: %v", err)
	}
	_, err = f.Fetch(context.Background(), Request{URL: outer.URL + "/redirect"})
	var be *BlockedAddressError
	if !errors.As(err, &be) || be.Addr != "127.0.0.2" {
		t.Fatalf("redirect to a refused address: %v, want *BlockedAddressError for 127.0.0.2", err)
	}
	r, err := f.Fetch(context.Background(), Request{URL: outer.URL + "/redirect", AllowPrivate: true})
	if err != nil || string(r.Body) != "secret metadata" {
		// With AllowPrivate the trusted transport follows it (the body is
		// not a feed, but it is not HTML either).
		t.Fatalf("AllowPrivate redirect: %v", err)
	}
}

func TestIsPublicAddr(t *testing.T) {
	tests := []struct {
		addr   string
		public bool
	}{
		{"8.8.8.8", true},
		{"93.184.216.34", true},
		{"2606:4700:4700::1111", true},
		{"127.0.0.1", false},
		{"127.1.2.3", false},
		{"10.0.0.1", false},
		{"172.16.5.4", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false}, // cloud metadata
		{"0.0.0.0", false},
		{"0.1.2.3", false},
		{"100.64.0.1", false}, // CGNAT
		{"100.127.255.254", false},
		{"100.128.0.1", true},
		{"224.0.0.1", false},
		{"255.255.255.255", false},
		{"198.18.0.1", false},
		{"::1", false},
		{"::", false},
		{"fe80::1", false},
		{"fc00::1", false},
		{"fd12:3456::1", false},
		{"ff02::1", false},
		{"::ffff:127.0.0.1", false},
		{"::ffff:10.1.2.3", false},
		{"::ffff:8.8.8.8", true},
		{"64:ff9b::7f00:1", false},     // NAT64 of 127.0.0.1
		{"64:ff9b::808:808", true},     // NAT64 of 8.8.8.8
		{"2002:7f00:1::1", false},      // 6to4 of 127.0.0.1
		{"2002:808:808::1", true},      // 6to4 of 8.8.8.8
		{"::127.0.0.1", false},         // IPv4-compatible
		{"fec0::1", false},             // site-local
		{"fe80::1%eth0", false},        // zoned
		{"2001:0:4136:e378::1", false}, // Teredo
		{"2001:db8::1", true},          // documentation, harmless
		{"2a00:1450:4001:80b::200e", true},
	}
	for _, tc := range tests {
		a, err := netip.ParseAddr(tc.addr)
		if err != nil {
			t.Fatalf("%s: %v", tc.addr, err)
		}
		if got := IsPublicAddr(a); got != tc.public {
			t.Errorf("IsPublicAddr(%s) = %v, want %v", tc.addr, got, tc.public)
		}
	}
	if IsPublicAddr(netip.Addr{}) {
		t.Error("zero Addr is public")
	}
	if err := checkDialAddr("garbage", IsPublicAddr); err == nil {
		t.Error("unparsable dial address allowed")
	}
}
