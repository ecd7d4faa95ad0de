package model

import (
	"log/slog"
	"time"
)

// WebSub subscription states.
const (
	// WebSubPending: a subscribe request was sent; the hub has not verified it yet.
	WebSubPending = "pending"
	// WebSubActive: the hub verified the subscription; pushes are expected until LeaseUntil.
	WebSubActive = "active"
	// WebSubFailed: the hub refused or could not be reached, denied the
	// subscription, or pushes stopped; the feed is polled at its adaptive
	// interval and the subscription is retried with backoff.
	WebSubFailed = "failed"
	// WebSubUnsubscribing: the feed is no longer polled (it left the
	// config, or was removed from chat or the command line); an unsubscribe
	// request was sent and the hub's verification of it is awaited. Pushes
	// are refused with 410 Gone meanwhile, and the subscription is
	// forgotten once the hub verifies (or after a few unanswered tries).
	WebSubUnsubscribing = "unsubscribing"
)

// WebSubSubscription is one feed's subscription at its WebSub hub.
type WebSubSubscription struct {
	// Feed is the feed's URL as configured (the key).
	Feed string
	// Hub is the hub URL the feed advertised; Topic its rel="self" URL.
	Hub, Topic string
	// ID is the unguessable last segment of the callback URL (random, 128
	// bits): a push to it is for this feed only, and nobody who does not
	// know it can even try a signature.
	ID string
	// Secret is the hub.secret the pushes are signed with. Never logged.
	Secret string
	// State is WebSubPending, WebSubActive, WebSubFailed or WebSubUnsubscribing.
	State string
	// Requested is when the last subscribe request was sent.
	Requested time.Time
	// LeaseUntil is when the hub's verified lease ends.
	LeaseUntil time.Time
	// LastPush is when the last correctly signed push arrived.
	LastPush time.Time
	// Failures counts subscribe attempts failed in a row (backoff); while
	// unsubscribing, the unsubscribe requests sent.
	Failures int
	// Error is why the subscription last failed.
	Error string
}

// LogValue keeps the secret and the callback id out of logs.
func (s WebSubSubscription) LogValue() slog.Value {
	return slog.GroupValue(slog.String("feed", s.Feed), slog.String("hub", s.Hub), slog.String("state", s.State))
}
