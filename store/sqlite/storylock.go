package sqlite

import (
	"context"
	"fmt"
	"sync"
)

// LockStories takes the story lock. A SQLite database has one daemon
// (DaemonLock), whose story decisions its in-memory index already
// serialises, so the lock only needs to exclude the holders of this
// handle: a channel of one, whose wait ctx bounds. A process that dies
// holds nothing.
func (db *DB) LockStories(ctx context.Context) (func(), error) {
	select {
	case db.storyTurn <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("store: wait for the story lock: %w", ctx.Err())
	}
	var once sync.Once
	return func() { once.Do(func() { <-db.storyTurn }) }, nil
}
