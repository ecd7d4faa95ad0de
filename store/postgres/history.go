package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/newshound/newshound/model"
)

// The history (migration 0006): a table with a generated tsvector and its
// GIN index, and a small table of which watch fired on which story.

const storyColumns = `h.id, h.feed_url, h.feed, h.title, h.link, h.published, h.seen, h.body, h.categories, h.watches, h.snippet, h.sent`

// maxStoryText caps the text kept per story, as store/sqlite does.
const maxStoryText = 16 << 10

// recordStory keeps it.Story (with the watches of its alerts and the
// destinations in sent) inside the ingest transaction.
func recordStory(ctx context.Context, tx pgx.Tx, f model.FeedState, it model.NewItem, sent []model.Destination, now time.Time) error {
	s := it.Story
	var watches []model.WatchMatch
	snippet := ""
	for _, a := range it.Alerts {
		if snippet == "" {
			snippet = a.Snippet
		}
		for _, w := range a.Watches {
			if !containsWatch(watches, w.Name) {
				watches = append(watches, w)
			}
		}
	}
	wj := ""
	if len(watches) > 0 {
		b, err := json.Marshal(watches)
		if err != nil {
			return fmt.Errorf("encode watches: %w", err)
		}
		wj = string(b)
	}
	dests := make([]string, len(sent))
	for i, d := range sent {
		dests[i] = string(d)
	}
	feedName := s.Feed
	if feedName == "" {
		feedName = f.Name
	}
	var id int64
	title, body := noNUL(s.Title), noNUL(truncateUTF8(s.Text, maxStoryText))
	err := tx.QueryRow(ctx, `INSERT INTO history (feed_url, feed, title, link, published, seen, body, categories, watches, snippet, sent, fts)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, to_tsvector('simple', $12)) RETURNING id`,
		f.URL, noNUL(feedName), title, noNUL(s.Link), ms(s.Published), now.UnixMilli(),
		body, noNUL(strings.Join(s.Categories, "\n")), wj, noNUL(snippet), strings.Join(dests, "\n"), foldText(title+" "+body)).Scan(&id)
	if err != nil {
		return fmt.Errorf("record story %q: %w", it.Key, err)
	}
	for _, w := range watches {
		if _, err := tx.Exec(ctx, `INSERT INTO history_watches (watch, seen, story) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			w.Name, now.UnixMilli(), id); err != nil {
			return fmt.Errorf("record story %q: %w", it.Key, err)
		}
	}
	return nil
}

// foldText lowers s and strips its accents ("Élection" → "election"), for
// the full-text index and its queries: PostgreSQL's 'simple' configuration
// only lowers.
func foldText(s string) string {
	out, _, err := transform.String(transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC), s)
	if err != nil {
		return strings.ToLower(s)
	}
	return strings.ToLower(out)
}

// refoldHistory builds the full-text vector of stories that have none
// (copied from SQLite by migrate), a batch at a time.
func (db *DB) refoldHistory(ctx context.Context) error {
	for {
		rows, err := db.pool.Query(ctx, `SELECT id, title, body FROM history WHERE fts = ''::tsvector AND (title <> '' OR body <> '') LIMIT 500`)
		if err != nil {
			return err
		}
		type story struct {
			id          int64
			title, body string
		}
		var batch []story
		for rows.Next() {
			var s story
			if err := rows.Scan(&s.id, &s.title, &s.body); err != nil {
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
			return nil
		}
		b := &pgx.Batch{}
		for _, s := range batch {
			b.Queue(`UPDATE history SET fts = to_tsvector('simple', $1) WHERE id = $2`, foldText(s.title+" "+s.body), s.id)
		}
		if err := db.pool.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
	}
}

// noNUL drops NUL characters, which PostgreSQL's text cannot hold (a feed
// may carry them; SQLite keeps them).
func noNUL(s string) string { return strings.ReplaceAll(s, "\x00", "") }

func containsWatch(ws []model.WatchMatch, name string) bool {
	for _, w := range ws {
		if w.Name == name {
			return true
		}
	}
	return false
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// tsQuery turns HistorySearch.Words into a tsquery for the 'simple'
// configuration: words split on anything but letters and digits (so
// nothing a user types is tsquery syntax), a trailing * kept as a prefix
// (":*"), all of them required.
func tsQuery(words string) string {
	var parts []string
	for _, w := range strings.FieldsFunc(words, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '*'
	}) {
		prefix := strings.HasSuffix(w, "*")
		w = strings.ReplaceAll(w, "*", "")
		if w == "" {
			continue
		}
		q := foldText(w)
		if prefix {
			q += ":*"
		}
		parts = append(parts, q)
	}
	return strings.Join(parts, " & ")
}

// SearchHistory returns the stories q selects, newest first.
func (db *DB) SearchHistory(ctx context.Context, q model.HistorySearch) ([]model.Story, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if tq := tsQuery(q.Words); tq != "" {
		where = append(where, `h.fts @@ to_tsquery('simple', `+arg(tq)+`)`)
	} else if strings.TrimSpace(q.Words) != "" {
		return nil, nil // only punctuation: no word to find
	}
	if q.Watch != "" {
		where = append(where, `h.id IN (SELECT story FROM history_watches WHERE watch = `+arg(q.Watch)+` AND seen >= `+arg(ms(q.Since))+`)`)
	}
	if q.Alerted {
		where = append(where, `h.sent <> ''`)
	}
	if !q.Since.IsZero() {
		where = append(where, `h.seen >= `+arg(q.Since.UnixMilli()))
	}
	query := `SELECT ` + storyColumns + ` FROM history h`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY h.id DESC LIMIT ` + arg(limit)
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

// ScanHistory calls fn with every story seen at or after since, newest
// first, until fn returns false.
func (db *DB) ScanHistory(ctx context.Context, since time.Time, fn func(model.Story) bool) error {
	err := db.queryStories(ctx, `SELECT `+storyColumns+` FROM history h WHERE h.seen >= $1 ORDER BY h.id DESC`,
		[]any{ms(since)}, fn)
	if err != nil {
		return db.wrap(fmt.Errorf("store: scan history: %w", err))
	}
	return nil
}

func (db *DB) queryStories(ctx context.Context, query string, args []any, fn func(model.Story) bool) error {
	rows, err := db.pool.Query(ctx, query, args...)
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
		if cats != "" {
			s.Categories = strings.Split(cats, "\n")
		}
		if watches != "" {
			if err := json.Unmarshal([]byte(watches), &s.Watches); err != nil {
				return fmt.Errorf("story %d: watches: %w", s.ID, err)
			}
		}
		if sent != "" {
			for _, d := range strings.Split(sent, "\n") {
				s.Sent = append(s.Sent, model.Destination(d))
			}
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
