package pgtest

import (
	"database/sql"
	"testing"
)

// recorder stands in for a test, to see whether DSN skips or fails it.
type recorder struct {
	testing.TB
	skipped, failed bool
}

func (*recorder) Helper()        {}
func (r *recorder) Skip(...any)  { r.skipped = true }
func (r *recorder) Fatal(...any) { r.failed = true }

func TestDSNWithoutServer(t *testing.T) {
	for _, tt := range []struct {
		name, ci, require string
		wantFail          bool
	}{
		{"developer machine skips", "", "", false},
		{"CI fails", "true", "", true},
		{"required fails", "", "1", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvDSN, "")
			t.Setenv("CI", tt.ci)
			t.Setenv("MINAARENDEN_REQUIRE_POSTGRES", tt.require)
			r := &recorder{TB: t}
			DSN(r)
			if r.failed != tt.wantFail || r.skipped == tt.wantFail {
				t.Errorf("failed %v, skipped %v; want failed %v", r.failed, r.skipped, tt.wantFail)
			}
		})
	}
}

func TestDSNWithServer(t *testing.T) {
	const dsn = "postgres://postgres@127.0.0.1:1/x"
	t.Setenv(EnvDSN, dsn)
	r := &recorder{TB: t}
	if got := DSN(r); got != dsn || r.failed || r.skipped {
		t.Errorf("DSN = %q (failed %v, skipped %v), want %q", got, r.failed, r.skipped, dsn)
	}
}

// A schema is the test's own and is gone after it.
func TestSchema(t *testing.T) {
	admin := Open(t, DSN(t))
	var names []string
	t.Run("two schemas", func(t *testing.T) {
		a, b := Open(t, Schema(t)), Open(t, Schema(t))
		if _, err := a.ExecContext(t.Context(), "CREATE TABLE only_in_a (x int)"); err != nil {
			t.Fatal(err)
		}
		if _, err := b.ExecContext(t.Context(), "SELECT * FROM only_in_a"); err == nil {
			t.Error("a table made in one test schema is seen from another")
		}
		for _, db := range []*sql.DB{a, b} {
			var name string
			if err := db.QueryRowContext(t.Context(), "SELECT current_schema()").Scan(&name); err != nil {
				t.Fatal(err)
			}
			names = append(names, name)
		}
	})
	if len(names) != 2 || names[0] == names[1] {
		t.Fatalf("schemas %q, want two different", names)
	}
	for _, name := range names {
		var n int
		if err := admin.QueryRowContext(t.Context(), "SELECT count(*) FROM pg_namespace WHERE nspname = $1", name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("schema %s is still there after its test", name)
		}
	}
}
