package bot

import (
	"context"
	"errors"
	"fmt"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/feeds"
	"github.com/newshound/newshound/matcher"
)

// CompiledMatcher is the Matcher over a compiled config watchlist and the
// actor registry it was compiled with — the same code `newshound match` runs.
// Build a new one on every config reload and hand it to (*Core).SetMatcher.
type CompiledMatcher struct {
	// Watches is the compiled config watchlist (nil: no config watches).
	Watches *matcher.Compiled
	// Registry resolves actor: names (nil: the built-in table only).
	Registry *matcher.Registry
}

var _ Matcher = CompiledMatcher{}

// NewConfigMatcher compiles cfg.Watches against reg (build it with
// engine.NewRegistry(cfg) so chat and engine resolve actors alike; nil: the
// built-in table only), as the daemon does; regexes are allowed in config
// watches. Call it again on every config reload and pass the result to
// (*Core).SetMatcher.
func NewConfigMatcher(cfg *config.Config, reg *matcher.Registry) (CompiledMatcher, error) {
	ws := make([]matcher.Watch, len(cfg.Watches))
	for i, w := range cfg.Watches {
		ws[i] = matcher.Watch{Name: w.Name, Query: w.Query, Tags: w.Tags}
	}
	c, err := matcher.Compile(ws, reg, matcher.CompileOptions{AllowRegex: true})
	if err != nil {
		return CompiledMatcher{}, fmt.Errorf("compile watches: %w", err)
	}
	return CompiledMatcher{Watches: c, Registry: reg}, nil
}

// Check validates query against the registry.
func (m CompiledMatcher) Check(query string, allowRegex bool) error {
	return matcher.Check(query, m.Registry, matcher.CompileOptions{AllowRegex: allowRegex})
}

// Match runs the config watches, then extra compiled for this call. Stored
// queries were checked when they were added, so regexes are allowed in them;
// one that no longer compiles (an actor removed from the config) is skipped.
func (m CompiledMatcher) Match(d matcher.Doc, extra []matcher.Watch) []matcher.Hit {
	var hits []matcher.Hit
	if m.Watches != nil {
		hits = m.Watches.Match(d)
	}
	if len(extra) == 0 {
		return hits
	}
	opts := matcher.CompileOptions{AllowRegex: true}
	c, err := matcher.Compile(extra, m.Registry, opts)
	var ce *matcher.CompileErrors
	if errors.As(err, &ce) {
		bad := map[int]bool{}
		for _, we := range ce.Errors {
			bad[we.Index] = true
		}
		var good []matcher.Watch
		for i, w := range extra {
			if !bad[i] {
				good = append(good, w)
			}
		}
		c, err = matcher.Compile(good, m.Registry, opts)
	}
	if err != nil || c == nil {
		return hits
	}
	return append(hits, c.Match(d)...)
}

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
