package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strings"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/store/postgres"
	"github.com/newshound/newshound/store/sqlite"
)

const migrateUsage = `usage: newshound migrate [--config F] --to DSN

Copies the whole state of the configured SQLite store (store.path) into the
PostgreSQL database DSN (postgres://user:pass@host/db; ${VAR} expands),
creating its tables: feeds, items, outbox, destinations, state,
subscriptions and chat feeds, in one consistent read of SQLite. Rows are
upserted, so an interrupted copy is finished by running it again. Stop the
daemon first; then set store.driver: postgres and store.dsn.`

func cmdMigrate(args []string, stdout, stderr io.Writer) int {
	a, code, ok := parseArgs("migrate", args, map[string]flagKind{"config": flagValue, "to": flagValue}, 0, 0, migrateUsage, stdout, stderr)
	if !ok {
		return code
	}
	to := a.one("to")
	if to == "" {
		fmt.Fprintf(stderr, "newshound: migrate: --to DSN is required\n%s\n", migrateUsage)
		return exitInput
	}
	if !strings.HasPrefix(to, "postgres://") && !strings.HasPrefix(to, "postgresql://") {
		fmt.Fprintf(stderr, "newshound: migrate: --to must be a postgres:// URL, got %s\n", postgres.RedactDSN(to))
		return exitInput
	}
	cfg, err := config.Load(config.ResolvePath(a.one("config")))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitInput
	}
	if cfg.Store.Driver == "postgres" {
		fmt.Fprintln(stderr, "newshound: migrate: the configured store is already PostgreSQL; migrate copies from store.path (SQLite)")
		return exitInput
	}
	ctx := context.Background()
	n, err := migrateSQLite(ctx, cfg.Store.Path, to, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "newshound: migrate:", err)
		return exitRuntime
	}
	fmt.Fprintf(stdout, "copied %d rows from %s to %s\n", n, cfg.Store.Path, postgres.RedactDSN(to))
	return exitOK
}

// migrateSQLite copies the SQLite store at path into the PostgreSQL store
// at dsn and prints one line per table; it returns the rows copied.
func migrateSQLite(ctx context.Context, path, dsn string, stdout io.Writer) (int64, error) {
	// Opening through store/sqlite first brings an older file's schema up
	// to date, so the copy reads the columns it expects.
	src, err := sqlite.Open(ctx, path)
	if err != nil {
		return 0, err
	}
	src.Close()
	raw, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return 0, err
	}
	defer raw.Close()
	// One read transaction: every table from the same snapshot, while a
	// daemon that was not stopped keeps writing beside it.
	tx, err := raw.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, err
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	dst, err := postgres.Open(ctx, dsn)
	if err != nil {
		return 0, err
	}
	defer dst.Close()
	tables, err := dst.CopyFrom(ctx, tx)
	var total int64
	for _, t := range tables {
		fmt.Fprintf(stdout, "%-14s %d\n", t.Name, t.Rows)
		total += t.Rows
	}
	return total, err
}
