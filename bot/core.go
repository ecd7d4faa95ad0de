package bot

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/watchlist"
)

// Defaults used when the config leaves a limit at zero.
const (
	defaultQueryLength    = 512
	defaultSubsPerChat    = 50
	defaultCommandsPerMin = 20
	// maxMute bounds /mute.
	maxMute = 30 * 24 * time.Hour
	// minMute is the shortest /mute worth holding alerts for.
	minMute = time.Minute
	// maxReply keeps replies under Telegram's 4096-character message limit
	// with room for the transport's escaping.
	maxReply = 3500
	// fetchTimeout bounds /addfeed and /test URL when the config gives no poll timeout.
	fetchTimeout = 20 * time.Second
)

// Core is the command core: it answers every command for both transports.
// It is safe for concurrent use.
type Core struct {
	store   Store
	fetcher Fetcher
	now     func() time.Time
	log     *slog.Logger
	wake    func()

	// set is the compiled config in force: config and matcher in one
	// value, so a command never sees one config's watches with another's rules.
	set    atomic.Pointer[watchlist.Set]
	limits *limiter
}

var _ Handler = (*Core)(nil)

// New returns a command core. It answers "not ready" until SetWatchlist is called.
func New(d Deps) *Core {
	c := &Core{store: d.Store, fetcher: d.Fetcher, now: d.Now, log: d.Log, wake: d.Wake, limits: newLimiter()}
	if c.wake == nil {
		c.wake = func() {}
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.log == nil {
		c.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if d.Watchlist != nil {
		c.SetWatchlist(d.Watchlist)
	}
	return c
}

// SetWatchlist swaps in the compiled config (at start and on every hot
// reload; suits engine.Options.OnReload). Commands in flight finish with the
// set they started with.
func (c *Core) SetWatchlist(set *watchlist.Set) { c.set.Store(set) }

// call is one request being answered, with the snapshot it runs against.
type call struct {
	Request
	cfg     *config.Config
	m       *watchlist.Set
	isAdmin bool // a config admin (admins.telegram / admins.discord)
}

// handlerFunc answers one command.
type handlerFunc func(c *Core, ctx context.Context, r *call) string

// Handle answers one command. It never panics and always returns a reply
// that says, in plain words, what happened or why not.
func (c *Core) Handle(ctx context.Context, req Request) (reply Reply) {
	defer func() {
		if p := recover(); p != nil {
			c.log.Error("bot: command panicked", "command", req.Command, "chat", req.Chat, "panic", p, "stack", string(debug.Stack()))
			reply = Reply{Text: "Sorry, something went wrong on our side while handling that command. Nothing was changed; the admins can find details in the logs."}
		}
	}()
	if req.Button != "" {
		reply = c.press(ctx, req)
		reply.Text = truncateReply(reply.Text)
		return reply
	}
	return Reply{Text: truncateReply(c.handle(ctx, req))}
}

func (c *Core) handle(ctx context.Context, req Request) string {
	set := c.set.Load()
	if set == nil {
		return "The bot is still starting up. Try again in a moment."
	}
	cfg := set.Config()
	name := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(req.Command), "/"))
	req.Args = strings.TrimSpace(req.Args)

	if msg := c.throttle(cfg, req); msg != "" {
		return msg
	}

	cmd, ok := Lookup(name)
	if !ok {
		if name == "" {
			return "Send /help to see what I can do."
		}
		return fmt.Sprintf("I don't know the command /%s. Send /help to see what I can do.", name)
	}
	r := &call{Request: req, cfg: cfg, m: set, isAdmin: cfg.IsAdmin(req.Platform, req.UserID)}
	r.Command = name

	if cmd.ArgRequired && req.Args == "" && (cmd.Access != Admins || r.isAdmin) {
		return "Usage: " + cmd.Usage
	}
	if msg := c.allowed(ctx, r, cmd); msg != "" {
		return msg
	}
	if c.store == nil {
		return "The bot has no database attached, so it cannot answer that."
	}
	return cmd.run(c, ctx, r)
}

// throttle returns "" when req's sender is within the command rate
// (limits.commands_per_minute; button presses count too), else the reply.
func (c *Core) throttle(cfg *config.Config, req Request) string {
	key := req.Platform + ":" + req.UserID
	if req.UserID == "" {
		key = "chat:" + string(req.Chat)
	}
	if ok, wait := c.limits.allow(key, orDefault(cfg.Limits.CommandsPerMinute, defaultCommandsPerMin), c.now()); !ok {
		return fmt.Sprintf("Slow down: you may send at most %d commands a minute. Try again in %s.",
			orDefault(cfg.Limits.CommandsPerMinute, defaultCommandsPerMin), roundUp(wait))
	}
	return ""
}

// allowed returns "" when r's sender may run cmd (its Access row), else
// the reason why not. Commands and button presses both pass here, so a
// button never allows more than the command it stands for.
func (c *Core) allowed(ctx context.Context, r *call, cmd Command) string {
	switch cmd.Access {
	case Admins:
		if !r.isAdmin {
			return fmt.Sprintf("Only the bot's admins may use /%s (the user ids listed under admins.%s in config.yaml); your id is %s.",
				cmd.Name, platformKey(r.Platform), displayID(r.UserID))
		}
	case ChatManagers:
		return c.mayManage(ctx, r)
	}
	return ""
}

// mayManage returns "" when r's sender may change this chat's subscriptions,
// else the reason why not.
func (c *Core) mayManage(ctx context.Context, r *call) string {
	if r.Kind == ChatPrivate || r.isAdmin {
		return ""
	}
	if r.IsChatAdmin == nil {
		return "In a group only its administrators may change what the group is alerted on, and I could not check whether you are one."
	}
	ok, err := r.IsChatAdmin(ctx)
	if err != nil {
		c.log.Warn("bot: checking chat administrator failed", "chat", r.Chat, "user", r.UserID, "err", scrubSecrets(err.Error()))
		return "I could not check whether you are an administrator of this group (the chat service did not answer). Nothing was changed; try again in a moment."
	}
	if !ok {
		return fmt.Sprintf("In a group only its administrators may change what the group is alerted on; /%s is refused. Anyone may use /list, /watches, /test, /feeds and /status.", r.Command)
	}
	return ""
}

func platformKey(p string) string {
	if p == "" {
		return "PLATFORM"
	}
	return p
}

func displayID(id string) string {
	if id == "" {
		return "unknown"
	}
	return id
}

func orDefault(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

// roundUp renders a short wait as whole seconds, at least 1s.
func roundUp(d time.Duration) string {
	s := (d + time.Second - 1) / time.Second
	if s < 1 {
		s = 1
	}
	return fmt.Sprintf("%ds", s)
}

// truncateReply keeps a reply under maxReply characters, cutting at a line
// boundary and saying so.
func truncateReply(s string) string {
	if len(s) <= maxReply {
		return s
	}
	cut := s[:maxReply]
	if i := strings.LastIndexByte(cut, '\n'); i > maxReply/2 {
		cut = cut[:i]
	} else {
		// do not split a UTF-8 sequence
		for len(cut) > 0 && cut[len(cut)-1]&0xC0 == 0x80 {
			cut = cut[:len(cut)-1]
		}
		if len(cut) > 0 && cut[len(cut)-1] >= 0xC0 {
			cut = cut[:len(cut)-1]
		}
	}
	more := strings.Count(s[len(cut):], "\n")
	return cut + fmt.Sprintf("\n… (%d more lines not shown)", max(more, 1))
}
