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
	"github.com/newshound/newshound/model"
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
		return fmt.Errorf("push for %s: no longer a feed", feedURL)
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

// afterParse subscribes a feed that advertises a hub, and notices when a
// poll found items pushes should have brought; it reports that case (the
// subscription lost), when the poll's interval must be the adaptive one.
func (e *Engine) afterParse(ctx context.Context, f feedSpec, feed *feeds.Feed, newItems int, wasActive bool) (lost bool) {
	if e.ws == nil {
		return false
	}
	if wasActive && newItems > 0 {
		e.ws.Lost(ctx, f.url, fmt.Sprintf("a safety-net poll found %d items no push brought", newItems))
		lost = true
	}
	if len(feed.Hubs) > 0 && feed.Self != "" {
		e.ws.Ensure(ctx, f.url, feed.Hubs[0], feed.Self, f.trusted)
	}
	return lost
}

// renewWebSub renews the leases that end soon (every scheduler tick).
func (e *Engine) renewWebSub(ctx context.Context, cfg *config.Config) {
	if e.ws == nil {
		return
	}
	trusted := make(map[string]bool, len(cfg.Feeds))
	for _, f := range cfg.Feeds {
		trusted[model.FeedKey(f.URL)] = true
	}
	e.ws.Renew(ctx, func(feed string) bool { return trusted[model.FeedKey(feed)] || cfg.Security.AllowPrivateFeeds })
}

// webSubActive reports whether pushes are expected for feed.
func (e *Engine) webSubActive(feed string) bool { return e.ws != nil && e.ws.Active(feed) }
