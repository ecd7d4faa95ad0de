package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store/internal/cols"
)

// The hold itself is two triggers in migrations/0005_chats.sql: it must
// run in the transaction that queues an alert, and Ingest's hot insert
// stays one prepared statement.

const deliveryCols = cols.DeliveryColumns

func scanDelivery(sc interface{ Scan(...any) error }) (model.Delivery, error) {
	var r cols.Delivery
	if err := sc.Scan(r.Dests()...); err != nil {
		return model.Delivery{}, err
	}
	return r.Settings(), nil
}

func deliveryArgs(d model.Delivery) []any { return cols.DeliveryOf(d).Args() }

// Delivery returns dest's settings, zero (with Destination) when it has none.
func (db *DB) Delivery(ctx context.Context, dest model.Destination) (model.Delivery, error) {
	d, err := scanDelivery(db.r.QueryRowContext(ctx, `SELECT `+deliveryCols+` FROM chat_delivery WHERE destination = ?`, dest))
	if errors.Is(err, sql.ErrNoRows) {
		return model.Delivery{Destination: dest}, nil
	}
	if err != nil {
		return d, fmt.Errorf("store: delivery settings of %s: %w", dest, err)
	}
	return d, nil
}

// SetDelivery stores d; Blank settings remove the row.
func (db *DB) SetDelivery(ctx context.Context, d model.Delivery) error {
	if d.Blank() {
		return db.exec(ctx, "clear delivery settings", `DELETE FROM chat_delivery WHERE destination = ?`, d.Destination)
	}
	return db.exec(ctx, "set delivery settings", `INSERT OR REPLACE INTO chat_delivery (`+deliveryCols+`)
		VALUES (`+cols.DeliveryPlaceholders(0)+`)`, deliveryArgs(d)...)
}

// Deliveries returns every destination's stored settings, by destination.
func (db *DB) Deliveries(ctx context.Context) ([]model.Delivery, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+deliveryCols+` FROM chat_delivery ORDER BY destination`)
	if err != nil {
		return nil, fmt.Errorf("store: delivery settings: %w", err)
	}
	defer rows.Close()
	var out []model.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("store: delivery settings: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DigestCandidates returns the settings of the destinations that may need
// CombineHeld at now.
func (db *DB) DigestCandidates(ctx context.Context, now time.Time) ([]model.Delivery, error) {
	t := now.UnixMilli()
	rows, err := db.r.QueryContext(ctx, `SELECT `+deliveryCols+` FROM chat_delivery
		WHERE (digest_next > 0 AND digest_next <= ?) OR (quiet_until > 0 AND quiet_until <= ?)
		   OR destination IN (SELECT destination FROM outbox WHERE state = 'held')
		UNION ALL
		SELECT DISTINCT destination, -1, '', 0, -1, -1, '', 0, 0, 0, 0, 0 FROM outbox
		WHERE state = 'held' AND destination NOT IN (SELECT destination FROM chat_delivery)
		ORDER BY destination`, t, t)
	if err != nil {
		return nil, fmt.Errorf("store: digest candidates: %w", err)
	}
	defer rows.Close()
	var out []model.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("store: digest candidates: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// CombineHeld turns dest's held alerts into what build makes of them, in
// one transaction with the schedule's move from prev to next.
func (db *DB) CombineHeld(ctx context.Context, dest model.Destination, key string, prev, next model.Delivery, build func([]model.Alert) []model.Alert) (int, error) {
	queued := 0
	err := db.tx(ctx, func(tx *sql.Tx) error {
		now := db.now()
		// A command, or another daemon sharing the store, moved the
		// schedule since prev was read: do nothing, the caller reads again.
		cur, err := scanDelivery(tx.QueryRowContext(ctx, `SELECT `+deliveryCols+` FROM chat_delivery WHERE destination = ?`, dest))
		if errors.Is(err, sql.ErrNoRows) {
			cur, err = model.Delivery{Destination: dest}, nil
		}
		if err != nil {
			return err
		}
		if !cur.DigestNext.Equal(prev.DigestNext) || !cur.QuietFrom.Equal(prev.QuietFrom) || !cur.QuietUntil.Equal(prev.QuietUntil) {
			return nil
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, payload FROM outbox WHERE destination = ? AND state = 'held' ORDER BY id`, dest)
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
		stmt := tx.StmtContext(ctx, db.stmts.queueAlert)
		for i, a := range made {
			a.Destination, a.Nonce = dest, ""
			// Parts share a publication time: queue order keeps them in order.
			ok, err := queueAlert(ctx, stmt, "digest\x00"+key+"\x00"+strconv.Itoa(i), a, now, now)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("digest %s part %d was already queued", key, i)
			}
			queued++
		}
		for _, a := range held {
			if len(made) == 0 {
				break // nothing made of them: they stay held
			}
			if _, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'sent', done_at = ?, last_error = ? WHERE id = ? AND state = 'held'`,
				now.UnixMilli(), "in digest "+key, a.ID); err != nil {
				return err
			}
		}
		if next.Blank() {
			_, err = tx.ExecContext(ctx, `DELETE FROM chat_delivery WHERE destination = ?`, dest)
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE chat_delivery SET digest_next = ?, quiet_from = ?, quiet_until = ? WHERE destination = ?`,
			ms(next.DigestNext), ms(next.QuietFrom), ms(next.QuietUntil), dest)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: combine held alerts of %s: %w", dest, err)
	}
	return queued, nil
}

// SetWatchMute mutes watch at dest until until; the zero time unmutes.
func (db *DB) SetWatchMute(ctx context.Context, dest model.Destination, watch string, until time.Time) error {
	if until.IsZero() {
		return db.exec(ctx, "unmute watch", `DELETE FROM watch_mutes WHERE destination = ? AND watch = ?`, dest, watch)
	}
	return db.exec(ctx, "mute watch", `INSERT OR REPLACE INTO watch_mutes (destination, watch, until) VALUES (?, ?, ?)`, dest, watch, until.UnixMilli())
}

// WatchMutes returns dest's watch mutes still in force, by watch name.
func (db *DB) WatchMutes(ctx context.Context, dest model.Destination) ([]model.WatchMute, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT watch, until FROM watch_mutes WHERE destination = ? AND until > ? ORDER BY watch`, dest, db.now().UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("store: watch mutes of %s: %w", dest, err)
	}
	defer rows.Close()
	var out []model.WatchMute
	for rows.Next() {
		m := model.WatchMute{Destination: dest}
		var until int64
		if err := rows.Scan(&m.Watch, &until); err != nil {
			return nil, fmt.Errorf("store: watch mutes of %s: %w", dest, err)
		}
		m.Until = fromMS(until)
		out = append(out, m)
	}
	return out, rows.Err()
}
