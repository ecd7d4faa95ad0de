package feeds

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Found is a feed that Discover found and fetched successfully.
type Found struct {
	// URL is the feed's address, as the site names it (or as it was given
	// when it is itself a feed).
	URL string
	// Title is the feed's own title.
	Title string
	// Type is the detected format, as Feed.Type.
	Type string
	// Items is the number of items it holds now.
	Items int
}

// maxCandidates bounds the feeds Discover fetches for one site: a page
// listing hundreds of alternates (tag and author feeds) must not turn one
// command into hundreds of requests.
const maxCandidates = 12

// commonPaths are tried on the site's root when its page advertises no
// feed: the usual generators' defaults (Hugo /index.xml, Jekyll /feed.xml,
// WordPress /feed/, Ghost /rss/, Substack /feed, many CMSs /rss and
// /atom.xml).
var commonPaths = []string{"/feed", "/feed/", "/rss", "/rss/", "/rss.xml", "/atom.xml", "/index.xml", "/feed.xml"}

// Discover finds the feeds of pageURL, which may be a feed itself or a web
// page. For a page it reads <link rel="alternate"> of the RSS, Atom and
// JSON Feed types; when there is none it tries the paths generators use,
// the one of the page's generator first (WordPress, Ghost, Substack).
// Every candidate is fetched and parsed, and only those that are feeds are
// returned, in the page's order, each once.
//
// Every request goes through f with allowPrivate as Request.AllowPrivate:
// for a URL that came from chat (allowPrivate false) the SSRF guard checks
// the page, each candidate and every redirect. An empty result with a nil
// error means the site has no feed that could be found; when a candidate
// was refused by the guard and nothing was found, that
// *BlockedAddressError is returned.
func Discover(ctx context.Context, f *Fetcher, pageURL string, allowPrivate bool) ([]Found, error) {
	resp, err := f.FetchPage(ctx, Request{URL: pageURL, AllowPrivate: allowPrivate})
	if err != nil {
		return nil, err
	}
	if !looksLikeHTML(resp.Body) {
		feed, err := Parse(resp.Body, resp.ContentType, resp.FinalURL)
		if err != nil {
			return nil, fmt.Errorf("discover %s: neither a web page nor a feed: %w", redactURL(pageURL), err)
		}
		u := pageURL
		if resp.MovedTo != "" {
			u = resp.MovedTo
		}
		return []Found{{URL: u, Title: feed.Title, Type: feed.Type, Items: len(feed.Items)}}, nil
	}
	base := resp.FinalURL
	if base == "" {
		base = pageURL
	}
	links, guess := scanPage(resp.Body, base)
	candidates := links
	if len(candidates) == 0 {
		root, err := url.Parse(base)
		if err != nil {
			return nil, fmt.Errorf("discover %s: %w", redactURL(pageURL), err)
		}
		paths := commonPaths
		if guess != "" {
			paths = append([]string{guess}, commonPaths...)
		}
		for _, p := range paths {
			candidates = append(candidates, root.ResolveReference(&url.URL{Path: p}).String())
		}
	}
	candidates = uniqueStrings(candidates)
	if len(candidates) > maxCandidates {
		candidates = candidates[:maxCandidates]
	}
	return verify(ctx, f, candidates, allowPrivate)
}

// verify fetches and parses each candidate (a few at a time: the
// Fetcher's per-host limit keeps this polite) and keeps the feeds, in
// candidate order, dropping a second URL that led to the same feed.
func verify(ctx context.Context, f *Fetcher, candidates []string, allowPrivate bool) ([]Found, error) {
	type result struct {
		found    Found
		final    string
		ok       bool
		blocking error
	}
	results := make([]result, len(candidates))
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, c := range candidates {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			resp, err := f.Fetch(ctx, Request{URL: c, AllowPrivate: allowPrivate})
			if err != nil {
				var be *BlockedAddressError
				if errors.As(err, &be) {
					results[i].blocking = err
				}
				return
			}
			feed, err := Parse(resp.Body, resp.ContentType, resp.FinalURL)
			if err != nil {
				return
			}
			results[i] = result{found: Found{URL: c, Title: feed.Title, Type: feed.Type, Items: len(feed.Items)}, final: resp.FinalURL, ok: true}
		}()
	}
	wg.Wait()
	var out []Found
	var blocked error
	seen := map[string]bool{}
	for _, r := range results {
		if r.blocking != nil && blocked == nil {
			blocked = r.blocking
		}
		if !r.ok || seen[r.final] {
			continue
		}
		seen[r.final] = true
		out = append(out, r.found)
	}
	if len(out) == 0 && blocked != nil {
		return nil, blocked
	}
	if err := ctx.Err(); err != nil && len(out) == 0 {
		return nil, fmt.Errorf("discover: %w", err)
	}
	return out, nil
}

// feedTypes are the <link type> values that name a feed.
var feedTypes = map[string]bool{
	"application/rss+xml":   true,
	"application/atom+xml":  true,
	"application/feed+json": true,
	"application/json":      true, // JSON Feed before it had its own type
	"application/rdf+xml":   true, // RSS 1.0
	"text/xml":              true,
	"application/xml":       true,
}

// scanPage returns the absolute URLs of the page's feed links, and the path
// its generator serves a feed on ("" when it does not say).
func scanPage(doc []byte, pageURL string) (links []string, guess string) {
	base, err := url.Parse(pageURL)
	if err != nil {
		return nil, ""
	}
	var hrefs []string
	z := html.NewTokenizer(bytes.NewReader(doc))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		a := atom.Lookup(name)
		if !hasAttr || (a != atom.Link && a != atom.Base && a != atom.Meta) {
			continue
		}
		attrs := map[string]string{}
		for {
			k, v, more := z.TagAttr()
			attrs[string(k)] = string(v)
			if !more {
				break
			}
		}
		switch a {
		case atom.Base:
			if b, err := base.Parse(strings.TrimSpace(attrs["href"])); err == nil && attrs["href"] != "" {
				base = b
			}
		case atom.Meta:
			if strings.EqualFold(attrs["name"], "generator") {
				g := strings.ToLower(attrs["content"])
				switch {
				case strings.HasPrefix(g, "wordpress"):
					guess = "/feed/"
				case strings.HasPrefix(g, "ghost"):
					guess = "/rss/"
				case strings.HasPrefix(g, "substack"):
					guess = "/feed"
				}
			}
		case atom.Link:
			rels := strings.Fields(strings.ToLower(attrs["rel"]))
			typ := strings.ToLower(strings.TrimSpace(strings.Split(attrs["type"], ";")[0]))
			if contains(rels, "alternate") && feedTypes[typ] && strings.TrimSpace(attrs["href"]) != "" {
				hrefs = append(hrefs, strings.TrimSpace(attrs["href"]))
			}
		}
	}
	// Resolve after the scan: <base> applies to links before it too.
	for _, h := range hrefs {
		u, err := base.Parse(h)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			continue
		}
		u.Fragment = ""
		links = append(links, u.String())
	}
	if guess == "" && (strings.HasSuffix(base.Hostname(), ".substack.com") || bytes.Contains(doc, []byte("substackcdn.com"))) {
		guess = "/feed"
	}
	if guess == "" && bytes.Contains(doc, []byte("/wp-content/")) {
		guess = "/feed/"
	}
	return links, guess
}

func uniqueStrings(xs []string) []string {
	seen := make(map[string]bool, len(xs))
	out := xs[:0:0]
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
