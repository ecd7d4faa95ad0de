package model

import (
	"errors"
	"time"
)

// FeedState is what the store remembers about polling one feed.
type FeedState struct {
	URL          string
	Name         string
	ETag         string
	LastModified string
	BodyHash     string
	// Initialized is set after the first successful parse: items seen then
	// were remembered (and alerted only per poll.backfill).
	Initialized  bool
	LastPoll     time.Time
	LastSuccess  time.Time
	LastParsed   time.Time
	LastError    string
	LastErrorAt  time.Time
	FailingSince time.Time
	Failures     int
	NextPoll     time.Time
	Gone         bool   // 410 Gone: not polled any more
	MovedTo      string // a permanent redirect's target, for the config to follow
	NotifiedAt   time.Time
}

// NewItem is an item not yet recorded, with the alerts it should raise.
type NewItem struct {
	Key       string // dedup key within the feed
	LinkKey   string // canonical link, for cross-feed dedup ("" if none)
	TitleKey  string // normalised title, for cross-feed dedup ("" if none)
	Published time.Time
	// Alerts to queue, one per destination; empty to remember the item only.
	Alerts []Alert
	// Story, when set, is the item's story (see store.Stories): a later
	// report of a story alerts no destination that already has it.
	Story *StoryReport
}

// IngestResult says what an ingest did.
type IngestResult struct {
	New        int // items recorded for the first time
	Duplicates int // of those, stories that would have alerted but were already known under another key
	Queued     int // alert rows queued
	// QueuedByPlatform splits Queued by destination kind ("telegram", "discord", ...).
	QueuedByPlatform map[string]int
	// Reports counts new items that were later reports of a story already
	// known; Edits the edits of sent alerts they queued; Held the alerts
	// waiting for more outlets (min_outlets).
	Reports, Edits, Held int
}

// Outbox row states.
const (
	StatePending = "pending"
	StateSent    = "sent"
	StateParked  = "parked"
	// StateHeld is a story's alert waiting for more outlets (min_outlets).
	StateHeld = "held"
)

// OutboxRow is one queued alert with its delivery state.
type OutboxRow struct {
	ID          int64
	Destination Destination
	State       string
	Attempts    int
	NextAttempt time.Time
	LastError   string
	CreatedAt   time.Time
	Alert       Alert
}

// QueueStats summarises the outbox.
type QueueStats struct {
	Pending int
	Parked  int
	// OldestPending is the creation time of the oldest waiting alert (zero if none).
	OldestPending time.Time
}

// Subscription is a chat's standing request for alerts: either a config
// watch by name or an ad-hoc query of its own, never both.
type Subscription struct {
	// ID is short (6 lower-case base32 characters) so users can type it.
	ID string
	// Chat is the destination alerts go to ("telegram:-100123", "discord:998877").
	Chat Destination
	// Watch is the name of a config watch, or "".
	Watch string
	// Query is an ad-hoc query in the query language, or "".
	Query string
	// CreatedBy is the platform user id of whoever subscribed.
	CreatedBy string
	CreatedAt time.Time
}

// ChatFeed is a feed added from chat with /addfeed. The engine polls these
// beside the config's feeds, always with the SSRF guard on.
type ChatFeed struct {
	URL     string
	Tags    []string
	AddedBy string
	AddedAt time.Time
}

// ErrSubscriptionExists is returned when adding a subscription the chat
// already holds (the same watch or query); the existing one is returned with it.
var ErrSubscriptionExists = errors.New("subscription already exists")

// ErrChatFeedExists is returned when adding a chat feed whose URL is already one.
var ErrChatFeedExists = errors.New("feed already added")
