// Package pgtest gives tests a PostgreSQL database of their own: a fresh
// schema on the server named by NEWSHOUND_TEST_PG, dropped when the test
// ends, so that parallel packages and repeated runs never see each other's
// rows. .ci/pg.sh starts a throwaway server and sets the variable.
//
// Without NEWSHOUND_TEST_PG a test skips with a one-line reason, unless
// NEWSHOUND_REQUIRE_PG=1 (CI), where a missing server is a failure: the
// PostgreSQL tests must not pass by not running.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Env is the variable that names the test server's DSN.
const Env = "NEWSHOUND_TEST_PG"

// Server returns the test server's DSN, skipping (or, under
// NEWSHOUND_REQUIRE_PG=1, failing) the test when there is none.
func Server(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(Env)
	if dsn == "" {
		if os.Getenv("NEWSHOUND_REQUIRE_PG") == "1" {
			t.Fatalf("%s is unset but NEWSHOUND_REQUIRE_PG=1: start a server with .ci/pg.sh", Env)
		}
		t.Skipf("PostgreSQL tests need a server: set %s (eval \"$(.ci/pg.sh start)\")", Env)
	}
	return dsn
}

// DSN returns a DSN for a new, empty schema on the test server, dropped
// with everything in it when the test ends.
func DSN(t testing.TB) string {
	t.Helper()
	server := Server(t)
	var b [6]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("pgtest: create schema: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, server)
		if err != nil {
			t.Errorf("pgtest: connect to drop %s: %v", schema, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("pgtest: drop %s: %v", schema, err)
		}
	})
	return WithSchema(t, server, schema)
}

// WithSchema returns server's DSN with search_path set to schema.
func WithSchema(t testing.TB, server, schema string) string {
	t.Helper()
	u, err := url.Parse(server)
	if err != nil || u.Scheme == "" {
		t.Fatalf("pgtest: %s must be a postgres:// URL", Env)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
