package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// ClaimLeases takes or renews holder's leases on names until now+ttl. The
// single writer serialises claims, so a plain conditional upsert is enough.
func (db *DB) ClaimLeases(ctx context.Context, holder string, names []string, now time.Time, ttl time.Duration) ([]string, error) {
	var held []string
	err := db.tx(ctx, func(tx *sql.Tx) error {
		held = held[:0]
		for _, n := range names {
			r, err := tx.ExecContext(ctx, `INSERT INTO leases (name, holder, until) VALUES (?, ?, ?)
				ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
				WHERE leases.holder = excluded.holder OR leases.until <= ?`,
				n, holder, now.Add(ttl).UnixMilli(), now.UnixMilli())
			if err != nil {
				return err
			}
			if k, _ := r.RowsAffected(); k > 0 {
				held = append(held, n)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: claim leases for %s: %w", holder, err)
	}
	return held, nil
}

// ReleaseLeases gives up holder's leases among names.
func (db *DB) ReleaseLeases(ctx context.Context, holder string, names []string) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		for _, n := range names {
			if _, err := tx.ExecContext(ctx, `DELETE FROM leases WHERE name = ? AND holder = ?`, n, holder); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: release leases of %s: %w", holder, err)
	}
	return nil
}
