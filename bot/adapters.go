package bot

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

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
	// Untagged is the same watchlist with the watches' feed tags dropped,
	// for input that comes from no configured feed (nil: use Watches).
	Untagged *matcher.Compiled
	// Registry resolves actor: names (nil: the built-in table only).
	Registry *matcher.Registry
}

var _ Matcher = CompiledMatcher{}

// NewConfigMatcher compiles cfg.Watches against reg, with and without their
// feed tags, regexes allowed (config watches are trusted). Pass the engine's
// registry (engine.NewRegistry(cfg)) so chat and alerts resolve actors alike;
// nil builds one with matcher.BuildRegistry as `newshound match` does. Call
// it again on every config reload (see (*Core).Reload).
func NewConfigMatcher(cfg *config.Config, reg *matcher.Registry) (CompiledMatcher, error) {
	if reg == nil {
		base := ""
		if cfg.Path != "" {
			base = filepath.Dir(cfg.Path)
		}
		var err error
		if reg, err = matcher.BuildRegistry(cfg.Entities, cfg.AliasFiles, base); err != nil {
			return CompiledMatcher{}, fmt.Errorf("actor registry: %w", err)
		}
	}
	tagged := make([]matcher.Watch, len(cfg.Watches))
	untagged := make([]matcher.Watch, len(cfg.Watches))
	hasTags := false
	for i, w := range cfg.Watches {
		tagged[i] = matcher.Watch{Name: w.Name, Query: w.Query, Tags: w.Tags}
		untagged[i] = matcher.Watch{Name: w.Name, Query: w.Query}
		hasTags = hasTags || len(w.Tags) > 0
	}
	opts := matcher.CompileOptions{AllowRegex: true}
	c, err := matcher.Compile(tagged, reg, opts)
	if err != nil {
		return CompiledMatcher{}, fmt.Errorf("compile watches: %w", err)
	}
	m := CompiledMatcher{Watches: c, Untagged: c, Registry: reg}
	if hasTags {
		if m.Untagged, err = matcher.Compile(untagged, reg, opts); err != nil {
			return CompiledMatcher{}, fmt.Errorf("compile watches: %w", err)
		}
	}
	return m, nil
}

// Check validates query against the registry.
func (m CompiledMatcher) Check(query string, allowRegex bool) error {
	return matcher.Check(query, m.Registry, matcher.CompileOptions{AllowRegex: allowRegex})
}

// Match runs the config watches (ignoring their feed tags unless keepTags),
// then extra compiled for this call. Callers pass only extra queries that
// pass Check under AllowsRegex, so regexes are allowed here; one that does not
// compile is skipped.
func (m CompiledMatcher) Match(d matcher.Doc, extra []matcher.Watch, keepTags bool) []matcher.Hit {
	var hits []matcher.Hit
	watches := m.Watches
	if !keepTags && m.Untagged != nil {
		watches = m.Untagged
	}
	if watches != nil {
		hits = watches.Match(d)
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
