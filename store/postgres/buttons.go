package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/newshound/newshound/model"
)

// QueuedAlert returns the outbox row id in whatever state it is in (an
// alert's buttons name it long after it was sent).
func (db *DB) QueuedAlert(ctx context.Context, id int64) (model.OutboxRow, bool, error) {
	var r model.OutboxRow
	var dest, payload string
	var next, created int64
	err := db.pool.QueryRow(ctx, `SELECT id, destination, state, attempts, next_attempt, last_error, created_at, payload
		FROM outbox WHERE id = $1`, id).Scan(&r.ID, &dest, &r.State, &r.Attempts, &next, &r.LastError, &created, &payload)
	if errors.Is(err, pgx.ErrNoRows) {
		return model.OutboxRow{}, false, nil
	}
	if err != nil {
		return model.OutboxRow{}, false, db.wrap(fmt.Errorf("store: queued alert %d: %w", id, err))
	}
	r.Destination = model.Destination(dest)
	r.NextAttempt, r.CreatedAt = fromMS(next), fromMS(created)
	if r.Alert, err = decodeAlert(r.ID, payload); err != nil {
		return model.OutboxRow{}, false, err
	}
	r.Alert.Destination = r.Destination
	return r, true, nil
}
