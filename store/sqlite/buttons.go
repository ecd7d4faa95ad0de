package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/newshound/newshound/model"
)

// QueuedAlert returns outbox row id in any state; ok is false when there is none.
func (db *DB) QueuedAlert(ctx context.Context, id int64) (model.OutboxRow, bool, error) {
	var r model.OutboxRow
	var next, created int64
	var payload string
	err := db.r.QueryRowContext(ctx, `SELECT id, destination, state, attempts, next_attempt, last_error, created_at, payload
		FROM outbox WHERE id = ?`, id).Scan(&r.ID, &r.Destination, &r.State, &r.Attempts, &next, &r.LastError, &created, &payload)
	if errors.Is(err, sql.ErrNoRows) {
		return model.OutboxRow{}, false, nil
	}
	if err != nil {
		return model.OutboxRow{}, false, fmt.Errorf("store: queued alert %d: %w", id, err)
	}
	r.NextAttempt, r.CreatedAt = fromMS(next), fromMS(created)
	if r.Alert, err = decodeAlert(r.ID, payload); err != nil {
		return model.OutboxRow{}, false, err
	}
	return r, true, nil
}
