package bot

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/feeds"
	"github.com/newshound/newshound/matcher"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/watchlist"
)

func (c *Core) cmdHelp(_ context.Context, r *call) string {
	var b strings.Builder
	b.WriteString("I alert this chat when the news feeds I watch report what you follow, once per story, with why it matched.\n\n")
	for _, cmd := range Commands() {
		if cmd.Admin() {
			continue
		}
		writeHelpLine(&b, cmd)
	}
	if r.isAdmin {
		b.WriteString("\nAdmin commands:\n")
		for _, cmd := range Commands() {
			if cmd.Admin() {
				writeHelpLine(&b, cmd)
			}
		}
	}
	b.WriteString("\nQueries: words, \"exact phrases\", prefix*, -excluded, OR, parentheses, a NEAR/5 b, title:word, actor:APT29 (catches every alias).")
	if r.Kind == ChatGroup {
		b.WriteString("\nIn groups, subscriptions and mutes are changed by the group's administrators.")
	}
	return b.String()
}

func writeHelpLine(b *strings.Builder, cmd Command) {
	b.WriteString("/" + cmd.Name)
	switch {
	case cmd.Arg != "" && cmd.ArgRequired:
		b.WriteString(" " + strings.ToUpper(cmd.Arg))
	case cmd.Arg != "":
		b.WriteString(" [" + strings.ToUpper(cmd.Arg) + "]")
	}
	desc := cmd.Description
	if r, size := utf8.DecodeRuneInString(desc); size > 0 {
		desc = string(unicode.ToUpper(r)) + desc[size:]
	}
	b.WriteString(" — " + desc + "\n")
}

// chatQueries returns the chat's active ad-hoc queries as watches named #ID
// (those that still compile under the rules the engine applies).
func (c *Core) chatQueries(ctx context.Context, r *call) ([]matcher.Watch, map[string]string, error) {
	subs, err := c.store.Subscriptions(ctx, r.Chat)
	if err != nil {
		return nil, nil, err
	}
	var ws []matcher.Watch
	queries := map[string]string{}
	for _, s := range subs {
		if s.Query != "" && r.m.Check(s.Query, watchlist.AllowsRegex(r.cfg, s)) == nil {
			ws = append(ws, matcher.Watch{Name: watchlist.AdhocName(s.ID), Query: s.Query})
			queries[watchlist.AdhocName(s.ID)] = s.Query
		}
	}
	return ws, queries, nil
}

func (c *Core) cmdTest(ctx context.Context, r *call) string {
	if r.m == nil {
		return "Matching is not available right now (the matcher is not loaded). Try again in a moment."
	}
	extra, queries, err := c.chatQueries(ctx, r)
	if err != nil {
		return c.storeFailed("read this chat's queries", err)
	}
	arg := strings.TrimSpace(r.Args)
	if isWebURL(arg) {
		return c.testURL(ctx, r, arg, extra, queries)
	}
	hits := r.m.Match(watchlist.TextDoc(arg), extra, false)
	if len(hits) == 0 {
		return "No watch would fire on that text (this chat's own queries included)." + c.historyNote(ctx, r, arg)
	}
	var b strings.Builder
	if len(hits) == 1 {
		b.WriteString("1 watch would fire:\n")
	} else {
		fmt.Fprintf(&b, "%d watches would fire:\n", len(hits))
	}
	c.writeHits(&b, r, hits, queries, "")
	return strings.TrimRight(b.String(), "\n") + c.historyNote(ctx, r, arg)
}

// writeHits explains each hit: watch, terms and snippet.
func (c *Core) writeHits(b *strings.Builder, r *call, hits []matcher.Hit, queries map[string]string, indent string) {
	routed := r.m.Routed(r.Chat)
	for _, h := range hits {
		name := h.Watch
		if q, ok := queries[h.Watch]; ok {
			name = fmt.Sprintf("this chat's query %s (%s)", strings.TrimPrefix(h.Watch, watchlist.AdhocName("")), clip(q, 60))
		} else if slices.Contains(routed, h.Watch) {
			name += " (routed here)"
		}
		terms := make([]string, len(h.Terms))
		for i, t := range h.Terms {
			terms[i] = t.String()
		}
		fmt.Fprintf(b, "%s• %s — %s\n", indent, name, strings.Join(terms, "; "))
		if h.Snippet != "" {
			fmt.Fprintf(b, "%s  %s\n", indent, clip(h.Snippet, 240))
		}
	}
}

// isWebURL reports whether s is a single http(s) URL rather than text.
func isWebURL(s string) bool {
	if strings.ContainsAny(s, " \t\n") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// maxTestItems is how many matching items /test URL lists.
const maxTestItems = 5

func (c *Core) testURL(ctx context.Context, r *call, raw string, extra []matcher.Watch, queries map[string]string) string {
	if c.fetcher == nil {
		return "Fetching URLs is not available on this bot; /test TEXT still works."
	}
	name, tags, trusted := "", []string(nil), false
	if f, ok := configFeed(r.cfg, raw); ok {
		name, tags, trusted = f.Name, f.Tags, true
	}
	feed, err := c.fetch(ctx, r, raw, trusted)
	if errors.Is(err, feeds.ErrNotAFeed) {
		if msg, ok := c.testArticle(ctx, r, raw, trusted, extra, queries); ok {
			return msg
		}
	}
	if err != nil {
		return "Could not read that URL as a feed: " + scrubSecrets(err.Error())
	}
	if name == "" {
		name = feed.Title
	}
	var b strings.Builder
	shown, matched := 0, 0
	for _, it := range feed.Items {
		hits := r.m.Match(watchlist.ItemDoc(it, name, tags), extra, trusted)
		if len(hits) == 0 {
			continue
		}
		matched++
		if shown == maxTestItems {
			continue
		}
		shown++
		fmt.Fprintf(&b, "\n%s\n", clip(it.Title, 200))
		if it.Link != "" {
			fmt.Fprintf(&b, "  %s\n", it.Link)
		}
		c.writeHits(&b, r, hits, queries, "  ")
	}
	head := fmt.Sprintf("Fetched %q: %d items, %d would fire a watch.", clip(nonEmpty(feed.Title, raw), 80), len(feed.Items), matched)
	if matched > shown {
		head += fmt.Sprintf(" The first %d:", shown)
	}
	return strings.TrimRight(head+"\n"+b.String(), "\n")
}

// fetch fetches a feed for a chat command, bounded by the poll timeout, with
// the SSRF guard on unless the feed is trusted or the config allows private feeds.
func (c *Core) fetch(ctx context.Context, r *call, raw string, trusted bool) (*feeds.Feed, error) {
	timeout := r.cfg.Poll.Timeout
	if timeout <= 0 {
		timeout = fetchTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return c.fetcher.FetchFeed(ctx, raw, trusted || r.cfg.Security.AllowPrivateFeeds)
}

func nonEmpty(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

// configFeed finds the config feed with URL raw (compared canonically).
func configFeed(cfg *config.Config, raw string) (config.Feed, bool) {
	want := model.FeedKey(raw)
	for _, f := range cfg.Feeds {
		if model.FeedKey(f.URL) == want {
			return f, true
		}
	}
	return config.Feed{}, false
}

// feedLine is one feed of /feeds.
type feedLine struct {
	url, name string
	chat      bool
}

// allFeeds lists the config's feeds then the chat-added ones.
func (c *Core) allFeeds(ctx context.Context, cfg *config.Config) ([]feedLine, error) {
	var out []feedLine
	seen := map[string]bool{}
	for _, f := range cfg.Feeds {
		out = append(out, feedLine{url: f.URL, name: f.Name})
		seen[model.FeedKey(f.URL)] = true
	}
	chatFeeds, err := c.store.ChatFeeds(ctx)
	if err != nil {
		return nil, err
	}
	for _, f := range chatFeeds {
		if !seen[model.FeedKey(f.URL)] {
			out = append(out, feedLine{url: f.URL, chat: true})
		}
	}
	return out, nil
}

func (c *Core) feedStates(ctx context.Context) (map[string]model.FeedState, error) {
	states, err := c.store.FeedStates(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[string]model.FeedState, len(states))
	for _, s := range states {
		m[s.URL] = s
	}
	return m, nil
}

func (c *Core) cmdFeeds(ctx context.Context, r *call) string {
	all, err := c.allFeeds(ctx, r.cfg)
	if err != nil {
		return c.storeFailed("list the feeds", err)
	}
	if len(all) == 0 {
		return "No feeds are configured yet."
	}
	states, err := c.feedStates(ctx)
	if err != nil {
		return c.storeFailed("read feed health", err)
	}
	now := c.now()
	var b strings.Builder
	fmt.Fprintf(&b, "Feeds (%d):\n", len(all))
	for _, f := range all {
		st, polled := states[f.url]
		name := f.name
		if name == "" {
			name = st.Name
		}
		label := displayFeedURL(f.url)
		if f.chat {
			label = clip(f.url, 120)
		}
		if name != "" {
			label = clip(name, 60) + " (" + label + ")"
		}
		if f.chat {
			label += " [added from chat]"
		}
		b.WriteString("• " + label + "\n  " + feedHealth(st, polled, now) + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// feedHealth describes one feed's polling state in a line.
func feedHealth(st model.FeedState, polled bool, now time.Time) string {
	switch {
	case !polled || (st.LastPoll.IsZero() && st.LastSuccess.IsZero() && st.LastErrorAt.IsZero()):
		return "not polled yet"
	case st.Gone:
		return "gone (the server answered 410 Gone); no longer polled"
	}
	var parts []string
	if st.Failures > 0 {
		parts = append(parts, fmt.Sprintf("FAILING (%d in a row): %s, %s", st.Failures,
			clip(hideURLQueries(scrubSecrets(nonEmpty(st.LastError, "unknown error"))), 160), relTime(st.LastErrorAt, now)))
		parts = append(parts, "last success "+relTime(st.LastSuccess, now))
	} else {
		parts = append(parts, "ok, last success "+relTime(st.LastSuccess, now))
	}
	if !st.NextPoll.IsZero() {
		parts = append(parts, "next poll "+relTime(st.NextPoll, now))
	}
	if st.MovedTo != "" {
		parts = append(parts, "moved permanently to "+displayFeedURL(st.MovedTo))
	}
	return strings.Join(parts, "; ")
}

func (c *Core) cmdStatus(ctx context.Context, r *call) string {
	q, err := c.store.QueueStats(ctx)
	if err != nil {
		return c.storeFailed("read the alert queue", err)
	}
	all, err := c.allFeeds(ctx, r.cfg)
	if err != nil {
		return c.storeFailed("list the feeds", err)
	}
	states, err := c.feedStates(ctx)
	if err != nil {
		return c.storeFailed("read feed health", err)
	}
	now := c.now()
	var ok, never int
	var failing []string
	for _, f := range all {
		st, polled := states[f.url]
		switch {
		case !polled || st.LastPoll.IsZero() && st.LastSuccess.IsZero() && st.LastErrorAt.IsZero():
			never++
		case st.Failures > 0 || st.Gone:
			failing = append(failing, nonEmpty(nonEmpty(f.name, st.Name), displayFeedURL(f.url)))
		default:
			ok++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Alerts waiting: %d", q.Pending)
	if q.Pending > 0 && !q.OldestPending.IsZero() {
		fmt.Fprintf(&b, " (oldest queued %s)", relTime(q.OldestPending, now))
	}
	fmt.Fprintf(&b, "\nAlerts parked after failing: %d", q.Parked)
	if q.Parked > 0 {
		b.WriteString(" (admins: /failed, /retry)")
	}
	fmt.Fprintf(&b, "\nFeeds: %d — %d ok, %d failing, %d not polled yet", len(all), ok, len(failing), never)
	if len(failing) > 0 {
		fmt.Fprintf(&b, "\nFailing: %s (details: /feeds)", clip(strings.Join(failing, ", "), 600))
	}
	subs, err := c.store.Subscriptions(ctx, r.Chat)
	if err != nil {
		return c.storeFailed("read this chat's subscriptions", err)
	}
	fmt.Fprintf(&b, "\nThis chat: %s, %s routed here by config.yaml",
		plural(len(subs), "subscription"), plural(len(r.m.Routed(r.Chat)), "watch"))
	if until, err := c.store.MuteUntil(ctx, r.Chat); err != nil {
		return c.storeFailed("read this chat's mute", err)
	} else if !until.IsZero() {
		fmt.Fprintf(&b, "; muted until %s", fmtTime(until))
	}
	if more, err := c.deliveryStatus(ctx, r.cfg, r.Chat); err != nil {
		return c.storeFailed("read this chat's delivery settings", err)
	} else if more != "" {
		b.WriteString("\n" + more)
	}
	return b.String()
}
