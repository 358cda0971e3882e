package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"math"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/watch"
)

// Dialect is the SQL spoken by the database behind a Store.
type Dialect int

// The dialects a Store speaks.
const (
	// SQLite: one file, one process. Writes take the database's single
	// write lock; the Store sets WAL mode, a busy timeout and
	// synchronous=NORMAL.
	SQLite Dialect = iota + 1
	// PostgreSQL: several replicas share the work through row leases.
	PostgreSQL
)

func (d Dialect) String() string {
	switch d {
	case SQLite:
		return "SQLite"
	case PostgreSQL:
		return "PostgreSQL"
	}
	return fmt.Sprintf("Dialect(%d)", int(d))
}

// dir is where the dialect's migrations live under migrations/.
func (d Dialect) dir() string { return strings.ToLower(d.String()) }

// Store is a watch.Store in a SQL database.
type Store struct {
	db      *sql.DB
	dialect Dialect
}

var _ watch.Store = (*Store)(nil)

// New returns a Store on db, first bringing the schema up to date (see the
// package doc). The caller opens db with a driver of its choice and closes
// it after the Store's last use.
func New(ctx context.Context, db *sql.DB, dialect Dialect) (*Store, error) {
	if dialect != SQLite && dialect != PostgreSQL {
		return nil, fmt.Errorf("sqlstore: unknown %v: use SQLite or PostgreSQL", dialect)
	}
	ms, err := migrations(migrationFiles, path.Join("migrations", dialect.dir()))
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, dialect: dialect}
	if err := s.migrate(ctx, ms); err != nil {
		return nil, err
	}
	return s, nil
}

// q writes a query's $1-style placeholders the dialect's way: SQLite reads
// ?1, which like $1 may appear more than once.
func (s *Store) q(query string) string {
	if s.dialect == SQLite {
		return strings.ReplaceAll(query, "$", "?")
	}
	return query
}

// querier is what a transaction offers: a *sql.Tx or, on SQLite, a
// *sql.Conn inside BEGIN IMMEDIATE.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// inTx runs fn in a transaction, committing when it returns nil. On SQLite
// the transaction takes the write lock at its start (BEGIN IMMEDIATE): a
// transaction that read first and then wanted to write could fail at once
// instead of waiting for another writer.
func (s *Store) inTx(ctx context.Context, fn func(tx querier) error) error {
	if s.dialect == PostgreSQL {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			tx.Rollback()
			return err
		}
		return tx.Commit()
	}

	conn, err := s.sqliteConn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	err = fn(conn)
	if err == nil {
		if _, err = conn.ExecContext(ctx, "COMMIT"); err == nil {
			return nil
		}
	}
	if _, rerr := conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK"); rerr != nil {
		// A connection whose transaction may still be open must not go
		// back to the pool.
		conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	return err
}

// single runs fn, which issues one statement: atomic on its own, so it needs
// no transaction and, on PostgreSQL, costs one round trip instead of three.
func (s *Store) single(ctx context.Context, fn func(q querier) error) error {
	if s.dialect == PostgreSQL {
		return fn(s.db)
	}
	conn, err := s.sqliteConn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return fn(conn)
}

// sqliteBusyTimeout is how long a SQLite write waits for another to end.
const sqliteBusyTimeout = 10 * time.Second

// sqliteConn takes a connection from the pool and sets what SQLite sets per
// connection, so the caller's DSN need not say it: wait for the write lock
// rather than fail at once, and sync the WAL at checkpoints only.
func (s *Store) sqliteConn(ctx context.Context) (*sql.Conn, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d; PRAGMA synchronous = NORMAL", sqliteBusyTimeout.Milliseconds())); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// nanos is how the store keeps an instant it compares: Unix nanoseconds,
// instants beyond their range (1678 to 2262; the zero time) held at its
// ends, where UnixNano is undefined.
func nanos(t time.Time) int64 {
	switch {
	case t.Before(minNanos):
		return math.MinInt64
	case t.After(maxNanos):
		return math.MaxInt64
	}
	return t.UnixNano()
}

var (
	minNanos = time.Unix(0, math.MinInt64)
	maxNanos = time.Unix(0, math.MaxInt64)
)

// Put inserts subscriptions or replaces their question, keeping a replaced
// one's snapshot, due time and lease; a new one is due at once.
func (s *Store) Put(ctx context.Context, subs ...watch.Subscription) error {
	type row struct {
		id       string
		question []byte
	}
	rows := make([]row, 0, len(subs))
	for i, sub := range subs {
		if err := sub.Validate(); err != nil {
			return fmt.Errorf("sqlstore: put subscription %d: %w", i, err)
		}
		q, err := sub.MarshalBinary()
		if err != nil {
			return fmt.Errorf("sqlstore: put subscription %q: %w", sub.ID, err)
		}
		rows = append(rows, row{sub.ID, q})
	}
	err := s.inTx(ctx, func(tx querier) error {
		for _, r := range rows {
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO watch_subscriptions (id, question, next_due) VALUES ($1, $2, 0)
				ON CONFLICT (id) DO UPDATE SET question = excluded.question`), r.id, r.question); err != nil {
				return fmt.Errorf("subscription %q: %w", r.id, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlstore: put into table watch_subscriptions: %w", err)
	}
	return nil
}

// Remove deletes a subscription and its snapshot; its outbox entries stay
// and are delivered.
func (s *Store) Remove(ctx context.Context, id string) error {
	err := s.single(ctx, func(tx querier) error {
		_, err := tx.ExecContext(ctx, s.q("DELETE FROM watch_subscriptions WHERE id = $1"), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlstore: remove subscription %q from table watch_subscriptions: %w", minaarenden.Redact(id), err)
	}
	return nil
}

// SubscriptionIDs returns the id of every subscription, sorted byte-wise
// (as Go sorts strings, whatever the database's collation).
func (s *Store) SubscriptionIDs(ctx context.Context) ([]string, error) {
	ids := []string{}
	err := s.single(ctx, func(q querier) error {
		rows, err := q.QueryContext(ctx, "SELECT id FROM watch_subscriptions")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list table watch_subscriptions: %w", err)
	}
	slices.Sort(ids)
	return ids, nil
}

// Claim leases up to opts.Limit (at least one) due subscriptions that no
// unexpired lease holds, earliest due first, and records opts.Now as their
// claim time for PolledBefore. On PostgreSQL rows another replica is
// claiming at the same moment are skipped, not waited for.
func (s *Store) Claim(ctx context.Context, opts watch.ClaimOptions) ([]watch.Claim, error) {
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("sqlstore: claim: %w", err)
	}
	due := "next_due <= $1"
	args := []any{nanos(opts.Now), opts.Owner, nanos(opts.Now.Add(opts.Lease)), max(opts.Limit, 1)}
	if !opts.PolledBefore.IsZero() {
		due = "(next_due <= $1 OR last_polled IS NULL OR last_polled < $5)"
		args = append(args, nanos(opts.PolledBefore))
	}
	query := `WITH due AS (
		SELECT id FROM watch_subscriptions
		WHERE ` + due + ` AND (lease_until IS NULL OR lease_until <= $1)
		ORDER BY next_due, id
		LIMIT $4` + s.skipLocked() + `
	)
	UPDATE watch_subscriptions SET lease_owner = $2, lease_until = $3, last_polled = $1
	WHERE id IN (SELECT id FROM due)
	RETURNING id, question, snapshot, next_due`

	type claimed struct {
		claim   watch.Claim
		nextDue int64
	}
	var got []claimed
	err := s.inTx(ctx, func(tx querier) error {
		rows, err := tx.QueryContext(ctx, s.q(query), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				id             string
				question, snap []byte
				c              = claimed{claim: watch.Claim{Owner: opts.Owner, Until: opts.Now.Add(opts.Lease)}}
			)
			if err := rows.Scan(&id, &question, &snap, &c.nextDue); err != nil {
				return err
			}
			if err := c.claim.Subscription.UnmarshalBinary(question); err != nil {
				return fmt.Errorf("subscription %q: its stored question does not decode: %w", id, err)
			}
			c.claim.Subscription.ID = id
			if snap != nil {
				c.claim.Snapshot = new(watch.Snapshot)
				if err := c.claim.Snapshot.UnmarshalBinary(snap); err != nil {
					return fmt.Errorf("subscription %q: its stored snapshot does not decode: %w", id, err)
				}
			}
			got = append(got, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("sqlstore: claim from table watch_subscriptions: %w", err)
	}
	// RETURNING promises no order.
	slices.SortFunc(got, func(a, b claimed) int {
		if a.nextDue != b.nextDue {
			return compareInt(a.nextDue, b.nextDue)
		}
		return strings.Compare(a.claim.Subscription.ID, b.claim.Subscription.ID)
	})
	claims := make([]watch.Claim, len(got))
	for i, c := range got {
		claims[i] = c.claim
	}
	return claims, nil
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// skipLocked ends a claim's SELECT on PostgreSQL: lock the chosen rows and
// pass over those another transaction holds. SQLite has one writer at a
// time and needs nothing.
func (s *Store) skipLocked() string {
	if s.dialect == PostgreSQL {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// Commit stores snap, appends notes to the outbox (a note whose id is
// already there is not added again), makes the subscription due at next
// and ends the lease, in one transaction; watch.ErrLeaseLost, and nothing
// written, when c's lease is no longer held.
func (s *Store) Commit(ctx context.Context, c watch.Claim, snap watch.Snapshot, notes []watch.Notification, next time.Time) error {
	id := c.Subscription.ID
	blob, err := snap.MarshalBinary()
	if err != nil {
		return fmt.Errorf("sqlstore: commit subscription %q: snapshot: %w", id, err)
	}
	bodies := make([][]byte, len(notes))
	for i, n := range notes {
		if n.ID == "" {
			return fmt.Errorf("sqlstore: commit subscription %q: notification %d has no id", id, i)
		}
		if bodies[i], err = json.Marshal(n); err != nil {
			return fmt.Errorf("sqlstore: commit subscription %q: notification %s: %w", id, n.ID, err)
		}
	}
	run := s.inTx
	if len(notes) == 0 {
		run = s.single
	}
	err = run(ctx, func(tx querier) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE watch_subscriptions
			SET snapshot = $1, next_due = $2, lease_owner = NULL, lease_until = NULL
			WHERE id = $3 AND lease_owner = $4 AND lease_until = $5`),
			blob, nanos(next), id, c.Owner, nanos(c.Until))
		if err := held(res, err); err != nil {
			return err
		}
		for i, n := range notes {
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO watch_outbox (id, subscription, body) VALUES ($1, $2, $3)
				ON CONFLICT (id) DO NOTHING`), n.ID, id, bodies[i]); err != nil {
				return fmt.Errorf("insert into table watch_outbox: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlstore: commit subscription %q: %w", id, err)
	}
	return nil
}

// held turns an UPDATE that matched no row — the lease is gone — into
// watch.ErrLeaseLost.
func held(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return watch.ErrLeaseLost
	}
	return nil
}

// Release ends c's lease and makes the subscription due at next, its
// snapshot unchanged.
func (s *Store) Release(ctx context.Context, c watch.Claim, next time.Time) error {
	err := s.single(ctx, func(tx querier) error {
		return held(tx.ExecContext(ctx, s.q(`UPDATE watch_subscriptions
			SET next_due = $1, lease_owner = NULL, lease_until = NULL
			WHERE id = $2 AND lease_owner = $3 AND lease_until = $4`),
			nanos(next), c.Subscription.ID, c.Owner, nanos(c.Until)))
	})
	if err != nil {
		return fmt.Errorf("sqlstore: release subscription %q: %w", c.Subscription.ID, err)
	}
	return nil
}

// ClaimOutbox leases up to opts.Limit (at least one) undelivered entries
// due for delivery that no unexpired lease holds, in the order they were
// written.
func (s *Store) ClaimOutbox(ctx context.Context, opts watch.ClaimOptions) ([]watch.OutboxEntry, error) {
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("sqlstore: claim outbox: %w", err)
	}
	until := nanos(opts.Now.Add(opts.Lease))
	query := `WITH due AS (
		SELECT seq FROM watch_outbox
		WHERE delivered_at IS NULL AND next_attempt <= $1 AND (lease_until IS NULL OR lease_until <= $1)
		ORDER BY seq
		LIMIT $4` + s.skipLocked() + `
	)
	UPDATE watch_outbox SET lease_owner = $2, lease_until = $3
	WHERE seq IN (SELECT seq FROM due)
	RETURNING seq, id, subscription, body, attempts`
	type claimed struct {
		seq   int64
		entry watch.OutboxEntry
	}
	var got []claimed
	err := s.inTx(ctx, func(tx querier) error {
		rows, err := tx.QueryContext(ctx, s.q(query), nanos(opts.Now), opts.Owner, until, max(opts.Limit, 1))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			c := claimed{entry: watch.OutboxEntry{Owner: opts.Owner, Until: opts.Now.Add(opts.Lease)}}
			if err := rows.Scan(&c.seq, &c.entry.ID, &c.entry.Subscription, &c.entry.Body, &c.entry.Attempts); err != nil {
				return err
			}
			got = append(got, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("sqlstore: claim from table watch_outbox: %w", err)
	}
	slices.SortFunc(got, func(a, b claimed) int { return compareInt(a.seq, b.seq) })
	entries := make([]watch.OutboxEntry, len(got))
	for i, c := range got {
		entries[i] = c.entry
	}
	return entries, nil
}

// Delivered marks e delivered, so it is not claimed again.
func (s *Store) Delivered(ctx context.Context, e watch.OutboxEntry) error {
	err := s.single(ctx, func(tx querier) error {
		return held(tx.ExecContext(ctx, s.q(`UPDATE watch_outbox
			SET delivered_at = CURRENT_TIMESTAMP, lease_owner = NULL, lease_until = NULL
			WHERE id = $1 AND lease_owner = $2 AND lease_until = $3 AND delivered_at IS NULL`),
			e.ID, e.Owner, nanos(e.Until)))
	})
	if err != nil {
		return fmt.Errorf("sqlstore: mark outbox entry %s delivered: %w", e.ID, err)
	}
	return nil
}

// Retry ends e's lease, counts the failed attempt and makes it due again
// at at.
func (s *Store) Retry(ctx context.Context, e watch.OutboxEntry, at time.Time) error {
	err := s.single(ctx, func(tx querier) error {
		return held(tx.ExecContext(ctx, s.q(`UPDATE watch_outbox
			SET attempts = attempts + 1, next_attempt = $1, lease_owner = NULL, lease_until = NULL
			WHERE id = $2 AND lease_owner = $3 AND lease_until = $4 AND delivered_at IS NULL`),
			nanos(at), e.ID, e.Owner, nanos(e.Until)))
	})
	if err != nil {
		return fmt.Errorf("sqlstore: retry outbox entry %s: %w", e.ID, err)
	}
	return nil
}

// sqliteTimestamp is how SQLite's CURRENT_TIMESTAMP writes an instant: UTC,
// to the second, in a form that sorts as it compares.
const sqliteTimestamp = "2006-01-02 15:04:05"

// Prune deletes the entries delivered (by the database's clock) before
// before.
func (s *Store) Prune(ctx context.Context, before time.Time) (int, error) {
	var arg any = before
	if s.dialect == SQLite {
		arg = before.UTC().Format(sqliteTimestamp)
	}
	var n int64
	err := s.single(ctx, func(tx querier) error {
		res, err := tx.ExecContext(ctx, s.q("DELETE FROM watch_outbox WHERE delivered_at IS NOT NULL AND delivered_at < $1"), arg)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqlstore: prune delivered entries from table watch_outbox: %w", err)
	}
	return int(n), nil
}
