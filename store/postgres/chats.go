package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store/internal/cols"
)

// The hold itself is a trigger in migrations/0004_chats.sql, as in
// store/sqlite: it must run in the transaction that queues an alert.

const deliveryCols = cols.DeliveryColumns

func scanDelivery(sc pgx.Row) (model.Delivery, error) {
	var r cols.Delivery
	if err := sc.Scan(r.Dests()...); err != nil {
		return model.Delivery{}, err
	}
	return r.Settings(), nil
}

func deliveryArgs(d model.Delivery) []any { return cols.DeliveryOf(d).Args() }

// Delivery returns dest's settings, zero (with Destination) when it has none.
func (db *DB) Delivery(ctx context.Context, dest model.Destination) (model.Delivery, error) {
	d, err := scanDelivery(db.pool.QueryRow(ctx, `SELECT `+deliveryCols+` FROM chat_delivery WHERE destination = $1`, string(dest)))
	if errors.Is(err, pgx.ErrNoRows) {
		return model.Delivery{Destination: dest}, nil
	}
	if err != nil {
		return d, db.wrap(fmt.Errorf("store: delivery settings of %s: %w", dest, err))
	}
	return d, nil
}

// SetDelivery stores d; Blank settings remove the row.
func (db *DB) SetDelivery(ctx context.Context, d model.Delivery) error {
	if d.Blank() {
		return db.exec(ctx, "clear delivery settings", `DELETE FROM chat_delivery WHERE destination = $1`, string(d.Destination))
	}
	return db.exec(ctx, "set delivery settings", `INSERT INTO chat_delivery (`+deliveryCols+`)
		VALUES (`+cols.DeliveryPlaceholders(1)+`)
		ON CONFLICT (destination) DO UPDATE SET digest_min = excluded.digest_min, digest_tz = excluded.digest_tz,
			digest_next = excluded.digest_next, quiet_start = excluded.quiet_start, quiet_end = excluded.quiet_end,
			quiet_tz = excluded.quiet_tz, quiet_silent = excluded.quiet_silent, quiet_from = excluded.quiet_from,
			quiet_until = excluded.quiet_until, digest_chosen = excluded.digest_chosen,
			quiet_chosen = excluded.quiet_chosen`, deliveryArgs(d)...)
}

// Deliveries returns every destination's stored settings, by destination.
func (db *DB) Deliveries(ctx context.Context) ([]model.Delivery, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+deliveryCols+` FROM chat_delivery ORDER BY destination`)
	if err != nil {
		return nil, db.wrap(fmt.Errorf("store: delivery settings: %w", err))
	}
	defer rows.Close()
	var out []model.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, db.wrap(fmt.Errorf("store: delivery settings: %w", err))
		}
		out = append(out, d)
	}
	return out, db.wrap(rows.Err())
}

// DigestCandidates returns the settings of the destinations that may need
// CombineHeld at now.
func (db *DB) DigestCandidates(ctx context.Context, now time.Time) ([]model.Delivery, error) {
	t := now.UnixMilli()
	rows, err := db.pool.Query(ctx, `SELECT `+deliveryCols+` FROM chat_delivery
		WHERE (digest_next > 0 AND digest_next <= $1) OR (quiet_until > 0 AND quiet_until <= $1)
		   OR destination IN (SELECT destination FROM outbox WHERE state = 'held')
		UNION ALL
		SELECT DISTINCT destination, -1, '', 0::bigint, -1, -1, '', 0, 0::bigint, 0::bigint, 0, 0 FROM outbox
		WHERE state = 'held' AND destination NOT IN (SELECT destination FROM chat_delivery)
		ORDER BY destination`, t)
	if err != nil {
		return nil, db.wrap(fmt.Errorf("store: digest candidates: %w", err))
	}
	defer rows.Close()
	var out []model.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, db.wrap(fmt.Errorf("store: digest candidates: %w", err))
		}
		out = append(out, d)
	}
	return out, db.wrap(rows.Err())
}

// CombineHeld turns dest's held alerts into what build makes of them, in
// one transaction with the schedule's move from prev to next. The settings
// row is locked first, so two replicas cannot combine the same alerts.
func (db *DB) CombineHeld(ctx context.Context, dest model.Destination, key string, prev, next model.Delivery, build func([]model.Alert) []model.Alert) (int, error) {
	queued := 0
	err := db.tx(ctx, func(tx pgx.Tx) error {
		queued = 0
		now := db.now()
		cur, err := scanDelivery(tx.QueryRow(ctx, `SELECT `+deliveryCols+` FROM chat_delivery WHERE destination = $1 FOR UPDATE`, string(dest)))
		if errors.Is(err, pgx.ErrNoRows) {
			cur, err = model.Delivery{Destination: dest}, nil
		}
		if err != nil {
			return err
		}
		if !cur.DigestNext.Equal(prev.DigestNext) || !cur.QuietFrom.Equal(prev.QuietFrom) || !cur.QuietUntil.Equal(prev.QuietUntil) {
			return nil
		}
		rows, err := tx.Query(ctx, `SELECT id, payload FROM outbox WHERE destination = $1 AND state = 'held' ORDER BY id FOR UPDATE`, string(dest))
		if err != nil {
			return err
		}
		var held []model.Alert
		for rows.Next() {
			var id int64
			var payload string
			if err := rows.Scan(&id, &payload); err != nil {
				rows.Close()
				return err
			}
			a, err := decodeAlert(id, payload)
			if err != nil {
				rows.Close()
				return err
			}
			a.Destination = dest
			held = append(held, a)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		var made []model.Alert
		if len(held) > 0 {
			made = build(held)
		}
		for i, a := range made {
			a.Destination, a.Nonce = dest, ""
			// Parts share a publication time: queue order keeps them in order.
			ok, err := queueAlert(ctx, tx, "digest"+storySep+key+storySep+strconv.Itoa(i), a, now, now)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("digest %s part %d was already queued", key, i)
			}
			queued++
		}
		if len(made) > 0 {
			ids := make([]int64, len(held))
			for i, a := range held {
				ids[i] = a.ID
			}
			if _, err := tx.Exec(ctx, `UPDATE outbox SET state = 'sent', done_at = $1, last_error = $2 WHERE id = ANY($3) AND state = 'held'`,
				now.UnixMilli(), "in digest "+key, ids); err != nil {
				return err
			}
		}
		if next.Blank() {
			_, err = tx.Exec(ctx, `DELETE FROM chat_delivery WHERE destination = $1`, string(dest))
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE chat_delivery SET digest_next = $1, quiet_from = $2, quiet_until = $3 WHERE destination = $4`,
			ms(next.DigestNext), ms(next.QuietFrom), ms(next.QuietUntil), string(dest))
		return err
	})
	if err != nil {
		return 0, db.wrap(fmt.Errorf("store: combine held alerts of %s: %w", dest, err))
	}
	return queued, nil
}

// SetWatchMute mutes watch at dest until until; the zero time unmutes.
func (db *DB) SetWatchMute(ctx context.Context, dest model.Destination, watch string, until time.Time) error {
	if until.IsZero() {
		return db.exec(ctx, "unmute watch", `DELETE FROM watch_mutes WHERE destination = $1 AND watch = $2`, string(dest), watch)
	}
	return db.exec(ctx, "mute watch", `INSERT INTO watch_mutes (destination, watch, until) VALUES ($1, $2, $3)
		ON CONFLICT (destination, watch) DO UPDATE SET until = excluded.until`, string(dest), watch, until.UnixMilli())
}

// WatchMutes returns dest's watch mutes still in force, by watch name.
func (db *DB) WatchMutes(ctx context.Context, dest model.Destination) ([]model.WatchMute, error) {
	rows, err := db.pool.Query(ctx, `SELECT watch, until FROM watch_mutes WHERE destination = $1 AND until > $2 ORDER BY watch`,
		string(dest), db.now().UnixMilli())
	if err != nil {
		return nil, db.wrap(fmt.Errorf("store: watch mutes of %s: %w", dest, err))
	}
	defer rows.Close()
	var out []model.WatchMute
	for rows.Next() {
		m := model.WatchMute{Destination: dest}
		var until int64
		if err := rows.Scan(&m.Watch, &until); err != nil {
			return nil, db.wrap(fmt.Errorf("store: watch mutes of %s: %w", dest, err))
		}
		m.Until = fromMS(until)
		out = append(out, m)
	}
	return out, db.wrap(rows.Err())
}
