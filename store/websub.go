package store

import (
	"context"

	"github.com/newshound/newshound/model"
)

// WebSub keeps the feeds' WebSub subscriptions, so that leases, callback
// ids and secrets survive a restart (a hub keeps pushing to the old
// callback, and only a known secret can verify it).
type WebSub interface {
	// SaveWebSub inserts or replaces the subscription of s.Feed.
	SaveWebSub(ctx context.Context, s model.WebSubSubscription) error
	// WebSubs returns every subscription, by feed URL.
	WebSubs(ctx context.Context) ([]model.WebSubSubscription, error)
	// DeleteWebSub forgets the subscription of feed; no error when there is none.
	DeleteWebSub(ctx context.Context, feed string) error
}
