-- Prune deletes the delivered entries by their delivery time: an index on
-- the delivered ones alone, which the pending index leaves out.
CREATE INDEX watch_outbox_delivered ON watch_outbox (delivered_at) WHERE delivered_at IS NOT NULL;

-- The watcher's Run claims, besides the due, those not polled for longer
-- than its interval (ClaimOptions.PolledBefore).
CREATE INDEX watch_subscriptions_polled ON watch_subscriptions (last_polled);
