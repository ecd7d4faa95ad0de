// Package discord delivers alerts to Discord and carries slash commands to the
// command core, through github.com/bwmarrin/discordgo.
//
// Destinations:
//
//	discord:CHANNEL_ID        a channel message sent with the bot token; in a
//	                          forum or media channel, one post per alert; with
//	                          threads: story in the config, a thread per story
//	discord-webhook:URL       a webhook execution (no bot token involved)
//	discord-dm:USER_ID        a direct message (SendText only, for admin notices)
//
// # Threads and forum posts
//
// A slash command or button press in a thread (a forum post, or a thread of
// a text channel) applies to the thread's parent channel: /subscribe in a
// forum post subscribes the forum, which then gets a post per story (see
// chatChannel for why). A config route may still name discord:THREAD_ID.
//
// A story's later report sent as an alert of its own (also_reported: alert)
// goes into the thread its first alert opened (threads: story) or into the
// forum post its first alert was, as a message there; only when that thread
// or post is gone does it go to the channel as any alert. The outbox hands
// it over after its first (store.Stories), with the first's ref (FirstRef).
//
// # Process-wide endpoints
//
// discordgo builds its REST, webhook, interaction and gateway URLs from
// package variables (EndpointAPI, EndpointChannels, ...) computed at init.
// New points every one of them at Options.API the first time it is called in
// a process; later calls must name the same API or New fails. The setting is
// therefore process-wide: one Discord API base per process. Tests start one
// fake Discord for the whole test binary (TestMain) for this reason.
//
// # Wiring
//
//	d, err := discord.New(discord.Options{Token: cfg.Discord.Token, API: cfg.Discord.API,
//		Guilds: cfg.Discord.Guilds, Logger: logger})
//	senders["discord"] = d          // discord:CHANNEL_ID
//	senders["discord-webhook"] = d  // discord-webhook:URL
//	go d.Run(ctx, core)             // slash commands, when a token is set
package discord

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// DefaultAPI is the Discord REST base used when Options.API is empty.
const DefaultAPI = "https://discord.com/api/v10/"

// Options configure a Discord transport.
type Options struct {
	// Token is the bot token, with or without the "Bot " prefix. It may be
	// empty when only webhook destinations are used.
	Token string
	// API is the REST base URL (config discord.api), DefaultAPI when empty.
	// The gateway URL is fetched from it, so the gateway follows it too.
	API string
	// Guilds lists guild ids to register slash commands in; empty registers
	// them globally.
	Guilds []string
	// Client makes the REST requests; a client with a 20s timeout when nil.
	Client *http.Client
	// Logger receives operational logs; it never sees the bot token, webhook
	// tokens or interaction tokens. Discarded when nil.
	Logger *slog.Logger
}

// Discord is a notify.Sender (and notify.Paced) for Discord destinations and
// the Discord side of the bot commands.
type Discord struct {
	bot    *discordgo.Session // nil without a bot token
	hook   *discordgo.Session // never carries the bot token
	guilds []string
	log    *slog.Logger
	secret []string // strings that must never appear in an error or log line

	limits *limiter

	dmMu sync.Mutex
	dms  map[string]string // user id -> DM channel id

	channels channelCache // channel id -> type and forum tags
}

// New returns a Discord transport. The first call in a process sets
// discordgo's endpoint variables from o.API (see the package comment).
func New(o Options) (*Discord, error) {
	api := o.API
	if api == "" {
		api = DefaultAPI
	}
	if err := setEndpoints(api); err != nil {
		return nil, err
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	base := o.Client
	if base == nil {
		base = &http.Client{Timeout: 20 * time.Second}
	}
	client := *base
	client.Transport = captureTransport{base: base.Transport}

	d := &Discord{
		guilds: append([]string(nil), o.Guilds...),
		log:    logger,
		limits: newLimiter(),
		dms:    map[string]string{},
	}
	if tok := strings.TrimSpace(o.Token); tok != "" {
		raw := strings.TrimSpace(strings.TrimPrefix(tok, "Bot "))
		if raw == "" {
			return nil, errors.New("discord: bot token is empty after the \"Bot \" prefix")
		}
		s, err := discordgo.New("Bot " + raw)
		if err != nil {
			return nil, fmt.Errorf("discord: new session: %w", d.scrub(err))
		}
		d.secret = append(d.secret, raw)
		configure(s, &client)
		d.bot = s
	}
	h, err := discordgo.New("")
	if err != nil {
		return nil, fmt.Errorf("discord: new webhook session: %w", err)
	}
	configure(h, &client)
	d.hook = h
	return d, nil
}

// configure turns off discordgo's own retries (the outbox retries and waits)
// and keeps its logger quiet below errors (its debug level prints IDENTIFY,
// token included).
func configure(s *discordgo.Session, c *http.Client) {
	s.ShouldRetryOnRateLimit = false
	s.MaxRestRetries = 0
	s.Client = c
	s.LogLevel = discordgo.LogError
	s.Debug = false
	s.Identify.Intents = discordgo.IntentsNone
}

var (
	endpointsMu  sync.Mutex
	endpointsFor string
)

var apiVersionRE = regexp.MustCompile(`/v([0-9]+)/?$`)

// setEndpoints points discordgo's package-level endpoint variables at api,
// once per process. A second call with another base is refused rather than
// silently redirecting sessions already in use.
func setEndpoints(api string) error {
	u, err := url.Parse(api)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("discord: api %q: want an http(s) URL such as %s", api, DefaultAPI)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("discord: api %q: no query, fragment or credentials allowed", api)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	norm := u.String()

	endpointsMu.Lock()
	defer endpointsMu.Unlock()
	if endpointsFor != "" {
		if endpointsFor != norm {
			return fmt.Errorf("discord: api is process-wide and already set to %s; cannot switch to %s without a restart", endpointsFor, norm)
		}
		return nil
	}
	endpointsFor = norm

	if m := apiVersionRE.FindStringSubmatch(u.Path); m != nil {
		discordgo.APIVersion = m[1]
	}
	discordgo.EndpointDiscord = u.Scheme + "://" + u.Host + "/"
	a := norm
	discordgo.EndpointAPI = a
	discordgo.EndpointGuilds = a + "guilds/"
	discordgo.EndpointChannels = a + "channels/"
	discordgo.EndpointUsers = a + "users/"
	discordgo.EndpointGateway = a + "gateway"
	discordgo.EndpointGatewayBot = discordgo.EndpointGateway + "/bot"
	discordgo.EndpointWebhooks = a + "webhooks/"
	discordgo.EndpointStickers = a + "stickers/"
	discordgo.EndpointStageInstances = a + "stage-instances"
	discordgo.EndpointSKUs = a + "skus"
	discordgo.EndpointVoice = a + "/voice/"
	discordgo.EndpointVoiceRegions = discordgo.EndpointVoice + "regions"
	discordgo.EndpointNitroStickersPacks = a + "/sticker-packs"
	discordgo.EndpointGuildCreate = a + "guilds"
	discordgo.EndpointApplications = a + "applications"
	discordgo.EndpointOAuth2 = a + "oauth2/"
	discordgo.EndpointOAuth2Applications = discordgo.EndpointOAuth2 + "applications"
	discordgo.EndpointOauth2 = discordgo.EndpointOAuth2
	discordgo.EndpointOauth2Applications = discordgo.EndpointOAuth2Applications
	// Every other Endpoint* is a func reading the variables above at call time.
	return nil
}

// respInfo is what the HTTP layer saw of the last response to one request:
// discordgo's errors drop the headers we need (X-RateLimit-*, global flag).
type respInfo struct {
	status int
	header http.Header
	body   []byte // kept for 429 only
}

type respInfoKey struct{}

// captureTransport records status and headers of each response into the
// *respInfo found in the request's context, if any.
type captureTransport struct{ base http.RoundTripper }

func (t captureTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err != nil || resp == nil {
		return resp, err
	}
	if info, ok := req.Context().Value(respInfoKey{}).(*respInfo); ok {
		info.status = resp.StatusCode
		info.header = resp.Header.Clone()
		if resp.StatusCode == http.StatusTooManyRequests {
			b, rerr := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
			_ = resp.Body.Close()
			if rerr != nil {
				return nil, rerr
			}
			info.body = b
			resp.Body = io.NopCloser(bytes.NewReader(b))
		}
	}
	return resp, nil
}

// withInfo returns a context that collects the response information of the
// request it is used for.
func withInfo(ctx context.Context) (context.Context, *respInfo) {
	info := &respInfo{}
	return context.WithValue(ctx, respInfoKey{}, info), info
}

var (
	webhookPathRE     = regexp.MustCompile(`(/webhooks/[^/?#\s"]+/)[^/?#\s"]+`)
	interactionPathRE = regexp.MustCompile(`(/interactions/[^/?#\s"]+/)[^/?#\s"]+`)
)

// redactURL hides the token part of webhook and interaction URLs and any
// query string.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	u.RawQuery = ""
	u.User = nil
	u.Fragment = ""
	p := webhookPathRE.ReplaceAllString(u.Path, "${1}REDACTED")
	p = interactionPathRE.ReplaceAllString(p, "${1}REDACTED")
	return u.Scheme + "://" + u.Host + p
}

// scrub removes secrets from an error's text. *url.Error (which quotes the
// request URL) is rebuilt with the URL redacted so that errors.Is still sees
// timeouts and cancellations underneath.
func (d *Discord) scrub(err error) error {
	if err == nil {
		return nil
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = &url.Error{Op: ue.Op, URL: redactURL(ue.URL), Err: ue.Err}
	}
	msg := err.Error()
	clean := msg
	for _, s := range d.secret {
		if s != "" {
			clean = strings.ReplaceAll(clean, s, "REDACTED")
		}
	}
	clean = webhookPathRE.ReplaceAllString(clean, "${1}REDACTED")
	clean = interactionPathRE.ReplaceAllString(clean, "${1}REDACTED")
	if clean == msg {
		return err
	}
	return &scrubbedError{msg: clean, err: unwrapSafe(err)}
}

// scrubbedError carries a redacted message; it unwraps only to sentinel
// errors that carry no text of their own worth hiding.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

func unwrapSafe(err error) error {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return context.DeadlineExceeded
	case errors.Is(err, context.Canceled):
		return context.Canceled
	}
	return nil
}
