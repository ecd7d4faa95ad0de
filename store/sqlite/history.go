package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store/internal/cols"
)

// The history (migration 0004): a plain table, a small table of which
// watch fired on which story, and (migration 0011) a contentless FTS5
// index of the words the matcher reads in each story, written here
// (cols.IndexWords) and dropped by a trigger with the story.
const (
	insertStorySQL = `INSERT INTO history (feed_url, feed, title, link, published, seen, body, categories, watches, snippet, sent)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	insertStoryWatchSQL = `INSERT INTO history_watches (watch, seen, story) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`
	insertStoryWordsSQL = `INSERT INTO history_words (rowid, words) VALUES (?, ?)`
	storyColumns        = `h.id, h.feed_url, h.feed, h.title, h.link, h.published, h.seen, h.body, h.categories, h.watches, h.snippet, h.sent`
)

// historyStmts are the ingest transaction's prepared history statements.
type historyStmts struct{ story, watch, words *sql.Stmt }

// historyStmts returns the history statements prepared for tx.
func (db *DB) historyStmts(ctx context.Context, tx *sql.Tx) historyStmts {
	return historyStmts{tx.StmtContext(ctx, db.stmts.insertStory), tx.StmtContext(ctx, db.stmts.insertStoryWatch),
		tx.StmtContext(ctx, db.stmts.insertStoryWords)}
}

// record keeps it.Story (with the watches of its alerts and the
// destinations in sent) and its index words inside the ingest transaction.
func (h historyStmts) record(ctx context.Context, f model.FeedState, it model.NewItem, sent []model.Destination, now time.Time) error {
	r, err := cols.StoryOf(f, it, sent)
	if err != nil {
		return err
	}
	res, err := h.story.ExecContext(ctx, f.URL, r.Feed, r.Title, r.Link, r.Published, now.UnixMilli(),
		r.Body, r.Categories, r.Watches, r.Snippet, r.Sent)
	if err != nil {
		return fmt.Errorf("record story %q: %w", it.Key, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("record story %q: %w", it.Key, err)
	}
	if _, err := h.words.ExecContext(ctx, id, cols.IndexWords(r.Feed, r.Title, r.Body, r.Categories)); err != nil {
		return fmt.Errorf("record story %q: index its words: %w", it.Key, err)
	}
	for _, w := range r.WatchNames {
		if _, err := h.watch.ExecContext(ctx, w, now.UnixMilli(), id); err != nil {
			return fmt.Errorf("record story %q: %w", it.Key, err)
		}
	}
	return nil
}

// reindexChunk is how many stories one transaction of reindexHistory indexes.
const reindexChunk = 500

// reindexHistory indexes the words of the stories recorded before
// migration 0011, which left their number bound in history_reindex: the
// newest first, a chunk per transaction, the bound moved down with each,
// so that an interrupted open carries on where it stopped. Open runs it
// before the store is used, so a search never meets a story not indexed.
func (db *DB) reindexHistory(ctx context.Context) error {
	for {
		done := false
		err := db.tx(ctx, func(tx *sql.Tx) error {
			var below int64
			if err := tx.QueryRowContext(ctx, `SELECT below FROM history_reindex`).Scan(&below); err == sql.ErrNoRows {
				done = true
				return nil
			} else if err != nil {
				return err
			}
			rows, err := tx.QueryContext(ctx, `SELECT id, feed, title, body, categories FROM history WHERE id < ? ORDER BY id DESC LIMIT ?`, below, reindexChunk)
			if err != nil {
				return err
			}
			type story struct {
				id                      int64
				feed, title, body, cats string
			}
			var batch []story
			for rows.Next() {
				var s story
				if err := rows.Scan(&s.id, &s.feed, &s.title, &s.body, &s.cats); err != nil {
					rows.Close()
					return err
				}
				batch = append(batch, s)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if len(batch) == 0 {
				done = true
				_, err := tx.ExecContext(ctx, `DELETE FROM history_reindex`)
				return err
			}
			for _, s := range batch {
				if _, err := tx.ExecContext(ctx, insertStoryWordsSQL, s.id, cols.IndexWords(s.feed, s.title, s.body, s.cats)); err != nil {
					return err
				}
			}
			_, err = tx.ExecContext(ctx, `UPDATE history_reindex SET below = ?`, batch[len(batch)-1].id)
			return err
		})
		if err != nil {
			return fmt.Errorf("reindex history: %w", err)
		}
		if done {
			return nil
		}
	}
}

// matchQuery is the FTS5 query of the word sets: each word quoted (index
// words hold only a–z, 0–9, "_" and non-ASCII bytes, so nothing in them
// is FTS syntax), a trailing * kept as a prefix, the words of a set ORed,
// the sets ANDed.
func matchQuery(sets [][]string) string {
	var b strings.Builder
	for i, set := range sets {
		if i > 0 {
			b.WriteString(" AND ")
		}
		b.WriteByte('(')
		for j, w := range set {
			if j > 0 {
				b.WriteString(" OR ")
			}
			prefix := strings.HasSuffix(w, "*")
			b.WriteByte('"')
			b.WriteString(strings.ReplaceAll(strings.TrimSuffix(w, "*"), `"`, `""`))
			b.WriteByte('"')
			if prefix {
				b.WriteByte('*')
			}
		}
		b.WriteByte(')')
	}
	return b.String()
}

// historyWhere is the FROM and WHERE of the stories q selects; none is
// true when q can select nothing (a word set no story can hold).
func historyWhere(q model.HistorySearch) (from string, args []any, none bool) {
	var where []string
	from = `history h`
	sets, none := cols.WordSets(q)
	if none {
		return "", nil, true
	}
	if len(sets) > 0 {
		where = append(where, `h.id IN (SELECT rowid FROM history_words WHERE history_words MATCH ?)`)
		args = append(args, matchQuery(sets))
	}
	if q.Watch != "" {
		where = append(where, `h.id IN (SELECT story FROM history_watches WHERE watch = ? AND seen >= ?)`)
		args = append(args, q.Watch, ms(q.Since))
	}
	if q.Alerted {
		where = append(where, `h.sent != ''`)
	}
	if !q.Since.IsZero() {
		where = append(where, `h.seen >= ?`)
		args = append(args, q.Since.UnixMilli())
	}
	if len(where) > 0 {
		from += ` WHERE ` + strings.Join(where, " AND ")
	}
	return from, args, false
}

// SearchHistory returns the stories q selects, newest first.
func (db *DB) SearchHistory(ctx context.Context, q model.HistorySearch) ([]model.Story, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	from, args, none := historyWhere(q)
	if none {
		return nil, nil
	}
	query := `SELECT ` + storyColumns + ` FROM ` + from + ` ORDER BY h.id DESC LIMIT ?`
	args = append(args, limit)
	var out []model.Story
	err := db.queryStories(ctx, query, args, func(s model.Story) bool {
		out = append(out, s)
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("store: search history: %w", err)
	}
	return out, nil
}

// CountHistory counts the stories q selects, ignoring q.Limit.
func (db *DB) CountHistory(ctx context.Context, q model.HistorySearch) (int64, error) {
	from, args, none := historyWhere(q)
	if none {
		return 0, nil
	}
	var n int64
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM `+from, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count history: %w", err)
	}
	return n, nil
}

// CountHistoryDays counts the stories q selects per UTC day, oldest first.
func (db *DB) CountHistoryDays(ctx context.Context, q model.HistorySearch) ([]model.HistoryDay, error) {
	from, args, none := historyWhere(q)
	if none {
		return nil, nil
	}
	const day = int64(24 * time.Hour / time.Millisecond)
	rows, err := db.r.QueryContext(ctx, `SELECT h.seen / ? AS d, count(*) FROM `+from+` GROUP BY d ORDER BY d`, append([]any{day}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("store: count history days: %w", err)
	}
	defer rows.Close()
	var out []model.HistoryDay
	for rows.Next() {
		var d int64
		var c model.HistoryDay
		if err := rows.Scan(&d, &c.Count); err != nil {
			return nil, fmt.Errorf("store: count history days: %w", err)
		}
		c.Day = time.UnixMilli(d * day).UTC()
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: count history days: %w", err)
	}
	return out, nil
}

// ScanHistory calls fn with every story q selects, newest first, until fn
// returns false.
func (db *DB) ScanHistory(ctx context.Context, q model.HistorySearch, fn func(model.Story) bool) error {
	from, args, none := historyWhere(q)
	if none {
		return nil
	}
	err := db.queryStories(ctx, `SELECT `+storyColumns+` FROM `+from+` ORDER BY h.id DESC`, args, fn)
	if err != nil {
		return fmt.Errorf("store: scan history: %w", err)
	}
	return nil
}

func (db *DB) queryStories(ctx context.Context, query string, args []any, fn func(model.Story) bool) error {
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var s model.Story
		var published, seen int64
		var cats, watches, sent string
		if err := rows.Scan(&s.ID, &s.FeedURL, &s.Feed, &s.Title, &s.Link, &published, &seen, &s.Text, &cats, &watches, &s.Snippet, &sent); err != nil {
			return err
		}
		s.Published, s.Seen = fromMS(published), fromMS(seen)
		if err := cols.DecodeStory(&s, cats, watches, sent); err != nil {
			return err
		}
		if !fn(s) {
			return nil
		}
	}
	return rows.Err()
}

// WatchDays counts, per watch and UTC day, the stories each watch fired on.
func (db *DB) WatchDays(ctx context.Context, since time.Time) ([]model.WatchDay, error) {
	const day = int64(24 * time.Hour / time.Millisecond)
	rows, err := db.r.QueryContext(ctx, `SELECT watch, seen / ? AS d, count(*) FROM history_watches
		WHERE seen >= ? GROUP BY watch, d ORDER BY watch, d`, day, ms(since))
	if err != nil {
		return nil, fmt.Errorf("store: watch days: %w", err)
	}
	defer rows.Close()
	var out []model.WatchDay
	for rows.Next() {
		var w model.WatchDay
		var d int64
		if err := rows.Scan(&w.Watch, &d, &w.Count); err != nil {
			return nil, fmt.Errorf("store: watch days: %w", err)
		}
		w.Day = time.UnixMilli(d * day).UTC()
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: watch days: %w", err)
	}
	return out, nil
}

// pruneChunk bounds the stories one prune statement deletes: the writer is
// shared with ingest, and one transaction deleting a month of stories (with
// their index entries) would hold it for seconds.
const pruneChunk = 2000

// PruneHistory forgets stories seen more than keep ago; returns how many.
func (db *DB) PruneHistory(ctx context.Context, keep time.Duration) (int64, error) {
	if keep <= 0 {
		return 0, fmt.Errorf("store: prune history: keep %s must be positive", keep)
	}
	cutoff := db.now().Add(-keep).UnixMilli()
	var total int64
	for {
		r, err := db.w.ExecContext(ctx, `DELETE FROM history WHERE id IN (SELECT id FROM history WHERE seen < ? LIMIT ?)`, cutoff, pruneChunk)
		if err != nil {
			return total, fmt.Errorf("store: prune history: %w", err)
		}
		n, _ := r.RowsAffected()
		total += n
		if n < pruneChunk {
			break
		}
	}
	if _, err := db.w.ExecContext(ctx, `DELETE FROM history_watches WHERE seen < ?`, cutoff); err != nil {
		return total, fmt.Errorf("store: prune history: %w", err)
	}
	return total, nil
}

// HistoryStats reports the history's size: the story count, the oldest
// story, and the pages its tables and index take (dbstat).
func (db *DB) HistoryStats(ctx context.Context) (model.HistoryStats, error) {
	var st model.HistoryStats
	var oldest sql.NullInt64
	if err := db.r.QueryRowContext(ctx, `SELECT count(*), min(seen) FROM history`).Scan(&st.Stories, &oldest); err != nil {
		return st, fmt.Errorf("store: history stats: %w", err)
	}
	st.Oldest = fromMS(oldest.Int64)
	var bytes sql.NullInt64
	if err := db.r.QueryRowContext(ctx, `SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'history%'`).Scan(&bytes); err != nil {
		return st, fmt.Errorf("store: history stats: %w", err)
	}
	st.Bytes = bytes.Int64
	return st, nil
}
