package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/store"
	"github.com/newshound/newshound/store/postgres"
)

// errNoStore says that the configured SQLite file does not exist yet: the
// daemon has never run, so there is nothing to read, and a command that
// only reads must not create an empty database as a side effect.
var errNoStore = errors.New("no store yet")

// openExistingStore opens the configured store for a command that reads
// it (feed ls, watch ls, feed export): through openStore, so that every
// command sees the backend the daemon uses, but without creating a SQLite
// file that is not there (errNoStore). A PostgreSQL store always exists
// once its server answers; opening it brings its schema up to date.
func openExistingStore(ctx context.Context, cfg *config.Config) (store.Store, error) {
	if cfg.Store.Driver != "postgres" {
		if _, err := os.Stat(cfg.Store.Path); err != nil {
			return nil, errNoStore
		}
	}
	return openStore(ctx, cfg)
}

// storeName names the configured store for messages: the SQLite path, or
// the PostgreSQL DSN without its password.
func storeName(cfg *config.Config) string {
	if cfg.Store.Driver == "postgres" {
		return fmt.Sprintf("PostgreSQL %s", postgres.RedactDSN(cfg.Store.DSN))
	}
	return cfg.Store.Path
}
