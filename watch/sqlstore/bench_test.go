package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aterkoppling/minaarenden/internal/pgtest"
	"github.com/aterkoppling/minaarenden/watch"
)

// The benchmarks pass a Watcher over benchSubs subscriptions against the
// in-memory producers, every case moving on in every pass (the most a
// store has to write: a snapshot and a notification per subscription,
// delivered and marked). They run only under -bench; use -benchtime=3x, a
// pass takes seconds:
//
//	MINAARENDEN_TEST_POSTGRES=… go test -run '^$' -bench . -benchtime 3x -count 5 ./watch/sqlstore/
const benchSubs = 10_000

// timedStore measures how much of a pass the store was busy: the wall time
// during which at least one of the Watcher's goroutines was inside it.
// (Summing every call's time would count each goroutine queued behind
// SQLite's one writer again.)
type timedStore struct {
	watch.Store
	mu       sync.Mutex
	inFlight int
	since    time.Time
	busy     time.Duration
}

// enter marks a call's start; the function it returns, its end.
func (s *timedStore) enter() func() {
	s.mu.Lock()
	if s.inFlight == 0 {
		s.since = time.Now()
	}
	s.inFlight++
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		s.inFlight--
		if s.inFlight == 0 {
			s.busy += time.Since(s.since)
		}
		s.mu.Unlock()
	}
}

func (s *timedStore) Claim(ctx context.Context, o watch.ClaimOptions) ([]watch.Claim, error) {
	defer s.enter()()
	return s.Store.Claim(ctx, o)
}

func (s *timedStore) Commit(ctx context.Context, c watch.Claim, snap watch.Snapshot, notes []watch.Notification, next time.Time) error {
	defer s.enter()()
	return s.Store.Commit(ctx, c, snap, notes, next)
}

func (s *timedStore) Release(ctx context.Context, c watch.Claim, next time.Time) error {
	defer s.enter()()
	return s.Store.Release(ctx, c, next)
}

func (s *timedStore) ClaimOutbox(ctx context.Context, o watch.ClaimOptions) ([]watch.OutboxEntry, error) {
	defer s.enter()()
	return s.Store.ClaimOutbox(ctx, o)
}

func (s *timedStore) Delivered(ctx context.Context, e watch.OutboxEntry) error {
	defer s.enter()()
	return s.Store.Delivered(ctx, e)
}

func (s *timedStore) Retry(ctx context.Context, e watch.OutboxEntry, at time.Time) error {
	defer s.enter()()
	return s.Store.Retry(ctx, e, at)
}

// discard is a Sink that receives everything at once.
type discard struct{}

func (discard) Deliver(context.Context, watch.OutboxEntry) error { return nil }

// size is the database's size in bytes, or -1 where there is no file.
type sizer func(b *testing.B) float64

func sqliteSize(db *sql.DB) sizer {
	return func(b *testing.B) float64 {
		var n int64
		if _, err := db.ExecContext(b.Context(), "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			b.Fatal(err)
		}
		if err := db.QueryRowContext(b.Context(), "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()").Scan(&n); err != nil {
			b.Fatal(err)
		}
		return float64(n)
	}
}

func postgresSize(db *sql.DB) sizer {
	return func(b *testing.B) float64 {
		var n int64
		if err := db.QueryRowContext(b.Context(),
			"SELECT pg_total_relation_size('watch_subscriptions') + pg_total_relation_size('watch_outbox')").Scan(&n); err != nil {
			b.Fatal(err)
		}
		return float64(n)
	}
}

// pass runs RunOnce on every watcher at once and checks that each
// subscription was polled and notified.
func pass(b *testing.B, ws []*watch.Watcher, wantNotified int) {
	var (
		wg       sync.WaitGroup
		notified atomic.Int64
	)
	for _, w := range ws {
		wg.Go(func() {
			sum, err := w.RunOnce(b.Context())
			if err != nil {
				b.Errorf("RunOnce: %v", err)
			}
			if sum.Failed+sum.Partial+sum.Undelivered+sum.LeaseLost != 0 {
				b.Errorf("RunOnce: %+v, want nothing failed", sum)
			}
			notified.Add(int64(sum.Notified))
		})
	}
	wg.Wait()
	if n := int(notified.Load()); n != wantNotified {
		b.Fatalf("a pass notified %d, want %d", n, wantNotified)
	}
}

func BenchmarkPass(b *testing.B) {
	for _, tc := range []struct {
		name string
		open func(b *testing.B) (watch.Store, sizer)
	}{
		{"Memory", func(*testing.B) (watch.Store, sizer) { return watch.NewMemoryStore(), nil }},
		{"SQLite", func(b *testing.B) (watch.Store, sizer) {
			db := openSQLite(b, filepath.Join(b.TempDir(), "watch.db"))
			return newStore(b, db, SQLite), sqliteSize(db)
		}},
		{"PostgreSQL", func(b *testing.B) (watch.Store, sizer) {
			db := pgtest.DB(b)
			return newStore(b, db, PostgreSQL), postgresSize(db)
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			store, size := tc.open(b)
			ts := &timedStore{Store: store}
			p := newProducers(b)
			w, err := watch.New(ts, p.agg, p.cat, discard{}, &watch.Options{Owner: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			if err := store.Put(b.Context(), subscriptions(benchSubs)...); err != nil {
				b.Fatal(err)
			}
			ws := []*watch.Watcher{w}
			pass(b, ws, 0) // the baseline
			p.prv.Steps.Add(1)
			pass(b, ws, benchSubs)
			// After the baseline and one pass: a snapshot and one
			// delivered notification per subscription.
			var bytes float64
			if size != nil {
				bytes = size(b)
			}

			ts.busy = 0
			for b.Loop() {
				p.prv.Steps.Add(1)
				pass(b, ws, benchSubs)
			}
			subs := float64(benchSubs * b.N)
			b.ReportMetric(subs/b.Elapsed().Seconds(), "subs/s")
			b.ReportMetric(float64(ts.busy.Microseconds())/subs, "store-µs/sub")
			b.ReportMetric(100*ts.busy.Seconds()/b.Elapsed().Seconds(), "store-%")
			if size != nil { // reported after the loop, which resets metrics
				b.ReportMetric(bytes/benchSubs, "db-B/sub")
			}
		})
	}
}

// BenchmarkReplicas passes 1, 2 and 4 replicas, each a Watcher with a
// connection pool of its own, over one set of subscriptions on PostgreSQL.
func BenchmarkReplicas(b *testing.B) {
	pgtest.DSN(b)
	for _, n := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("replicas=%d", n), func(b *testing.B) {
			dsn := pgtest.Schema(b)
			p := newProducers(b)
			ws := make([]*watch.Watcher, n)
			var first *Store
			for i := range ws {
				s := newStore(b, pgtest.Open(b, dsn), PostgreSQL)
				first = s
				w, err := watch.New(s, p.agg, p.cat, discard{}, &watch.Options{Owner: fmt.Sprintf("replica-%d", i)})
				if err != nil {
					b.Fatal(err)
				}
				ws[i] = w
			}
			if err := first.Put(b.Context(), subscriptions(benchSubs)...); err != nil {
				b.Fatal(err)
			}
			pass(b, ws, 0)
			for b.Loop() {
				p.prv.Steps.Add(1)
				pass(b, ws, benchSubs)
			}
			b.ReportMetric(float64(benchSubs*b.N)/b.Elapsed().Seconds(), "subs/s")
		})
	}
}
