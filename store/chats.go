package store

import (
	"context"
	"time"

	"github.com/newshound/newshound/model"
)

// StateHeld is the outbox state, beside model.StatePending, StateSent and
// StateParked, of an alert held for a digest.
const StateHeld = "held"

// Chats holds how each destination wants its alerts: digests, quiet hours
// and per-watch mutes (issue 15).
//
// Holding is the store's job, at queue time, in the transaction that queues
// the alert: a story alert (not a notice, not a digest) queued for a
// destination that is muted, has digests on, or is inside a quiet window in
// hold mode (Delivery.Holding at the store's clock) gets StateHeld instead
// of pending, and is neither due nor returned by NextAlerts. One queued
// while every one of its watches is muted there (SetWatchMute) is
// recorded as sent at once, with LastError "skipped: watch muted". Held alerts leave that state only through CombineHeld.
type Chats interface {
	// Delivery returns dest's settings (zero settings with Destination set
	// when it has none).
	Delivery(ctx context.Context, dest model.Destination) (model.Delivery, error)
	// SetDelivery stores d (its schedule as given: call d.Schedule first),
	// DigestChosen and QuietChosen included, so that a chat's explicit
	// "off" is kept; Blank settings remove the destination's row.
	SetDelivery(ctx context.Context, d model.Delivery) error
	// Deliveries returns every destination's stored settings, by
	// destination (for config defaults that a reload drops).
	Deliveries(ctx context.Context) ([]model.Delivery, error)
	// DigestCandidates returns the settings of every destination that may
	// need CombineHeld at now: a digest due (DigestNext <= now), a quiet
	// window over (QuietUntil <= now), or held alerts (settings zero when it
	// has none, e.g. a mute that ended).
	DigestCandidates(ctx context.Context, now time.Time) ([]model.Delivery, error)
	// CombineHeld, in one transaction: reads dest's held alerts (oldest
	// first), queues what build makes of them as pending alerts of their own
	// (a digest split in parts; story key "digest"+key+part, so the same key
	// never queues twice: a key already used fails the whole call), marks
	// the held alerts sent, and moves dest's schedule from prev to next. If
	// dest's schedule is no longer prev's (a command, or another daemon,
	// changed it since) it does nothing and returns 0. build is called only
	// when alerts are held; when it returns nothing they stay held (a
	// schedule moved on without a digest, a quiet window over in a digest chat). Returns how many alerts it queued.
	CombineHeld(ctx context.Context, dest model.Destination, key string, prev, next model.Delivery, build func(held []model.Alert) []model.Alert) (int, error)
	// SetWatchMute mutes watch at dest until until; the zero time unmutes.
	SetWatchMute(ctx context.Context, dest model.Destination, watch string, until time.Time) error
	// WatchMutes returns dest's watch mutes still in force, by watch name.
	WatchMutes(ctx context.Context, dest model.Destination) ([]model.WatchMute, error)
}
