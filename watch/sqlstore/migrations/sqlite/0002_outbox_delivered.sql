-- Prune deletes the delivered entries by their delivery time: an index on
-- the delivered ones alone, which the pending index leaves out.

CREATE INDEX watch_outbox_delivered ON watch_outbox (delivered_at) WHERE delivered_at IS NOT NULL;
