package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store/internal/cols"
)

// DueDestinations returns the destinations that have a pending alert due at
// now and are neither disabled nor muted.
func (db *DB) DueDestinations(ctx context.Context, now time.Time) ([]model.Destination, error) {
	rows, err := db.pool.Query(ctx, `SELECT DISTINCT o.destination FROM outbox o
		LEFT JOIN destinations d ON d.destination = o.destination
		WHERE o.state = 'pending' AND o.next_attempt <= $1
		  AND COALESCE(d.disabled_at, 0) = 0 AND COALESCE(d.muted_until, 0) <= $1`, now.UnixMilli())
	if err != nil {
		return nil, db.wrap(fmt.Errorf("store: due destinations: %w", err))
	}
	out, err := pgx.CollectRows(rows, scanDest)
	if err != nil {
		return nil, db.wrap(fmt.Errorf("store: due destinations: %w", err))
	}
	return out, nil
}

// scanDest scans a destination as a plain string: model.Destination's
// String method redacts, and must not be what the driver sees.
func scanDest(r pgx.CollectableRow) (model.Destination, error) {
	var s string
	err := r.Scan(&s)
	return model.Destination(s), err
}

// NextAlerts returns up to limit pending alerts for dest in delivery order
// (publication time, then queue order), stopping before the first one not
// yet due, so that a retried alert keeps its place ahead of later ones, and
// before a story's later alert whose first alert is in the batch
// (cols.Batch), so that it is read with its FirstRef once that was sent.
func (db *DB) NextAlerts(ctx context.Context, dest model.Destination, now time.Time, limit int) ([]model.Alert, error) {
	rows, err := db.pool.Query(ctx, `SELECT o.id, o.payload, o.next_attempt, o.attempts, o.story_id, o.kind, o.orig, o.rev,
		COALESCE(sa.outbox_id, 0) FROM outbox o
		LEFT JOIN story_alerts sa ON sa.story = o.story_id AND sa.destination = o.destination AND o.story_id != 0
		WHERE o.state = 'pending' AND o.destination = $1 ORDER BY o.published, o.id LIMIT $2`, string(dest), limit)
	if err != nil {
		return nil, db.wrap(fmt.Errorf("store: next alerts for %s: %w", dest, err))
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
			return nil, db.wrap(fmt.Errorf("store: next alerts for %s: %w", dest, err))
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
		return nil, db.wrap(fmt.Errorf("store: next alerts for %s: %w", dest, err))
	}
	rows.Close()
	for i, sr := range stories {
		if sr.story != 0 {
			if err := db.fillStory(ctx, &out[i], sr.story, sr.kind, sr.orig, sr.rev); err != nil {
				return nil, db.wrap(fmt.Errorf("store: next alerts for %s: %w", dest, err))
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
	return db.exec(ctx, "mark alert sent", `UPDATE outbox SET state = 'sent', done_at = $1, attempts = attempts + 1, last_error = ''
		WHERE id = $2`, db.now().UnixMilli(), id)
}

// Retry records a failed attempt and when to try again.
func (db *DB) Retry(ctx context.Context, id int64, at time.Time, reason string) error {
	return db.exec(ctx, "reschedule alert", `UPDATE outbox SET attempts = attempts + 1, next_attempt = $1, last_error = $2
		WHERE id = $3 AND state = 'pending'`, at.UnixMilli(), reason, id)
}

// Postpone moves an alert's next attempt without counting a failure (rate limits).
func (db *DB) Postpone(ctx context.Context, id int64, at time.Time, reason string) error {
	return db.exec(ctx, "postpone alert", `UPDATE outbox SET next_attempt = $1, last_error = $2
		WHERE id = $3 AND state = 'pending'`, at.UnixMilli(), reason, id)
}

// Park moves an alert to the dead-letter state with the reason.
func (db *DB) Park(ctx context.Context, id int64, reason string) error {
	return db.exec(ctx, "park alert", `UPDATE outbox SET state = 'parked', attempts = attempts + 1, last_error = $1, done_at = $2
		WHERE id = $3`, reason, db.now().UnixMilli(), id)
}

// ParkDestination parks every pending alert of dest (a destination that is gone).
func (db *DB) ParkDestination(ctx context.Context, dest model.Destination, reason string) error {
	return db.exec(ctx, "park destination", `UPDATE outbox SET state = 'parked', last_error = $1, done_at = $2
		WHERE destination = $3 AND state = 'pending'`, reason, db.now().UnixMilli(), string(dest))
}

// DisableDestination stops deliveries to dest until RetryParked re-queues its alerts.
func (db *DB) DisableDestination(ctx context.Context, dest model.Destination, reason string) error {
	return db.exec(ctx, "disable destination", `INSERT INTO destinations (destination, disabled_at, disabled_reason) VALUES ($1, $2, $3)
		ON CONFLICT (destination) DO UPDATE SET disabled_at = excluded.disabled_at, disabled_reason = excluded.disabled_reason`,
		string(dest), db.now().UnixMilli(), reason)
}

// DisabledDestinations maps each disabled destination to the reason.
func (db *DB) DisabledDestinations(ctx context.Context) (map[model.Destination]string, error) {
	rows, err := db.pool.Query(ctx, `SELECT destination, disabled_reason FROM destinations WHERE disabled_at <> 0`)
	if err != nil {
		return nil, db.wrap(fmt.Errorf("store: disabled destinations: %w", err))
	}
	defer rows.Close()
	out := make(map[model.Destination]string)
	for rows.Next() {
		var d, r string
		if err := rows.Scan(&d, &r); err != nil {
			return nil, db.wrap(fmt.Errorf("store: disabled destinations: %w", err))
		}
		out[model.Destination(d)] = r
	}
	return out, db.wrap(rows.Err())
}

// MoveDestination moves the undelivered alerts of from to to (a Telegram
// group upgraded to a supergroup): see store.Destinations.
func (db *DB) MoveDestination(ctx context.Context, from, to model.Destination) error {
	err := db.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, payload FROM outbox WHERE destination = $1 AND state IN ('pending', 'parked', 'held', 'waiting') FOR UPDATE`, string(from))
		if err != nil {
			return err
		}
		type moved struct {
			id      int64
			payload string
		}
		all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (moved, error) {
			var m moved
			err := r.Scan(&m.id, &m.payload)
			return m, err
		})
		if err != nil {
			return err
		}
		for _, m := range all {
			a, err := decodeAlert(m.id, m.payload)
			if err != nil {
				return err
			}
			a.Destination, a.ID = to, 0
			payload, _ := json.Marshal(a)
			if _, err := tx.Exec(ctx, `UPDATE outbox o SET destination = $1, payload = $2, `+cols.MovedState+`
				WHERE id = $3 AND NOT EXISTS (SELECT 1 FROM outbox t WHERE t.story = o.story AND t.destination = $1)`,
				string(to), string(payload), m.id); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM outbox WHERE id = $1 AND destination = $2`, m.id, string(from)); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO destinations (destination, muted_until)
			SELECT $1, muted_until FROM destinations WHERE destination = $2 AND muted_until > 0
			ON CONFLICT (destination) DO UPDATE SET muted_until = excluded.muted_until`, string(to), string(from)); err != nil {
			return err
		}
		// The held rows wait for a digest whose schedule is in the settings:
		// they move with them (the new id keeps its own if it has some).
		tag, err := tx.Exec(ctx, `INSERT INTO chat_delivery (`+deliveryCols+`)
			SELECT $1, `+cols.DeliverySettingColumns+` FROM chat_delivery WHERE destination = $2
			ON CONFLICT (destination) DO NOTHING`, string(to), string(from))
		if err != nil {
			return err
		}
		// Carried over, the settings are the chat's own at its new id,
		// which the config's destinations: section does not name.
		if tag.RowsAffected() > 0 {
			if _, err := tx.Exec(ctx, `UPDATE chat_delivery SET `+cols.ChosenWhenOn+` WHERE destination = $1`, string(to)); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO watch_mutes (destination, watch, until)
			SELECT $1, watch, until FROM watch_mutes WHERE destination = $2
			ON CONFLICT (destination, watch) DO NOTHING`, string(to), string(from)); err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM chat_delivery WHERE destination = $1`, `DELETE FROM watch_mutes WHERE destination = $1`} {
			if _, err := tx.Exec(ctx, q, string(from)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return db.wrap(fmt.Errorf("store: move %s to %s: %w", from, to, err))
	}
	return nil
}

// ListOutbox returns alerts in state ("pending", "parked" or "sent"; "" for
// pending and parked), for dest ("" for all), oldest first, at most limit.
func (db *DB) ListOutbox(ctx context.Context, state string, dest model.Destination, limit int) ([]model.OutboxRow, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := db.pool.Query(ctx, `SELECT id, destination, state, attempts, next_attempt, last_error, created_at, payload
		FROM outbox WHERE ($1 = '' AND state <> 'sent' OR state = $1) AND ($2 = '' OR destination = $2)
		ORDER BY id LIMIT $3`, state, string(dest), limit)
	if err != nil {
		return nil, db.wrap(fmt.Errorf("store: list outbox: %w", err))
	}
	defer rows.Close()
	var out []model.OutboxRow
	for rows.Next() {
		var r model.OutboxRow
		var next, created int64
		var d, payload string
		if err := rows.Scan(&r.ID, &d, &r.State, &r.Attempts, &next, &r.LastError, &created, &payload); err != nil {
			return nil, db.wrap(fmt.Errorf("store: list outbox: %w", err))
		}
		r.Destination = model.Destination(d)
		r.NextAttempt, r.CreatedAt = fromMS(next), fromMS(created)
		if r.Alert, err = decodeAlert(r.ID, payload); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, db.wrap(rows.Err())
}

// RetryParked re-queues the parked alert id (0: every parked alert) and
// re-enables the destinations concerned. Returns how many were re-queued.
func (db *DB) RetryParked(ctx context.Context, id int64) (int, error) {
	var n int64
	err := db.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE destinations SET disabled_at = 0, disabled_reason = ''
			WHERE destination IN (SELECT destination FROM outbox WHERE state = 'parked' AND ($1::bigint = 0 OR id = $1))`, id); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE outbox SET state = 'pending', next_attempt = 0, done_at = 0, attempts = 0
			WHERE state = 'parked' AND ($1::bigint = 0 OR id = $1)`, id)
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return 0, db.wrap(fmt.Errorf("store: retry parked alerts: %w", err))
	}
	return int(n), nil
}

// QueueStats counts waiting and parked alerts.
func (db *DB) QueueStats(ctx context.Context) (model.QueueStats, error) {
	var s model.QueueStats
	var oldest *int64
	err := db.pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM outbox WHERE state = 'pending'),
		(SELECT count(*) FROM outbox WHERE state = 'parked'),
		(SELECT min(created_at) FROM outbox WHERE state = 'pending')`).Scan(&s.Pending, &s.Parked, &oldest)
	if err != nil {
		return s, db.wrap(fmt.Errorf("store: queue stats: %w", err))
	}
	if oldest != nil {
		s.OldestPending = fromMS(*oldest)
	}
	return s, nil
}

// PruneSent forgets delivered alerts older than keep.
func (db *DB) PruneSent(ctx context.Context, keep time.Duration) error {
	return db.exec(ctx, "prune sent alerts", `DELETE FROM outbox WHERE state = 'sent' AND done_at < $1`, db.now().Add(-keep).UnixMilli())
}

// SetMute holds alerts for dest until the given time; the zero time unmutes.
func (db *DB) SetMute(ctx context.Context, dest model.Destination, until time.Time) error {
	return db.exec(ctx, "set mute", `INSERT INTO destinations (destination, muted_until) VALUES ($1, $2)
		ON CONFLICT (destination) DO UPDATE SET muted_until = excluded.muted_until`, string(dest), ms(until))
}

// MuteUntil returns when dest's mute ends (zero when not muted).
func (db *DB) MuteUntil(ctx context.Context, dest model.Destination) (time.Time, error) {
	var until int64
	err := db.pool.QueryRow(ctx, `SELECT muted_until FROM destinations WHERE destination = $1`, string(dest)).Scan(&until)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, db.wrap(fmt.Errorf("store: mute of %s: %w", dest, err))
	}
	if t := fromMS(until); t.After(db.now()) {
		return t, nil
	}
	return time.Time{}, nil
}

// QueueNotice queues a to every destination in dests as a notice of its
// own (not tied to a story), delivered, retried and parked like any alert.
func (db *DB) QueueNotice(ctx context.Context, dests []model.Destination, a model.Alert) error {
	now := db.now()
	story := "notice" + storySep + cols.NewNonce()
	err := db.tx(ctx, func(tx pgx.Tx) error {
		for _, d := range dests {
			a.Destination, a.Nonce = d, ""
			if _, err := queueAlert(ctx, tx, story, a, now, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return db.wrap(fmt.Errorf("store: queue notice: %w", err))
	}
	return nil
}
