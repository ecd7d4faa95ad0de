package bot

import (
	"context"
	"log/slog"
	"time"

	"github.com/newshound/newshound/feeds"
	"github.com/newshound/newshound/matcher"
	"github.com/newshound/newshound/store"
)

// Store is the part of the store the command core uses; *store.DB has it.
type Store interface {
	AddSubscription(ctx context.Context, s store.Subscription) (store.Subscription, error)
	RemoveSubscription(ctx context.Context, chat, idOrWatch string) (int, error)
	Subscriptions(ctx context.Context, chat string) ([]store.Subscription, error)

	AddChatFeed(ctx context.Context, f store.ChatFeed) error
	RemoveChatFeed(ctx context.Context, url string) (bool, error)
	ChatFeeds(ctx context.Context) ([]store.ChatFeed, error)

	FeedStates(ctx context.Context) ([]store.FeedState, error)
	ListOutbox(ctx context.Context, state, dest string, limit int) ([]store.OutboxRow, error)
	RetryParked(ctx context.Context, id int64) (int, error)
	QueueStats(ctx context.Context) (store.QueueStats, error)

	SetMute(ctx context.Context, dest string, until time.Time) error
	MuteUntil(ctx context.Context, dest string) (time.Time, error)
}

var _ Store = (*store.DB)(nil)

// Matcher checks chat queries and explains matches with the same code as
// `newshound match`. Implementations are safe for concurrent use; the wiring
// swaps in a new one on config reload with (*Core).SetMatcher.
type Matcher interface {
	// Check validates a query. allowRegex permits /regex/ terms. It returns
	// nil, or an error (a *matcher.SyntaxError for a bad query).
	Check(query string, allowRegex bool) error
	// Match returns the config watches that fire on d, followed by those of
	// extra (ad-hoc queries, compiled for the call; a bad one is skipped).
	// keepTags false ignores the watches' feed tags, for input from no
	// configured feed (text, an unknown URL), as `newshound match` does.
	Match(d matcher.Doc, extra []matcher.Watch, keepTags bool) []matcher.Hit
}

// Fetcher fetches and parses one feed for /addfeed and /test. allowPrivate
// false must refuse private, loopback and link-local addresses (SSRF guard),
// including after redirects and DNS resolution.
type Fetcher interface {
	FetchFeed(ctx context.Context, url string, allowPrivate bool) (*feeds.Feed, error)
}

// Deps is what the command core needs. Store and Matcher are required;
// without Fetcher, /addfeed and /test URL say they are unavailable.
type Deps struct {
	Store   Store
	Matcher Matcher
	Fetcher Fetcher
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Log receives internal errors (never shown raw to chat users); nil discards.
	Log *slog.Logger
	// Wake, if set, is called after /retry re-queued alerts or /unmute
	// released held ones, so delivery starts now rather than at the next
	// dispatcher tick (wire it to (*notify.Dispatcher).Wake).
	Wake func()
}
