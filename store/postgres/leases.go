package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ClaimLeases takes or renews holder's leases on names until now+ttl. The
// rows it can take are locked with FOR UPDATE SKIP LOCKED, so that a
// replica never waits for another's claim in progress (it skips those
// names, as store.Leases allows); names without a row are inserted, and a
// concurrent insert of the same name loses quietly (ON CONFLICT DO NOTHING).
func (db *DB) ClaimLeases(ctx context.Context, holder string, names []string, now time.Time, ttl time.Duration) ([]string, error) {
	if len(names) == 0 {
		return nil, nil
	}
	var held []string
	err := db.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `WITH free AS (
				SELECT name FROM leases WHERE name = ANY($1) AND (holder = $2 OR until <= $3)
				FOR UPDATE SKIP LOCKED)
			UPDATE leases l SET holder = $2, until = $4 FROM free WHERE l.name = free.name RETURNING l.name`,
			names, holder, now.UnixMilli(), now.Add(ttl).UnixMilli())
		if err != nil {
			return err
		}
		taken, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `INSERT INTO leases (name, holder, until) SELECT n, $2, $3 FROM unnest($1::text[]) AS n
			ON CONFLICT (name) DO NOTHING RETURNING name`, names, holder, now.Add(ttl).UnixMilli())
		if err != nil {
			return err
		}
		fresh, err := pgx.CollectRows(rows, pgx.RowTo[string])
		held = append(taken, fresh...)
		return err
	})
	if err != nil {
		return nil, db.wrap(fmt.Errorf("store: claim leases for %s: %w", holder, err))
	}
	return held, nil
}

// ReleaseLeases gives up holder's leases among names.
func (db *DB) ReleaseLeases(ctx context.Context, holder string, names []string) error {
	return db.exec(ctx, "release leases of "+holder, `DELETE FROM leases WHERE name = ANY($1) AND holder = $2`, names, holder)
}
