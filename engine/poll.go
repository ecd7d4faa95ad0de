package engine

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/feeds"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/watchlist"
)

// Fetcher fetches one feed; *feeds.Fetcher implements it.
type Fetcher interface {
	Fetch(ctx context.Context, r feeds.Request) (*feeds.Response, error)
}

// NewFetcher builds the feed fetcher cfg asks for; userAgent is used when
// poll.user_agent is not set.
func NewFetcher(cfg *config.Config, userAgent string) *feeds.Fetcher {
	if cfg.Poll.UserAgent != "" {
		userAgent = cfg.Poll.UserAgent
	}
	return feeds.NewFetcher(feeds.Options{
		Timeout:     cfg.Poll.Timeout,
		MaxBodySize: cfg.Poll.MaxBodySize,
		PerHost:     cfg.Poll.PerHost,
		UserAgent:   userAgent,
	})
}

// FailureNotice is how long a feed fails before the admins are told.
const FailureNotice = 24 * time.Hour

// feedSpec is one feed to poll, from the config or added from chat.
type feedSpec struct {
	url      string
	name     string
	tags     []string
	interval time.Duration // feeds[].interval; 0: adaptive (see PollInterval)
	trusted  bool          // config feeds may point anywhere; chat feeds pass the SSRF guard
	fulltext string        // feeds[].fulltext; "": poll.fulltext
}

// feedList returns every feed to poll: the config's, then the chat-added
// ones not already in the config. The list is built again only when the
// config or the chat feeds changed (a tick a second would otherwise
// normalise every URL of a 10,000-feed config each second); callers must
// not modify it.
func (e *Engine) feedList(ctx context.Context, cfg *config.Config) ([]feedSpec, error) {
	chat, err := e.st.ChatFeeds(ctx)
	if err != nil {
		return nil, err
	}
	if c := e.feeds.Load(); c != nil && c.cfg == cfg && slices.EqualFunc(c.chat, chat, sameChatFeed) {
		return c.list, nil
	}
	var out []feedSpec
	seen := make(map[string]bool)
	for _, f := range cfg.Feeds {
		out = append(out, feedSpec{url: f.URL, name: f.Name, tags: f.Tags, interval: f.Interval, trusted: true, fulltext: f.Fulltext})
		seen[model.FeedKey(f.URL)] = true
	}
	for _, f := range chat {
		if !seen[model.FeedKey(f.URL)] {
			out = append(out, feedSpec{url: f.URL, tags: f.Tags, trusted: cfg.Security.AllowPrivateFeeds})
			seen[model.FeedKey(f.URL)] = true
		}
	}
	e.feeds.Store(&feedsCache{cfg: cfg, chat: chat, list: out})
	return out, nil
}

// feedsCache is the last list feedList built and what it was built from.
type feedsCache struct {
	cfg  *config.Config
	chat []model.ChatFeed
	list []feedSpec
}

// sameChatFeed says whether two chat feeds poll alike.
func sameChatFeed(a, b model.ChatFeed) bool { return a.URL == b.URL && slices.Equal(a.Tags, b.Tags) }

// PollCycle polls the feeds that are due (all of them when all is set) with
// a bounded worker pool and queues the alerts of their new items. One cycle
// runs at a time.
func (e *Engine) PollCycle(ctx context.Context, all bool) error {
	e.cycleMu.Lock()
	defer e.cycleMu.Unlock()
	return e.pollCycle(ctx, all)
}

func (e *Engine) pollCycle(ctx context.Context, all bool) error {
	rt := e.rt.Load()
	// Pick up subscription changes made from chat since the last cycle.
	list, err := e.loadList(ctx, rt.list.Set(), rt.list)
	if err != nil {
		return err
	}
	if list != rt.list {
		next := &runtime{cfg: rt.cfg, list: list}
		// Swap only if no reload landed meanwhile: a reload built its own
		// list, from a newer config, and must not be reverted.
		if e.rt.CompareAndSwap(rt, next) {
			rt = next
		} else {
			rt = e.rt.Load()
		}
	}
	feedList, err := e.feedList(ctx, rt.cfg)
	if err != nil {
		return fmt.Errorf("list feeds: %w", err)
	}
	now := e.o.Now()
	states, full, err := e.cycleStates(ctx, feedList, all, now)
	if err != nil {
		return fmt.Errorf("read feed states: %w", err)
	}
	// Only the due feeds go to the workers: a tick a second over 10,000
	// feeds finds a few hundred.
	todo := make([]polling, 0, len(states))
	for _, f := range feedList {
		st, ok := states[f.url]
		if !ok {
			if !full {
				continue // has a state, not due
			}
			st = model.FeedState{URL: f.url} // never polled
		}
		if due(st, all, now) {
			todo = append(todo, polling{f, st})
		}
	}
	states = nil
	e.maintainWebSub(ctx, rt.cfg, feedList)
	e.beginCycle(feedList)
	jobs := make(chan polling)
	var wg sync.WaitGroup
	for range max(1, rt.cfg.Poll.Concurrency) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				f, st := j.f, j.st
				if e.o.Holder != "" {
					// One of several replicas: poll only under the feed's lease.
					var claimed bool
					if st, claimed = e.claimFeed(ctx, st, all, now); !claimed {
						continue
					}
					e.pollFeed(ctx, rt, f, st, all, now)
					e.releaseFeed(ctx, f.url)
					continue
				}
				e.pollFeed(ctx, rt, f, st, all, now)
			}
		}()
	}
	for _, j := range todo {
		select {
		case jobs <- j:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(jobs)
	wg.Wait()
	e.evictStories()
	e.lastCycle.Store(e.o.Now().UnixMilli())
	if e.o.Observer != nil {
		e.o.Observer.Cycle(e.o.Now())
	}
	if ctx.Err() == nil {
		e.endCycle(ctx)
	}
	return ctx.Err()
}

// polling is one feed to poll this cycle, with its state as last read.
type polling struct {
	f  feedSpec
	st model.FeedState
}

// due says whether a feed in state st is to be polled by a cycle that
// started at now (all: every feed not gone).
func due(st model.FeedState, all bool, now time.Time) bool {
	return !st.Gone && (all || !st.NextPoll.After(now))
}

// cycleStates reads the states a cycle needs, by URL. Usually that is only
// the due feeds' (store.Feeds.FeedStatesDue, an index range), and a feed
// missing from the map has a state and is not due. When a feed of the list
// may have no state yet (never polled since this engine started knowing
// which feeds have one), when every feed is polled (all), or when more are
// due than the list holds, it reads every state instead, and full is true:
// a feed missing from the map then has never been polled. Feed states are
// never deleted, so what one full read learns stays true; it is redone on
// the cycle after feeds are added (their first polls save their states)
// and whenever one of them failed to save its state.
func (e *Engine) cycleStates(ctx context.Context, feedList []feedSpec, all bool, now time.Time) (states map[string]model.FeedState, full bool, err error) {
	if !all && e.knowsAll(feedList) {
		// One more than the list: a store with more due feeds than that
		// holds states of feeds no longer polled (never due again), and a
		// full read is then both correct and about as cheap.
		limit := len(feedList) + 1
		rows, err := e.st.FeedStatesDue(ctx, now, limit)
		if err != nil {
			return nil, false, err
		}
		if len(rows) < limit {
			states = make(map[string]model.FeedState, len(rows))
			for _, st := range rows {
				states[st.URL] = st
			}
			return states, false, nil
		}
	}
	saved, err := e.st.FeedStates(ctx)
	if err != nil {
		return nil, false, err
	}
	states = make(map[string]model.FeedState, len(saved))
	known := make(map[string]struct{}, len(saved))
	for _, st := range saved {
		states[st.URL] = st
		known[st.URL] = struct{}{}
	}
	e.known = known
	return states, true, nil
}

// knowsAll says whether every feed of the list is known to have a state.
func (e *Engine) knowsAll(feedList []feedSpec) bool {
	if e.known == nil {
		return false
	}
	for _, f := range feedList {
		if _, ok := e.known[f.url]; !ok {
			return false
		}
	}
	return true
}

// pollFeed polls f if it is due, records the outcome and queues alerts.
// Errors are recorded in the feed's state, never returned: one bad feed
// harms nothing else.
func (e *Engine) pollFeed(ctx context.Context, rt *runtime, f feedSpec, st model.FeedState, all bool, cycleStart time.Time) {
	if !due(st, all, cycleStart) {
		return
	}
	defer e.lockFeed(f.url)()
	fetchURL := f.url
	if st.MovedTo != "" {
		fetchURL = st.MovedTo
	}
	start := e.o.Now()
	resp, err := e.fetch.Fetch(ctx, feeds.Request{
		URL: fetchURL, ETag: st.ETag, LastModified: st.LastModified, BodyHash: st.BodyHash,
		AllowPrivate: f.trusted,
	})
	if ctx.Err() != nil {
		return // shutting down: the feed stays due
	}
	now := e.o.Now()
	st.LastPoll = now
	if st.Name == "" || f.name != "" {
		st.Name = f.name
	}
	if err != nil {
		e.failed(ctx, &st, f, err, now)
		e.observe(f, outcomeOf(err), now.Sub(start), 0, err)
		return
	}
	if resp.MovedTo != "" && resp.MovedTo != st.MovedTo {
		e.log.Info("feed moved permanently; polling the new address (update the config)", "feed", f.url, "to", resp.MovedTo)
		st.MovedTo = resp.MovedTo
	}
	if resp.NotModified || resp.Unchanged {
		st.ETag, st.LastModified = resp.ETag, resp.LastModified
		h := e.history.get(f.url)
		interval, _ := PollInterval(rt.cfg.Poll, f.interval, h.published, now)
		interval = e.pushInterval(rt.cfg, f, interval)
		e.succeeded(&st, now, interval, max(resp.MinInterval, h.ttl))
		if err := e.st.SaveFeedState(ctx, st); err != nil {
			e.log.Error("saving feed state failed", "feed", f.url, "err", err)
		}
		outcome := "not_modified"
		if resp.Unchanged {
			outcome = "unchanged"
		}
		e.observe(f, outcome, now.Sub(start), 0, nil)
		return
	}
	// Relative links resolve against where the body came from.
	base := fetchURL
	if resp.FinalURL != "" {
		base = resp.FinalURL
	}
	feed, err := feeds.Parse(resp.Body, resp.ContentType, base)
	if err != nil {
		// Keep the old validators so the next poll fetches and parses again
		// instead of getting a 304 for a body never parsed.
		e.failed(ctx, &st, f, err, now)
		e.observe(f, "error", now.Sub(start), 0, err)
		return
	}
	st.ETag, st.LastModified, st.BodyHash = resp.ETag, resp.LastModified, resp.BodyHash
	if st.Name == "" {
		st.Name = feed.Title
	}
	if st.Name == "" {
		if u, err := url.Parse(f.url); err == nil {
			st.Name = u.Host
		}
	}
	e.history.set(f.url, feed, now)
	h := e.history.get(f.url)
	adaptive, _ := PollInterval(rt.cfg.Poll, f.interval, h.published, now)
	interval := e.pushInterval(rt.cfg, f, adaptive)
	wasActive := e.webSubActive(f.url)
	e.succeeded(&st, now, interval, max(resp.MinInterval, feed.TTL))
	n, err := e.ingest(ctx, rt, st, f, feed)
	if err != nil {
		// Nothing was recorded: the items stay new and alert next time.
		e.log.Error("recording items failed", "feed", f.url, "err", err)
		e.observe(f, "error", now.Sub(start), 0, err)
		return
	}
	if e.afterParse(ctx, f, resp, feed, n, wasActive) {
		// Pushes stopped: back to the feed's own interval from now.
		st.Initialized = true // ingest recorded the parse
		e.succeeded(&st, now, adaptive, max(resp.MinInterval, feed.TTL))
		if err := e.st.SaveFeedState(ctx, st); err != nil {
			e.log.Error("saving feed state failed", "feed", f.url, "err", err)
		}
	}
	e.observe(f, "ok", now.Sub(start), n, nil)
}

// ingest records feed's new items and queues their alerts; it returns the
// number of new items.
func (e *Engine) ingest(ctx context.Context, rt *runtime, st model.FeedState, f feedSpec, feed *feeds.Feed) (int, error) {
	keys := make([]string, 0, len(feed.Items))
	for _, it := range feed.Items {
		keys = append(keys, it.Key)
	}
	seen, err := e.st.SeenKeys(ctx, f.url, keys)
	if err != nil {
		return 0, err
	}
	// Known items are marked as still listed; new ones are recorded as
	// listed now by the insert itself.
	var fresh []feeds.Item
	present := make([]string, 0, len(seen))
	for _, it := range feed.Items {
		if seen[it.Key] {
			present = append(present, it.Key)
		} else {
			fresh = append(fresh, it)
		}
	}
	// The first poll of a feed remembers its items and alerts only on the
	// newest poll.backfill of them.
	alerting := make(map[string]bool)
	if st.Initialized {
		for _, it := range fresh {
			alerting[it.Key] = true
		}
	} else if n := rt.cfg.Poll.Backfill; n > 0 {
		newest := slices.Clone(fresh)
		slices.SortStableFunc(newest, func(a, b feeds.Item) int { return b.Published.Compare(a.Published) })
		for _, it := range newest[:min(n, len(newest))] {
			alerting[it.Key] = true
		}
	}
	firstPoll := !st.Initialized
	st.Initialized = true
	unlockStories := func() {}
	if len(fresh) > 0 {
		// Other replicas' reports first, so that an event they alerted is a
		// later report here, and none of theirs decided meanwhile until
		// this batch is committed (storysync.go).
		unlockStories = e.lockStories(ctx, fresh, alerting)
		defer unlockStories() // on a failed decision; unlocking twice is harmless
		e.catchUpStories(ctx)
	}
	now := e.o.Now()
	items := make([]model.NewItem, 0, len(fresh))
	for _, it := range fresh {
		ni := model.NewItem{Key: it.Key, LinkKey: it.LinkKey(), TitleKey: it.TitleKey(), Published: it.Published, Story: story(rt, st, it, alerting[it.Key])}
		if alerting[it.Key] && e.wantsText(rt.cfg, f, it) {
			// Matched once its article is read (fulltext.go), beside polling.
			ni.Fulltext = e.pendingText(st, f, it)
		} else if alerting[it.Key] {
			ni.Alerts = rt.list.Alerts(watchlist.ItemDoc(it, st.Name, f.tags),
				model.Alert{Title: it.Title, Link: it.Link, Feed: st.Name, Published: it.Published})
		}
		if alerting[it.Key] {
			// Only what may alert is a story. The backlog a feed lists at
			// its first poll alerts nobody, so a later report of one of its
			// events alerts anyway (no destination has it); indexing it
			// would only name one more outlet in an edit, at the price of
			// a lookup, an index entry and three rows per item: with
			// 10,000 new feeds of 50 fresh items, most of the first cycle's
			// CPU and a 150 MB live heap.
			rep, err := e.storyOf(ctx, rt.cfg, it, st.Name, ni.Alerts, now)
			if err != nil {
				return 0, err
			}
			ni.Report = rep
		}
		items = append(items, ni)
	}
	res, err := e.st.Ingest(ctx, st, present, items)
	unlockStories()
	if err != nil {
		return 0, err
	}
	e.act.addQueued(res.Queued)
	if res.Pending > 0 {
		e.texts.wake()
	}
	if firstPoll {
		alerts := "no alerts"
		if res.Queued > 0 {
			alerts = fmt.Sprintf("%d alerts", res.Queued)
		}
		e.log.Info(fmt.Sprintf("first poll of %s: remembered %d items, %s (poll.backfill %d)", st.Name, res.New, alerts, rt.cfg.Poll.Backfill), "feed", f.url)
	}
	if e.o.Observer != nil {
		for platform, n := range res.QueuedByPlatform {
			e.o.Observer.Queued(platform, n)
		}
		// Matches are counted from what the store queued, not from what
		// matched: a duplicate of a story already alerted matches again
		// but is remembered without alerts.
		for w, n := range res.QueuedByWatch {
			for range n {
				e.o.Observer.Matched(w)
			}
		}
	}
	if res.Queued > 0 || res.Edits > 0 {
		e.log.Info("new alerts queued", "feed", st.Name, "new_items", res.New, "duplicates", res.Duplicates, "alerts", res.Queued, "edits", res.Edits, "held", res.Held)
		e.dispatcher.Wake()
	}
	return res.New, nil
}

// succeeded records a good poll; the next one is due after interval,
// jittered, but never sooner than floor, what the server asked (TTL,
// Cache-Control max-age).
func (e *Engine) succeeded(st *model.FeedState, now time.Time, interval, floor time.Duration) {
	st.LastSuccess = now
	st.Failures = 0
	st.FailingSince = time.Time{}
	st.NotifiedAt = time.Time{}
	st.NextPoll = now.Add(max(feeds.Jitter(interval, rand.Float64), floor))
}

// failed records a failed poll: capped exponential backoff with jitter (or
// the server's Retry-After if longer), the error kept visible, the admins
// told when the feed is gone or has failed for a day. A failing feed is
// never dropped.
func (e *Engine) failed(ctx context.Context, st *model.FeedState, f feedSpec, err error, now time.Time) {
	st.Failures++
	st.LastError = err.Error()
	st.LastErrorAt = now
	if st.FailingSince.IsZero() {
		st.FailingSince = now
	}
	wait := feeds.Backoff(st.Failures, rand.Float64)
	var he *feeds.HTTPError
	if errors.As(err, &he) && he.RetryAfter > wait {
		wait = he.RetryAfter
	}
	st.NextPoll = now.Add(wait)
	switch {
	case feeds.IsGone(err):
		st.Gone = true
		e.notice(ctx, fmt.Sprintf("Feed %s answered 410 Gone; it is no longer polled. Remove it or fix its URL.", f.url))
	case now.Sub(st.FailingSince) >= FailureNotice && st.NotifiedAt.IsZero():
		st.NotifiedAt = now
		e.notice(ctx, fmt.Sprintf("Feed %s has failed since %s (%d attempts): %v", f.url, st.FailingSince.UTC().Format(time.RFC3339), st.Failures, err))
	}
	e.log.Warn("feed poll failed", "feed", f.url, "failures", st.Failures, "next_poll", st.NextPoll.UTC().Format(time.RFC3339), "err", err)
	if err := e.st.SaveFeedState(ctx, *st); err != nil {
		e.log.Error("saving feed state failed", "feed", f.url, "err", err)
	}
}

func outcomeOf(err error) string {
	if feeds.IsGone(err) {
		return "gone"
	}
	return "error"
}

// observe records a poll's outcome: metrics, the activity counts, and a
// debug line.
func (e *Engine) observe(f feedSpec, outcome string, latency time.Duration, n int, err error) {
	errText := ""
	if err != nil {
		errText = err.Error()
	}
	e.act.polled(f.url, err == nil, n, errText)
	e.log.Debug("polled", "feed", f.url, "outcome", outcome, "new_items", n, "took", latency.Round(time.Millisecond))
	if e.o.Observer != nil {
		e.o.Observer.Polled(f.url, outcome, latency, n)
	}
}
