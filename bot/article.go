package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/newshound/newshound/feeds"
	"github.com/newshound/newshound/feeds/article"
	"github.com/newshound/newshound/matcher"
)

// ArticleFetcher is what /test URL uses, beside Fetcher, for a URL that is
// an article page rather than a feed: fetch it and extract its main text the
// way poll.fulltext does. allowPrivate false keeps the SSRF guard on.
type ArticleFetcher interface {
	FetchArticle(ctx context.Context, url string, allowPrivate bool) (article.Article, error)
}

var _ ArticleFetcher = FeedFetcher{}

// FetchArticle fetches url as a page and extracts its main text.
func (f FeedFetcher) FetchArticle(ctx context.Context, url string, allowPrivate bool) (article.Article, error) {
	if f.F == nil {
		return article.Article{}, errors.New("no feed fetcher configured")
	}
	return article.Fetch(ctx, f.F, url, article.Policy{AllowPrivate: allowPrivate})
}

// testArticle answers /test URL for an article page; false when the
// fetcher cannot read articles.
func (c *Core) testArticle(ctx context.Context, r *call, raw string, trusted bool, extra []matcher.Watch, queries map[string]string) (string, bool) {
	af, ok := c.fetcher.(ArticleFetcher)
	if !ok {
		return "", false
	}
	timeout := r.cfg.Poll.FulltextTimeout
	if timeout <= 0 {
		timeout = fetchTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	a, err := af.FetchArticle(ctx, raw, trusted || r.cfg.Security.AllowPrivateFeeds)
	if err != nil {
		if errors.Is(err, article.ErrTooLittleText) {
			return "Could not read that URL as a feed, nor as an article: the page has too little text (a paywall, or a page that needs JavaScript?).", true
		}
		if errors.Is(err, feeds.ErrNotAFeed) {
			return "", false
		}
		return "Could not read that article: " + scrubSecrets(err.Error()), true
	}
	hits := r.m.Match(matcher.Doc{Title: a.Title, Content: a.Text}, extra, trusted)
	var b strings.Builder
	fmt.Fprintf(&b, "Read the article %q (%d characters of text): ", clip(nonEmpty(a.Title, raw), 80), len([]rune(a.Text)))
	if len(hits) == 0 {
		b.WriteString("no watch would fire.")
		return b.String(), true
	}
	fmt.Fprintf(&b, "%d would fire.\n", len(hits))
	c.writeHits(&b, r, hits, queries, "")
	return strings.TrimRight(b.String(), "\n"), true
}
