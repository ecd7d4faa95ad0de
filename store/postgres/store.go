// Package postgres keeps Newshound's durable state in PostgreSQL (through
// github.com/jackc/pgx/v5's pool), so that several daemons can share it:
// the same contract as store/sqlite, checked by the same conformance suite
// (store/storetest), plus leases that really are contended.
//
// The files mirror store/sqlite's, one per contract part: feeds.go,
// items.go, outbox.go, subscriptions.go, leases.go; store.go has opening,
// migrations and the small state table. Schema changes are embedded SQL
// files in migrations/, applied in name order under an advisory lock, so
// that replicas starting together migrate once.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/newshound/newshound/store"
	"github.com/newshound/newshound/store/internal/cols"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is an open store.
type DB struct {
	pool *pgxpool.Pool
	// dsn is the redacted DSN, for errors.
	dsn string
	// secret is the DSN's password, scrubbed from every error this
	// package returns (a driver error may quote the connection string).
	secret string
	// now is the clock, replaceable in tests.
	now func() time.Time
	// storyTurn is the story lock's turn within this process (storylock.go).
	storyTurn chan struct{}
}

// Open connects to the PostgreSQL database at dsn (a postgres:// URL or a
// key=value string; search_path=... picks a schema) and brings its schema
// up to date. The password never appears in its errors.
func Open(ctx context.Context, dsn string) (*DB, error) {
	red := RedactDSN(dsn)
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's parse errors may quote the DSN: say only what was wrong with it.
		return nil, fmt.Errorf("store: postgres DSN %s is invalid", red)
	}
	secret := cfg.ConnConfig.Password
	if cfg.MaxConns < 8 {
		// Ingests of a poll cycle run concurrently (poll.concurrency) and
		// each holds a connection for its transaction.
		cfg.MaxConns = 8
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, scrub(fmt.Errorf("store: open %s: %w", red, err), secret)
	}
	db := &DB{pool: pool, dsn: red, secret: secret, now: time.Now, storyTurn: make(chan struct{}, 1)}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, db.wrap(fmt.Errorf("store: %s: %w", red, err))
	}
	if err := db.reindexHistory(ctx); err != nil {
		pool.Close()
		return nil, db.wrap(fmt.Errorf("store: %s: %w", red, err))
	}
	return db, nil
}

// RedactDSN returns dsn with its password replaced by "xxxxx", for logs and
// errors: a postgres:// URL's user info and a key=value string's password=.
func RedactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		q := u.Query()
		if q.Has("password") {
			q.Set("password", "xxxxx")
			u.RawQuery = q.Encode()
		}
		return u.String()
	}
	if strings.Contains(dsn, "://") {
		// A URL that does not parse (a bad port): cut out whatever stands
		// between "user:" and the last "@".
		return userInfoRE.ReplaceAllString(dsn, "${1}xxxxx@")
	}
	fields := strings.Fields(dsn)
	for i, f := range fields {
		if k, _, ok := strings.Cut(f, "="); ok && strings.EqualFold(k, "password") {
			fields[i] = k + "=xxxxx"
		}
	}
	return strings.Join(fields, " ")
}

// userInfoRE finds the password of a postgres://user:password@host URL.
var userInfoRE = regexp.MustCompile(`(://[^:/@]*:).*@`)

// scrubbed is an error whose text has had the password removed; it still
// unwraps to the original so that callers can test for pgx errors.
type scrubbed struct {
	msg string
	err error
}

func (s *scrubbed) Error() string { return s.msg }
func (s *scrubbed) Unwrap() error { return s.err }

// scrub removes secret from err's text.
func scrub(err error, secret string) error {
	if err == nil || secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	return &scrubbed{msg: strings.ReplaceAll(err.Error(), secret, "xxxxx"), err: err}
}

// wrap scrubs the password from err, and drops every pooled connection
// when err says the server ended this one (a restart, a failover, a
// network cut, pg_terminate_backend): the idle ones are most likely dead
// too, and each would otherwise fail one more operation before the pool
// noticed. The next operation connects afresh.
func (db *DB) wrap(err error) error {
	if err == nil {
		return nil
	}
	if connectionLost(err) {
		db.pool.Reset()
	}
	return scrub(err, db.secret)
}

// connectionLost reports whether err means the connection is gone rather
// than that the statement failed.
func connectionLost(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// Class 57: operator intervention (admin_shutdown, crash_shutdown,
		// cannot_connect_now); 08: connection exception.
		return strings.HasPrefix(pe.Code, "57P") || strings.HasPrefix(pe.Code, "08")
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// Close closes the pool, waiting for connections in use to be returned.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// migrateLock is the advisory lock key space of migrations: one lock per
// schema, so that test runs in their own schemas do not wait for each other.
const migrateLock = `hashtextextended('newshound.migrate.' || current_schema(), 0)`

// migrate applies, in name order and each in its own transaction, every
// embedded migration not yet applied, holding an advisory lock for the
// whole pass: a replica that starts while another migrates waits, then
// finds nothing left to do.
func (db *DB) migrate(ctx context.Context) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(`+migrateLock+`)`); err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+migrateLock+`)`) //nolint:errcheck // the lock also ends with the session
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE name = $1`, base).Scan(&n); err != nil {
			return fmt.Errorf("migration %s: %w", base, err)
		}
		if n > 0 {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)`, base, db.now().UnixMilli())
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", base, err)
		}
	}
	return nil
}

// Migrations returns the names of the migrations applied, in order (for
// tests and `newshound migrate`'s report).
func (db *DB) Migrations(ctx context.Context) ([]string, error) {
	rows, err := db.pool.Query(ctx, `SELECT name FROM schema_migrations ORDER BY name`)
	if err != nil {
		return nil, db.wrap(fmt.Errorf("store: list migrations: %w", err))
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return names, db.wrap(err)
}

// tx runs fn in a transaction, committing when it returns nil.
func (db *DB) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db.pool, fn)
}

// exec runs one statement, naming the operation in its error.
func (db *DB) exec(ctx context.Context, what, query string, args ...any) error {
	if _, err := db.pool.Exec(ctx, query, args...); err != nil {
		return db.wrap(fmt.Errorf("store: %s: %w", what, err))
	}
	return nil
}

// Ping checks that the store answers and accepts a write (for /readyz).
func (db *DB) Ping(ctx context.Context) error {
	return db.exec(ctx, "write check", `INSERT INTO state (key, value) VALUES ('ping', $1)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, db.now().UTC().Format(time.RFC3339Nano))
}

// GetState returns the value stored under key, or "" when there is none.
func (db *DB) GetState(ctx context.Context, key string) (string, error) {
	var v string
	err := db.pool.QueryRow(ctx, `SELECT value FROM state WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", db.wrap(fmt.Errorf("store: get state %q: %w", key, err))
	}
	return v, nil
}

// SetState stores value under key.
func (db *DB) SetState(ctx context.Context, key, value string) error {
	return db.exec(ctx, fmt.Sprintf("set state %q", key), `INSERT INTO state (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
}

// ms and fromMS are the store's time columns: unix milliseconds, 0 for
// the zero time (as the other backend keeps them).
func ms(t time.Time) int64 { return cols.Millis(t) }

func fromMS(v int64) time.Time { return cols.FromMillis(v) }

var _ store.Store = (*DB)(nil)
