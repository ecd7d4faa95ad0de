package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store"
	"github.com/newshound/newshound/store/internal/cols"
)

// SeenKeys returns the subset of keys already recorded for the feed.
func (db *DB) SeenKeys(ctx context.Context, feedURL string, keys []string) (map[string]bool, error) {
	found, err := db.known(ctx, db.pool, cols.KeyHash(feedURL), keys)
	if err != nil {
		return nil, db.wrap(fmt.Errorf("store: seen keys of %s: %w", feedURL, err))
	}
	seen := make(map[string]bool, len(found))
	for _, k := range keys {
		if found[cols.KeyHash(k)] {
			seen[k] = true
		}
	}
	return seen, nil
}

// querier is a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// known returns which hashes of keys the feed has recorded, in one query.
func (db *DB) known(ctx context.Context, q querier, feed int64, keys []string) (map[int64]bool, error) {
	hashes := make([]int64, len(keys))
	for i, k := range keys {
		hashes[i] = cols.KeyHash(k)
	}
	rows, err := q.Query(ctx, `SELECT item FROM items WHERE feed = $1 AND item = ANY($2)`, feed, hashes)
	if err != nil {
		return nil, err
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	found := make(map[int64]bool, len(got))
	for _, h := range got {
		found[h] = true
	}
	return found, nil
}

// Ingest records one successful parse of feed f in a single transaction,
// as store.Items says. Replicas ingest concurrently under READ COMMITTED,
// where two transactions could each miss the other's new item with the
// same link or title and both alert: the transaction first takes an
// advisory lock on every link and title hash it will look up (in sorted
// order, so two ingests never deadlock), which serialises exactly the
// ingests that could be duplicates of each other and no others.
func (db *DB) Ingest(ctx context.Context, f model.FeedState, present []string, items []model.NewItem) (model.IngestResult, error) {
	var res model.IngestResult
	now := db.now()
	err := db.tx(ctx, func(tx pgx.Tx) error {
		res = model.IngestResult{}
		f.LastParsed = now
		if _, err := tx.Exec(ctx, saveFeedSQL, feedArgs(f)...); err != nil {
			return fmt.Errorf("save feed state: %w", err)
		}
		feed := cols.KeyHash(f.URL)
		if len(present) > 0 {
			hs := make([]int64, len(present))
			for i, k := range present {
				hs[i] = cols.KeyHash(k)
			}
			// Refreshing a day-old mark is enough for pruning.
			if _, err := tx.Exec(ctx, `UPDATE items SET last_seen = $1 WHERE feed = $2 AND item = ANY($3) AND last_seen < $4`,
				now.UnixMilli(), feed, hs, now.Add(-store.PresentRefresh).UnixMilli()); err != nil {
				return fmt.Errorf("mark present: %w", err)
			}
		}
		keys := make([]string, 0, len(items))
		for _, it := range items {
			if it.Key == "" {
				return fmt.Errorf("item %q has no key", it.LinkKey)
			}
			keys = append(keys, it.Key)
		}
		if len(items) == 0 {
			return nil
		}
		// Most of a parse is already recorded: one query finds those.
		old, err := db.known(ctx, tx, feed, keys)
		if err != nil {
			return fmt.Errorf("dedup lookup: %w", err)
		}
		var locks []int64
		for _, it := range items {
			if !old[cols.KeyHash(it.Key)] && (len(it.Alerts) > 0 || it.Fulltext != nil) {
				for _, h := range []int64{cols.KeyHash(it.LinkKey), cols.KeyHash(it.TitleKey)} {
					if h != 0 {
						locks = append(locks, h)
					}
				}
			}
		}
		if len(locks) > 0 {
			slices.Sort(locks)
			locks = slices.Compact(locks)
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(k) FROM (SELECT k FROM unnest($1::bigint[]) AS k ORDER BY k OFFSET 0) AS s`, locks); err != nil {
				return fmt.Errorf("lock dedup keys: %w", err)
			}
		}
		var storyIDs []int64
		for _, it := range items {
			if !old[cols.KeyHash(it.Key)] && it.Report != nil {
				storyIDs = append(storyIDs, it.Report.ID)
			}
		}
		if err := lockStories(ctx, tx, storyIDs); err != nil {
			return err
		}
		windowStart := now.Add(-store.TitleWindow).UnixMilli()
		batchLinks, batchTitles := make(map[int64]bool), make(map[int64]bool)
		for _, it := range items {
			if old[cols.KeyHash(it.Key)] {
				continue
			}
			link, title := cols.KeyHash(it.LinkKey), cols.KeyHash(it.TitleKey)
			// A story held for its article's text may alert later: its
			// duplicate checks run now, while its title is indexed only
			// once it alerts (CompleteText).
			pending, lookupTitle := it.Fulltext != nil, title
			if len(it.Alerts) == 0 || pending {
				title = 0 // title dedup is about stories already alerted
			}
			dup := false
			if len(it.Alerts) > 0 || pending {
				if dup, err = exists(ctx, tx, link, batchLinks, `SELECT 1 FROM items WHERE link = $1 AND link <> 0 LIMIT 1`, link); err != nil {
					return err
				}
				if !dup {
					if dup, err = exists(ctx, tx, lookupTitle, batchTitles, `SELECT 1 FROM items WHERE title = $1 AND title <> 0 AND first_seen >= $2 LIMIT 1`, lookupTitle, windowStart); err != nil {
						return err
					}
				}
			}
			tag, err := tx.Exec(ctx, `INSERT INTO items (feed, item, link, title, published, first_seen, last_seen)
				VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT DO NOTHING`,
				feed, cols.KeyHash(it.Key), link, title, ms(it.Published), now.UnixMilli())
			if err != nil {
				return fmt.Errorf("record item %q: %w", it.Key, err)
			}
			if tag.RowsAffected() == 0 {
				continue // the same key twice in one parse
			}
			res.New++
			batchLinks[link], batchTitles[title] = true, true
			var sent []model.Destination
			var queued []model.Alert
			if dup {
				res.Duplicates++
			}
			if pending && !dup {
				// The story is decided on what the feed gave: the report is
				// recorded now, its alerts queued by CompleteText.
				if it.Report != nil {
					newOutlet, err := db.recordReport(ctx, tx, it.Report, now)
					if err != nil {
						return err
					}
					it.Fulltext = cols.WithReport(it.Fulltext, it.Report, newOutlet)
				}
				if err := markPending(ctx, tx, f, it, lookupTitle, now); err != nil {
					return err
				}
				res.Pending++
				continue
			}
			if it.Report != nil && !dup {
				newOutlet, err := db.recordReport(ctx, tx, it.Report, now)
				if err != nil {
					return err
				}
				if queued, err = db.storyAlerts(ctx, tx, f.URL+storySep+it.Key, it.Report, newOutlet, it.Alerts, it.Published, now, &res); err != nil {
					return err
				}
			} else if !dup {
				for _, a := range it.Alerts {
					ok, err := queueAlert(ctx, tx, f.URL+storySep+it.Key, a, it.Published, now)
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
				if err := recordStory(ctx, tx, f, it, sent, now); err != nil {
					return err
				}
			}
			res.CountWatches(queued)
		}
		return nil
	})
	if err != nil {
		return model.IngestResult{}, db.wrap(fmt.Errorf("store: ingest %s: %w", f.URL, err))
	}
	return res, nil
}

// exists reports whether the key hash h (0: no key) was recorded earlier
// in this batch or, by query with args, before it.
func exists(ctx context.Context, tx pgx.Tx, h int64, batch map[int64]bool, query string, args ...any) (bool, error) {
	if h == 0 {
		return false, nil
	}
	if batch[h] {
		return true, nil
	}
	var one int
	err := tx.QueryRow(ctx, query, args...).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("dedup lookup: %w", err)
	}
	return true, nil
}

// queueAlert inserts one outbox row; false when the story was already
// queued for that destination.
func queueAlert(ctx context.Context, tx pgx.Tx, story string, a model.Alert, published, now time.Time) (bool, error) {
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
	tag, err := tx.Exec(ctx, `INSERT INTO outbox (story, destination, payload, nonce, published, created_at, next_attempt)
		VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (story, destination) DO NOTHING`,
		story, string(a.Destination), string(payload), a.Nonce, order.UnixMilli(), now.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("queue alert for %s: %w", a.Destination, err)
	}
	return tag.RowsAffected() == 1, nil
}

// storySep separates a story's feed URL and item key in outbox.story.
// store/sqlite uses NUL, which PostgreSQL's text cannot hold; the ASCII
// unit separator cannot occur in a URL either. `newshound migrate`
// translates one to the other.
const storySep = "\x1f"

// PruneItems forgets items that left their feed more than keep ago; an
// item still listed by its feed is never forgotten.
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
	for _, f := range feeds {
		tag, err := db.pool.Exec(ctx, `DELETE FROM items WHERE feed = $1 AND last_seen < $2 AND last_seen < $3`,
			cols.KeyHash(f.URL), cutoff, ms(f.LastParsed.Add(-store.PresentRefresh)))
		if err != nil {
			return total, db.wrap(fmt.Errorf("store: prune items of %s: %w", f.URL, err))
		}
		total += tag.RowsAffected()
	}
	return total, nil
}
