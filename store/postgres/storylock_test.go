package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/newshound/newshound/store/postgres/pgtest"
)

// The story lock is the database's, not a handle's: a replica's second
// handle waits while the first holds it, and takes it once the first
// holder's session dies without unlocking (a replica killed mid-ingest).
func TestStoryLockAcrossReplicas(t *testing.T) {
	dsn := pgtest.DSN(t)
	open := func() *DB {
		db, err := Open(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	a, b := open(), open()
	unlockA, err := a.LockStories(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer unlockA()
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	if unlock, err := b.LockStories(ctx); err == nil {
		unlock()
		t.Fatal("replica b took the story lock while replica a holds it")
	}
	cancel()
	// a dies: its session ends without an unlock.
	var pid int64
	if err := b.pool.QueryRow(t.Context(), `SELECT pid FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		AND ((classid::bigint << 32) | objid::bigint) = (`+storyLockKey+` & x'ffffffffffffffff'::bigint)`).Scan(&pid); err != nil {
		t.Fatalf("finding the holder's session: %v", err)
	}
	if _, err := b.pool.Exec(t.Context(), `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	ctx, cancel = context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	unlockB, err := b.LockStories(ctx)
	if err != nil {
		t.Fatalf("replica b after a's session died: %v", err)
	}
	unlockB()
}
