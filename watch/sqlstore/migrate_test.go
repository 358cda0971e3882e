package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/aterkoppling/minaarenden/internal/pgtest"
)

type applied struct {
	Version int
	Name    string
}

func appliedMigrations(t *testing.T, db *sql.DB) []applied {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), "SELECT version, name FROM watch_schema_migrations ORDER BY version")
	if err != nil {
		t.Fatalf("read watch_schema_migrations: %v", err)
	}
	defer rows.Close()
	var out []applied
	for rows.Next() {
		var a applied
		if err := rows.Scan(&a.Version, &a.Name); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// The embedded migrations: the same numbers and names in both dialects, so
// the schemas stay in step.
func TestEmbeddedMigrations(t *testing.T) {
	var names [][]string
	for _, d := range []Dialect{SQLite, PostgreSQL} {
		ms, err := migrations(migrationFiles, "migrations/"+d.dir())
		if err != nil {
			t.Fatalf("%v: %v", d, err)
		}
		var n []string
		for _, m := range ms {
			n = append(n, fmt.Sprintf("%d_%s", m.version, m.name))
		}
		names = append(names, n)
	}
	if len(names[0]) == 0 {
		t.Fatal("no migrations embedded")
	}
	if diff := cmp.Diff(names[0], names[1]); diff != "" {
		t.Errorf("SQLite and PostgreSQL migrations differ (-SQLite +PostgreSQL):\n%s", diff)
	}
}

func TestMigrationFiles(t *testing.T) {
	for _, tt := range []struct {
		name  string
		files []string
		want  string // the error, or the versions read
	}{
		{"in order", []string{"0002_b.sql", "0001_a.sql", "0010_c.sql"}, "sqlstore: migrations skip from 2 to 10"},
		{"numbered", []string{"0001_a.sql", "0002_b.sql"}, "[1 2]"},
		{"not numbered", []string{"0001_a.sql", "init.sql"}, "sqlstore: migration file init.sql is not named NNNN_name.sql"},
		{"not SQL", []string{"0001_a.txt"}, "sqlstore: migration file 0001_a.txt is not named NNNN_name.sql"},
		{"not from 1", []string{"0002_b.sql"}, "sqlstore: migrations skip from 0 to 2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, f := range tt.files {
				fsys["m/"+f] = &fstest.MapFile{Data: []byte("SELECT 1")}
			}
			ms, err := migrations(fsys, "m")
			got := fmt.Sprint(err)
			if err == nil {
				var vs []int
				for _, m := range ms {
					vs = append(vs, m.version)
				}
				got = fmt.Sprint(vs)
			}
			if got != tt.want {
				t.Errorf("migrations(%v) = %s, want %s", tt.files, got, tt.want)
			}
		})
	}
}

func TestNewUnknownDialect(t *testing.T) {
	_, err := New(t.Context(), nil, Dialect(7))
	if err == nil || !strings.Contains(err.Error(), "Dialect(7)") {
		t.Errorf("New with an unknown dialect = %v, want an error naming it", err)
	}
}

func TestMigrate(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.dialect.String(), func(t *testing.T) {
			t.Parallel()
			d.require(t)

			t.Run("applied once", func(t *testing.T) {
				t.Parallel()
				db := d.open(t)
				newStore(t, db, d.dialect)
				newStore(t, db, d.dialect)
				want := []applied{{1, "init"}, {2, "indexes"}}
				if diff := cmp.Diff(want, appliedMigrations(t, db)); diff != "" {
					t.Errorf("applied migrations mismatch (-want +got):\n%s", diff)
				}
			})

			t.Run("a failing migration writes nothing", func(t *testing.T) {
				t.Parallel()
				db := d.open(t)
				s := &Store{db: db, dialect: d.dialect}
				err := s.migrate(t.Context(), []migration{
					{1, "first", "CREATE TABLE first_table (x INTEGER)"},
					{2, "broken", "CREATE TABLE second_table (x INTEGER); CREATE TABLE (;"},
				})
				if err == nil || !strings.Contains(err.Error(), "sqlstore: migration 2 (broken): ") {
					t.Fatalf("migrate = %v, want an error naming migration 2", err)
				}
				for _, table := range []string{"first_table", "second_table", "watch_schema_migrations"} {
					if _, err := db.ExecContext(t.Context(), "SELECT count(*) FROM "+table); err == nil {
						t.Errorf("table %s exists after the failed migration", table)
					}
				}
			})

			t.Run("a newer schema is refused", func(t *testing.T) {
				t.Parallel()
				db := d.open(t)
				newStore(t, db, d.dialect)
				if _, err := db.ExecContext(t.Context(), "INSERT INTO watch_schema_migrations (version, name) VALUES (99, 'future')"); err != nil {
					t.Fatal(err)
				}
				_, err := New(t.Context(), db, d.dialect)
				if err == nil || !strings.Contains(err.Error(), "schema is at version 99, newer than this program's 2") {
					t.Errorf("New on a newer schema = %v, want it refused", err)
				}
			})
		})
	}
}

// Replicas starting together, each with a connection pool of its own,
// all start, and the schema is applied once.
func TestMigrateConcurrently(t *testing.T) {
	for _, tc := range []struct {
		dialect Dialect
		// target returns a function opening one more pool on one shared,
		// new database.
		target func(t *testing.T) func() *sql.DB
	}{
		{SQLite, func(t *testing.T) func() *sql.DB {
			path := filepath.Join(t.TempDir(), "watch.db")
			return func() *sql.DB { return openSQLite(t, path) }
		}},
		{PostgreSQL, func(t *testing.T) func() *sql.DB {
			dsn := pgtest.Schema(t)
			return func() *sql.DB { return pgtest.Open(t, dsn) }
		}},
	} {
		t.Run(tc.dialect.String(), func(t *testing.T) {
			t.Parallel()
			open := tc.target(t)
			const replicas = 8
			dbs := make([]*sql.DB, replicas)
			for i := range dbs {
				dbs[i] = open()
			}
			var wg sync.WaitGroup
			start := make(chan struct{})
			errs := make([]error, replicas)
			for i, db := range dbs {
				wg.Go(func() {
					<-start
					_, errs[i] = New(context.WithoutCancel(t.Context()), db, tc.dialect)
				})
			}
			close(start)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("replica %d: %v", i, err)
				}
			}
			if diff := cmp.Diff([]applied{{1, "init"}, {2, "indexes"}}, appliedMigrations(t, dbs[0])); diff != "" {
				t.Errorf("applied migrations mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
