package watchlist

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/newshound/newshound/matcher"
	"github.com/newshound/newshound/model"
)

// List is a Set joined with the chats' subscriptions: every watch that can
// alert and where each one's alerts go. It is immutable; the engine builds a
// new one when the config or the subscriptions change.
type List struct {
	set *Set
	m   *matcher.Compiled
	// dests maps a watch name to the destinations its alerts go to: config
	// routes and chats subscribed to it.
	dests map[string][]model.Destination
	// labels maps an ad-hoc watch to how it is shown in alerts.
	labels map[string]string
	key    string
}

// WithSubscriptions joins s with subs. A subscription to a config watch adds
// its chat to that watch's destinations; an ad-hoc query becomes a watch of
// its own (see AdhocName), compiled under AllowsRegex. A query that no
// longer compiles (an entity it used was removed) is skipped with a warning
// on log, never fails the list.
func (s *Set) WithSubscriptions(subs []model.Subscription, log *slog.Logger) (*List, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	l := &List{set: s, dests: make(map[string][]model.Destination), labels: make(map[string]string), key: SubscriptionsKey(subs)}
	watches := make([]matcher.Watch, 0, len(s.cfg.Watches)+len(subs))
	for _, w := range s.cfg.Watches {
		watches = append(watches, matcher.Watch{Name: w.Name, Query: w.Query, Tags: w.Tags})
		l.dests[w.Name] = s.routes[w.Name]
	}
	for _, sub := range subs {
		switch {
		case sub.Watch != "":
			l.dests[sub.Watch] = appendUnique(l.dests[sub.Watch], sub.Chat)
		case sub.Query != "":
			if err := s.Check(sub.Query, AllowsRegex(s.cfg, sub)); err != nil {
				log.Warn("subscription query no longer compiles; skipped", "id", sub.ID, "chat", sub.Chat, "err", err)
				continue
			}
			name := AdhocName(sub.ID)
			watches = append(watches, matcher.Watch{Name: name, Query: sub.Query})
			l.dests[name] = []model.Destination{sub.Chat}
			l.labels[name] = AlertName(sub)
		}
	}
	m, err := matcher.Compile(watches, s.reg, matcher.CompileOptions{AllowRegex: true})
	if err != nil {
		return nil, fmt.Errorf("watchlist: %w", err)
	}
	l.m = m
	return l, nil
}

// AlertName is the watch name that alerts raised by sub carry
// (model.WatchMatch.Name): the config watch's name, or for an ad-hoc query
// "/watch QUERY (id ID)". Watch mutes are keyed by it, and an alert's
// Unsubscribe button finds its subscription by it.
func AlertName(sub model.Subscription) string {
	if sub.Watch != "" {
		return sub.Watch
	}
	return fmt.Sprintf("/watch %s (id %s)", sub.Query, sub.ID)
}

// SubscriptionsKey fingerprints subs, to tell whether a list is still current.
func SubscriptionsKey(subs []model.Subscription) string {
	var b strings.Builder
	for _, s := range subs {
		b.WriteString(s.ID)
		b.WriteString(string(s.Chat))
		b.WriteByte(0)
	}
	return b.String()
}

// Set returns the compiled config the list was built on.
func (l *List) Set() *Set { return l.set }

// Key is SubscriptionsKey of the subscriptions the list was built from.
func (l *List) Key() string { return l.key }

// Alerts matches d and returns one alert per destination, carrying every
// watch that fired for it: a chat reached by several watches (a route and a
// subscription, say) gets the story once. The alerts carry the story as
// given in story (title, link, feed, published); watches and snippet come
// from the match.
func (l *List) Alerts(d matcher.Doc, story model.Alert) []model.Alert {
	hits := l.m.Match(d)
	if len(hits) == 0 {
		return nil
	}
	var order []model.Destination
	byDest := make(map[model.Destination]*model.Alert)
	for _, h := range hits {
		wm := model.WatchMatch{Name: h.Watch}
		if label, ok := l.labels[h.Watch]; ok {
			wm.Name = label
		}
		for _, t := range h.Terms {
			wm.Terms = appendUnique(wm.Terms, t.String())
		}
		for _, dest := range l.dests[h.Watch] {
			a := byDest[dest]
			if a == nil {
				a = new(model.Alert)
				*a = story
				a.Destination, a.Snippet, a.Watches = dest, h.Snippet, nil
				byDest[dest] = a
				order = append(order, dest)
			}
			a.Watches = append(a.Watches, wm)
		}
	}
	out := make([]model.Alert, 0, len(order))
	for _, d := range order {
		out = append(out, *byDest[d])
	}
	return out
}
