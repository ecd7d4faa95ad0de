package postgres

import (
	"fmt"
	"sync"
	"testing"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store/postgres/pgtest"
)

// TestHistoryReindex: a store whose history was kept under migration
// 0006's index (a 'simple' tsvector of the folded text) gets migration
// 0012 and its stories' words indexed when it opens; replicas opening
// together share the work and leave no story out.
func TestHistoryReindex(t *testing.T) {
	ctx := t.Context()
	dsn := pgtest.DSN(t)
	db, err := Open(ctx, dsn)
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
	// Back to the schema before 0012: the old vector, migration 0012 not applied.
	for _, q := range []string{
		`DROP INDEX history_words`, `DROP INDEX history_unindexed`, `ALTER TABLE history DROP COLUMN words`,
		`ALTER TABLE history ADD COLUMN fts tsvector NOT NULL DEFAULT ''::tsvector`,
		`UPDATE history SET fts = to_tsvector('simple', title || ' ' || body)`,
		`CREATE INDEX history_fts ON history USING GIN (fts)`,
		`DELETE FROM schema_migrations WHERE name = '0012_history_words.sql'`,
	} {
		if _, err := db.pool.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	const replicas = 3
	var wg sync.WaitGroup
	dbs := make([]*DB, replicas)
	errs := make([]error, replicas)
	for i := range replicas {
		wg.Go(func() { dbs[i], errs[i] = Open(ctx, dsn) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
		defer dbs[i].Close()
	}
	for _, words := range []string{"cx", "apt 29", "story"} {
		n, err := dbs[0].CountHistory(ctx, model.HistorySearch{Words: words})
		if err != nil || n != 1200 {
			t.Errorf("count %q = %d, %v; want every story found", words, n, err)
		}
	}
	var left int
	if err := dbs[0].pool.QueryRow(ctx, `SELECT count(*) FROM history WHERE words IS NULL`).Scan(&left); err != nil || left != 0 {
		t.Errorf("stories left unindexed = %d, %v; want none", left, err)
	}
}
