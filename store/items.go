package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/newshound/newshound/notify"
)

// TitleWindow is how long a normalised title keeps deduplicating stories
// across feeds: the same headline a week later is probably a new story.
const TitleWindow = 72 * time.Hour

// maxParams bounds the variables in one statement (SQLite's default limit is 32766).
const maxParams = 500

// SeenKeys returns the subset of keys already recorded for the feed.
func (db *DB) SeenKeys(ctx context.Context, feedURL string, keys []string) (map[string]bool, error) {
	seen := make(map[string]bool)
	for len(keys) > 0 {
		n := min(len(keys), maxParams)
		args := make([]any, 0, n+1)
		args = append(args, feedURL)
		for _, k := range keys[:n] {
			args = append(args, k)
		}
		rows, err := db.r.QueryContext(ctx, `SELECT item_key FROM items WHERE feed_url = ? AND item_key IN (`+placeholders(n)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: seen keys of %s: %w", feedURL, err)
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: seen keys of %s: %w", feedURL, err)
			}
			seen[k] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store: seen keys of %s: %w", feedURL, err)
		}
		keys = keys[n:]
	}
	return seen, nil
}

// NewItem is an item not yet recorded, with the alerts it should raise.
type NewItem struct {
	Key       string // dedup key within the feed
	LinkKey   string // canonical link, for cross-feed dedup ("" if none)
	TitleKey  string // normalised title, for cross-feed dedup ("" if none)
	Published time.Time
	// Alerts to queue, one per destination; empty to remember the item only.
	Alerts []notify.Alert
}

// IngestResult says what Ingest did.
type IngestResult struct {
	New        int // items recorded for the first time
	Duplicates int // of those, stories already known under another key (no alerts)
	Queued     int // alert rows queued
}

// Ingest records one successful parse of feed f in a single transaction:
// it saves f, marks the keys still present in the feed (so pruning keeps
// them), records each new item with its dedup keys and queues its alerts.
// An item whose key is already recorded is skipped; an item whose canonical
// link, or normalised title within TitleWindow, is already recorded under
// another key (GUID change, same story in another feed) is remembered without
// alerts. Either the whole parse is recorded with its alerts, or nothing is.
// f.LastParsed is set to the store's clock.
func (db *DB) Ingest(ctx context.Context, f FeedState, present []string, items []NewItem) (IngestResult, error) {
	var res IngestResult
	now := db.now()
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res = IngestResult{}
		f.LastParsed = now
		if err := saveFeed(ctx, tx, f); err != nil {
			return err
		}
		for keys := present; len(keys) > 0; {
			n := min(len(keys), maxParams)
			args := []any{now.UnixMilli(), f.URL}
			for _, k := range keys[:n] {
				args = append(args, k)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE items SET last_seen = ? WHERE feed_url = ? AND item_key IN (`+placeholders(n)+`)`, args...); err != nil {
				return fmt.Errorf("mark present: %w", err)
			}
			keys = keys[n:]
		}
		for _, it := range items {
			inserted, dup, err := insertItem(ctx, tx, f.URL, it, now)
			if err != nil {
				return err
			}
			if !inserted {
				continue
			}
			res.New++
			if dup {
				res.Duplicates++
				continue
			}
			for _, a := range it.Alerts {
				ok, err := queueAlert(ctx, tx, f.URL+"\x00"+it.Key, a, it.Published, now)
				if err != nil {
					return err
				}
				if ok {
					res.Queued++
				}
			}
		}
		return nil
	})
	if err != nil {
		return IngestResult{}, fmt.Errorf("store: ingest %s: %w", f.URL, err)
	}
	return res, nil
}

// insertItem records it unless its key is known; dup reports a story already
// known under another key.
func insertItem(ctx context.Context, tx *sql.Tx, feedURL string, it NewItem, now time.Time) (inserted, dup bool, err error) {
	if it.LinkKey != "" {
		dup, err = exists(ctx, tx, `SELECT 1 FROM items WHERE link_key = ? LIMIT 1`, it.LinkKey)
		if err != nil {
			return false, false, err
		}
	}
	if !dup && it.TitleKey != "" {
		dup, err = exists(ctx, tx, `SELECT 1 FROM items WHERE title_key = ? AND first_seen >= ? LIMIT 1`,
			it.TitleKey, now.Add(-TitleWindow).UnixMilli())
		if err != nil {
			return false, false, err
		}
	}
	r, err := tx.ExecContext(ctx, `INSERT INTO items (feed_url, item_key, link_key, title_key, published, first_seen, last_seen)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		feedURL, it.Key, it.LinkKey, it.TitleKey, ms(it.Published), now.UnixMilli(), now.UnixMilli())
	if err != nil {
		return false, false, fmt.Errorf("record item %q: %w", it.Key, err)
	}
	n, err := r.RowsAffected()
	if err != nil {
		return false, false, err
	}
	return n == 1, dup, nil
}

func exists(ctx context.Context, tx *sql.Tx, query string, args ...any) (bool, error) {
	var one int
	err := tx.QueryRowContext(ctx, query, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("dedup lookup: %w", err)
	}
	return true, nil
}

// queueAlert inserts one outbox row; false when the story was already queued
// for that destination.
func queueAlert(ctx context.Context, tx *sql.Tx, story string, a notify.Alert, published, now time.Time) (bool, error) {
	if a.Nonce == "" {
		a.Nonce = newNonce()
	}
	a.ID = 0
	payload, err := json.Marshal(a)
	if err != nil {
		return false, fmt.Errorf("encode alert: %w", err)
	}
	order := published
	if order.IsZero() || order.After(now) {
		order = now
	}
	r, err := tx.ExecContext(ctx, `INSERT INTO outbox (story, destination, payload, nonce, published, created_at, next_attempt)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (story, destination) DO NOTHING`,
		story, a.Destination, string(payload), a.Nonce, order.UnixMilli(), now.UnixMilli(), now.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("queue alert for %s: %w", a.Destination, err)
	}
	n, err := r.RowsAffected()
	return n == 1, err
}

// newNonce returns 20 random hex digits: unique per alert row, and short
// enough for Discord's 25-character nonce.
func newNonce() string {
	var b [10]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// PruneItems forgets items that left their feed more than keep ago. An item
// still listed by its feed is never forgotten, however old: last_seen is
// refreshed at every parse, and an item is only a candidate once a later
// parse no longer listed it. Returns the number of items forgotten.
func (db *DB) PruneItems(ctx context.Context, keep time.Duration) (int64, error) {
	cutoff := db.now().Add(-keep).UnixMilli()
	r, err := db.w.ExecContext(ctx, `DELETE FROM items WHERE last_seen < ?
		AND last_seen < (SELECT last_parsed FROM feeds WHERE feeds.url = items.feed_url)`, cutoff)
	if err != nil {
		return 0, fmt.Errorf("store: prune items: %w", err)
	}
	return r.RowsAffected()
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}
