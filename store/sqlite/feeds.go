package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/newshound/newshound/model"
)

const feedColumns = `url, name, etag, last_modified, body_hash, initialized, last_poll, last_success,
	last_parsed, last_error, last_error_at, failing_since, failures, next_poll, gone, moved_to, notified_at`

func scanFeed(row interface{ Scan(...any) error }) (model.FeedState, error) {
	var f model.FeedState
	var lastPoll, lastSuccess, lastParsed, lastErrorAt, failingSince, nextPoll, notifiedAt int64
	err := row.Scan(&f.URL, &f.Name, &f.ETag, &f.LastModified, &f.BodyHash, &f.Initialized,
		&lastPoll, &lastSuccess, &lastParsed, &f.LastError, &lastErrorAt, &failingSince,
		&f.Failures, &nextPoll, &f.Gone, &f.MovedTo, &notifiedAt)
	f.LastPoll, f.LastSuccess, f.LastParsed = fromMS(lastPoll), fromMS(lastSuccess), fromMS(lastParsed)
	f.LastErrorAt, f.FailingSince, f.NextPoll = fromMS(lastErrorAt), fromMS(failingSince), fromMS(nextPoll)
	f.NotifiedAt = fromMS(notifiedAt)
	return f, err
}

// FeedState returns the state of the feed at url; ok is false for a feed
// never polled.
func (db *DB) FeedState(ctx context.Context, url string) (f model.FeedState, ok bool, err error) {
	f, err = scanFeed(db.r.QueryRowContext(ctx, `SELECT `+feedColumns+` FROM feeds WHERE url = ?`, url))
	if errors.Is(err, sql.ErrNoRows) {
		return model.FeedState{URL: url}, false, nil
	}
	if err != nil {
		return f, false, fmt.Errorf("store: feed state %s: %w", url, err)
	}
	return f, true, nil
}

// FeedStates returns the state of every feed ever polled, by URL.
func (db *DB) FeedStates(ctx context.Context) ([]model.FeedState, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+feedColumns+` FROM feeds ORDER BY url`)
	if err != nil {
		return nil, fmt.Errorf("store: feed states: %w", err)
	}
	defer rows.Close()
	var out []model.FeedState
	for rows.Next() {
		f, err := scanFeed(rows)
		if err != nil {
			return nil, fmt.Errorf("store: feed states: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// FeedStatesDue returns the states of the feeds due at now and not gone,
// the longest overdue first, at most limit (<= 0: all); feeds_due is its index.
func (db *DB) FeedStatesDue(ctx context.Context, now time.Time, limit int) ([]model.FeedState, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+feedColumns+` FROM feeds
		WHERE next_poll <= ? AND gone = 0 ORDER BY next_poll, url LIMIT ?`, ms(now), limit)
	if err != nil {
		return nil, fmt.Errorf("store: feed states due: %w", err)
	}
	defer rows.Close()
	var out []model.FeedState
	for rows.Next() {
		f, err := scanFeed(rows)
		if err != nil {
			return nil, fmt.Errorf("store: feed states due: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// SaveFeedState writes the state of one feed. Concurrent calls share a
// commit (a cycle of 304s is thousands of them).
func (db *DB) SaveFeedState(ctx context.Context, f model.FeedState) error {
	return db.batch(ctx, func(tx *sql.Tx) error { return db.saveFeed(ctx, tx, f) })
}

// saveFeed upserts f inside tx with the prepared saveFeedSQL.
func (db *DB) saveFeed(ctx context.Context, tx *sql.Tx, f model.FeedState) error {
	_, err := tx.StmtContext(ctx, db.stmts.saveFeed).ExecContext(ctx,
		f.URL, f.Name, f.ETag, f.LastModified, f.BodyHash, f.Initialized, ms(f.LastPoll), ms(f.LastSuccess),
		ms(f.LastParsed), f.LastError, ms(f.LastErrorAt), ms(f.FailingSince), f.Failures, ms(f.NextPoll),
		f.Gone, f.MovedTo, ms(f.NotifiedAt))
	if err != nil {
		return fmt.Errorf("store: save feed state %s: %w", f.URL, err)
	}
	return nil
}

// saveFeedSQL upserts one feed's state.
const saveFeedSQL = `INSERT INTO feeds (` + feedColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (url) DO UPDATE SET name = excluded.name, etag = excluded.etag,
			last_modified = excluded.last_modified, body_hash = excluded.body_hash,
			initialized = excluded.initialized, last_poll = excluded.last_poll,
			last_success = excluded.last_success, last_parsed = excluded.last_parsed,
			last_error = excluded.last_error, last_error_at = excluded.last_error_at,
			failing_since = excluded.failing_since, failures = excluded.failures,
			next_poll = excluded.next_poll, gone = excluded.gone, moved_to = excluded.moved_to,
			notified_at = excluded.notified_at`
