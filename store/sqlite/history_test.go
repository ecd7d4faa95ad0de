package sqlite

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/newshound/newshound/model"
)

// TestHistoryReindex: a store whose history was kept under migration
// 0004's index (title and body through FTS5's unicode61) gets migration
// 0011 and its stories' words indexed when it opens, also after an open
// cut short half way (the bound left part way down).
func TestHistoryReindex(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "h.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	var items []model.NewItem
	for i := range 1200 {
		key := fmt.Sprintf("%d", i)
		items = append(items, model.NewItem{Key: key, Story: &model.Story{Title: "3CX story " + key, Text: "ＡＰＴ２９", Link: "http://x/" + key}})
	}
	if _, err := db.Ingest(ctx, model.FeedState{URL: "http://a/feed", Initialized: true}, nil, items); err != nil {
		t.Fatal(err)
	}
	db.Close()

	// Back to the schema before 0011: the old index, migration 0011 not applied.
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`DROP TRIGGER history_ad`, `DROP TABLE history_words`, `DROP TABLE history_reindex`,
		`CREATE VIRTUAL TABLE history_fts USING fts5(title, body, content = 'history', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2')`,
		`CREATE TRIGGER history_ai AFTER INSERT ON history BEGIN INSERT INTO history_fts (rowid, title, body) VALUES (new.id, new.title, new.body); END`,
		`CREATE TRIGGER history_ad AFTER DELETE ON history BEGIN INSERT INTO history_fts (history_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); END`,
		`INSERT INTO history_fts (history_fts) VALUES ('rebuild')`,
		`DELETE FROM schema_migrations WHERE name = '0011_history_words.sql'`,
	} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()

	check := func(db *DB) {
		t.Helper()
		for _, words := range []string{"cx", "apt 29", "story"} {
			n, err := db.CountHistory(ctx, model.HistorySearch{Words: words})
			if err != nil || n != 1200 {
				t.Errorf("count %q = %d, %v; want every story found", words, n, err)
			}
		}
		var indexed, left int
		if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM history_words`).Scan(&indexed); err != nil || indexed != 1200 {
			t.Errorf("index rows = %d, %v; want one per story", indexed, err)
		}
		if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM history_reindex`).Scan(&left); err != nil || left != 0 {
			t.Errorf("reindex bound rows = %d, %v; want none left", left, err)
		}
	}
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	check(db)
	// An open cut short: the stories below 700 not indexed yet.
	if _, err := db.w.ExecContext(ctx, `DELETE FROM history_words WHERE rowid < 700`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.w.ExecContext(ctx, `INSERT INTO history_reindex (below) VALUES (700)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	check(db)
}
