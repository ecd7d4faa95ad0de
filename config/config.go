// Package config loads and validates config.yaml, reporting every problem
// with its file:line:col, and edits it in place keeping comments and order.
//
// Loading is strict: unknown or duplicate keys, wrong types, bad durations
// or cron specs, negative numbers, invalid URLs, malformed destinations, duplicate
// feed URLs or watch names (ignoring case) and routes to unknown watches are
// all errors, collected into one ErrorList. Queries are not checked here
// (that needs the matcher); `newshound check` does it, placing errors
// inside the query with Watch.QueryOffsetPos.
//
// ${VAR} in any scalar value (not in keys) is replaced by the environment
// variable VAR. An unset variable expands to the empty string, so
// "token: ${TELEGRAM_BOT_TOKEN}" turns the platform off when the variable is
// missing; ${VAR:-default} gives a fallback; "$${" is a literal "${"; a "$"
// not followed by "{" is left alone. YAML anchors, aliases and merge keys
// ("<<: *defaults") work.
//
// Editing (AddWatch, RemoveWatch, AddFeed, RemoveFeed, EditFile) changes
// only the lines of the entry concerned; WatchFile reloads on change.
//
// Files by concern: load.go (entry points), decode.go (the generic
// positioned YAML decoder), schema.go (the keys), columns.go (positions
// inside queries), lint.go (warnings), edit.go (domain edits), splice.go
// (the comment-keeping YAML splicer), writefile.go (atomic writes),
// watch.go (reload on change), env.go (${VAR}).
package config

import (
	"slices"
	"time"

	"github.com/newshound/newshound/model"
)

// Config is the whole configuration after defaults and ${VAR} expansion.
type Config struct {
	// Path is the file the config was loaded from ("" when loaded from bytes).
	Path string

	Poll       Poll
	Stories    Stories
	Store      Store
	HTTP       HTTP
	History    History
	Log        Log
	Feeds      []Feed
	Entities   map[string][]string
	AliasFiles []string // MISP galaxy / ATT&CK STIX files imported into the actor registry
	// AliasFilePos is the position of each AliasFiles entry, for errors
	// found when importing the file.
	AliasFilePos []Pos
	Watches      []Watch
	Routes       []Route
	Discord      Discord
	Telegram     Telegram
	Webhook      Webhook
	Admins       Admins
	Security     Security
	Limits       Limits
	// Destinations are per-destination delivery defaults (digest, quiet
	// hours), applied to a destination whose chat has set none itself.
	Destinations []DestinationDefaults

	file  string    // the name errors and warnings carry
	data  []byte    // the bytes Load read (for WatchOptions.Loaded)
	warns ErrorList // warnings found while decoding, where the value's position is known
}

// Poll configures the scheduler and the fetcher.
type Poll struct {
	Schedule string        // robfig/cron spec of the tick, seconds field allowed; default "@every 1m"
	Interval time.Duration // default minimum time between two polls of a feed; default 5m
	// MinInterval and MaxInterval bound the adaptive interval of a feed
	// without its own interval: polled as often as it publishes, within
	// them (never below its TTL, Cache-Control max-age or Retry-After);
	// defaults 1m and 6h.
	MinInterval time.Duration
	MaxInterval time.Duration
	Timeout     time.Duration // per request; default 20s
	Concurrency int           // feeds fetched at once; default 16
	PerHost     int           // requests to one host at once; default 2
	Backfill    int           // first poll of a new feed: alert on its newest N items; default 0
	// Fulltext says when a new story's article page is fetched and its
	// main text matched too: FulltextAuto (default) for teaser-only items
	// (feeds.IsTeaser), FulltextAlways, FulltextNever. Feed.Fulltext overrides.
	Fulltext string
	// FulltextTimeout bounds the wait for an article; past it the story is
	// matched on what the feed gave. Default 15s.
	FulltextTimeout time.Duration
	MaxBodySize     int64  // bytes; default 10 MiB
	UserAgent       string // empty (the default): the fetcher sends "newshound/VERSION (+https://github.com/newshound/newshound)"
}

// Stories configures the grouping of reports from several outlets into one
// story, and what a later report of a story already alerted does.
type Stories struct {
	// Window is how long a story stays open for later reports; default 48h.
	Window time.Duration
	// AlsoReported is AlsoReportedEdit (default), AlsoReportedQuiet or AlsoReportedAlert.
	AlsoReported string
}

// What a later report of a story already alerted does (stories.also_reported).
const (
	// AlsoReportedEdit edits the first alert to name the other outlets.
	AlsoReportedEdit = "edit"
	// AlsoReportedQuiet records the outlet and sends nothing.
	AlsoReportedQuiet = "quiet"
	// AlsoReportedAlert sends a new alert, as if the story were new.
	AlsoReportedAlert = "alert"
)

// Store configures the database.
type Store struct {
	// Driver is "sqlite" (the default, embedded) or "postgres" (which
	// several replicas may share).
	Driver string
	Path   string // SQLite file; default "newshound.db"
	// DSN is the PostgreSQL connection string, with ${VAR} expanded. It may
	// hold a password: print it only through postgres.RedactDSN.
	DSN string
	// Lease is how long a replica's claims (a feed being polled, a
	// platform being sent to, a bot connection being led) last without
	// renewal, so how soon the others take over from a replica that died.
	// Zero: the defaults (2m for feeds and senders, 15s for leadership).
	// Only the postgres driver uses it.
	Lease time.Duration
}

// HTTP configures the listener of the web console, metrics and health.
type HTTP struct {
	Listen string // empty: off
	// PublicURL is where feed hubs reach this daemon (a reverse proxy in
	// front of Listen, usually), without a trailing slash; empty: no WebSub,
	// feeds are only polled.
	PublicURL string
	// Auth guards the web console: a token (sent as "Authorization: Bearer
	// TOKEN" or typed into the login form), or USER:HASH with a bcrypt hash
	// of the user's password. Required when Listen is not loopback. It is
	// a secret: never logged or shown.
	Auth string
}

// History configures the stored history of stories.
type History struct {
	// Keep is how long stories are kept for search, backtests and the web
	// console; default 30 days; 0 keeps none.
	Keep time.Duration
}

// Log configures logging.
type Log struct {
	Level  string // debug, info, warn, error; default info
	Format string // text or json; default text
}

// Feed is a feed from the config file (trusted: any address allowed).
type Feed struct {
	URL      string
	Name     string // default: the feed's own title, else the URL host
	Tags     []string
	Interval time.Duration // 0: Poll.Interval
	Fulltext string        // "" : Poll.Fulltext; else auto, always or never
	Pos      Pos
}

// poll.fulltext and feeds[].fulltext values.
const (
	FulltextAuto   = "auto"
	FulltextAlways = "always"
	FulltextNever  = "never"
)

// Watch is a named query.
type Watch struct {
	Name  string
	Query string
	Tags  []string
	Color int // optional Discord embed colour (0xRRGGBB); 0: derived from the name
	// MinOutlets holds the watch's alerts until this many different outlets
	// reported the story within stories.window (broad watches, where one
	// outlet is noise); 0 or 1: alert on the first report.
	MinOutlets int
	Pos        Pos // position of the watch entry
	// QueryPos is the position of the query value, for errors inside the query.
	QueryPos Pos

	queryCols []int // source column of each query rune (see QueryOffsetPos)
}

// Route sends alerts of some watches to some destinations.
type Route struct {
	Watches []string
	// To is where they go; config checks only the shape of each
	// destination, the registry of kinds (notify.Kinds) the rest.
	To []model.Destination
	// AlsoReported overrides Stories.AlsoReported for these destinations
	// ("" = the global setting).
	AlsoReported string
	Pos          Pos

	watchPos []Pos // position of each Watches entry
	toPos    []Pos // position of each To entry
}

// Discord configures the Discord bot. Empty Token: Discord is off
// (webhook destinations still work).
type Discord struct {
	Token string
	API   string // default "https://discord.com/api/v10/"
	// Guilds, if set, registers slash commands per guild instead of globally.
	Guilds []string
}

// Telegram configures the Telegram bot. Empty Token: Telegram is off.
type Telegram struct {
	Token string
	API   string // default "https://api.telegram.org"
}

// Webhook configures webhook: destinations (JSON POSTs of alerts).
type Webhook struct {
	// Secret, when set, signs each request body with HMAC-SHA256 (see the
	// notify/webhook package for the headers). Never echoed in errors.
	Secret string
	// AllowPrivate lets webhook URLs reach loopback, private and link-local
	// addresses; off by default, so a route cannot be pointed at the
	// daemon's own network (SSRF).
	AllowPrivate bool
}

// Admins lists the users allowed to run admin commands, per platform.
type Admins struct {
	Telegram []string
	Discord  []string
}

// Security holds switches that loosen protections.
type Security struct {
	AllowPrivateFeeds bool // chat-added feeds may point at private addresses
	AllowChatRegex    bool // chat users may use /regex/ in queries
}

// Limits bounds what chat users may do.
type Limits struct {
	QueryLength          int // default 512
	SubscriptionsPerChat int // default 50
	CommandsPerMinute    int // per user; default 20
}

// Pos is a position in the config file, 1-based.
type Pos struct {
	Line, Col int
}

// ErrorAt returns a problem at p in c's file.
func (c *Config) ErrorAt(p Pos, msg string) *Error {
	return &Error{File: c.file, Pos: p, Msg: msg}
}

// AliasFileAt returns the position of alias file i (line 1 if unknown).
func (c *Config) AliasFileAt(i int) Pos {
	if i >= 0 && i < len(c.AliasFilePos) {
		return c.AliasFilePos[i]
	}
	return Pos{Line: 1, Col: 1}
}

// ToAt returns the position of destination i of the route (the route's if unknown).
func (r Route) ToAt(i int) Pos {
	if i >= 0 && i < len(r.toPos) {
		return r.toPos[i]
	}
	return r.Pos
}

// IsAdmin reports whether userID is one of c's admins on platform
// ("telegram" or "discord"; the kind of a chat's destination).
func (c *Config) IsAdmin(platform, userID string) bool {
	if c == nil || userID == "" {
		return false
	}
	switch platform {
	case "telegram":
		return slices.Contains(c.Admins.Telegram, userID)
	case "discord", "discord-dm":
		return slices.Contains(c.Admins.Discord, userID)
	}
	return false
}
