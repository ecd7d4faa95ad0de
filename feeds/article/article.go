// Package article turns an article page into the plain text of its story,
// for feeds that give only a teaser (poll.fulltext).
//
// Extraction is codeberg.org/readeck/go-readability/v2, a maintained port
// of Mozilla's Readability.js (what Firefox Reader View runs). It was chosen
// over github.com/go-shiori/go-readability, whose module is deprecated in
// favour of it, after both were tried on pages shaped like the outlets our
// feeds link to (see testdata/): both keep the story and drop navigation,
// related links and footers, but only readeck's tracks upstream fixes, and
// writing our own scorer would mean re-learning what Readability already
// encodes about real sites.
//
// Pages are fetched with the feeds.Fetcher, so its timeout, body limit,
// gzip-bomb guard, redirect limit and SSRF guard apply; the parsed DOM is
// bounded too (MaxElements, MaxDepth) so that a hostile page costs at most
// a bounded parse.
package article

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	readability "codeberg.org/readeck/go-readability/v2"
	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"

	"github.com/newshound/newshound/feeds"
)

// Limits on the parsed page. Real article pages have a few thousand
// elements nested a few dozen deep; a page beyond these is hostile or not
// an article, and readability's scoring is superlinear in the element count.
const (
	MaxElements = 50000
	MaxDepth    = 256
	// MinText is the shortest extracted text that counts as the story.
	// A paywall or a JavaScript-only shell yields a line or two (a
	// "subscribe" prompt, a noscript warning): the teaser stands then.
	MinText = 200
	// MaxText bounds the text kept for matching (runes): the story is at the
	// top; megabytes of comments below it add cost and false hits.
	MaxText = 100000
)

// ErrTooLittleText reports a page whose extracted text is under MinText
// (paywall, JavaScript-only page, not an article).
var ErrTooLittleText = errors.New("article: too little text on the page")

// ErrTooComplex reports a page over MaxElements or MaxDepth.
var ErrTooComplex = errors.New("article: page too large or too deeply nested")

// Article is the main text of a page.
type Article struct {
	// URL is where the page was read from (after redirects).
	URL string
	// Title is the page's headline as Readability found it.
	Title string
	// Text is the story as plain text, paragraphs separated by blank lines.
	Text string
}

// Fetcher is what Fetch needs of *feeds.Fetcher.
type Fetcher interface {
	FetchPage(ctx context.Context, r feeds.Request) (*feeds.Response, error)
}

// Policy says which addresses an article link may reach.
type Policy struct {
	// AllowPrivate lets the page be anywhere (the CLI's match --url, an
	// operator's own command).
	AllowPrivate bool
	// FeedHost is the host[:port] of the feed that linked the article: a
	// config feed's own host may be private (an intranet CMS), no other.
	FeedHost string
}

// Fetch reads the page at link through f and extracts its main text.
func Fetch(ctx context.Context, f Fetcher, link string, p Policy) (Article, error) {
	resp, err := f.FetchPage(ctx, feeds.Request{URL: link, AllowPrivate: p.AllowPrivate, PrivateHost: p.FeedHost})
	if err != nil {
		return Article{}, err
	}
	final := resp.FinalURL
	if final == "" {
		final = link
	}
	a, err := Extract(resp.Body, resp.ContentType, final)
	if err != nil {
		return Article{}, fmt.Errorf("%s: %w", redact(final), err)
	}
	return a, nil
}

// Extract returns the main text of the HTML page body (in the charset its
// Content-Type or <meta> names) read from pageURL.
func Extract(body []byte, contentType, pageURL string) (Article, error) {
	u, err := url.Parse(pageURL)
	if err != nil {
		return Article{}, fmt.Errorf("article: bad URL: %w", err)
	}
	if !utf8.Valid(body) {
		enc, _, _ := charset.DetermineEncoding(body, contentType)
		if dec, err := enc.NewDecoder().Bytes(body); err == nil {
			body = dec
		}
	}
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		// The parser's only error is its own nesting limit.
		return Article{}, fmt.Errorf("%w: %v", ErrTooComplex, err)
	}
	if !withinLimits(doc) {
		return Article{}, ErrTooComplex
	}
	stripBoilerplate(doc)
	p := readability.NewParser()
	p.MaxElemsToParse = MaxElements
	art, err := p.ParseDocument(doc, u)
	if err != nil {
		return Article{}, fmt.Errorf("article: %w", err)
	}
	if art.Node == nil {
		return Article{}, ErrTooLittleText
	}
	var buf strings.Builder
	if err := art.RenderText(&buf); err != nil {
		return Article{}, fmt.Errorf("article: %w", err)
	}
	text := tidy(buf.String())
	if utf8.RuneCountInString(text) < MinText {
		return Article{}, ErrTooLittleText
	}
	if r := []rune(text); len(r) > MaxText {
		text = string(r[:MaxText])
	}
	return Article{URL: pageURL, Title: strings.TrimSpace(art.Title()), Text: text}, nil
}

// withinLimits walks doc without recursion (a hostile page may nest a
// million elements) and reports whether it stays under MaxElements and
// MaxDepth.
func withinLimits(doc *html.Node) bool {
	type frame struct {
		n     *html.Node
		depth int
	}
	stack := []frame{{doc, 0}}
	elems := 0
	for len(stack) > 0 {
		fr := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if fr.n.Type == html.ElementNode {
			elems++
			if elems > MaxElements || fr.depth > MaxDepth {
				return false
			}
		}
		for c := fr.n.FirstChild; c != nil; c = c.NextSibling {
			stack = append(stack, frame{c, fr.depth + 1})
		}
	}
	return true
}

// boilerplate matches the id or class of blocks Readability may keep when
// they sit inside the article container: cookie and consent banners,
// newsletter and subscription prompts, comment sections, share bars.
var boilerplate = regexp.MustCompile(`(?i)(^|[-_ ])(cookie|consent|gdpr|newsletter|subscribe|paywall|comments?|disqus|share|social|related|promo|advert|ad-slot|ads)([-_ ]|$)`)

// stripBoilerplate removes what is never the story, before scoring:
// <nav>, <aside>, <footer>, <form>, dialogs, and blocks named like
// boilerplate. Readability drops most of it itself; these are the cases
// where a banner inside <article> would otherwise reach the text.
func stripBoilerplate(doc *html.Node) {
	var drop []*html.Node
	stack := []*html.Node{doc}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.Type == html.ElementNode && isBoilerplate(n) {
			drop = append(drop, n)
			continue
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			stack = append(stack, c)
		}
	}
	for _, n := range drop {
		if n.Parent != nil {
			n.Parent.RemoveChild(n)
		}
	}
}

func isBoilerplate(n *html.Node) bool {
	switch n.Data {
	case "nav", "aside", "footer", "form", "dialog", "noscript", "iframe":
		return true
	case "html", "body", "main", "article":
		return false // a site that classes <body> "has-comments" keeps its story
	}
	for _, a := range n.Attr {
		switch a.Key {
		case "id", "class":
			if boilerplate.MatchString(a.Val) {
				return true
			}
		case "role":
			if a.Val == "navigation" || a.Val == "complementary" || a.Val == "dialog" || a.Val == "banner" {
				return true
			}
		case "aria-modal":
			return true
		}
	}
	return false
}

// tidy collapses runs of blank lines and trailing spaces.
func tidy(s string) string {
	lines := strings.Split(s, "\n")
	out := make([]string, 0, len(lines))
	blank := false
	for _, l := range lines {
		l = strings.Join(strings.Fields(l), " ")
		if l == "" {
			if !blank && len(out) > 0 {
				out = append(out, "")
			}
			blank = true
			continue
		}
		out = append(out, l)
		blank = false
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

// redact drops a URL's user info and query (article links can carry tokens).
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "article link"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}
