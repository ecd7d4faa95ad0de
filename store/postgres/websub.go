package postgres

import (
	"context"
	"fmt"

	"github.com/newshound/newshound/model"
)

// SaveWebSub inserts or replaces the subscription of s.Feed.
func (db *DB) SaveWebSub(ctx context.Context, s model.WebSubSubscription) error {
	return db.exec(ctx, "save websub subscription of "+s.Feed, `INSERT INTO websub
		(feed, hub, topic, id, secret, state, requested, lease_until, last_push, failures, error)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (feed) DO UPDATE SET hub = excluded.hub, topic = excluded.topic, id = excluded.id,
			secret = excluded.secret, state = excluded.state, requested = excluded.requested,
			lease_until = excluded.lease_until, last_push = excluded.last_push,
			failures = excluded.failures, error = excluded.error`,
		s.Feed, s.Hub, s.Topic, s.ID, s.Secret, s.State, ms(s.Requested), ms(s.LeaseUntil), ms(s.LastPush), s.Failures, s.Error)
}

// WebSubs returns every subscription, by feed URL.
func (db *DB) WebSubs(ctx context.Context) ([]model.WebSubSubscription, error) {
	rows, err := db.pool.Query(ctx, `SELECT feed, hub, topic, id, secret, state, requested, lease_until, last_push, failures, error
		FROM websub ORDER BY feed`)
	if err != nil {
		return nil, db.wrap(fmt.Errorf("store: websub subscriptions: %w", err))
	}
	defer rows.Close()
	var out []model.WebSubSubscription
	for rows.Next() {
		var s model.WebSubSubscription
		var requested, lease, push int64
		if err := rows.Scan(&s.Feed, &s.Hub, &s.Topic, &s.ID, &s.Secret, &s.State, &requested, &lease, &push, &s.Failures, &s.Error); err != nil {
			return nil, db.wrap(fmt.Errorf("store: websub subscriptions: %w", err))
		}
		s.Requested, s.LeaseUntil, s.LastPush = fromMS(requested), fromMS(lease), fromMS(push)
		out = append(out, s)
	}
	return out, db.wrap(rows.Err())
}

// DeleteWebSub forgets the subscription of feed.
func (db *DB) DeleteWebSub(ctx context.Context, feed string) error {
	return db.exec(ctx, "delete websub subscription of "+feed, `DELETE FROM websub WHERE feed = $1`, feed)
}
