package postgres

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// storyLockKey is the session advisory lock of the story decisions, one
// per schema (like migrateLock), so that test runs in their own schemas do
// not wait for each other.
const storyLockKey = `hashtextextended('newshound.stories.' || current_schema(), 0)`

// unlockTimeout bounds the unlock statement: past it the connection is
// closed instead, which ends the session and its lock just as well.
const unlockTimeout = 10 * time.Second

// LockStories takes the story lock: a session advisory lock on a
// connection of the pool kept for the holder. The holders of one process
// queue on db.storyTurn first, so that at most one of the pool's
// connections waits in pg_advisory_lock at a time: workers waiting there
// could otherwise hold every connection of the pool while the holder needs
// one for the Ingest it holds the lock for. The lock is the session's, so
// a replica that dies (its connections dropped) releases it; a wait cut
// short by ctx closes its connection, so a lock granted just as ctx ended
// goes with it.
func (db *DB) LockStories(ctx context.Context) (func(), error) {
	select {
	case db.storyTurn <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("store: wait for the story lock: %w", ctx.Err())
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		<-db.storyTurn
		return nil, db.wrap(fmt.Errorf("store: story lock: %w", err))
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(`+storyLockKey+`)`); err != nil {
		// Whether or not the server granted it, the session ends here.
		conn.Conn().Close(context.WithoutCancel(ctx)) //nolint:errcheck // closing is the point, not its answer
		conn.Release()
		<-db.storyTurn
		err = fmt.Errorf("store: wait for the story lock: %w", err)
		if ctx.Err() != nil {
			// The wait ended, not the server: the pool's other
			// connections are fine (db.wrap would reset them all).
			return nil, scrub(err, db.secret)
		}
		return nil, db.wrap(err)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			uctx, cancel := context.WithTimeout(context.Background(), unlockTimeout)
			defer cancel()
			if _, err := conn.Exec(uctx, `SELECT pg_advisory_unlock(`+storyLockKey+`)`); err != nil {
				conn.Conn().Close(uctx) //nolint:errcheck // a closed session holds no lock
			}
			conn.Release()
			<-db.storyTurn
		})
	}, nil
}
