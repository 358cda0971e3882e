// Package sqlstore is a watch.Store in a SQL database through database/sql:
// SQLite for one process with one file, PostgreSQL for several replicas
// sharing the work.
//
// The package imports no driver: the application does, and hands New an
// opened *sql.DB. The drivers it is tested with:
//
//	import _ "modernc.org/sqlite"          // sql.Open("sqlite", "bevakning.db")
//	import _ "github.com/jackc/pgx/v5/stdlib" // sql.Open("pgx", "postgres://…")
//
// # Schema
//
// New applies the embedded, numbered migrations the database lacks, in one
// transaction, and records them in the table watch_schema_migrations. On
// PostgreSQL it does so under a transaction-scoped advisory lock, so replicas
// starting together apply each migration once; a database whose schema is
// newer than the program is refused. The tables, all named watch_*, are
// created in the connection's current schema (on PostgreSQL the first one on
// the search_path).
//
// # Leases
//
// Claim and ClaimOutbox lease rows: they write an owner and an expiry into
// the row. On PostgreSQL they choose rows with SELECT … FOR UPDATE SKIP
// LOCKED, so replicas claiming at the same moment take different rows without
// waiting for each other; a lease past its expiry is taken over by whoever
// claims next, so a crashed replica's work is not lost. Commit, Release,
// Delivered and Retry act only while the row still holds the claim's owner
// and expiry, and return watch.ErrLeaseLost, writing nothing, otherwise.
// Commit writes the snapshot, the outbox entries and the next due time in
// one transaction. Outbox entries are keyed by the notification's id: the
// same notification is stored once, until Prune deletes it.
//
// Prune compares the delivery time Delivered stamped by the database's
// clock (delivered_at) with the instant it is given.
//
// Leases compare the instants the caller passes (ClaimOptions.Now), not the
// database's clock, so replicas' clocks should agree to well within a
// lease.
//
// # SQLite
//
// SQLite allows one writer at a time. The Store switches the file to WAL
// mode and, on each connection it uses, waits up to ten seconds for the
// write lock (busy_timeout) and sets synchronous=NORMAL: a power cut may
// lose the last commits, which the next pass redoes with the same
// notification ids, but never corrupts the file. Use a file, not :memory:
// (every pooled connection would get a database of its own).
//
// # Privacy
//
// The question, with its identifiers, is stored as a blob in the
// subscription's row, because the poller must ask with it; it never appears
// in an error. Errors name the table, the subscription id or the migration
// that failed.
package sqlstore
