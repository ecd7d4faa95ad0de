package bot

import (
	"context"
	"log/slog"
	"time"

	"github.com/newshound/newshound/feeds"
	"github.com/newshound/newshound/store"
	"github.com/newshound/newshound/watchlist"
)

// Store is the part of the store the command core uses.
type Store interface {
	store.Subscriptions
	store.Feeds
	store.Outbox
	store.Destinations
	store.Chats
}

var _ Store = store.Store(nil)

// Fetcher fetches and parses one feed for /addfeed and /test. allowPrivate
// false must refuse private, loopback and link-local addresses (SSRF guard),
// including after redirects and DNS resolution.
type Fetcher interface {
	FetchFeed(ctx context.Context, url string, allowPrivate bool) (*feeds.Feed, error)
}

// Deps is what the command core needs. Store and Watchlist are required;
// without Fetcher, /addfeed and /test URL say they are unavailable.
type Deps struct {
	Store Store
	// Watchlist is the compiled config; SetWatchlist replaces it on reload.
	Watchlist *watchlist.Set
	Fetcher   Fetcher
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Log receives internal errors (never shown raw to chat users); nil discards.
	Log *slog.Logger
	// Wake, if set, is called after /retry re-queued alerts or /unmute
	// released held ones, so delivery starts now rather than at the next
	// dispatcher tick (wire it to (*notify.Dispatcher).Wake).
	Wake func()
}
