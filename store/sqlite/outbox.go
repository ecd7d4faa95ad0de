package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store/internal/cols"
)

// DueDestinations returns the destinations that have a pending alert due at
// now and are neither disabled nor muted.
func (db *DB) DueDestinations(ctx context.Context, now time.Time) ([]model.Destination, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT DISTINCT o.destination FROM outbox o
		LEFT JOIN destinations d ON d.destination = o.destination
		WHERE o.state = 'pending' AND o.next_attempt <= ?
		  AND COALESCE(d.disabled_at, 0) = 0 AND COALESCE(d.muted_until, 0) <= ?`, now.UnixMilli(), now.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("store: due destinations: %w", err)
	}
	defer rows.Close()
	var out []model.Destination
	for rows.Next() {
		var d model.Destination
		if err := rows.Scan(&d); err != nil {
			return nil, fmt.Errorf("store: due destinations: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// NextAlerts returns up to limit pending alerts for dest in delivery order
// (publication time, then queue order), stopping before the first one not
// yet due, so that a retried alert keeps its place ahead of later ones, and
// before a story's later alert whose first alert is in the batch
// (cols.Batch), so that it is read with its FirstRef once that was sent.
func (db *DB) NextAlerts(ctx context.Context, dest model.Destination, now time.Time, limit int) ([]model.Alert, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT o.id, o.payload, o.next_attempt, o.attempts, o.story_id, o.kind, o.orig, o.rev,
		COALESCE(sa.outbox_id, 0) FROM outbox o
		LEFT JOIN story_alerts sa ON sa.story = o.story_id AND sa.destination = o.destination AND o.story_id != 0
		WHERE o.state = 'pending' AND o.destination = ? ORDER BY o.published, o.id LIMIT ?`, dest, limit)
	if err != nil {
		return nil, fmt.Errorf("store: next alerts for %s: %w", dest, err)
	}
	defer rows.Close()
	var out []model.Alert
	var stories []storyRow
	var batch cols.Batch
	for rows.Next() {
		var id, next, first int64
		var attempts int
		var payload string
		var sr storyRow
		if err := rows.Scan(&id, &payload, &next, &attempts, &sr.story, &sr.kind, &sr.orig, &sr.rev, &first); err != nil {
			return nil, fmt.Errorf("store: next alerts for %s: %w", dest, err)
		}
		if next > now.UnixMilli() || batch.WaitsForFirst(id, first, sr.kind) {
			break
		}
		batch.Add(id)
		a, err := decodeAlert(id, payload)
		if err != nil {
			return nil, err
		}
		a.Attempts = attempts
		out = append(out, a)
		stories = append(stories, sr)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: next alerts for %s: %w", dest, err)
	}
	rows.Close()
	for i, sr := range stories {
		if sr.story != 0 {
			if err := db.fillStory(ctx, &out[i], sr.story, sr.kind, sr.orig, sr.rev); err != nil {
				return nil, fmt.Errorf("store: next alerts for %s: %w", dest, err)
			}
		}
	}
	return out, nil
}

// storyRow is what NextAlerts reads of a row's story, for fillStory.
type storyRow struct {
	story     int64
	kind      string
	orig, rev int64
}

func decodeAlert(id int64, payload string) (model.Alert, error) {
	var a model.Alert
	if err := json.Unmarshal([]byte(payload), &a); err != nil {
		return a, fmt.Errorf("store: outbox row %d: bad payload: %w", id, err)
	}
	a.ID = id
	return a, nil
}

// MarkSent records a delivered alert.
func (db *DB) MarkSent(ctx context.Context, id int64) error {
	return db.exec(ctx, "mark alert sent", `UPDATE outbox SET state = 'sent', done_at = ?, attempts = attempts + 1, last_error = ''
		WHERE id = ?`, db.now().UnixMilli(), id)
}

// Retry records a failed attempt and when to try again.
func (db *DB) Retry(ctx context.Context, id int64, at time.Time, reason string) error {
	return db.exec(ctx, "reschedule alert", `UPDATE outbox SET attempts = attempts + 1, next_attempt = ?, last_error = ?
		WHERE id = ? AND state = 'pending'`, at.UnixMilli(), reason, id)
}

// Postpone moves an alert's next attempt without counting a failure (rate limits).
func (db *DB) Postpone(ctx context.Context, id int64, at time.Time, reason string) error {
	return db.exec(ctx, "postpone alert", `UPDATE outbox SET next_attempt = ?, last_error = ?
		WHERE id = ? AND state = 'pending'`, at.UnixMilli(), reason, id)
}

// Park moves an alert to the dead-letter state with the reason.
func (db *DB) Park(ctx context.Context, id int64, reason string) error {
	return db.exec(ctx, "park alert", `UPDATE outbox SET state = 'parked', attempts = attempts + 1, last_error = ?, done_at = ?
		WHERE id = ?`, reason, db.now().UnixMilli(), id)
}

// ParkDestination parks every pending alert of dest (a destination that is gone).
func (db *DB) ParkDestination(ctx context.Context, dest model.Destination, reason string) error {
	return db.exec(ctx, "park destination", `UPDATE outbox SET state = 'parked', last_error = ?, done_at = ?
		WHERE destination = ? AND state = 'pending'`, reason, db.now().UnixMilli(), dest)
}

// DisableDestination stops deliveries to dest until RetryParked re-queues its alerts.
func (db *DB) DisableDestination(ctx context.Context, dest model.Destination, reason string) error {
	return db.exec(ctx, "disable destination", `INSERT INTO destinations (destination, disabled_at, disabled_reason) VALUES (?, ?, ?)
		ON CONFLICT (destination) DO UPDATE SET disabled_at = excluded.disabled_at, disabled_reason = excluded.disabled_reason`,
		dest, db.now().UnixMilli(), reason)
}

// DisabledDestinations maps each disabled destination to the reason.
func (db *DB) DisabledDestinations(ctx context.Context) (map[model.Destination]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT destination, disabled_reason FROM destinations WHERE disabled_at != 0`)
	if err != nil {
		return nil, fmt.Errorf("store: disabled destinations: %w", err)
	}
	defer rows.Close()
	out := make(map[model.Destination]string)
	for rows.Next() {
		var d model.Destination
		var r string
		if err := rows.Scan(&d, &r); err != nil {
			return nil, fmt.Errorf("store: disabled destinations: %w", err)
		}
		out[d] = r
	}
	return out, rows.Err()
}

// MoveDestination moves the undelivered alerts of from to to (a Telegram
// group upgraded to a supergroup): see store.Destinations.
func (db *DB) MoveDestination(ctx context.Context, from, to model.Destination) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, payload FROM outbox WHERE destination = ? AND state IN ('pending', 'parked', 'held', 'waiting')`, from)
		if err != nil {
			return err
		}
		type moved struct {
			id      int64
			payload string
		}
		var all []moved
		for rows.Next() {
			var m moved
			if err := rows.Scan(&m.id, &m.payload); err != nil {
				rows.Close()
				return err
			}
			all = append(all, m)
		}
		rows.Close()
		for _, m := range all {
			a, err := decodeAlert(m.id, m.payload)
			if err != nil {
				return err
			}
			a.Destination, a.ID = to, 0
			payload, _ := json.Marshal(a)
			// A story already queued for the new id keeps that row; drop ours.
			if _, err := tx.ExecContext(ctx, `UPDATE OR IGNORE outbox SET destination = ?, payload = ?, `+cols.MovedState+`
				WHERE id = ?`, to, string(payload), m.id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE id = ? AND destination = ?`, m.id, from); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO destinations (destination, muted_until)
			SELECT ?, muted_until FROM destinations WHERE destination = ? AND muted_until > 0
			ON CONFLICT (destination) DO UPDATE SET muted_until = excluded.muted_until`, to, from); err != nil {
			return err
		}
		// The held rows wait for a digest whose schedule is in the settings:
		// they move with them (the new id keeps its own if it has some).
		res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO chat_delivery (`+deliveryCols+`)
			SELECT ?, `+cols.DeliverySettingColumns+` FROM chat_delivery WHERE destination = ?`, to, from)
		if err != nil {
			return err
		}
		// Carried over, the settings are the chat's own at its new id,
		// which the config's destinations: section does not name.
		if n, _ := res.RowsAffected(); n > 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE chat_delivery SET `+cols.ChosenWhenOn+` WHERE destination = ?`, to); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO watch_mutes (destination, watch, until)
			SELECT ?, watch, until FROM watch_mutes WHERE destination = ?`, to, from); err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM chat_delivery WHERE destination = ?`, `DELETE FROM watch_mutes WHERE destination = ?`} {
			if _, err := tx.ExecContext(ctx, q, from); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: move %s to %s: %w", from, to, err)
	}
	return nil
}

// ListOutbox returns alerts in state ("pending", "parked" or "sent"; "" for
// pending and parked), for dest ("" for all), oldest first, at most limit.
func (db *DB) ListOutbox(ctx context.Context, state string, dest model.Destination, limit int) ([]model.OutboxRow, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := db.r.QueryContext(ctx, `SELECT id, destination, state, attempts, next_attempt, last_error, created_at, payload
		FROM outbox WHERE (? = '' AND state != 'sent' OR state = ?) AND (? = '' OR destination = ?)
		ORDER BY id LIMIT ?`, state, state, dest, dest, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list outbox: %w", err)
	}
	defer rows.Close()
	var out []model.OutboxRow
	for rows.Next() {
		var r model.OutboxRow
		var next, created int64
		var payload string
		if err := rows.Scan(&r.ID, &r.Destination, &r.State, &r.Attempts, &next, &r.LastError, &created, &payload); err != nil {
			return nil, fmt.Errorf("store: list outbox: %w", err)
		}
		r.NextAttempt, r.CreatedAt = fromMS(next), fromMS(created)
		if r.Alert, err = decodeAlert(r.ID, payload); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RetryParked re-queues the parked alert id (0: every parked alert) and
// re-enables the destinations concerned. Returns how many were re-queued.
func (db *DB) RetryParked(ctx context.Context, id int64) (int, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE destinations SET disabled_at = 0, disabled_reason = ''
			WHERE destination IN (SELECT destination FROM outbox WHERE state = 'parked' AND (? = 0 OR id = ?))`, id, id); err != nil {
			return err
		}
		r, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'pending', next_attempt = 0, done_at = 0, attempts = 0
			WHERE state = 'parked' AND (? = 0 OR id = ?)`, id, id)
		if err != nil {
			return err
		}
		n, err = r.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: retry parked alerts: %w", err)
	}
	return int(n), nil
}

// QueueStats counts waiting and parked alerts.
func (db *DB) QueueStats(ctx context.Context) (model.QueueStats, error) {
	var s model.QueueStats
	var oldest sql.NullInt64
	err := db.r.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM outbox WHERE state = 'pending'),
		(SELECT count(*) FROM outbox WHERE state = 'parked'),
		(SELECT min(created_at) FROM outbox WHERE state = 'pending')`).Scan(&s.Pending, &s.Parked, &oldest)
	if err != nil {
		return s, fmt.Errorf("store: queue stats: %w", err)
	}
	s.OldestPending = fromMS(oldest.Int64)
	return s, nil
}

// PruneSent forgets delivered alerts older than keep.
func (db *DB) PruneSent(ctx context.Context, keep time.Duration) error {
	return db.exec(ctx, "prune sent alerts", `DELETE FROM outbox WHERE state = 'sent' AND done_at < ?`, db.now().Add(-keep).UnixMilli())
}

// SetMute holds alerts for dest until the given time; the zero time unmutes.
func (db *DB) SetMute(ctx context.Context, dest model.Destination, until time.Time) error {
	return db.exec(ctx, "set mute", `INSERT INTO destinations (destination, muted_until) VALUES (?, ?)
		ON CONFLICT (destination) DO UPDATE SET muted_until = excluded.muted_until`, dest, ms(until))
}

// MuteUntil returns when dest's mute ends (zero when not muted).
func (db *DB) MuteUntil(ctx context.Context, dest model.Destination) (time.Time, error) {
	var until int64
	err := db.r.QueryRowContext(ctx, `SELECT muted_until FROM destinations WHERE destination = ?`, dest).Scan(&until)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("store: mute of %s: %w", dest, err)
	}
	if t := fromMS(until); t.After(db.now()) {
		return t, nil
	}
	return time.Time{}, nil
}

func (db *DB) exec(ctx context.Context, what, query string, args ...any) error {
	if _, err := db.w.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return nil
}

// QueueNotice queues a to every destination in dests as a notice of its
// own (not tied to a story), so that it is delivered, retried and parked
// like any alert.
func (db *DB) QueueNotice(ctx context.Context, dests []model.Destination, a model.Alert) error {
	now := db.now()
	story := "notice\x00" + cols.NewNonce()
	return db.tx(ctx, func(tx *sql.Tx) error {
		stmt := tx.StmtContext(ctx, db.stmts.queueAlert)
		for _, d := range dests {
			a.Destination, a.Nonce = d, ""
			if _, err := queueAlert(ctx, stmt, story, a, now, now); err != nil {
				return fmt.Errorf("store: queue notice: %w", err)
			}
		}
		return nil
	})
}
