package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/newshound/newshound/bot"
	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/engine"
	"github.com/newshound/newshound/internal/metrics"
	"github.com/newshound/newshound/internal/replica"
	"github.com/newshound/newshound/store"
	"github.com/newshound/newshound/store/postgres"
	"github.com/newshound/newshound/watchlist"
	"github.com/newshound/newshound/websub"
)

const runUsage = `usage: newshound run [--config F] [--once]

Runs the daemon until SIGINT or SIGTERM; SIGHUP reloads the config.

  --once      poll every feed once, deliver what is due, print a summary and
              exit (2 when a feed failed)
  ` + configFlagHelp

// cmdRun runs the daemon, or one poll-and-deliver pass with --once, until
// SIGINT or SIGTERM.
func cmdRun(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runWithContext(ctx, args, stdout, stderr)
}

// runWithContext is cmdRun until ctx ends.
func runWithContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a, code, ok := parseArgs("run", args, map[string]flagKind{"config": flagValue, "once": flagBool}, 0, 0, runUsage, stdout, stderr)
	if !ok {
		return code
	}
	once := a.on("once")
	cfg, err := config.Load(config.ResolvePath(a.one("config")))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitInput
	}
	log := newLogger(cfg.Log, stderr)

	lock, err := lockStore(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "newshound:", err)
		return exitRuntime
	}
	defer lock.Unlock()
	db, err := openStore(ctx, cfg)
	if err != nil {
		log.Error("cannot open the store", "err", err)
		return exitRuntime
	}
	defer db.Close()

	d, err := newDaemon(ctx, cfg, db, stdout, log)
	var cfgErr config.ErrorList
	switch {
	case errors.As(err, &cfgErr):
		fmt.Fprintln(stderr, err)
		return exitInput
	case err != nil:
		fmt.Fprintln(stderr, "newshound:", err)
		return exitRuntime
	}
	if once {
		if err := d.eng.RunOnce(ctx); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("run --once failed", "err", err)
			return exitRuntime
		}
		return onceSummary(ctx, d.eng, db, stdout, stderr)
	}

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				if err := d.eng.ReloadFile(ctx); err != nil {
					log.Error("reload on SIGHUP rejected; the old config stays in force", "err", err)
				}
			}
		}
	}()
	if err := d.eng.Run(ctx); err != nil {
		log.Error("newshound stopped on an error", "err", err)
		return exitRuntime
	}
	return exitOK
}

// onceSummary prints what run --once did and returns its exit code: 2 when
// a feed failed, so a cron job notices.
func onceSummary(ctx context.Context, eng *engine.Engine, db store.Store, stdout, stderr io.Writer) int {
	st := eng.LastCycleStats()
	line := st.String()
	if qs, err := db.QueueStats(ctx); err == nil {
		line += fmt.Sprintf("; queue: %d waiting, %d parked", qs.Pending, qs.Parked)
	}
	fmt.Fprintln(stdout, line)
	if st.Failed == 0 {
		return exitOK
	}
	for _, e := range st.Errors {
		fmt.Fprintln(stderr, "newshound: feed failed:", e)
	}
	if st.Failed > len(st.Errors) {
		fmt.Fprintf(stderr, "newshound: ... and %d more (newshound feed ls shows each)\n", st.Failed-len(st.Errors))
	}
	return exitRuntime
}

// daemon holds what cmdRun wires together.
type daemon struct {
	eng *engine.Engine
}

// newDaemon wires the engine with the fetcher, the senders of every
// configured platform, the bot core and its transports, metrics and admin
// notices. A platform that is configured but refuses us (a bad token) is an
// error: running without it would park every alert meant for it.
func newDaemon(ctx context.Context, cfg *config.Config, db store.Store, stdout io.Writer, log *slog.Logger) (*daemon, error) {
	d := &daemon{}
	kinds := destinationKinds()
	set, err := watchlist.Compile(cfg, kinds)
	if err != nil {
		return nil, err
	}
	fetcher := engine.NewFetcher(cfg, "newshound/"+version+" (+https://github.com/newshound/newshound)")
	core := bot.New(bot.Deps{Store: db, Watchlist: set, Fetcher: bot.FeedFetcher{F: fetcher}, Log: log, Wake: func() { d.eng.Dispatcher().Wake() }})
	env := &platformEnv{cfg: cfg, log: log, stdout: stdout, core: core, db: db}
	if cfg.Store.Driver == "postgres" {
		// Other replicas may share this store: claim work through leases.
		env.holder = replica.NewHolder()
		log.Info("replica of a shared store", "holder", env.holder, "store", postgres.RedactDSN(cfg.Store.DSN))
	}
	senders, err := openSenders(ctx, env)
	if err != nil {
		return nil, err
	}
	services := env.services

	m := metrics.New(db)
	if cfg.HTTP.Listen != "" {
		started := time.Now()
		maxAge := maxCycleAge(cfg)
		console, err := newConsole(cfg, db, d, log)
		if err != nil {
			return nil, err
		}
		services = append(services, func(ctx context.Context) error {
			h := withConsole(m.Handler(db, d.eng, started, maxAge), console)
			if ws := d.eng.WebSub(); ws != nil {
				// The hubs' callbacks share the listener (behind http.public_url).
				mux := http.NewServeMux()
				mux.Handle(websub.Path, ws)
				mux.Handle("/", h)
				h = mux
			}
			return metrics.Serve(ctx, cfg.HTTP.Listen, h)
		})
	} else if cfg.HTTP.PublicURL != "" {
		log.Warn("http.public_url is set but http.listen is empty: WebSub callbacks cannot be served, feeds are polled")
	}
	eng, err := engine.New(engine.Options{
		Config:   cfg,
		Store:    db,
		Fetcher:  fetcher,
		Senders:  senders,
		Kinds:    kinds,
		Logger:   log,
		Observer: m,
		Services: services,
		Admins:   adminDestinations,
		OnReload: core.SetWatchlist,
		Holder:   env.holder,
	})
	if err != nil {
		return nil, err
	}
	core.SetWatchlist(eng.Watchlist())
	d.eng = eng
	return d, nil
}

// maxCycleAge is how long /readyz tolerates no finished poll cycle: three
// scheduler periods plus a request timeout, at least two minutes.
func maxCycleAge(cfg *config.Config) time.Duration {
	const floor = 2 * time.Minute
	sched, err := config.CronParser().Parse(cfg.Poll.Schedule)
	if err != nil {
		return floor
	}
	next := sched.Next(time.Now())
	period := sched.Next(next).Sub(next)
	return max(floor, 3*period+cfg.Poll.Timeout)
}

// newLogger builds the slog logger the config asks for.
func newLogger(c config.Log, w io.Writer) *slog.Logger {
	var level slog.Level
	switch strings.ToLower(c.Level) {
	case "debug":
		level = slog.LevelDebug
	case "warn", "warning":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	}
	opts := &slog.HandlerOptions{Level: level}
	if strings.ToLower(c.Format) == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
