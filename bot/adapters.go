package bot

import (
	"context"
	"errors"
	"fmt"

	"github.com/newshound/newshound/feeds"
)

// FeedFetcher is the Fetcher over the program's feeds.Fetcher: one
// conditional-free GET with its limits and SSRF guard, then feeds.Parse.
type FeedFetcher struct {
	F *feeds.Fetcher
}

var _ Fetcher = FeedFetcher{}

// FetchFeed fetches and parses url; allowPrivate false keeps the SSRF guard on.
func (f FeedFetcher) FetchFeed(ctx context.Context, url string, allowPrivate bool) (*feeds.Feed, error) {
	if f.F == nil {
		return nil, errors.New("no feed fetcher configured")
	}
	resp, err := f.F.Fetch(ctx, feeds.Request{URL: url, AllowPrivate: allowPrivate})
	if err != nil {
		return nil, err
	}
	if resp.NotModified || len(resp.Body) == 0 {
		return nil, fmt.Errorf("fetch %s: empty response (HTTP %d)", url, resp.StatusCode)
	}
	base := resp.FinalURL
	if base == "" {
		base = url
	}
	return feeds.Parse(resp.Body, resp.ContentType, base)
}
