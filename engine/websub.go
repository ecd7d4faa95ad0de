package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/feeds"
	"github.com/newshound/newshound/websub"
)

// WebSub glue: a feed that advertises a hub is subscribed when
// http.public_url is set; while its subscription is active the feed is
// polled only at poll.max_interval, as a safety net, and a push is parsed
// and ingested by the same code as a poll (ingest: same dedup, same
// transaction). A safety-net poll that finds new items means pushes
// stopped: the subscription is dropped to failed, the feed goes back to
// its adaptive interval, and the next poll subscribes again.

// initWebSub builds the subscriber when http.public_url is set.
func (e *Engine) initWebSub(ctx context.Context, cfg *config.Config) error {
	if cfg.HTTP.PublicURL == "" {
		return nil
	}
	guarded := &http.Client{
		Timeout:   cfg.Poll.Timeout,
		Transport: &http.Transport{DialContext: feeds.GuardDialer(&net.Dialer{Timeout: cfg.Poll.Timeout}).DialContext},
	}
	ws, err := websub.New(ctx, websub.Options{
		PublicURL: cfg.HTTP.PublicURL,
		Store:     e.st,
		Client:    &http.Client{Timeout: cfg.Poll.Timeout},
		Guarded:   guarded,
		Push:      e.Push,
		MaxBody:   cfg.Poll.MaxBodySize,
		Now:       e.o.Now,
		Log:       e.log,
	})
	if err != nil {
		return fmt.Errorf("load websub subscriptions: %w", err)
	}
	e.ws = ws
	return nil
}

// WebSub returns the handler of the WebSub callbacks (mounted at
// websub.Path on the http.listen server), nil when http.public_url is unset.
func (e *Engine) WebSub() http.Handler {
	if e.ws == nil {
		return nil
	}
	return e.ws
}

// WaitWebSub waits for the subscribe requests in flight (tests, shutdown).
func (e *Engine) WaitWebSub() {
	if e.ws != nil {
		e.ws.Wait()
	}
}

// Push ingests a pushed feed body for feed exactly as a poll's: the same
// parse and the same ingest (dedup and alerts in one transaction), under
// the feed's lock so that a push and a poll of one feed never interleave.
func (e *Engine) Push(ctx context.Context, feedURL string, body []byte, contentType string) error {
	defer e.lockFeed(feedURL)()
	rt := e.rt.Load()
	list, err := e.feedList(ctx, rt.cfg)
	if err != nil {
		return err
	}
	var spec feedSpec
	for _, f := range list {
		if f.url == feedURL {
			spec = f
		}
	}
	if spec.url == "" {
		return fmt.Errorf("push for %s: %w", feedURL, websub.ErrGone)
	}
	st, ok, err := e.st.FeedState(ctx, feedURL)
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("push for a feed never polled")
	}
	base := feedURL
	if st.MovedTo != "" {
		base = st.MovedTo
	}
	start := e.o.Now()
	feed, err := feeds.Parse(body, contentType, base)
	if err != nil {
		e.observe(spec, "error", e.o.Now().Sub(start), 0, err)
		return err
	}
	n, err := e.ingest(ctx, rt, st, spec, feed)
	if err != nil {
		return err
	}
	e.observe(spec, "push", e.o.Now().Sub(start), n, nil)
	return nil
}

// feedLocks serialises the ingests of one feed (poll and push).
type feedLocks struct{ m sync.Map }

// lockFeed locks feed and returns the unlock.
func (e *Engine) lockFeed(feed string) func() {
	mu, _ := e.locks.m.LoadOrStore(feed, new(sync.Mutex))
	mu.(*sync.Mutex).Lock()
	return mu.(*sync.Mutex).Unlock
}

// pushInterval is the poll interval of f: poll.max_interval while pushes
// are expected (a safety net), else the adaptive interval.
func (e *Engine) pushInterval(cfg *config.Config, f feedSpec, interval time.Duration) time.Duration {
	if e.ws != nil && e.ws.Active(f.url) {
		return max(interval, cfg.Poll.MaxInterval)
	}
	return interval
}

// afterParse subscribes a feed that advertises a hub (in its Link header
// or its document: feeds.WebSubTarget), and notices when a poll found
// items pushes should have brought; it reports that case (the
// subscription lost), when the poll's interval must be the adaptive one.
func (e *Engine) afterParse(ctx context.Context, f feedSpec, resp *feeds.Response, feed *feeds.Feed, newItems int, wasActive bool) (lost bool) {
	if e.ws == nil {
		return false
	}
	if wasActive && newItems > 0 {
		e.ws.Lost(ctx, f.url, fmt.Sprintf("a safety-net poll found %d items no push brought", newItems))
		lost = true
	}
	if hub, topic, ok := feeds.WebSubTarget(resp, feed); ok {
		e.ws.Ensure(ctx, f.url, hub, topic, f.trusted)
	}
	return lost
}

// maintainWebSub renews the leases that end soon and unsubscribes the
// feeds no longer in the cycle's list (every scheduler tick). The list is
// the one home of "which feeds are polled": a feed removed from the
// config (reload), with /rmfeed, the console or `feed rm` leaves it, and
// its subscription is undone at the next tick, by whichever daemon runs
// then.
func (e *Engine) maintainWebSub(ctx context.Context, cfg *config.Config, list []feedSpec) {
	if e.ws == nil {
		return
	}
	if c := e.feeds.Load(); e.wsList == nil || e.wsList != c {
		polled := make(map[string]bool, len(list))
		// A feed that left the list keeps the trust it had in it, for its
		// unsubscribe: a config feed's hub may be private, a chat feed's
		// stays behind the SSRF guard. (After a restart a removed feed is
		// not known: its unsubscribe goes through the guard.)
		trusted := make(map[string]bool, len(list))
		for feed, ok := range e.wsTrusted {
			if ok {
				trusted[feed] = true
			}
		}
		for _, f := range list {
			polled[f.url] = true
			trusted[f.url] = f.trusted
		}
		e.wsList, e.wsPolled, e.wsTrusted = c, polled, trusted
	}
	polled, trusted := e.wsPolled, e.wsTrusted
	isTrusted := func(feed string) bool { return trusted[feed] || cfg.Security.AllowPrivateFeeds }
	e.ws.Renew(ctx, isTrusted)
	e.ws.Retain(ctx, func(feed string) bool { return polled[feed] }, isTrusted)
}

// webSubActive reports whether pushes are expected for feed.
func (e *Engine) webSubActive(feed string) bool { return e.ws != nil && e.ws.Active(feed) }
