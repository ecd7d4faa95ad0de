// Package sqlite keeps Newshound's durable state in SQLite (modernc.org/sqlite,
// pure Go): feed polling state, the items seen with their dedup keys, the
// outbox of alerts, subscriptions and small settings.
//
// All writes go through one connection (SQLite has one writer; queueing them
// in database/sql is cheaper than SQLITE_BUSY retries); reads use a separate
// pool, which WAL mode lets run beside the writer. Every method takes a
// context and returns errors that name the operation.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/newshound/newshound/store"
	"github.com/newshound/newshound/store/internal/cols"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is an open store.
type DB struct {
	w  *sql.DB // the single writer
	r  *sql.DB // readers
	ck *sql.DB // the checkpointer's connection
	// Statements prepared once on the writer: the driver would otherwise
	// parse the SQL again on every call, on the hottest path.
	stmts writerStmts
	story storyStmts // the story statements (stories.go)
	// batches feeds the group-commit writer (see batch).
	batches   chan *batchReq
	writerOut chan struct{}
	ckStop    chan struct{}
	ckOut     chan struct{}
	closeOnce sync.Once
	closeErr  error
	// now is the clock, replaceable in tests.
	now func() time.Time
	// storyTurn is the story lock (storylock.go).
	storyTurn chan struct{}
}

// Open opens (creating if needed) the SQLite database at path and brings its
// schema up to date.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("store: empty database path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	dsn := func(extra string) string {
		q := url.Values{}
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Add("_pragma", "foreign_keys(ON)")
		// Savepoints (one per feed in a group commit) journal to a temp
		// file otherwise: a write syscall per touched page.
		q.Add("_pragma", "temp_store(MEMORY)")
		q.Set("_txlock", "immediate")
		return "file:" + abs + "?" + q.Encode() + extra
	}
	// The writer keeps 12 MB of pages: the hot part of the dedup indexes
	// stays in memory instead of being read back (from the OS's cache) for
	// every insert. It was 24 MB; on the 10,000-feed farm halving it cut
	// the daemon's peak RSS by 22 MB (the cache lives outside the Go heap,
	// with the allocator's overhead on top) and left the first cycle's CPU
	// per feed unchanged (BENCHMARKS.md, issue 17 third pass).
	// Checkpoints run in their own goroutine (checkpointer): inside a
	// commit they stall the single writer. The writer's own automatic
	// checkpoint stays as a backstop at 32,000 pages (128 MB of WAL).
	// After a checkpoint lets the WAL start over, its file is cut back to
	// 32 MB, so a burst does not hold disk space for ever.
	w, err := sql.Open("sqlite", dsn("&_pragma=cache_size(-12288)&_pragma=wal_autocheckpoint(32000)&_pragma=journal_size_limit(33554432)"))
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	db := &DB{w: w, now: time.Now, storyTurn: make(chan struct{}, 1)}
	if err := db.migrate(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	if err := db.reindexHistory(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	err = db.stmts.prepare(ctx, w)
	if err == nil {
		err = db.story.prepare(ctx, w)
	}
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	// Readers answer short look-ups (due states, seen keys, the console)
	// from pages the OS caches anyway; SQLite's default of 2 MB each, held
	// outside the Go heap, could hold 10 MB of the RSS over four readers
	// and the checkpointer, which reads no pages through its cache.
	r, err := sql.Open("sqlite", dsn("&mode=ro&_pragma=cache_size(-1024)"))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s for reading: %w", path, err)
	}
	r.SetMaxOpenConns(4)
	db.r = r
	ck, err := sql.Open("sqlite", dsn("&_pragma=cache_size(-128)"))
	if err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("store: open %s for checkpoints: %w", path, err)
	}
	ck.SetMaxOpenConns(1)
	db.ck = ck
	db.batches = make(chan *batchReq)
	db.writerOut = make(chan struct{})
	db.ckStop = make(chan struct{})
	db.ckOut = make(chan struct{})
	go db.groupWriter()
	go db.checkpointer()
	return db, nil
}

// checkpointInterval is how often the checkpointer copies the WAL into the
// database file.
const checkpointInterval = 500 * time.Millisecond

// checkpointer copies committed WAL frames into the database beside the
// writer (PASSIVE: it never waits for the writer or readers), so that the
// WAL stays short without a commit ever doing the copying and its fsync.
func (db *DB) checkpointer() {
	defer close(db.ckOut)
	t := time.NewTicker(checkpointInterval)
	defer t.Stop()
	for {
		select {
		case <-db.ckStop:
			return
		case <-t.C:
			// A failed checkpoint is retried at the next tick, and the
			// writer's own checkpoint remains as a backstop; a store that
			// cannot write shows in /readyz.
			db.ck.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
		}
	}
}

// Close closes the database; later calls return the first call's result.
// No Ingest may be in progress or start afterwards.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		close(db.batches)
		<-db.writerOut
		close(db.ckStop)
		<-db.ckOut
		db.closeErr = errors.Join(db.ck.Close(), db.r.Close(), db.w.Close())
	})
	return db.closeErr
}

// writerStmts are the writer's hot statements, prepared once.
type writerStmts struct {
	saveFeed, touchItem, linkKnown, titleKnown, insertItem, queueAlert *sql.Stmt
	savepoint, rollbackTo, release                                     *sql.Stmt
	insertStory, insertStoryWatch, insertStoryWords                    *sql.Stmt
}

func (s *writerStmts) prepare(ctx context.Context, w *sql.DB) error {
	for _, p := range []struct {
		dst   **sql.Stmt
		query string
	}{
		{&s.saveFeed, saveFeedSQL}, {&s.touchItem, touchItemSQL}, {&s.linkKnown, linkKnownSQL},
		{&s.titleKnown, titleKnownSQL}, {&s.insertItem, insertItemSQL}, {&s.queueAlert, queueAlertSQL},
		{&s.savepoint, `SAVEPOINT batch`}, {&s.rollbackTo, `ROLLBACK TO batch`}, {&s.release, `RELEASE batch`},
		{&s.insertStory, insertStorySQL}, {&s.insertStoryWatch, insertStoryWatchSQL}, {&s.insertStoryWords, insertStoryWordsSQL},
	} {
		stmt, err := w.PrepareContext(ctx, p.query)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", p.query, err)
		}
		*p.dst = stmt
	}
	return nil
}

// batchReq is one transaction's work handed to the group-commit writer.
type batchReq struct {
	ctx  context.Context
	fn   func(*sql.Tx) error
	done chan error
}

// maxGroup bounds how many requests share one commit.
const maxGroup = 64

// batch runs fn atomically like tx, but lets concurrent callers share one
// commit: a commit writes the WAL and costs far more than a feed's inserts,
// and with many feeds parsed at once it dominated the poll cycle. Each fn
// runs inside its own savepoint, so one failing fn rolls back only its own
// work; fn returns only after its work is committed (or failed).
func (db *DB) batch(ctx context.Context, fn func(*sql.Tx) error) error {
	req := &batchReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case db.batches <- req:
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-req.done
}

// groupWriter serves batch: it takes the requests waiting, runs them in one
// transaction, each in a savepoint, and commits once.
func (db *DB) groupWriter() {
	defer close(db.writerOut)
	for first := range db.batches {
		group := []*batchReq{first}
	more:
		for len(group) < maxGroup {
			select {
			case req, ok := <-db.batches:
				if !ok {
					break more
				}
				group = append(group, req)
			default:
				break more
			}
		}
		db.runGroup(group)
	}
}

func (db *DB) runGroup(group []*batchReq) {
	errs := make([]error, len(group))
	err := db.tx(context.Background(), func(tx *sql.Tx) error {
		for i, req := range group {
			if errs[i] = req.ctx.Err(); errs[i] != nil {
				continue
			}
			if _, err := tx.Stmt(db.stmts.savepoint).Exec(); err != nil {
				return err
			}
			if errs[i] = req.fn(tx); errs[i] != nil {
				if _, err := tx.Stmt(db.stmts.rollbackTo).Exec(); err != nil {
					return err
				}
			}
			if _, err := tx.Stmt(db.stmts.release).Exec(); err != nil {
				return err
			}
		}
		return nil
	})
	for i, req := range group {
		if err != nil {
			req.done <- err
		} else {
			req.done <- errs[i]
		}
	}
}

// migrate applies, in name order, every embedded migration not yet applied.
func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
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
		if err := db.w.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE name = ?`, base).Scan(&n); err != nil {
			return fmt.Errorf("migration %s: %w", base, err)
		}
		if n > 0 {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		err = db.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`, base, db.now().UnixMilli())
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", base, err)
		}
	}
	return nil
}

// tx runs fn in a write transaction, committing when it returns nil.
func (db *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Ping checks that the store answers and accepts a write (for /readyz).
func (db *DB) Ping(ctx context.Context) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO state (key, value) VALUES ('ping', ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, db.now().UTC().Format(time.RFC3339Nano))
	if err != nil {
		return fmt.Errorf("store: write check: %w", err)
	}
	return nil
}

// GetState returns the value stored under key, or "" when there is none.
func (db *DB) GetState(ctx context.Context, key string) (string, error) {
	var v string
	err := db.r.QueryRowContext(ctx, `SELECT value FROM state WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: get state %q: %w", key, err)
	}
	return v, nil
}

// SetState stores value under key.
func (db *DB) SetState(ctx context.Context, key, value string) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO state (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("store: set state %q: %w", key, err)
	}
	return nil
}

// ms and fromMS are the store's time columns: unix milliseconds, 0 for
// the zero time (as the other backend keeps them).
func ms(t time.Time) int64 { return cols.Millis(t) }

func fromMS(v int64) time.Time { return cols.FromMillis(v) }

var _ store.Store = (*DB)(nil)
