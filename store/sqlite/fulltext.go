package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store/internal/cols"
)

// markPending records it as waiting for its article's text, inside Ingest's
// transaction.
func (db *DB) markPending(ctx context.Context, tx *sql.Tx, f model.FeedState, it model.NewItem, title int64, now time.Time) error {
	p := *it.Fulltext
	p.ID, p.FeedURL, p.Key, p.CreatedAt, p.Story = 0, f.URL, it.Key, time.Time{}, it.Story
	if p.Published.IsZero() {
		p.Published = it.Published
	}
	payload, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode pending text: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO pending_text (story, feed, item, title, published, payload, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (story) DO NOTHING`,
		f.URL+"\x00"+it.Key, cols.KeyHash(f.URL), cols.KeyHash(it.Key), title, ms(it.Published), string(payload), now.UnixMilli())
	if err != nil {
		return fmt.Errorf("mark %q pending: %w", it.Key, err)
	}
	return nil
}

// PendingTexts returns up to limit pending stories, oldest first, except those in skip.
func (db *DB) PendingTexts(ctx context.Context, limit int, skip []int64) ([]model.PendingText, error) {
	if limit <= 0 {
		limit = 100
	}
	q := `SELECT id, payload, created_at FROM pending_text`
	args := make([]any, 0, len(skip)+1)
	if len(skip) > 0 && len(skip) <= maxParams {
		q += ` WHERE id NOT IN (` + placeholders(len(skip)) + `)`
		for _, id := range skip {
			args = append(args, id)
		}
	}
	q += ` ORDER BY id LIMIT ?`
	args = append(args, limit+len(skip)) // when skip is too long to send, it is applied below
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: pending texts: %w", err)
	}
	defer rows.Close()
	skipped := make(map[int64]bool, len(skip))
	for _, id := range skip {
		skipped[id] = true
	}
	var out []model.PendingText
	for rows.Next() && len(out) < limit {
		var (
			id, created int64
			payload     string
		)
		if err := rows.Scan(&id, &payload, &created); err != nil {
			return nil, fmt.Errorf("store: pending texts: %w", err)
		}
		if skipped[id] {
			continue
		}
		var p model.PendingText
		if err := json.NewDecoder(strings.NewReader(payload)).Decode(&p); err != nil {
			return nil, fmt.Errorf("store: pending text %d: %w", id, err)
		}
		p.ID, p.CreatedAt = id, fromMS(created)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: pending texts: %w", err)
	}
	return out, nil
}

// CompleteText queues alerts for pending story id and clears its mark in
// one transaction; a second call for the same id does nothing.
func (db *DB) CompleteText(ctx context.Context, id int64, alerts []model.Alert, policy map[model.Destination]model.StoryPolicy, text string) (model.IngestResult, error) {
	var res model.IngestResult
	now := db.now()
	err := db.batch(ctx, func(tx *sql.Tx) (ferr error) {
		res = model.IngestResult{}
		var (
			story, payload    string
			feed, item, title int64
			published         int64
		)
		err := tx.QueryRowContext(ctx, `DELETE FROM pending_text WHERE id = ? RETURNING story, feed, item, title, published, payload`, id).
			Scan(&story, &feed, &item, &title, &published, &payload)
		if err == sql.ErrNoRows {
			return nil // completed already
		}
		if err != nil {
			return err
		}
		var p model.PendingText
		if err := json.Unmarshal([]byte(payload), &p); err != nil {
			return fmt.Errorf("pending text %d: %w", id, err)
		}
		var sent []model.Destination
		var queued []model.Alert
		defer func() {
			res.CountWatches(queued)
			if ferr == nil && p.Story != nil {
				// Recorded on every completion (an alert or none), as Ingest
				// records a story that needed no text.
				hist := db.historyStmts(ctx, tx)
				ferr = hist.record(ctx, model.FeedState{URL: p.FeedURL, Name: p.FeedName},
					model.NewItem{Key: p.Key, Story: p.Story.WithText(text), Alerts: alerts}, sent, now)
			}
		}()
		if len(alerts) == 0 {
			return nil
		}
		if title != 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE items SET title = ? WHERE feed = ? AND item = ?`, title, feed, item); err != nil {
				return fmt.Errorf("index title: %w", err)
			}
		}
		if p.Report != nil {
			rep := *p.Report
			rep.Policy = policy
			queued, err = db.storyAlerts(ctx, tx, story, &rep, p.NewOutlet, alerts, fromMS(published), now, &res)
			if err != nil {
				return err
			}
			for _, a := range queued {
				sent = append(sent, a.Destination)
			}
			return nil
		}
		queue := tx.StmtContext(ctx, db.stmts.queueAlert)
		for _, a := range alerts {
			ok, err := queueAlert(ctx, queue, story, a, fromMS(published), now)
			if err != nil {
				return err
			}
			if ok {
				sent = append(sent, a.Destination)
				queued = append(queued, a)
				res.AddQueued(a.Destination)
			}
		}
		return nil
	})
	if err != nil {
		return model.IngestResult{}, fmt.Errorf("store: complete text %d: %w", id, err)
	}
	return res, nil
}
