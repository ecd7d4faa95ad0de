package main

import (
	"errors"
	"fmt"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/store/sqlite"
)

// lockStore takes the daemon lock of the configured SQLite store, held
// until the daemon exits (the kernel drops it even after kill -9). Only run
// takes it: two daemons on one file would poll every feed and send every
// alert twice, while the commands that read the store (feed ls, outbox ls,
// watch ls, outbox retry) are meant to work beside a running daemon.
// A PostgreSQL store takes no lock (nil): several replicas share one, and
// the feed and sender leases keep them from doing the same work twice.
func lockStore(cfg *config.Config) (*sqlite.DaemonLock, error) {
	if cfg.Store.Driver == "postgres" {
		return nil, nil
	}
	lock, err := sqlite.LockDaemon(cfg.Store.Path)
	var inUse *sqlite.InUseError
	if errors.As(err, &inUse) {
		return nil, fmt.Errorf("%w; stop it first, or give this one its own store.path", err)
	}
	return lock, err
}
