package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/newshound/newshound/store/internal/cols"
)

// CopyTable is one table `newshound migrate` copies and how many rows it copied.
type CopyTable struct {
	Name string
	Rows int64
}

// copySpec is a table copied from store/sqlite's schema, whose tables and
// columns this package's migrations mirror on purpose.
type copySpec struct {
	name, key string
	cols      []string
	bools     map[string]bool // SQLite integers that are booleans here
}

// copyTables are the tables of the contract as it stands, in an order
// that needs no foreign key deferred. A new contract part adds its tables
// here (and to both backends' migrations).
var copyTables = []copySpec{
	{name: "feeds", key: "url", cols: strings.Fields(strings.ReplaceAll(feedColumns, ",", " ")),
		bools: map[string]bool{"initialized": true, "gone": true}},
	{name: "items", key: "feed, item", cols: []string{"feed", "item", "link", "title", "published", "first_seen", "last_seen"}},
	{name: "outbox", key: "id", cols: []string{"id", "story", "destination", "state", "payload", "nonce", "published",
		"created_at", "attempts", "next_attempt", "last_error", "done_at", "kind", "story_id", "orig", "ref", "rev", "need"}},
	{name: "destinations", key: "destination", cols: []string{"destination", "disabled_at", "disabled_reason", "muted_until"}},
	{name: "state", key: "key", cols: []string{"key", "value"}},
	{name: "subscriptions", key: "id", cols: []string{"id", "chat", "watch", "query", "created_by", "created_at"}},
	{name: "chat_feeds", key: "url", cols: []string{"url", "tags", "added_by", "added_at"}},
	{name: "chat_delivery", key: "destination", cols: strings.Fields(strings.ReplaceAll(cols.DeliveryColumns, ",", " "))},
	{name: "watch_mutes", key: "destination, watch", cols: []string{"destination", "watch", "until"}},
	{name: "history", key: "id", cols: []string{"id", "feed_url", "feed", "title", "link", "published", "seen",
		"body", "categories", "watches", "snippet", "sent"}},
	{name: "history_watches", key: "watch, seen, story", cols: []string{"watch", "seen", "story"}},
	{name: "pending_text", key: "id", cols: []string{"id", "story", "feed", "item", "title", "published", "payload", "created_at"}},
	{name: "stories", key: "id", cols: []string{"id", "first_seen", "last_seen", "title", "link"}},
	{name: "story_outlets", key: "story, outlet", cols: []string{"story", "outlet", "title", "link", "seen"}},
	{name: "story_reports", key: "seq", cols: []string{"seq", "story", "seen", "published", "features", "origin"}},
	{name: "story_alerts", key: "story, destination", cols: []string{"story", "destination", "outbox_id", "watches"}},
	{name: "websub", key: "feed", cols: []string{"feed", "hub", "topic", "id", "secret", "state", "requested",
		"lease_until", "last_push", "failures", "error"}},
}

// copyBatch is how many rows one round trip upserts.
const copyBatch = 500

// CopyFrom copies every table of a store/sqlite database, read through src
// (a read transaction, so that the copy is one consistent snapshot), into
// this store. Rows are upserted by their keys, so a copy interrupted half
// way is finished by running it again, and values are copied as they are
// (dedup hashes, nonces, alert ids), so that nothing is alerted twice after
// the move. Leases are not copied: they belong to running replicas.
func (db *DB) CopyFrom(ctx context.Context, src *sql.Tx) ([]CopyTable, error) {
	var out []CopyTable
	for _, t := range copyTables {
		n, err := db.copyTable(ctx, src, t)
		if err != nil {
			return out, db.wrap(fmt.Errorf("store: copy %s: %w", t.name, err))
		}
		out = append(out, CopyTable{Name: t.name, Rows: n})
	}
	if err := db.reindexHistory(ctx); err != nil {
		return out, db.wrap(fmt.Errorf("store: copy history: index its text: %w", err))
	}
	// New rows must not reuse the ids just copied.
	for _, t := range []string{"outbox", "history", "pending_text"} {
		if _, err := db.pool.Exec(ctx, `SELECT setval(pg_get_serial_sequence('`+t+`', 'id'), GREATEST((SELECT max(id) FROM `+t+`), 1))`); err != nil {
			return out, db.wrap(fmt.Errorf("store: copy %s: move its id sequence: %w", t, err))
		}
	}
	if _, err := db.pool.Exec(ctx, `SELECT setval(pg_get_serial_sequence('story_reports', 'seq'), GREATEST((SELECT max(seq) FROM story_reports), 1))`); err != nil {
		return out, db.wrap(fmt.Errorf("store: copy story_reports: move its sequence: %w", err))
	}
	// Story ids: past every id the SQLite store handed out or reserved.
	var next int64
	if err := src.QueryRowContext(ctx, `SELECT COALESCE(MAX(next), 1) FROM story_ids`).Scan(&next); err != nil {
		return out, fmt.Errorf("store: copy story_ids: %w", err)
	}
	if _, err := db.pool.Exec(ctx, `UPDATE story_ids SET next = GREATEST(next, $1, (SELECT COALESCE(max(id), 0) + 1 FROM stories))`, next); err != nil {
		return out, db.wrap(fmt.Errorf("store: copy story_ids: %w", err))
	}
	return out, nil
}

func (db *DB) copyTable(ctx context.Context, src *sql.Tx, t copySpec) (int64, error) {
	rows, err := src.QueryContext(ctx, `SELECT `+strings.Join(t.cols, ", ")+` FROM `+t.name)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var sets []string
	for _, c := range t.cols {
		if !strings.Contains(t.key, c) {
			sets = append(sets, c+" = excluded."+c)
		}
	}
	ph := make([]string, len(t.cols))
	for i := range ph {
		ph[i] = fmt.Sprintf("$%d", i+1)
	}
	upsert := `INSERT INTO ` + t.name + ` (` + strings.Join(t.cols, ", ") + `) VALUES (` + strings.Join(ph, ", ") +
		`) ON CONFLICT (` + t.key + `) DO UPDATE SET ` + strings.Join(sets, ", ")
	// One connection, marked as copying: the outbox's hold trigger
	// (migrations/0004_chats.sql) must leave copied rows as they were.
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT set_config('newshound.copying', 'on', false)`); err != nil {
		return 0, err
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT set_config('newshound.copying', '', false)`) //nolint:errcheck // best effort: the next copy sets it again
	var n int64
	batch := &pgx.Batch{}
	flush := func() error {
		if batch.Len() == 0 {
			return nil
		}
		err := conn.SendBatch(ctx, batch).Close()
		batch = &pgx.Batch{}
		return err
	}
	for rows.Next() {
		vals := make([]any, len(t.cols))
		ptrs := make([]any, len(t.cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		for i, c := range t.cols {
			if b, ok := vals[i].([]byte); ok {
				vals[i] = string(b)
			}
			switch {
			case t.bools[c]:
				v, _ := vals[i].(int64)
				vals[i] = v != 0
			case (t.name == "outbox" || t.name == "pending_text") && c == "story":
				s, _ := vals[i].(string)
				vals[i] = strings.ReplaceAll(s, "\x00", storySep)
			}
		}
		batch.Queue(upsert, vals...)
		n++
		if batch.Len() >= copyBatch {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	return n, flush()
}
