package engine

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/newshound/newshound/bot"
	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/feeds"
	"github.com/newshound/newshound/matcher"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/store"
)

// adhocPrefix names the matcher watch of a chat's /watch subscription.
const adhocPrefix = "sub:"

// watchlist is the compiled watchlist and where each watch's alerts go. It
// is immutable once built; the engine swaps in a new one when the config or
// the subscriptions change.
type watchlist struct {
	m *matcher.Compiled
	// dests maps a watch name to the destinations its alerts go to: config
	// routes and chats subscribed to it.
	dests map[string][]string
	// labels maps an ad-hoc watch to how it is shown in alerts.
	labels map[string]string
	// subsKey fingerprints the subscriptions the list was built from.
	subsKey string
}

// buildWatchlist compiles the config's watches and the chats' ad-hoc queries
// and joins routes and subscriptions. A config watch that does not compile
// is an error (the config is refused); a subscription that no longer
// compiles (an entity it used was removed) is skipped with a warning.
func buildWatchlist(cfg *config.Config, reg *matcher.Registry, subs []store.Subscription, log *slog.Logger) (*watchlist, error) {
	opts := matcher.CompileOptions{AllowRegex: true}
	watches := make([]matcher.Watch, 0, len(cfg.Watches)+len(subs))
	for _, w := range cfg.Watches {
		watches = append(watches, matcher.Watch{Name: w.Name, Query: w.Query, Tags: w.Tags})
	}
	wl := &watchlist{dests: make(map[string][]string), labels: make(map[string]string), subsKey: subsKey(subs)}
	for _, r := range cfg.Routes {
		for _, w := range r.Watches {
			wl.dests[w] = appendUnique(wl.dests[w], r.To...)
		}
	}
	for _, s := range subs {
		// The rule /watch applied when the query was added: regexes only
		// when chat regexes are on or a config admin added it.
		chatOpts := matcher.CompileOptions{AllowRegex: bot.AllowsRegex(cfg, s)}
		switch {
		case s.Watch != "":
			wl.dests[s.Watch] = appendUnique(wl.dests[s.Watch], s.Chat)
		case s.Query != "":
			if err := matcher.Check(s.Query, reg, chatOpts); err != nil {
				log.Warn("subscription query no longer compiles; skipped", "id", s.ID, "chat", s.Chat, "err", err)
				continue
			}
			name := adhocPrefix + s.ID
			watches = append(watches, matcher.Watch{Name: name, Query: s.Query})
			wl.dests[name] = []string{s.Chat}
			wl.labels[name] = fmt.Sprintf("/watch %s (id %s)", s.Query, s.ID)
		}
	}
	m, err := matcher.Compile(watches, reg, opts)
	if err != nil {
		return nil, err
	}
	wl.m = m
	return wl, nil
}

func subsKey(subs []store.Subscription) string {
	var b strings.Builder
	for _, s := range subs {
		b.WriteString(s.ID)
		b.WriteString(s.Chat)
		b.WriteByte(0)
	}
	return b.String()
}

func appendUnique(list []string, add ...string) []string {
	for _, a := range add {
		if !slices.Contains(list, a) {
			list = append(list, a)
		}
	}
	return list
}

// alerts matches one item and returns one alert per destination, carrying
// every watch that fired for that destination: a chat reached by several
// watches (a route and a subscription, say) gets the story once.
func (wl *watchlist) alerts(it feeds.Item, feedName string, tags []string) []notify.Alert {
	hits := wl.m.Match(matcher.Doc{
		Title: it.Title, Summary: it.Summary, Content: it.Content,
		Categories: it.Categories, Feed: feedName, FeedTags: tags,
	})
	if len(hits) == 0 {
		return nil
	}
	var order []string
	byDest := make(map[string]*notify.Alert)
	for _, h := range hits {
		wm := notify.WatchMatch{Name: h.Watch}
		if label, ok := wl.labels[h.Watch]; ok {
			wm.Name = label
		}
		for _, t := range h.Terms {
			wm.Terms = appendUnique(wm.Terms, t.String())
		}
		for _, dest := range wl.dests[h.Watch] {
			a := byDest[dest]
			if a == nil {
				a = &notify.Alert{
					Destination: dest, Title: it.Title, Link: it.Link, Feed: feedName,
					Published: it.Published, Snippet: h.Snippet,
				}
				byDest[dest] = a
				order = append(order, dest)
			}
			a.Watches = append(a.Watches, wm)
		}
	}
	out := make([]notify.Alert, 0, len(order))
	for _, d := range order {
		out = append(out, *byDest[d])
	}
	return out
}

// loadWatchlist reads the subscriptions and builds the watchlist, reusing
// prev when nothing changed.
func loadWatchlist(ctx context.Context, cfg *config.Config, reg *matcher.Registry, subs subscriptionSource, prev *watchlist, log *slog.Logger) (*watchlist, error) {
	var list []store.Subscription
	if subs != nil {
		var err error
		if list, err = subs.Subscriptions(ctx, ""); err != nil {
			return nil, err
		}
	}
	if prev != nil && prev.subsKey == subsKey(list) {
		return prev, nil
	}
	return buildWatchlist(cfg, reg, list, log)
}

// subscriptionSource is the part of the store the watchlist reads.
type subscriptionSource interface {
	Subscriptions(ctx context.Context, chat string) ([]store.Subscription, error)
}
