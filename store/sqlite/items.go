package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store"
	"github.com/newshound/newshound/store/internal/cols"
)

// maxParams bounds the variables in one statement (SQLite's default limit is 32766).
const maxParams = 500

// SeenKeys returns the subset of keys already recorded for the feed.
func (db *DB) SeenKeys(ctx context.Context, feedURL string, keys []string) (map[string]bool, error) {
	found, err := knownKeys(ctx, db.r, `SELECT item FROM items WHERE feed = ? AND item IN (%s)`, keys, cols.KeyHash(feedURL))
	if err != nil {
		return nil, fmt.Errorf("store: seen keys of %s: %w", feedURL, err)
	}
	seen := make(map[string]bool, len(found))
	for _, k := range keys {
		if found[cols.KeyHash(k)] {
			seen[k] = true
		}
	}
	return seen, nil
}

// Ingest records one successful parse of feed f in a single transaction:
// it saves f, marks the keys still present in the feed (so pruning keeps
// them), records each new item with its dedup keys and queues its alerts.
// An item whose key is already recorded is skipped; an item whose canonical
// link is already recorded under another key (GUID change, same story in
// another feed, or earlier in this batch), or whose normalised title was
// alerted within TitleWindow, is remembered without alerts. An item without
// a key fails the whole ingest. Either the whole parse is recorded with its
// alerts, or nothing is. f.LastParsed is set to the store's clock.
func (db *DB) Ingest(ctx context.Context, f model.FeedState, present []string, items []model.NewItem) (model.IngestResult, error) {
	var res model.IngestResult
	now := db.now()
	err := db.batch(ctx, func(tx *sql.Tx) error {
		res = model.IngestResult{}
		f.LastParsed = now
		if err := db.saveFeed(ctx, tx, f); err != nil {
			return err
		}
		// Prepared single-key statements: parsing a statement with a
		// fresh IN list for every feed cost more than the lookups.
		touch := tx.StmtContext(ctx, db.stmts.touchItem)
		feed := cols.KeyHash(f.URL)
		stale := now.Add(-store.PresentRefresh).UnixMilli()
		for _, k := range present {
			// Refreshing a day-old mark is enough for pruning (which waits
			// months) and spares rewriting every row at every parse.
			if _, err := touch.ExecContext(ctx, now.UnixMilli(), feed, cols.KeyHash(k), stale); err != nil {
				return fmt.Errorf("mark present: %w", err)
			}
		}
		linkKnown := tx.StmtContext(ctx, db.stmts.linkKnown)
		titleKnown := tx.StmtContext(ctx, db.stmts.titleKnown)
		windowStart := now.Add(-store.TitleWindow).UnixMilli()
		insert := tx.StmtContext(ctx, db.stmts.insertItem)
		queue := tx.StmtContext(ctx, db.stmts.queueAlert)
		hist := db.historyStmts(ctx, tx)
		// Keys recorded earlier in this batch.
		batchLinks, batchTitles := make(map[int64]bool), make(map[int64]bool)
		for _, it := range items {
			if it.Key == "" {
				// Every item must be findable again under its key: one
				// without would be recorded yet never seen again.
				return fmt.Errorf("item %q has no key", it.LinkKey)
			}
			link, title := cols.KeyHash(it.LinkKey), cols.KeyHash(it.TitleKey)
			// A story held for its article's text may alert later: its
			// duplicate checks run now, while its title is indexed only
			// once it alerts (CompleteText).
			pending, lookupTitle := it.Fulltext != nil, title
			if len(it.Alerts) == 0 || pending {
				// Title dedup is about stories already alerted: a silent
				// item's title is not indexed (the link is, so that a feed
				// that renumbers its GUIDs never floods anyone).
				title = 0
			}
			// Only a story that would alert needs to know whether it is a
			// duplicate (most match nothing, and a first poll alerts on
			// none): the lookups run before its own row exists.
			dup := false
			if len(it.Alerts) > 0 || pending {
				var err error
				if dup, err = known(ctx, link, batchLinks, linkKnown, link); err != nil {
					return err
				}
				if !dup {
					if dup, err = known(ctx, lookupTitle, batchTitles, titleKnown, lookupTitle, windowStart); err != nil {
						return err
					}
				}
			}
			r, err := insert.ExecContext(ctx, feed, cols.KeyHash(it.Key), link, title, ms(it.Published), now.UnixMilli(), now.UnixMilli())
			if err != nil {
				return fmt.Errorf("record item %q: %w", it.Key, err)
			}
			if n, err := r.RowsAffected(); err != nil || n == 0 {
				continue // already recorded under this key
			}
			res.New++
			batchLinks[link], batchTitles[title] = true, true
			var sent []model.Destination
			if dup {
				res.Duplicates++
			}
			if pending && !dup {
				// The story is decided on what the feed gave (the engine's
				// index saw the teaser): the report is recorded now, and its
				// alerts queued when the text completes (CompleteText).
				if it.Report != nil {
					newOutlet, err := db.recordReport(ctx, tx, it.Report, now)
					if err != nil {
						return err
					}
					it.Fulltext = cols.WithReport(it.Fulltext, it.Report, newOutlet)
				}
				// The history keeps it when it completes (CompleteText),
				// with the watches and destinations it then has.
				if err := db.markPending(ctx, tx, f, it, lookupTitle, now); err != nil {
					return err
				}
				res.Pending++
				continue
			}
			var queued []model.Alert
			if it.Report != nil && !dup {
				newOutlet, err := db.recordReport(ctx, tx, it.Report, now)
				if err != nil {
					return err
				}
				if queued, err = db.storyAlerts(ctx, tx, f.URL+"\x00"+it.Key, it.Report, newOutlet, it.Alerts, it.Published, now, &res); err != nil {
					return err
				}
			} else if !dup {
				for _, a := range it.Alerts {
					ok, err := queueAlert(ctx, queue, f.URL+"\x00"+it.Key, a, it.Published, now)
					if err != nil {
						return err
					}
					if ok {
						res.AddQueued(a.Destination)
						queued = append(queued, a)
					}
				}
			}
			for _, a := range queued {
				sent = append(sent, a.Destination)
			}
			if it.Story != nil {
				if err := hist.record(ctx, f, it, sent, now); err != nil {
					return err
				}
			}
			res.CountWatches(queued)
		}
		return nil
	})
	if err != nil {
		return model.IngestResult{}, fmt.Errorf("store: ingest %s: %w", f.URL, err)
	}
	return res, nil
}

// known reports whether the key hash h (0: no key) was recorded earlier in
// this batch or, by the prepared lookup stmt with args, before it.
func known(ctx context.Context, h int64, batch map[int64]bool, stmt *sql.Stmt, args ...any) (bool, error) {
	if h == 0 {
		return false, nil
	}
	if batch[h] {
		return true, nil
	}
	return exists(ctx, stmt, args...)
}

// exists runs a prepared "SELECT 1 ... LIMIT 1" and reports whether it found a row.
func exists(ctx context.Context, stmt *sql.Stmt, args ...any) (bool, error) {
	var one int
	err := stmt.QueryRowContext(ctx, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("dedup lookup: %w", err)
	}
	return true, nil
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// knownKeys runs query (with %s standing for the IN list, and args before
// it) over the hashes of keys in chunks and returns the hashes it found.
func knownKeys(ctx context.Context, q querier, query string, keys []string, args ...any) (map[int64]bool, error) {
	found := make(map[int64]bool)
	err := inChunks(keys, func(chunk []any) error {
		rows, err := q.QueryContext(ctx, fmt.Sprintf(query, placeholders(len(chunk))), append(args, chunk...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var h int64
			if err := rows.Scan(&h); err != nil {
				return err
			}
			found[h] = true
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("dedup lookup: %w", err)
	}
	return found, nil
}

// inChunks calls fn with the hashes of keys in chunks of at most
// maxParams, as []any.
func inChunks(keys []string, fn func([]any) error) error {
	for len(keys) > 0 {
		n := min(len(keys), maxParams)
		chunk := make([]any, n)
		for i, k := range keys[:n] {
			chunk[i] = cols.KeyHash(k)
		}
		if err := fn(chunk); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}

const (
	touchItemSQL  = `UPDATE items SET last_seen = ? WHERE feed = ? AND item = ? AND last_seen < ?`
	linkKnownSQL  = `SELECT 1 FROM items WHERE link = ? AND link != 0 LIMIT 1` // "!= 0" lets SQLite use the partial index
	titleKnownSQL = `SELECT 1 FROM items WHERE title = ? AND title != 0 AND first_seen >= ? LIMIT 1`
	insertItemSQL = `INSERT INTO items (feed, item, link, title, published, first_seen, last_seen)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`
	queueAlertSQL = `INSERT INTO outbox (story, destination, payload, nonce, published, created_at, next_attempt)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (story, destination) DO NOTHING`
)

// queueAlert inserts one outbox row with the prepared queueAlertSQL; false
// when the story was already queued for that destination.
func queueAlert(ctx context.Context, stmt *sql.Stmt, story string, a model.Alert, published, now time.Time) (bool, error) {
	if a.Nonce == "" {
		a.Nonce = cols.NewNonce()
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
	r, err := stmt.ExecContext(ctx, story, a.Destination, string(payload), a.Nonce, order.UnixMilli(), now.UnixMilli(), now.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("queue alert for %s: %w", a.Destination, err)
	}
	n, err := r.RowsAffected()
	return n == 1, err
}

// PruneItems forgets items that left their feed more than keep ago. An item
// still listed by its feed is never forgotten, however old: last_seen is
// refreshed at every parse, and an item is only a candidate once a later
// parse no longer listed it. Returns the number of items forgotten.
func (db *DB) PruneItems(ctx context.Context, keep time.Duration) (int64, error) {
	if keep <= 2*store.PresentRefresh {
		return 0, fmt.Errorf("store: prune items: keep %s is too short (more than %s needed)", keep, 2*store.PresentRefresh)
	}
	feeds, err := db.FeedStates(ctx)
	if err != nil {
		return 0, err
	}
	cutoff := db.now().Add(-keep).UnixMilli()
	var total int64
	// An item still listed has last_seen within store.PresentRefresh of the last
	// parse; one that left the feed falls behind it from then on.
	for _, f := range feeds {
		r, err := db.w.ExecContext(ctx, `DELETE FROM items WHERE feed = ? AND last_seen < ? AND last_seen < ?`,
			cols.KeyHash(f.URL), cutoff, ms(f.LastParsed.Add(-store.PresentRefresh)))
		if err != nil {
			return total, fmt.Errorf("store: prune items of %s: %w", f.URL, err)
		}
		n, _ := r.RowsAffected()
		total += n
	}
	return total, nil
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}
