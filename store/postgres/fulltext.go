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

// markPending records it as waiting for its article's text, inside
// Ingest's transaction.
func markPending(ctx context.Context, tx pgx.Tx, f model.FeedState, it model.NewItem, title int64, now time.Time) error {
	p := *it.Fulltext
	p.ID, p.FeedURL, p.Key, p.CreatedAt, p.Story = 0, f.URL, it.Key, time.Time{}, it.Story
	if p.Published.IsZero() {
		p.Published = it.Published
	}
	payload, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode pending text: %w", err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO pending_text (story, feed, item, title, published, payload, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (story) DO NOTHING`,
		f.URL+storySep+it.Key, cols.KeyHash(f.URL), cols.KeyHash(it.Key), title, ms(it.Published), noNUL(string(payload)), now.UnixMilli())
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
	if skip == nil {
		skip = []int64{}
	}
	rows, err := db.pool.Query(ctx, `SELECT id, payload, created_at FROM pending_text
		WHERE NOT (id = ANY($1)) ORDER BY id LIMIT $2`, skip, limit)
	if err != nil {
		return nil, db.wrap(fmt.Errorf("store: pending texts: %w", err))
	}
	defer rows.Close()
	var out []model.PendingText
	for rows.Next() {
		var id, created int64
		var payload string
		if err := rows.Scan(&id, &payload, &created); err != nil {
			return nil, db.wrap(fmt.Errorf("store: pending texts: %w", err))
		}
		var p model.PendingText
		if err := json.Unmarshal([]byte(payload), &p); err != nil {
			return nil, fmt.Errorf("store: pending text %d: %w", id, err)
		}
		p.ID, p.CreatedAt = id, fromMS(created)
		out = append(out, p)
	}
	return out, db.wrap(rows.Err())
}

// CompleteText queues alerts for pending story id and clears its mark in
// one transaction; a second call for the same id (here or on another
// replica: the DELETE decides) does nothing.
func (db *DB) CompleteText(ctx context.Context, id int64, alerts []model.Alert, policy map[model.Destination]model.StoryPolicy, text string) (model.IngestResult, error) {
	var res model.IngestResult
	now := db.now()
	err := db.tx(ctx, func(tx pgx.Tx) error {
		res = model.IngestResult{}
		var (
			story, payload    string
			feed, item, title int64
			published         int64
		)
		err := tx.QueryRow(ctx, `DELETE FROM pending_text WHERE id = $1 RETURNING story, feed, item, title, published, payload`, id).
			Scan(&story, &feed, &item, &title, &published, &payload)
		if errors.Is(err, pgx.ErrNoRows) {
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
		defer func() { res.CountWatches(queued) }()
		if len(alerts) > 0 {
			if title != 0 {
				if _, err := tx.Exec(ctx, `UPDATE items SET title = $1 WHERE feed = $2 AND item = $3`, title, feed, item); err != nil {
					return fmt.Errorf("index title: %w", err)
				}
			}
			if p.Report != nil {
				rep := *p.Report
				rep.Policy = policy
				if err := lockStories(ctx, tx, []int64{rep.ID}); err != nil {
					return err
				}
				if queued, err = db.storyAlerts(ctx, tx, story, &rep, p.NewOutlet, alerts, fromMS(published), now, &res); err != nil {
					return err
				}
				for _, a := range queued {
					sent = append(sent, a.Destination)
				}
			} else {
				for _, a := range alerts {
					ok, err := queueAlert(ctx, tx, story, a, fromMS(published), now)
					if err != nil {
						return err
					}
					if ok {
						sent = append(sent, a.Destination)
						queued = append(queued, a)
						res.AddQueued(a.Destination)
					}
				}
			}
		}
		if p.Story != nil {
			// Recorded on every completion, as Ingest records a story that
			// needed no text.
			return recordStory(ctx, tx, model.FeedState{URL: p.FeedURL, Name: p.FeedName},
				model.NewItem{Key: p.Key, Story: p.Story.WithText(text), Alerts: alerts}, sent, now)
		}
		return nil
	})
	if err != nil {
		return model.IngestResult{}, db.wrap(fmt.Errorf("store: complete text %d: %w", id, err))
	}
	return res, nil
}
