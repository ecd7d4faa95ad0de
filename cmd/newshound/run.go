package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/newshound/newshound/bot"
	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/engine"
	"github.com/newshound/newshound/internal/metrics"
	"github.com/newshound/newshound/matcher"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/notify/discord"
	"github.com/newshound/newshound/notify/telegram"
	"github.com/newshound/newshound/store"
)

// cmdRun runs the daemon, or one poll-and-deliver pass with --once, until
// SIGINT or SIGTERM.
func cmdRun(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runWithContext(ctx, args, stdout, stderr)
}

// runWithContext is cmdRun until ctx ends.
func runWithContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "config file (default ./config.yaml, then $NEWSHOUND_CONFIG)")
	once := fs.Bool("once", false, "poll every feed once, deliver what is due, and exit")
	if err := fs.Parse(args); err != nil {
		return exitInput
	}
	cfg, err := config.Load(config.ResolvePath(*configPath))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitInput
	}
	log := newLogger(cfg.Log, stderr)

	db, err := store.Open(ctx, cfg.Store.Path)
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
	if *once {
		if err := d.eng.RunOnce(ctx); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("run --once failed", "err", err)
			return exitRuntime
		}
		return exitOK
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

// daemon holds what cmdRun wires together.
type daemon struct {
	eng *engine.Engine
}

// newDaemon wires the engine with the fetcher, the senders of every
// configured platform, the bot core and its transports, metrics and admin
// notices. A platform that is configured but refuses us (a bad token) is an
// error: running without it would park every alert meant for it.
func newDaemon(ctx context.Context, cfg *config.Config, db *store.DB, stdout io.Writer, log *slog.Logger) (*daemon, error) {
	d := &daemon{}
	fetcher := engine.NewFetcher(cfg, "newshound/"+version+" (+https://github.com/newshound/newshound)")
	core := bot.New(bot.Deps{Store: db, Fetcher: bot.FeedFetcher{F: fetcher}, Log: log, Wake: func() { d.eng.Dispatcher().Wake() }})
	senders := map[string]notify.Sender{"console": notify.NewConsole(stdout)}
	var services []func(context.Context) error
	var notices []func(ctx context.Context, text string)

	if cfg.Telegram.Token != "" {
		tg, err := telegram.New(ctx, telegram.Options{Token: cfg.Telegram.Token, API: cfg.Telegram.API, Logger: log.With("platform", "telegram")})
		if err != nil {
			return nil, fmt.Errorf("telegram: %w", err)
		}
		senders["telegram"] = tg
		services = append(services, func(ctx context.Context) error { return tg.Run(ctx, core, db) })
	}
	if cfg.Discord.Token != "" || routesTo(cfg, "discord-webhook") {
		dc, err := discord.New(discord.Options{Token: cfg.Discord.Token, API: cfg.Discord.API, Guilds: cfg.Discord.Guilds, Logger: log.With("platform", "discord")})
		if err != nil {
			return nil, fmt.Errorf("discord: %w", err)
		}
		senders["discord-webhook"] = dc
		if cfg.Discord.Token != "" {
			senders["discord"] = dc
			services = append(services, func(ctx context.Context) error { return dc.Run(ctx, core) })
			for _, id := range cfg.Admins.Discord {
				notices = append(notices, func(ctx context.Context, text string) {
					if err := dc.SendText(ctx, "discord-dm:"+id, text); err != nil {
						log.Error("telling a Discord admin failed", "admin", id, "err", err)
					}
				})
			}
		}
	}

	m := metrics.New(db)
	if cfg.HTTP.Listen != "" {
		started := time.Now()
		maxAge := maxCycleAge(cfg)
		services = append(services, func(ctx context.Context) error {
			return metrics.Serve(ctx, cfg.HTTP.Listen, m.Handler(db, d.eng, started, maxAge))
		})
	}
	eng, err := engine.New(engine.Options{
		Config:   cfg,
		Store:    db,
		Fetcher:  fetcher,
		Senders:  senders,
		Logger:   log,
		Observer: m,
		Services: services,
		Notice: func(ctx context.Context, text string) {
			for _, tell := range notices {
				tell(ctx, text)
			}
		},
		OnReload: func(cfg *config.Config, reg *matcher.Registry) {
			if err := core.Reload(cfg, reg); err != nil {
				log.Error("bot commands keep the old config", "err", err)
			}
		},
	})
	if err != nil {
		return nil, err
	}
	if err := core.Reload(cfg, eng.Registry()); err != nil {
		return nil, err
	}
	d.eng = eng
	return d, nil
}

// routesTo reports whether any route sends to the platform.
func routesTo(cfg *config.Config, platform string) bool {
	for _, r := range cfg.Routes {
		for _, dest := range r.To {
			if notify.Platform(dest) == platform {
				return true
			}
		}
	}
	return false
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
