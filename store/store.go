// Package store defines the contract of Newshound's durable state: feed
// polling state, the items seen with their dedup keys, the outbox of alerts,
// destinations' mutes and disabling, subscriptions and small settings.
//
// Store is the one interface every backend implements (store/sqlite is the
// embedded default); store/storetest is the conformance suite each backend
// runs, so that nothing above the store depends on which one is in use.
// Every method takes a context and returns errors that name the operation.
package store

import (
	"context"
	"time"

	"github.com/newshound/newshound/model"
)

// TitleWindow is how long a normalised title keeps deduplicating stories
// across feeds: the same headline a week later is probably a new story.
const TitleWindow = 72 * time.Hour

// PresentRefresh is how stale an item's "still in its feed" mark may get
// before a parse refreshes it. PruneItems must keep items much longer.
const PresentRefresh = 24 * time.Hour

// Store is the whole contract. Its parts are separate interfaces so that a
// consumer can ask for only what it uses.
type Store interface {
	Feeds
	Items
	Outbox
	Destinations
	Subscriptions
	WebSub
	State
	Stories
	Chats
	Leases
	History
	Fulltext
	Buttons
	// Ping checks that the store answers.
	Ping(ctx context.Context) error
	// Close releases the store; pending writes finish first.
	Close() error
}

// Feeds keeps what polling learnt about each feed.
type Feeds interface {
	// FeedState returns the state of the feed at url; ok is false for a feed never polled.
	FeedState(ctx context.Context, url string) (f model.FeedState, ok bool, err error)
	// FeedStates returns every feed's state, by URL.
	FeedStates(ctx context.Context) ([]model.FeedState, error)
	// FeedStatesDue returns the states of the feeds due at now (next poll
	// at or before now) and not gone, the longest overdue first, at most
	// limit of them (<= 0: all). A feed never polled has no state and is
	// not among them: a poll cycle reads only these instead of every
	// feed's state (a cycle a second over 10,000 feeds finds a few hundred
	// due), and learns which feeds have a state once from FeedStates.
	FeedStatesDue(ctx context.Context, now time.Time, limit int) ([]model.FeedState, error)
	// SaveFeedState records f (a failed poll, a 304) without touching items.
	SaveFeedState(ctx context.Context, f model.FeedState) error
}

// Items records the items seen and queues their alerts.
type Items interface {
	// SeenKeys returns the subset of keys already recorded for the feed.
	SeenKeys(ctx context.Context, feedURL string, keys []string) (map[string]bool, error)
	// Ingest records one successful parse of feed f in a single transaction:
	// it saves f (LastParsed set to the store's clock), marks the keys still
	// present in the feed (so pruning keeps them), records each new item with
	// its dedup keys and queues its alerts. An item whose key is already
	// recorded is skipped; an item whose canonical link is already recorded
	// under another key (GUID change, same story in another feed, or earlier
	// in this batch), or whose normalised title was alerted within
	// TitleWindow, is remembered without alerts. An item without a Key is
	// an error that fails the whole ingest. Either the whole parse is
	// recorded with its alerts, or nothing is.
	Ingest(ctx context.Context, f model.FeedState, present []string, items []model.NewItem) (model.IngestResult, error)
	// PruneItems forgets items not seen in their feed for keep; returns how many.
	PruneItems(ctx context.Context, keep time.Duration) (int64, error)
}

// Outbox is the durable queue of alerts, drained by the dispatcher.
type Outbox interface {
	// DueDestinations lists destinations with an alert due at now, neither disabled nor muted.
	DueDestinations(ctx context.Context, now time.Time) ([]model.Destination, error)
	// NextAlerts returns up to limit pending alerts for dest in delivery order
	// (publication time, then queue order; an alert published at an unknown
	// or future time counts as published when queued), stopping before the
	// first one not yet due, so that a retried alert keeps its place ahead of
	// later ones, and before a story's later alert whose first alert there
	// it returns too (see Stories: the later one is read again once the
	// first was sent, with its FirstRef).
	NextAlerts(ctx context.Context, dest model.Destination, now time.Time, limit int) ([]model.Alert, error)
	// MarkSent records a delivered alert.
	MarkSent(ctx context.Context, id int64) error
	// Retry counts a failed attempt and schedules the next at at.
	Retry(ctx context.Context, id int64, at time.Time, reason string) error
	// Postpone schedules the next attempt without counting a failure (rate limits).
	Postpone(ctx context.Context, id int64, at time.Time, reason string) error
	// Park moves an alert to the dead-letter state with the reason.
	Park(ctx context.Context, id int64, reason string) error
	// ParkDestination parks every pending alert of dest (a destination that is gone).
	ParkDestination(ctx context.Context, dest model.Destination, reason string) error
	// ListOutbox returns alerts in state (model.StatePending, StateParked or
	// StateSent; "" for pending and parked), for dest ("" for all), oldest
	// first, at most limit (<= 0: 100).
	ListOutbox(ctx context.Context, state string, dest model.Destination, limit int) ([]model.OutboxRow, error)
	// RetryParked re-queues the parked alert id (0: every parked alert),
	// re-enables the destinations concerned, and returns how many were re-queued.
	RetryParked(ctx context.Context, id int64) (int, error)
	// QueueStats counts waiting and parked alerts.
	QueueStats(ctx context.Context) (model.QueueStats, error)
	// PruneSent forgets delivered alerts older than keep.
	PruneSent(ctx context.Context, keep time.Duration) error
	// QueueNotice queues a to every destination in dests as a notice of its
	// own (not tied to a story), delivered, retried and parked like any alert.
	QueueNotice(ctx context.Context, dests []model.Destination, a model.Alert) error
}

// Destinations holds what is known about a destination itself.
type Destinations interface {
	// DisableDestination stops deliveries to dest until RetryParked re-queues its alerts.
	DisableDestination(ctx context.Context, dest model.Destination, reason string) error
	// DisabledDestinations maps each disabled destination to the reason.
	DisabledDestinations(ctx context.Context) (map[model.Destination]string, error)
	// MoveDestination moves the undelivered alerts of from to to (a
	// Telegram group upgraded to a supergroup, a Discord channel replaced):
	// pending and parked ones are re-queued, due now; held ones (a digest,
	// quiet hours, a mute) stay held and waiting ones (min_outlets) keep
	// waiting, at to. A story already queued for to keeps to's row and
	// from's is dropped. The mute comes along, and so do the delivery
	// settings (Chats.Delivery) and watch mutes unless to has its own.
	MoveDestination(ctx context.Context, from, to model.Destination) error
	// SetMute holds alerts for dest until the given time; the zero time unmutes.
	SetMute(ctx context.Context, dest model.Destination, until time.Time) error
	// MuteUntil returns when dest's mute ends (zero when not muted).
	MuteUntil(ctx context.Context, dest model.Destination) (time.Time, error)
}

// Subscriptions holds what chats asked for from the bot.
type Subscriptions interface {
	// AddSubscription stores s and returns it with its assigned ID (and
	// CreatedAt, if zero). Exactly one of s.Watch and s.Query must be set.
	// When the chat already holds that watch or query, it returns the
	// existing subscription and an error wrapping model.ErrSubscriptionExists.
	AddSubscription(ctx context.Context, s model.Subscription) (model.Subscription, error)
	// RemoveSubscription removes chat's subscriptions whose id (any case),
	// watch name or exact query is idOrWatch; returns how many.
	RemoveSubscription(ctx context.Context, chat model.Destination, idOrWatch string) (int, error)
	// Subscriptions returns chat's subscriptions ("" for every chat's), oldest first.
	Subscriptions(ctx context.Context, chat model.Destination) ([]model.Subscription, error)
	// MoveChat moves from's subscriptions to to (a chat whose id changed).
	MoveChat(ctx context.Context, from, to model.Destination) error
	// AddChatFeed records a feed added from chat; an error wrapping
	// model.ErrChatFeedExists if its URL already is one.
	AddChatFeed(ctx context.Context, f model.ChatFeed) error
	// RemoveChatFeed forgets a chat feed; false if there was none.
	RemoveChatFeed(ctx context.Context, url string) (bool, error)
	// ChatFeeds returns the feeds added from chat, oldest first.
	ChatFeeds(ctx context.Context) ([]model.ChatFeed, error)
}

// State is a small key-value table for settings such as a platform's update offset.
type State interface {
	// GetState returns the value of key, "" when unset.
	GetState(ctx context.Context, key string) (string, error)
	// SetState sets key to value.
	SetState(ctx context.Context, key, value string) error
}

// Leases lets several daemons share one store: a lease is a name (a feed to
// poll, a platform to send on, a bot connection to hold) that one holder
// (a replica) owns until it expires, so that a replica that dies without a
// word loses its work to the others once its leases run out. A backend with
// one process per database may implement it as a plain table; what matters
// is that two holders never hold one name at the same instant of the
// clock passed in.
type Leases interface {
	// ClaimLeases takes for holder, until now+ttl, each name in names that
	// is free, expired at now, or already holder's (a renewal), and returns
	// the names holder now holds, in no particular order. It never waits
	// for another holder's claim in progress: a name being claimed
	// elsewhere is skipped, as if held.
	ClaimLeases(ctx context.Context, holder string, names []string, now time.Time, ttl time.Duration) ([]string, error)
	// ReleaseLeases gives up holder's leases among names, so that another
	// holder may take them at once (a clean shutdown); names held by
	// others are untouched.
	ReleaseLeases(ctx context.Context, holder string, names []string) error
}
