package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/newshound/newshound/model"
)

// SaveWebSub inserts or replaces the subscription of s.Feed.
func (db *DB) SaveWebSub(ctx context.Context, s model.WebSubSubscription) error {
	err := db.batch(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO websub
			(feed, hub, topic, id, secret, state, requested, lease_until, last_push, failures, error)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			s.Feed, s.Hub, s.Topic, s.ID, s.Secret, s.State, ms(s.Requested), ms(s.LeaseUntil), ms(s.LastPush), s.Failures, s.Error)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: save websub subscription of %s: %w", s.Feed, err)
	}
	return nil
}

// WebSubs returns every subscription, by feed URL.
func (db *DB) WebSubs(ctx context.Context) ([]model.WebSubSubscription, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT feed, hub, topic, id, secret, state, requested, lease_until, last_push, failures, error
		FROM websub ORDER BY feed`)
	if err != nil {
		return nil, fmt.Errorf("store: websub subscriptions: %w", err)
	}
	defer rows.Close()
	var out []model.WebSubSubscription
	for rows.Next() {
		var s model.WebSubSubscription
		var requested, lease, push int64
		if err := rows.Scan(&s.Feed, &s.Hub, &s.Topic, &s.ID, &s.Secret, &s.State, &requested, &lease, &push, &s.Failures, &s.Error); err != nil {
			return nil, fmt.Errorf("store: websub subscriptions: %w", err)
		}
		s.Requested, s.LeaseUntil, s.LastPush = fromMS(requested), fromMS(lease), fromMS(push)
		out = append(out, s)
	}
	return out, rows.Err()
}

// DeleteWebSub forgets the subscription of feed.
func (db *DB) DeleteWebSub(ctx context.Context, feed string) error {
	err := db.batch(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM websub WHERE feed = ?`, feed)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: delete websub subscription of %s: %w", feed, err)
	}
	return nil
}
