package sqlstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations
var migrationFiles embed.FS

// migration is one numbered schema change: migrations/<dialect>/NNNN_name.sql.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations reads the migrations in dir in order. Their numbers start at 1
// and have no gaps, so a missing file cannot go unnoticed.
func migrations(fsys fs.FS, dir string) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("sqlstore: migration file %s is not named NNNN_name.sql", e.Name())
		}
		body, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("sqlstore: read migration %d: %w", v, err)
		}
		ms = append(ms, migration{version: v, name: name, sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("sqlstore: migrations skip from %d to %d", i, m.version)
		}
	}
	return ms, nil
}

// migrationLock is the PostgreSQL advisory lock key migrations are applied
// under, so replicas starting together apply each migration once: the
// second waits for the first's transaction and then finds nothing to do.
const migrationLock = 0x6d696e6177617463 // "minawatc"

// migrate brings the schema up to the last of ms, all in one transaction: a
// failing migration leaves the schema as it was.
func (s *Store) migrate(ctx context.Context, ms []migration) error {
	if s.dialect == SQLite {
		if err := s.walMode(ctx); err != nil {
			return fmt.Errorf("sqlstore: set the SQLite journal mode: %w", err)
		}
	}
	return s.inTx(ctx, func(tx querier) error {
		if s.dialect == PostgreSQL {
			if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrationLock)); err != nil {
				return fmt.Errorf("sqlstore: take the migration lock: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS watch_schema_migrations (
			version INTEGER PRIMARY KEY,
			name    TEXT NOT NULL,
			applied TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
		)`); err != nil {
			return fmt.Errorf("sqlstore: create table watch_schema_migrations: %w", err)
		}
		var current int
		if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM watch_schema_migrations").Scan(&current); err != nil {
			return fmt.Errorf("sqlstore: read table watch_schema_migrations: %w", err)
		}
		if current > len(ms) {
			return fmt.Errorf("sqlstore: the database's schema is at version %d, newer than this program's %d: run a newer program", current, len(ms))
		}
		for _, m := range ms[current:] {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("sqlstore: migration %d (%s): %w", m.version, m.name, err)
			}
			if _, err := tx.ExecContext(ctx, s.q("INSERT INTO watch_schema_migrations (version, name) VALUES ($1, $2)"), m.version, m.name); err != nil {
				return fmt.Errorf("sqlstore: record migration %d (%s): %w", m.version, m.name, err)
			}
		}
		return nil
	})
}

// walMode switches a SQLite file to WAL, which lets readers go on while one
// connection writes; it cannot change inside a transaction and stays set in
// the file. Switching waits for no busy timeout: processes opening a new
// file together get "database is locked" at once, so it is tried again for
// as long as a write would wait.
func (s *Store) walMode(ctx context.Context) error {
	conn, err := s.sqliteConn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	wait := 5 * time.Millisecond
	deadline := time.Now().Add(sqliteBusyTimeout)
	for {
		var mode string
		err := conn.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 200*time.Millisecond)
	}
}
