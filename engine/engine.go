// Package engine wires the loop: a cron tick picks the feeds that are due,
// fetches and parses them with a bounded worker pool, records new items and
// queues their alerts in one transaction, and the dispatcher delivers the
// queue. It also reloads the config and runs the background services.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/feeds/article"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/store"
	"github.com/newshound/newshound/watchlist"
	"github.com/newshound/newshound/websub"
)

// Store is what the engine needs of the database: the whole store contract.
type Store = store.Store

// Options configures an Engine.
type Options struct {
	Config *config.Config
	Store  Store
	// Senders by destination kind ("console", "telegram", ...).
	Senders map[string]notify.Sender
	// Kinds checks the routes' destinations on every (re)load; nil checks
	// only their shape.
	Kinds  *notify.Kinds
	Logger *slog.Logger
	// Fetcher fetches feeds; NewFetcher(Config, "") when nil.
	Fetcher Fetcher
	// Admins are where admin notices go (a feed gone or failing for a day,
	// a destination disabled, a config rejected): queued in the outbox, so
	// they are retried through outages like any alert. Notices are also logged.
	Admins func(cfg *config.Config) []model.Destination
	// Notice, if set, is also told every notice (tests).
	Notice func(ctx context.Context, text string)
	// Services run beside the loop until the context ends (bot transports,
	// the HTTP listener).
	Services []func(ctx context.Context) error
	// OnReload is told of every config successfully reloaded, with the set
	// compiled from it (the bot core matches with the same).
	OnReload func(set *watchlist.Set)
	// Observer, if set, gets poll and delivery events (metrics).
	Observer Observer
	// Now is the clock; default time.Now.
	Now func() time.Time
	// After waits on that clock (notify.DispatcherOptions.After); default
	// time.After. Tests with a fake Now pass one that advances it.
	After func(d time.Duration) <-chan time.Time
	// Holder, when set, makes this engine one of several replicas sharing
	// the store: it names this replica in the store's leases, and the
	// engine polls a feed only under its lease and sends to a platform only
	// while it holds that platform (notify.LeasedQueue). Empty: the only
	// daemon on its store, which claims nothing.
	Holder string
	// Lease is how long a replica's claims last without renewal; default DefaultLease.
	Lease time.Duration
	// Articles fetches article pages for poll.fulltext; default the
	// Fetcher when it can (*feeds.Fetcher), so that per-host limits are
	// shared with the feeds. Nil with a Fetcher that cannot: no full text.
	Articles article.Fetcher
	// TextWorkers bounds the article pages fetched at once; default 8.
	TextWorkers int
}

// Observer is told what the engine does, for metrics. Methods must not block.
type Observer interface {
	notify.Observer
	// Polled is called after each feed poll with its outcome ("ok",
	// "not_modified", "unchanged", "error", "gone") and the new items.
	Polled(feed, outcome string, latency time.Duration, newItems int)
	// Matched is called once per watch and new story that queued an alert
	// naming it (after dedup: a duplicate story does not count).
	Matched(watch string)
	// Queued is called with the alerts queued for a platform.
	Queued(platform string, n int)
	// Cycle is called when a poll cycle ends.
	Cycle(at time.Time)
}

// runtime is the part of the engine replaced on reload.
type runtime struct {
	cfg  *config.Config
	list *watchlist.List
}

// Engine runs the feed-to-chat loop.
type Engine struct {
	o          Options
	log        *slog.Logger
	st         Store
	fetch      Fetcher
	dispatcher *notify.Dispatcher
	digester   *notify.Digester
	rt         atomic.Pointer[runtime]
	cycleMu    sync.Mutex // one poll cycle at a time
	lastCycle  atomic.Int64
	known      map[string]struct{} // feeds known to have a state; the cycle's, under cycleMu (poll.go)
	feeds      atomic.Pointer[feedsCache]
	history    history // each feed's publishing rhythm, for adaptive intervals
	act        activity
	stories    *storyIndex        // the same-story decision (stories.go)
	ws         *websub.Subscriber // nil without http.public_url
	// The polled feeds' URLs as maintainWebSub last saw the list (wsList),
	// and which may reach private addresses; the cycle's, under cycleMu.
	wsList              *feedsCache
	wsPolled, wsTrusted map[string]bool
	locks               feedLocks // one ingest per feed at a time (poll, push)
	texts               texts     // the full-text enrichment step (fulltext.go)
}

// New builds an engine; the config's watches must compile.
func New(o Options) (*Engine, error) {
	if o.Config == nil || o.Store == nil {
		return nil, errors.New("engine: config and store are required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	e := &Engine{o: o, log: o.Logger, st: o.Store, fetch: o.Fetcher}
	if e.fetch == nil {
		e.fetch = NewFetcher(o.Config, "")
	}
	e.texts.init(o, e.fetch)
	rt, err := e.compile(context.Background(), o.Config)
	if err != nil {
		return nil, err
	}
	if err := e.applyDeliveryDefaults(context.Background(), o.Config); err != nil {
		return nil, err
	}
	e.rt.Store(rt)
	if err := e.openStories(context.Background(), o.Config); err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	if err := e.initWebSub(context.Background(), o.Config); err != nil {
		return nil, err
	}
	observer := sentCounter{a: &e.act}
	if o.Observer != nil {
		observer.next = o.Observer
	}
	var queue notify.Queue = notify.QuietQueue(o.Store, o.Store)
	queue = notify.StoryThreads(queue, func(dest model.Destination) bool {
		def, ok := e.Config().DefaultsFor(dest)
		return ok && def.Threads == config.ThreadsStory
	})
	if o.Holder != "" {
		queue = notify.LeasedQueue(queue, o.Store, o.Holder, e.lease(), o.Now)
	}
	e.dispatcher = notify.NewDispatcher(queue, notify.DispatcherOptions{
		Senders:  o.Senders,
		Logger:   o.Logger,
		Observer: observer,
		Now:      o.Now,
		After:    o.After,
		OnPermanent: func(ctx context.Context, dest model.Destination, err error) {
			e.notice(ctx, fmt.Sprintf("Alerts to %s are parked and the destination is disabled: %v. Fix it, then run `newshound outbox retry` (or /retry in a chat).", dest, err))
		},
		OnMove: func(ctx context.Context, from, to model.Destination) error {
			return e.st.MoveChat(ctx, from, to)
		},
	})
	e.digester = notify.NewDigester(o.Store, notify.DigesterOptions{Logger: o.Logger, Now: o.Now, Wake: e.dispatcher.Wake})
	return e, nil
}

// compile builds the watchlist of cfg with the current subscriptions.
func (e *Engine) compile(ctx context.Context, cfg *config.Config) (*runtime, error) {
	set, err := watchlist.Compile(cfg, e.o.Kinds)
	if err != nil {
		return nil, err
	}
	list, err := e.loadList(ctx, set, nil)
	if err != nil {
		return nil, err
	}
	return &runtime{cfg: cfg, list: list}, nil
}

// loadList reads the subscriptions and joins them with set, reusing prev
// when nothing changed.
func (e *Engine) loadList(ctx context.Context, set *watchlist.Set, prev *watchlist.List) (*watchlist.List, error) {
	subs, err := e.st.Subscriptions(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("load subscriptions: %w", err)
	}
	if prev != nil && prev.Set() == set && prev.Key() == watchlist.SubscriptionsKey(subs) {
		return prev, nil
	}
	return set.WithSubscriptions(subs, e.log)
}

// Watchlist returns the compiled config in force.
func (e *Engine) Watchlist() *watchlist.Set { return e.rt.Load().list.Set() }

// Config returns the config in force.
func (e *Engine) Config() *config.Config { return e.rt.Load().cfg }

// Dispatcher returns the outbox dispatcher (to wake it after a /retry).
func (e *Engine) Dispatcher() *notify.Dispatcher { return e.dispatcher }

// Reload swaps in cfg if its watches compile; otherwise the old config stays
// in force and the error is returned (and told to the admins).
func (e *Engine) Reload(ctx context.Context, cfg *config.Config) error {
	rt, err := e.compile(ctx, cfg)
	if err != nil {
		e.notice(ctx, fmt.Sprintf("The new config was rejected; the old one stays in force:\n%v", err))
		return err
	}
	e.rt.Store(rt)
	if err := e.applyDeliveryDefaults(ctx, cfg); err != nil {
		e.log.Error("applying destination defaults failed", "err", err)
	}
	if e.o.OnReload != nil {
		e.o.OnReload(rt.list.Set())
	}
	e.log.Info("config reloaded", "feeds", len(cfg.Feeds), "watches", len(cfg.Watches))
	return nil
}

// ReloadFile loads the config from its file and reloads it (SIGHUP).
func (e *Engine) ReloadFile(ctx context.Context) error {
	path := e.Config().Path
	cfg, err := config.Load(path)
	if err != nil {
		e.notice(ctx, fmt.Sprintf("The new config was rejected; the old one stays in force:\n%v", err))
		return err
	}
	return e.Reload(ctx, cfg)
}

// notice logs text and tells the admins.
func (e *Engine) notice(ctx context.Context, text string) {
	e.log.Warn("admin notice", "text", text)
	if e.o.Admins != nil {
		if dests := e.o.Admins(e.Config()); len(dests) > 0 {
			err := e.st.QueueNotice(ctx, dests, model.Alert{Title: "Newshound needs your attention", Feed: "newshound", Published: e.o.Now(), Snippet: text})
			if err != nil {
				e.log.Error("queueing an admin notice failed", "err", err)
			} else if e.dispatcher != nil {
				e.dispatcher.Wake()
			}
		}
	}
	if e.o.Notice != nil {
		e.o.Notice(ctx, text)
	}
}

// RunOnce polls every feed once, delivers what is due and returns.
func (e *Engine) RunOnce(ctx context.Context) error {
	if err := e.PollCycle(ctx, true); err != nil {
		return err
	}
	// Full text first: the stories it completes may be held for a digest.
	if err := e.EnrichPending(ctx); err != nil {
		return err
	}
	if _, err := e.digester.Tick(ctx); err != nil {
		return err
	}
	return e.dispatcher.Drain(ctx)
}

// LastCycle returns when the last poll cycle ended (zero before the first).
func (e *Engine) LastCycle() time.Time {
	if v := e.lastCycle.Load(); v != 0 {
		return time.UnixMilli(v)
	}
	return time.Time{}
}

// Run is the daemon: the cron-driven poll loop, the dispatcher, config
// reload on file change, periodic pruning and the services, until ctx ends.
// On shutdown in-flight sends finish (bounded) and the rest stays queued.
func (e *Engine) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, len(e.o.Services)+1)
	goRun := func(name string, fn func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(ctx); err != nil && ctx.Err() == nil {
				if name != "" {
					err = fmt.Errorf("%s: %w", name, err)
				}
				errc <- err
			}
		}()
	}
	goRun("dispatcher", e.dispatcher.Run)
	goRun("digests", e.digester.Run)
	goRun("full text", e.runTexts)
	for _, svc := range e.o.Services {
		goRun("", svc) // a service's errors name it ("http.listen ...: ...")
	}
	if loaded := e.Config(); loaded.Path != "" {
		goRun("config watcher", func(ctx context.Context) error {
			return config.WatchFileWith(ctx, loaded.Path, config.WatchOptions{Loaded: loaded}, func(cfg *config.Config, err error) {
				if err != nil {
					e.notice(ctx, fmt.Sprintf("The edited config was rejected; the old one stays in force:\n%v", err))
					return
				}
				e.Reload(ctx, cfg)
			})
		})
	}

	sched := cron.New(cron.WithParser(config.CronParser()), cron.WithLocation(time.UTC))
	tick := func() {
		if !e.cycleMu.TryLock() {
			e.log.Debug("previous poll cycle still running; tick skipped")
			return
		}
		defer e.cycleMu.Unlock()
		if err := e.pollCycle(ctx, false); err != nil && ctx.Err() == nil {
			e.log.Error("poll cycle failed", "err", err)
		}
	}
	if _, err := sched.AddFunc(e.Config().Poll.Schedule, tick); err != nil {
		return fmt.Errorf("poll.schedule %q: %w", e.Config().Poll.Schedule, err)
	}
	if _, err := sched.AddFunc("@every 1h", func() { e.maintain(ctx) }); err != nil {
		return err
	}
	if _, err := sched.AddFunc(fmt.Sprintf("@every %s", SummaryEvery), func() { e.logSummary(ctx) }); err != nil {
		return err
	}
	sched.Start()
	// Do not wait for the first tick to poll. Cron waits for its own jobs
	// on Stop; this one is waited for through ticks.
	var ticks sync.WaitGroup
	ticks.Add(1)
	go func() {
		defer ticks.Done()
		tick()
	}()
	e.log.Info("newshound running", "feeds", len(e.Config().Feeds), "watches", len(e.Config().Watches), "schedule", e.Config().Poll.Schedule)

	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	cancel()
	<-sched.Stop().Done()
	ticks.Wait()
	wg.Wait()
	e.log.Info("newshound stopped")
	return err
}

// maintain prunes old state: items that left their feed 90 days ago,
// delivered alerts after 30 days, stories after history.keep.
func (e *Engine) maintain(ctx context.Context) {
	if n, err := e.st.PruneItems(ctx, 90*24*time.Hour); err != nil {
		e.log.Error("pruning items failed", "err", err)
	} else if n > 0 {
		e.log.Info("pruned items that left their feeds", "count", n)
	}
	if err := e.st.PruneSent(ctx, 30*24*time.Hour); err != nil {
		e.log.Error("pruning sent alerts failed", "err", err)
	}
	e.pruneStories(ctx)
	e.pruneHistory(ctx)
}
