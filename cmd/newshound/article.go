package main

import (
	"context"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/feeds"
	"github.com/newshound/newshound/feeds/article"
)

// fetchArticle reads an article page the way poll.fulltext does (the
// same fetcher limits and extractor), for `match --url`. The operator's own
// command may reach any address, as config feeds may.
func fetchArticle(cfg *config.Config, link string) (article.Article, error) {
	f := feeds.NewFetcher(feeds.Options{Timeout: cfg.Poll.Timeout, MaxBodySize: cfg.Poll.MaxBodySize, UserAgent: "newshound/" + version})
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Poll.FulltextTimeout)
	defer cancel()
	return article.Fetch(ctx, f, link, article.Policy{AllowPrivate: true})
}
