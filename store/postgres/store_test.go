package postgres

import (
	"context"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newshound/newshound/store/postgres/pgtest"
)

// Replicas starting together must migrate once: without the advisory lock
// two of them would both see a migration missing and the second CREATE
// TABLE would fail.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	dsn := pgtest.DSN(t)
	const replicas = 4
	var wg sync.WaitGroup
	errs := make([]error, replicas)
	dbs := make([]*DB, replicas)
	for i := range replicas {
		wg.Go(func() { dbs[i], errs[i] = Open(t.Context(), dsn) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
		defer dbs[i].Close()
	}
	got, err := dbs[0].Migrations(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	files, _ := fs.Glob(migrations, "migrations/*.sql")
	var want []string
	for _, f := range files {
		want = append(want, strings.TrimPrefix(f, "migrations/"))
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("applied %v, want each of %v once", got, want)
	}
}

func TestRedactDSN(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://nh:s3cret@db.example:5432/nh?sslmode=disable", "postgres://nh:xxxxx@db.example:5432/nh?sslmode=disable"},
		{"postgres://nh@db.example/nh", "postgres://nh@db.example/nh"},
		{"postgres://db.example/nh?password=s3cret&user=nh", "postgres://db.example/nh?password=xxxxx&user=nh"},
		{"host=db.example user=nh password=s3cret dbname=nh", "host=db.example user=nh password=xxxxx dbname=nh"},
		{"host=db.example PASSWORD=s3cret", "host=db.example PASSWORD=xxxxx"},
		{"postgres://nh:s3c@ret@db.example:bad/nh", "postgres://nh:xxxxx@db.example:bad/nh"},
	}
	for _, tt := range tests {
		if got := RedactDSN(tt.in); got != tt.want {
			t.Errorf("RedactDSN(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// An error from a server that refuses us must not carry the password,
// whatever pgx puts in it.
func TestOpenErrorHidesPassword(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for _, dsn := range []string{
		// Port 1 on loopback: refused at once.
		"postgres://nh:hunter2secret@127.0.0.1:1/nh?connect_timeout=5",
		"host=127.0.0.1 port=1 user=nh password=hunter2secret connect_timeout=5",
		// Unparsable: pgx's parse error quotes the input.
		"postgres://nh:hunter2secret@127.0.0.1:notaport/nh",
	} {
		_, err := Open(ctx, dsn)
		if err == nil {
			t.Fatalf("Open(%s) succeeded", RedactDSN(dsn))
		}
		if strings.Contains(err.Error(), "hunter2secret") {
			t.Errorf("error shows the password: %v", err)
		}
	}
}

// Sequence values are handed out at insert, visibility comes at commit:
// an ingest that took the lower seq may commit second. A reader that
// moved past the higher one gets the lower one back only by asking for it
// (StoryRecordsAfter's also), which is why the engine keeps the seqs it
// found missing.
func TestStoryRecordsCommittedOutOfSeqOrder(t *testing.T) {
	ctx := t.Context()
	db, err := Open(ctx, pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	insert := `INSERT INTO story_reports (story, seen, published, features, origin) VALUES ($1, 1, 0, '\x01', $2) RETURNING seq`
	slow, err := db.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Rollback(ctx)
	var low, high int64
	if err := slow.QueryRow(ctx, insert, 1, "slow").Scan(&low); err != nil {
		t.Fatal(err)
	}
	if err := db.pool.QueryRow(ctx, insert, 2, "fast").Scan(&high); err != nil {
		t.Fatal(err)
	}
	got, err := db.StoryRecordsAfter(ctx, 0, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Seq != high || got[0].Origin != "fast" || high <= low {
		t.Fatalf("before the slow commit: %+v, want only seq %d (the slow one took %d)", got, high, low)
	}
	if err := slow.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err = db.StoryRecordsAfter(ctx, high, nil, ""); err != nil || len(got) != 0 {
		t.Fatalf("after %d without the missing seq: %+v, %v; want nothing (the range alone misses it)", high, got, err)
	}
	got, err = db.StoryRecordsAfter(ctx, high, []int64{low}, "fast")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Seq != low || got[0].Story != 1 || got[0].Origin != "slow" {
		t.Errorf("asking for the missing seq %d: %+v, want the slow record", low, got)
	}
}
