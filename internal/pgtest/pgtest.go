// Package pgtest gives tests a PostgreSQL schema of their own, so tests run
// in parallel against one server and leave nothing behind.
//
// The server is named by the environment variable MINAARENDEN_TEST_POSTGRES,
// a DSN such as postgres://postgres@127.0.0.1:5432/minaarenden?sslmode=disable
// (.ci/postgres.sh starts a throwaway one and prints it). Without it the
// tests that need PostgreSQL skip and say so — unless CI=true or
// MINAARENDEN_REQUIRE_POSTGRES=1, where a missing server fails them: CI must
// not go green on tests it never ran.
//
// It imports the pgx driver, so only tests import it.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// EnvDSN is the environment variable naming the test server.
const EnvDSN = "MINAARENDEN_TEST_POSTGRES"

// Required reports whether a missing server fails the tests instead of
// skipping them.
func Required() bool {
	return os.Getenv("CI") == "true" || os.Getenv("MINAARENDEN_REQUIRE_POSTGRES") == "1"
}

// DSN returns the server's DSN, skipping the test (or failing it, under CI)
// when there is none.
func DSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn != "" {
		return dsn
	}
	msg := EnvDSN + " is not set, so the PostgreSQL tests do not run; " +
		"start a throwaway server with `dir=$(mktemp -d); export " + EnvDSN + "=$(.ci/postgres.sh start $dir)`"
	if Required() {
		t.Fatal(msg + " (required here: CI=true or MINAARENDEN_REQUIRE_POSTGRES=1)")
		return ""
	}
	t.Skip(msg)
	return ""
}

// Schema creates a schema of its own for the test, dropped when the test
// ends, and returns a DSN whose connections work in it (search_path). Open
// it as often as the test needs separate replicas.
func Schema(t testing.TB) string {
	t.Helper()
	base := DSN(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("pgtest: open %s: %v", EnvDSN, err)
	}
	t.Cleanup(func() { admin.Close() })

	// Lower case: search_path folds an unquoted name.
	name := "test_" + strings.ToLower(rand.Text()[:16])
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, fmt.Sprintf(`CREATE SCHEMA "%s"`, name)); err != nil {
		t.Fatalf("pgtest: create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), fmt.Sprintf(`DROP SCHEMA "%s" CASCADE`, name)); err != nil {
			t.Errorf("pgtest: drop schema: %v", err)
		}
	})

	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("pgtest: %s is not a URL: %v", EnvDSN, err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open opens dsn and closes it when the test ends. Connections are bounded
// so that many parallel tests stay within the server's max_connections.
func Open(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("pgtest: open: %v", err)
	}
	db.SetMaxOpenConns(8)
	t.Cleanup(func() { db.Close() })
	return db
}

// DB is Open(t, Schema(t)): one connection pool in a schema of its own.
func DB(t testing.TB) *sql.DB {
	t.Helper()
	return Open(t, Schema(t))
}
