-- Subscriptions and their snapshots, and the outbox of notifications.
-- Times the store compares are Unix nanoseconds (INTEGER), the same in both
-- dialects; the ones only people read (created, delivered_at) are the
-- database's own clock.

CREATE TABLE watch_subscriptions (
	id          TEXT PRIMARY KEY,
	question    BLOB NOT NULL,     -- the question, identifiers included
	next_due    INTEGER NOT NULL,  -- due for a pass at or after this
	last_polled INTEGER,           -- last claimed for a pass; NULL: never
	lease_owner TEXT,
	lease_until INTEGER,
	snapshot    BLOB               -- NULL before the first pass
);
CREATE INDEX watch_subscriptions_due ON watch_subscriptions (next_due, id);

CREATE TABLE watch_outbox (
	seq          INTEGER PRIMARY KEY AUTOINCREMENT, -- the order entries were written in
	id           TEXT NOT NULL UNIQUE,              -- the notification's id
	subscription TEXT NOT NULL,
	body         BLOB NOT NULL,
	created      TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
	attempts     INTEGER NOT NULL DEFAULT 0,
	next_attempt INTEGER NOT NULL DEFAULT 0,
	lease_owner  TEXT,
	lease_until  INTEGER,
	delivered_at TEXT
);
CREATE INDEX watch_outbox_pending ON watch_outbox (seq) WHERE delivered_at IS NULL;
