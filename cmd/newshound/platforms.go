package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/newshound/newshound/bot"
	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/internal/replica"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/notify/discord"
	"github.com/newshound/newshound/notify/telegram"
	"github.com/newshound/newshound/notify/webhook"
	"github.com/newshound/newshound/store"
	"github.com/newshound/newshound/store/postgres"
	"github.com/newshound/newshound/store/sqlite"
)

// platform is one delivery platform: the destination kinds it serves and
// how its sender is built from the config. Adding a platform is its package
// and one row in platforms.
type platform struct {
	kinds []notify.Kind
	// open builds the sender for the platform's kinds, or returns nil when
	// the config leaves the platform off. It may add background services
	// (a bot transport) to env.
	open func(ctx context.Context, env *platformEnv) (notify.Sender, error)
}

// platformEnv is what opening a platform may use.
type platformEnv struct {
	cfg      *config.Config
	log      *slog.Logger
	stdout   io.Writer
	core     *bot.Core
	db       store.Store
	services []func(context.Context) error
	// holder names this replica when several share a PostgreSQL store
	// ("" with SQLite): the bot connections are then led by one of them.
	holder string
}

// lead runs a bot connection, or, when this daemon is one of several
// replicas, runs it only while this replica leads it (replica.Lead).
func (env *platformEnv) lead(name string, fn func(context.Context) error) {
	if env.holder == "" {
		env.services = append(env.services, fn)
		return
	}
	env.services = append(env.services, func(ctx context.Context) error {
		return replica.Lead(ctx, name, replica.Options{Leases: env.db, Holder: env.holder, Logger: env.log}, fn)
	})
}

// platforms is every destination kind the daemon knows, by platform.
var platforms = []platform{
	{kinds: []notify.Kind{notify.ConsoleKind}, open: openConsole},
	{kinds: []notify.Kind{telegram.Kind}, open: openTelegram},
	{kinds: []notify.Kind{discord.Kind, discord.DMKind, discord.WebhookKind}, open: openDiscord},
	{kinds: []notify.Kind{webhook.Kind}, open: openWebhook},
}

// destinationKinds is the registry of every platform's kinds.
func destinationKinds() *notify.Kinds {
	var all []notify.Kind
	for _, p := range platforms {
		all = append(all, p.kinds...)
	}
	return notify.NewKinds(all...)
}

// openSenders opens every platform and returns the senders by kind name.
func openSenders(ctx context.Context, env *platformEnv) (map[string]notify.Sender, error) {
	senders := make(map[string]notify.Sender)
	for _, p := range platforms {
		s, err := p.open(ctx, env)
		if err != nil {
			return nil, err
		}
		if s == nil {
			continue
		}
		for _, k := range p.kinds {
			senders[k.Name] = s
		}
	}
	return senders, nil
}

func openConsole(_ context.Context, env *platformEnv) (notify.Sender, error) {
	return notify.NewConsole(env.stdout), nil
}

func openTelegram(ctx context.Context, env *platformEnv) (notify.Sender, error) {
	if env.cfg.Telegram.Token == "" {
		return nil, nil
	}
	tg, err := telegram.New(ctx, telegram.Options{Token: env.cfg.Telegram.Token, API: env.cfg.Telegram.API, Logger: env.log.With("platform", "telegram")})
	if err != nil {
		return nil, fmt.Errorf("telegram: %w", err)
	}
	env.lead("telegram", func(ctx context.Context) error { return tg.Run(ctx, env.core, env.db) })
	return tg, nil
}

// openDiscord always opens the client: webhooks need no bot token; channel
// and DM destinations without one are refused (parked) at send time.
func openDiscord(_ context.Context, env *platformEnv) (notify.Sender, error) {
	dc, err := discord.New(discord.Options{Token: env.cfg.Discord.Token, API: env.cfg.Discord.API, Guilds: env.cfg.Discord.Guilds, Logger: env.log.With("platform", "discord")})
	if err != nil {
		return nil, fmt.Errorf("discord: %w", err)
	}
	if env.cfg.Discord.Token != "" {
		env.lead("discord", func(ctx context.Context) error { return dc.Run(ctx, env.core) })
	}
	return dc, nil
}

// openWebhook always opens: webhooks need no token (webhook.secret only signs).
func openWebhook(_ context.Context, env *platformEnv) (notify.Sender, error) {
	return webhook.New(webhook.Options{Secret: env.cfg.Webhook.Secret, AllowPrivate: env.cfg.Webhook.AllowPrivate, Logger: env.log.With("platform", "webhook")}), nil
}

// adminDestinations is where admin notices go: each admin's private chat on
// every platform that has a token.
func adminDestinations(cfg *config.Config) []model.Destination {
	var out []model.Destination
	if cfg.Telegram.Token != "" {
		for _, id := range cfg.Admins.Telegram {
			out = append(out, model.Destination("telegram:"+id))
		}
	}
	if cfg.Discord.Token != "" {
		for _, id := range cfg.Admins.Discord {
			out = append(out, model.Destination(discord.DMKind.Name+":"+id))
		}
	}
	return out
}

// openStore opens the store the config names: SQLite at store.path, or
// PostgreSQL at store.dsn (whose errors never show the password).
func openStore(ctx context.Context, cfg *config.Config) (store.Store, error) {
	if cfg.Store.Driver == "postgres" {
		return postgres.Open(ctx, cfg.Store.DSN)
	}
	return sqlite.Open(ctx, cfg.Store.Path)
}
