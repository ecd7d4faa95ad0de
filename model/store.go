package model

import (
	"errors"
	"slices"
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
	// Report, when set, is the item's report of a news event (see
	// store.Stories): a later report of a story alerts no destination that
	// already has it.
	Report *StoryReport
	// Story is what the history keeps of the item, recorded with it in the
	// same transaction; nil keeps nothing (history off).
	Story *Story
	// Fulltext, when set, holds the story for its article's text
	// (poll.fulltext): the item is recorded with its dedup keys as usual,
	// and, unless it is a duplicate, marked pending instead of alerting;
	// store.Fulltext.CompleteText queues its alerts later. Alerts is
	// ignored then.
	Fulltext *PendingText
}

// IngestResult says what an ingest did.
type IngestResult struct {
	New        int // items recorded for the first time
	Duplicates int // of those, stories that would have alerted but were already known under another key
	Queued     int // alert rows queued
	Pending    int // of the new items, those held for their article's text
	// QueuedByPlatform splits Queued by destination kind ("telegram", "discord", ...).
	QueuedByPlatform map[string]int
	// Reports counts new items that were later reports of a story already
	// known; Edits the edits of sent alerts they queued; Held the alerts
	// left waiting for more outlets (min_outlets, model.StateWaiting).
	Reports, Edits, Held int
	// QueuedByWatch counts, by watch name (Alert.Watches[].Name), the new
	// items that queued at least one alert naming that watch: what alerted,
	// once per story however many destinations it reached, and never a
	// duplicate that was remembered without alerts (the match metric).
	QueuedByWatch map[string]int
}

// Outbox row states.
const (
	StatePending = "pending"
	StateSent    = "sent"
	StateParked  = "parked"
	// StateWaiting is a story's alert waiting for more outlets
	// (min_outlets). Distinct from store.StateHeld ("held"), an alert held
	// for a digest or quiet hours, which the digester sends.
	StateWaiting = "waiting"
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

// CountWatches adds one story to r.QueuedByWatch for each watch named by
// the alerts it queued: a story routed to three chats by one watch is one
// match of that watch, not three. Every backend counts through it.
func (r *IngestResult) CountWatches(queued []Alert) {
	var names []string
	for _, a := range queued {
		for _, w := range a.Watches {
			if !slices.Contains(names, w.Name) {
				names = append(names, w.Name)
			}
		}
	}
	if len(names) == 0 {
		return
	}
	if r.QueuedByWatch == nil {
		r.QueuedByWatch = make(map[string]int)
	}
	for _, n := range names {
		r.QueuedByWatch[n]++
	}
}

// AddQueued counts one alert queued for dest.
func (r *IngestResult) AddQueued(dest Destination) {
	r.Queued++
	if r.QueuedByPlatform == nil {
		r.QueuedByPlatform = make(map[string]int)
	}
	r.QueuedByPlatform[dest.Kind()]++
}
