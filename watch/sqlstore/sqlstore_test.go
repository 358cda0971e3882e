package sqlstore

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/internal/pgtest"
	"github.com/aterkoppling/minaarenden/watch"
	"github.com/aterkoppling/minaarenden/watch/storetest"
)

// openSQLite opens path, a SQLite file.
func openSQLite(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatalf("open SQLite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

type dialectCase struct {
	dialect Dialect
	open    func(t testing.TB) *sql.DB
}

// dialects opens a new, empty database of each dialect; the PostgreSQL one
// skips without a server (see internal/pgtest).
var dialects = []dialectCase{
	{SQLite, func(t testing.TB) *sql.DB { return openSQLite(t, filepath.Join(t.TempDir(), "watch.db")) }},
	{PostgreSQL, func(t testing.TB) *sql.DB { return pgtest.DB(t) }},
}

// require skips (or, under CI, fails) a PostgreSQL test without a server,
// once rather than in each subtest.
func (d dialectCase) require(t testing.TB) {
	if d.dialect == PostgreSQL {
		pgtest.DSN(t)
	}
}

func newStore(t testing.TB, db *sql.DB, d Dialect) *Store {
	t.Helper()
	s, err := New(t.Context(), db, d)
	if err != nil {
		t.Fatalf("New(%v): %v", d, err)
	}
	return s
}

func TestConformance(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.dialect.String(), func(t *testing.T) {
			t.Parallel()
			d.require(t)
			storetest.Run(t, func(t *testing.T) watch.Store {
				return newStore(t, d.open(t), d.dialect)
			})
		})
	}
}

// A stored question that no longer decodes is named by its subscription in
// the error, and the identifiers in it are not quoted.
func TestUndecodableQuestion(t *testing.T) {
	const pnr = "199001012385"
	for _, d := range dialects {
		t.Run(d.dialect.String(), func(t *testing.T) {
			t.Parallel()
			d.require(t)
			db := d.open(t)
			s := newStore(t, db, d.dialect)
			sub := watch.Subscription{ID: "sub-1", Parter: []minaarenden.Part{{Kund: &minaarenden.Kund{Identifierare: pnr, Typ: minaarenden.Personnummer}}}}
			if err := s.Put(t.Context(), sub); err != nil {
				t.Fatal(err)
			}
			bad := []byte(`{"v":1,"id":"sub-1","parter":[{"kund":{"identifierare":"` + pnr + `","typ":"Personnummer","shoe":"` + pnr + `"}}]}`)
			if _, err := db.ExecContext(t.Context(), s.q("UPDATE watch_subscriptions SET question = $1"), bad); err != nil {
				t.Fatal(err)
			}
			_, err := s.Claim(t.Context(), watch.ClaimOptions{Owner: "a", Now: time.Now(), Lease: time.Minute})
			if err == nil || !strings.Contains(err.Error(), `subscription "sub-1"`) {
				t.Fatalf("Claim of an undecodable question = %v, want an error naming sub-1", err)
			}
			if strings.Contains(err.Error(), pnr) {
				t.Errorf("error %q quotes the identifier", err)
			}
			// Nothing was leased: once the row is put right, it is claimed.
			if err := s.Put(t.Context(), sub); err != nil {
				t.Fatal(err)
			}
			cs, err := s.Claim(t.Context(), watch.ClaimOptions{Owner: "b", Now: time.Now(), Lease: time.Minute})
			if err != nil || len(cs) != 1 {
				t.Errorf("Claim after repair = %d claims, %v; want the one", len(cs), err)
			}
		})
	}
}

func TestClaimOptionsChecked(t *testing.T) {
	s := newStore(t, dialects[0].open(t), SQLite)
	now := time.Now()
	for _, tt := range []struct {
		opts watch.ClaimOptions
		want string
	}{
		{watch.ClaimOptions{Now: now, Lease: time.Minute}, "ClaimOptions.Owner is empty"},
		{watch.ClaimOptions{Owner: "a", Now: now}, "ClaimOptions.Lease 0s is not positive"},
		{watch.ClaimOptions{Owner: "a", Lease: time.Minute}, "ClaimOptions.Now is not set"},
	} {
		if _, err := s.Claim(t.Context(), tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Claim(%+v) = %v, want %q", tt.opts, err, tt.want)
		}
		if _, err := s.ClaimOutbox(t.Context(), tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ClaimOutbox(%+v) = %v, want %q", tt.opts, err, tt.want)
		}
	}
}
