package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store/internal/cols"
)

// The history (migration 0006): a table and a small table of which watch
// fired on which story; (migration 0012) a tsvector of the words the
// matcher reads in each story, with its GIN index.

const storyColumns = `h.id, h.feed_url, h.feed, h.title, h.link, h.published, h.seen, h.body, h.categories, h.watches, h.snippet, h.sent`

// wordsVector is the SQL of the tsvector of index words given as one
// space-separated string (cols.IndexWords): each word a lexeme as it is.
const wordsVector = `array_to_tsvector(string_to_array(%s, ' '))`

// recordStory keeps it.Story (with the watches of its alerts and the
// destinations in sent) and its index words inside the ingest transaction.
func recordStory(ctx context.Context, tx pgx.Tx, f model.FeedState, it model.NewItem, sent []model.Destination, now time.Time) error {
	r, err := cols.StoryOf(f, it, sent)
	if err != nil {
		return err
	}
	feed, title, body, cats := noNUL(r.Feed), noNUL(r.Title), noNUL(r.Body), noNUL(r.Categories)
	var id int64
	err = tx.QueryRow(ctx, `INSERT INTO history (feed_url, feed, title, link, published, seen, body, categories, watches, snippet, sent, words)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, `+fmt.Sprintf(wordsVector, "$12")+`) RETURNING id`,
		f.URL, feed, title, noNUL(r.Link), r.Published, now.UnixMilli(),
		body, cats, r.Watches, noNUL(r.Snippet), r.Sent, cols.IndexWords(feed, title, body, cats)).Scan(&id)
	if err != nil {
		return fmt.Errorf("record story %q: %w", it.Key, err)
	}
	for _, w := range r.WatchNames {
		if _, err := tx.Exec(ctx, `INSERT INTO history_watches (watch, seen, story) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			w, now.UnixMilli(), id); err != nil {
			return fmt.Errorf("record story %q: %w", it.Key, err)
		}
	}
	return nil
}

// reindexChunk is how many stories one transaction of reindexHistory indexes.
const reindexChunk = 500

// reindexHistory indexes the words of the stories that have none (kept
// before migration 0012, or copied from SQLite by CopyFrom), newest
// first, a chunk per transaction. The rows are locked and skipped by
// another replica doing the same, so replicas opening together share the
// work, and once none is left to take, it waits for those another holds
// (a replica returns only when every story is indexed); an interrupted
// open carries on where it stopped. Open runs it before the store is
// used, so a search never meets a story not indexed.
func (db *DB) reindexHistory(ctx context.Context) error {
	skip := true
	for {
		n := 0
		lock := `FOR UPDATE SKIP LOCKED`
		if !skip {
			lock = `FOR UPDATE`
		}
		err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `SELECT id, feed, title, body, categories FROM history WHERE words IS NULL
				ORDER BY id DESC LIMIT $1 `+lock, reindexChunk)
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
			n = len(batch)
			b := &pgx.Batch{}
			for _, s := range batch {
				b.Queue(`UPDATE history SET words = `+fmt.Sprintf(wordsVector, "$1")+` WHERE id = $2`, cols.IndexWords(s.feed, s.title, s.body, s.cats), s.id)
			}
			return tx.SendBatch(ctx, b).Close()
		})
		if err != nil {
			return fmt.Errorf("reindex history: %w", err)
		}
		switch {
		case n > 0:
			skip = true
		case skip:
			skip = false // none free: wait for the rows others hold
		default:
			return nil
		}
	}
}

// noNUL drops NUL characters, which PostgreSQL's text cannot hold (a feed
// may carry them; SQLite keeps them).
func noNUL(s string) string { return strings.ReplaceAll(s, "\x00", "") }

// tsQuery is the tsquery of the word sets: each word a quoted lexeme taken
// as it is (index words hold only a–z, 0–9, "_" and non-ASCII bytes; the
// quote and backslash are escaped all the same), a trailing * kept as a
// prefix (":*"), the words of a set ORed, the sets ANDed.
func tsQuery(sets [][]string) string {
	var b strings.Builder
	for i, set := range sets {
		if i > 0 {
			b.WriteString(" & ")
		}
		b.WriteByte('(')
		for j, w := range set {
			if j > 0 {
				b.WriteString(" | ")
			}
			prefix := strings.HasSuffix(w, "*")
			b.WriteByte('\'')
			b.WriteString(tsEscape.Replace(strings.TrimSuffix(w, "*")))
			b.WriteByte('\'')
			if prefix {
				b.WriteString(":*")
			}
		}
		b.WriteByte(')')
	}
	return b.String()
}

// tsEscape escapes a lexeme inside a tsquery's single quotes.
var tsEscape = strings.NewReplacer(`'`, `''`, `\`, `\\`)

// historyWhere is the WHERE (with its leading keyword, or "") of the
// stories q selects, and its arguments; none is true when q can select
// nothing (a word set no story can hold).
func historyWhere(q model.HistorySearch) (where string, args []any, none bool) {
	var conds []string
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	sets, none := cols.WordSets(q)
	if none {
		return "", nil, true
	}
	if len(sets) > 0 {
		conds = append(conds, `h.words @@ `+arg(tsQuery(sets))+`::tsquery`)
	}
	if q.Watch != "" {
		conds = append(conds, `h.id IN (SELECT story FROM history_watches WHERE watch = `+arg(q.Watch)+` AND seen >= `+arg(ms(q.Since))+`)`)
	}
	if q.Alerted {
		conds = append(conds, `h.sent <> ''`)
	}
	if !q.Since.IsZero() {
		conds = append(conds, `h.seen >= `+arg(q.Since.UnixMilli()))
	}
	if len(conds) > 0 {
		where = ` WHERE ` + strings.Join(conds, " AND ")
	}
	return where, args, false
}

// SearchHistory returns the stories q selects, newest first.
func (db *DB) SearchHistory(ctx context.Context, q model.HistorySearch) ([]model.Story, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	where, args, none := historyWhere(q)
	if none {
		return nil, nil
	}
	args = append(args, limit)
	query := `SELECT ` + storyColumns + ` FROM history h` + where + fmt.Sprintf(` ORDER BY h.id DESC LIMIT $%d`, len(args))
	var out []model.Story
	err := db.queryStories(ctx, query, args, func(s model.Story) bool {
		out = append(out, s)
		return true
	})
	if err != nil {
		return nil, db.wrap(fmt.Errorf("store: search history: %w", err))
	}
	return out, nil
}

// CountHistory counts the stories q selects, ignoring q.Limit.
func (db *DB) CountHistory(ctx context.Context, q model.HistorySearch) (int64, error) {
	where, args, none := historyWhere(q)
	if none {
		return 0, nil
	}
	var n int64
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM history h`+where, args...).Scan(&n); err != nil {
		return 0, db.wrap(fmt.Errorf("store: count history: %w", err))
	}
	return n, nil
}

// CountHistoryDays counts the stories q selects per UTC day, oldest first.
func (db *DB) CountHistoryDays(ctx context.Context, q model.HistorySearch) ([]model.HistoryDay, error) {
	where, args, none := historyWhere(q)
	if none {
		return nil, nil
	}
	const day = int64(24 * time.Hour / time.Millisecond)
	args = append(args, day)
	rows, err := db.pool.Query(ctx, fmt.Sprintf(`SELECT h.seen / $%d AS d, count(*) FROM history h`, len(args))+where+` GROUP BY d ORDER BY d`, args...)
	if err != nil {
		return nil, db.wrap(fmt.Errorf("store: count history days: %w", err))
	}
	defer rows.Close()
	var out []model.HistoryDay
	for rows.Next() {
		var d, n int64
		if err := rows.Scan(&d, &n); err != nil {
			return nil, db.wrap(fmt.Errorf("store: count history days: %w", err))
		}
		out = append(out, model.HistoryDay{Day: time.UnixMilli(d * day).UTC(), Count: int(n)})
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap(fmt.Errorf("store: count history days: %w", err))
	}
	return out, nil
}

// scanChunk is how many rows ScanHistory fetches from its cursor at a time.
const scanChunk = 500

// ScanHistory calls fn with every story q selects, newest first, until fn
// returns false. The rows come through a cursor, a chunk at a time: a
// plain query has the server send every row, and pgx read (and drop) all
// those fn did not want before the connection can be used again (the
// console's query page stops after its budget: 150,000 rows read for
// 10,000 judged). The cursor is planned as a plain query would be
// (cursor_tuple_fraction 1): with the default 0.1 the planner walks the id
// index testing every row's words, which for a rare word (actor:APT29)
// took 300 ms where the GIN index and a sort take 9.
func (db *DB) ScanHistory(ctx context.Context, q model.HistorySearch, fn func(model.Story) bool) error {
	where, args, none := historyWhere(q)
	if none {
		return nil
	}
	err := pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL cursor_tuple_fraction = 1`); err != nil { // see above
			return err
		}
		if _, err := tx.Exec(ctx, `DECLARE history_scan NO SCROLL CURSOR FOR SELECT `+storyColumns+` FROM history h`+where+` ORDER BY h.id DESC`, args...); err != nil {
			return err
		}
		for {
			n, stop := 0, false
			err := queryStories(ctx, tx, fmt.Sprintf(`FETCH %d FROM history_scan`, scanChunk), nil, func(s model.Story) bool {
				n++
				stop = !fn(s)
				return !stop
			})
			if err != nil || stop || n < scanChunk {
				return err
			}
		}
	})
	if err != nil {
		return db.wrap(fmt.Errorf("store: scan history: %w", err))
	}
	return nil
}

func (db *DB) queryStories(ctx context.Context, query string, args []any, fn func(model.Story) bool) error {
	return queryStories(ctx, db.pool, query, args, fn)
}

// queryStories calls fn with each story query's rows hold, until fn
// returns false.
func queryStories(ctx context.Context, on querier, query string, args []any, fn func(model.Story) bool) error {
	rows, err := on.Query(ctx, query, args...)
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
	rows, err := db.pool.Query(ctx, `SELECT watch, seen / $1 AS d, count(*) FROM history_watches
		WHERE seen >= $2 GROUP BY watch, d ORDER BY watch, d`, day, ms(since))
	if err != nil {
		return nil, db.wrap(fmt.Errorf("store: watch days: %w", err))
	}
	defer rows.Close()
	var out []model.WatchDay
	for rows.Next() {
		var w model.WatchDay
		var d, n int64
		if err := rows.Scan(&w.Watch, &d, &n); err != nil {
			return nil, db.wrap(fmt.Errorf("store: watch days: %w", err))
		}
		w.Count = int(n)
		w.Day = time.UnixMilli(d * day).UTC()
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap(fmt.Errorf("store: watch days: %w", err))
	}
	return out, nil
}

// PruneHistory forgets stories seen more than keep ago; returns how many.
func (db *DB) PruneHistory(ctx context.Context, keep time.Duration) (int64, error) {
	if keep <= 0 {
		return 0, fmt.Errorf("store: prune history: keep %s must be positive", keep)
	}
	cutoff := db.now().Add(-keep).UnixMilli()
	var total int64
	// In chunks, as store/sqlite does, so that no single statement holds
	// locks on a month of rows.
	const chunk = 2000
	for {
		tag, err := db.pool.Exec(ctx, `DELETE FROM history WHERE id IN (SELECT id FROM history WHERE seen < $1 LIMIT $2)`, cutoff, chunk)
		if err != nil {
			return total, db.wrap(fmt.Errorf("store: prune history: %w", err))
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < chunk {
			break
		}
	}
	if _, err := db.pool.Exec(ctx, `DELETE FROM history_watches WHERE seen < $1`, cutoff); err != nil {
		return total, db.wrap(fmt.Errorf("store: prune history: %w", err))
	}
	return total, nil
}

// HistoryStats reports the history's size: the story count, the oldest
// story, and the bytes its tables and indexes take.
func (db *DB) HistoryStats(ctx context.Context) (model.HistoryStats, error) {
	var st model.HistoryStats
	var oldest *int64
	if err := db.pool.QueryRow(ctx, `SELECT count(*), min(seen) FROM history`).Scan(&st.Stories, &oldest); err != nil {
		return st, db.wrap(fmt.Errorf("store: history stats: %w", err))
	}
	if oldest != nil {
		st.Oldest = fromMS(*oldest)
	}
	if err := db.pool.QueryRow(ctx, `SELECT pg_total_relation_size('history') + pg_total_relation_size('history_watches')`).Scan(&st.Bytes); err != nil {
		return st, db.wrap(fmt.Errorf("store: history stats: %w", err))
	}
	return st, nil
}
