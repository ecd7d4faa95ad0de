package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/engine"
	"github.com/newshound/newshound/feeds"
)

// preview is what "feed test" learns about a URL, and what "feed add"
// checks before writing it.
type preview struct {
	url   string        // the feed's URL: as given, or the one discovered
	found []feeds.Found // the feeds of a web page, when the URL was one
	resp  *feeds.Response
	feed  *feeds.Feed
	// conditional says what a second, conditional GET got.
	conditional string
	fetchTime   time.Duration
}

// errSeveralFeeds is inspect's answer for a web page with several feeds:
// the user must pick one (preview.found lists them).
var errSeveralFeeds = errors.New("the page lists several feeds")

// errNoFeed is inspect's answer for a web page without any feed found.
var errNoFeed = errors.New("no feed found")

// inspect fetches and parses rawURL now, without storing anything. A web
// page is searched for its feeds first; with exactly one, that one is
// inspected. The CLI is the config's owner, so private addresses are
// allowed, as they are for config feeds.
func inspect(ctx context.Context, f *feeds.Fetcher, rawURL string) (*preview, error) {
	p := &preview{url: rawURL}
	start := time.Now()
	resp, err := f.Fetch(ctx, feeds.Request{URL: rawURL, AllowPrivate: true})
	if errors.Is(err, feeds.ErrNotAFeed) {
		found, derr := feeds.Discover(ctx, f, rawURL, true)
		if derr != nil {
			return p, derr
		}
		p.found = found
		switch len(found) {
		case 0:
			return p, fmt.Errorf("%w at %s or at the usual places (/feed, /rss, /atom.xml, ...)", errNoFeed, rawURL)
		case 1:
		default:
			return p, errSeveralFeeds
		}
		p.url = found[0].URL
		start = time.Now()
		resp, err = f.Fetch(ctx, feeds.Request{URL: p.url, AllowPrivate: true})
	}
	p.fetchTime = time.Since(start)
	if err != nil {
		return p, err
	}
	p.resp = resp
	base := resp.FinalURL
	if base == "" {
		base = p.url
	}
	p.feed, err = feeds.Parse(resp.Body, resp.ContentType, base)
	if err != nil {
		return p, err
	}
	switch {
	case resp.ETag == "" && resp.LastModified == "":
		p.conditional = "no validators: every poll downloads the whole feed (an unchanged body is not parsed again)"
	default:
		again, err := f.Fetch(ctx, feeds.Request{URL: p.url, ETag: resp.ETag, LastModified: resp.LastModified, BodyHash: resp.BodyHash, AllowPrivate: true})
		switch {
		case err != nil:
			p.conditional = "second request failed: " + err.Error()
		case again.NotModified:
			p.conditional = "yes: 304 Not Modified"
		case again.Unchanged:
			p.conditional = "validators ignored (200 with the same body again; not parsed again)"
		default:
			p.conditional = "validators ignored (200 with a different body)"
		}
	}
	return p, nil
}

// writeFound lists the feeds of a page.
func writeFound(w io.Writer, page string, found []feeds.Found) {
	fmt.Fprintf(w, "%s is a web page with %d feeds:\n", page, len(found))
	for _, f := range found {
		fmt.Fprintf(w, "  %s  (%s, %q, %d items)\n", f.URL, f.Type, f.Title, f.Items)
	}
}

// writePreview prints what a user needs before adding the feed.
func writePreview(w io.Writer, p *preview, cfg *config.Config, now time.Time) {
	r, f := p.resp, p.feed
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "feed\t%s\n", p.url)
	if len(p.found) == 1 {
		fmt.Fprintf(tw, "\t(found on the web page given)\n")
	}
	if r.MovedTo != "" {
		fmt.Fprintf(tw, "moved\tpermanently to %s: add that URL instead\n", r.MovedTo)
	} else if r.FinalURL != "" && r.FinalURL != p.url {
		fmt.Fprintf(tw, "redirected\tto %s (temporarily)\n", r.FinalURL)
	}
	fmt.Fprintf(tw, "title\t%s\n", dash(f.Title))
	fmt.Fprintf(tw, "type\t%s, charset %s, %d bytes, Content-Type %s, fetched in %s\n",
		dash(f.Type), dash(f.Charset), len(r.Body), dash(r.ContentType), p.fetchTime.Round(time.Millisecond))
	fmt.Fprintf(tw, "validators\tETag %s, Last-Modified %s\n", dash(r.ETag), dash(r.LastModified))
	fmt.Fprintf(tw, "conditional GET\t%s\n", p.conditional)
	ttl := "none"
	if f.TTL > 0 {
		ttl = shortDur(f.TTL)
	}
	maxAge := "none"
	if r.MinInterval > 0 {
		maxAge = shortDur(r.MinInterval)
	}
	fmt.Fprintf(tw, "TTL\t%s (RSS ttl); Cache-Control max-age %s\n", ttl, maxAge)
	fmt.Fprintf(tw, "poll interval\t%s\n", intervalNote(f, r, cfg, now))

	teasers, dated := 0, 0
	for _, it := range f.Items {
		if feeds.IsTeaser(it) {
			teasers++
		}
		if !it.Published.IsZero() {
			dated++
		}
	}
	ft := "no: the items carry their text"
	if teasers > 0 {
		ft = fmt.Sprintf("yes for %d of %d items (teasers): their article pages would be fetched once each", teasers, len(f.Items))
	}
	fmt.Fprintf(tw, "full text\t%s\n", ft)
	if f.Partial {
		fmt.Fprintf(tw, "warning\tthe document is broken; only the items before the break were read\n")
	}
	fmt.Fprintf(tw, "items\t%d (%d with a date)\n", len(f.Items), dated)
	tw.Flush()

	tw = tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "  PUBLISHED\tCHARS\tTEASER\tTITLE")
	for i, it := range f.Items {
		if i == 20 {
			fmt.Fprintf(tw, "  ... %d more\t\t\t\n", len(f.Items)-i)
			break
		}
		when := "-"
		if !it.Published.IsZero() {
			when = it.Published.UTC().Format("2006-01-02 15:04")
		}
		n := utf8.RuneCountInString(it.Content)
		if s := utf8.RuneCountInString(it.Summary); s > n {
			n = s
		}
		teaser := "-"
		if feeds.IsTeaser(it) {
			teaser = "yes"
		}
		fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\n", when, n, teaser, clip(oneLine(it.Title), 80))
	}
	tw.Flush()
}

// intervalNote explains how often the daemon would poll the feed.
func intervalNote(f *feeds.Feed, r *feeds.Response, cfg *config.Config, now time.Time) string {
	published := make([]time.Time, 0, len(f.Items))
	for _, it := range f.Items {
		published = append(published, it.Published)
	}
	d, why := engine.PollInterval(cfg.Poll, 0, published, now)
	floor := max(f.TTL, r.MinInterval)
	if floor > d {
		return fmt.Sprintf("every %s (%s, raised to what the server asks)", shortDur(floor), why)
	}
	return fmt.Sprintf("every %s (%s)", shortDur(d), why)
}

func shortDur(d time.Duration) string {
	s := d.Round(time.Second).String()
	s = strings.TrimSuffix(s, "0s")
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	if s == "" {
		s = "0s"
	}
	return s
}

// feedTest is "feed test URL": a preview that stores nothing.
func feedTest(path, rawURL string, stdout, stderr io.Writer) int {
	cfg := previewConfig(path)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p, err := inspect(ctx, previewFetcher(cfg), rawURL)
	if err != nil {
		return previewFailed("feed test", rawURL, p, err, stdout, stderr)
	}
	writePreview(stdout, p, cfg, time.Now())
	return exitOK
}

// previewFailed reports why inspect gave no feed. A page with several
// feeds, no feed, or a document that is not a feed are bad input; the rest
// (network, server errors) a runtime failure.
func previewFailed(what, rawURL string, p *preview, err error, stdout, stderr io.Writer) int {
	switch {
	case errors.Is(err, errSeveralFeeds):
		writeFound(stdout, rawURL, p.found)
		fmt.Fprintf(stderr, "newshound: %s: %s lists %d feeds; pick one of the URLs above\n", what, rawURL, len(p.found))
		return exitInput
	case errors.Is(err, errNoFeed), errors.Is(err, feeds.ErrNotAFeed), errors.Is(err, feeds.ErrMalformed):
		fmt.Fprintf(stderr, "newshound: %s: %v\n", what, err)
		return exitInput
	}
	fmt.Fprintf(stderr, "newshound: %s: %v\n", what, err)
	return exitRuntime
}

// previewConfig is the config when there is a valid one (its fetch limits,
// user agent and poll intervals), else the defaults: previewing a feed
// must not need a config file.
func previewConfig(path string) *config.Config {
	cfg, err := config.Load(path)
	if err != nil {
		return config.Default()
	}
	return cfg
}

func previewFetcher(cfg *config.Config) *feeds.Fetcher {
	return engine.NewFetcher(cfg, "newshound/"+version+" (+https://github.com/newshound/newshound)")
}
