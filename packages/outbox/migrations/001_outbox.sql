-- The transactional outbox: a service writes its business rows and the events describing them in
-- one local transaction; a relay publishes the events to Kafka later (see ../README.md).
-- Idempotent (IF NOT EXISTS) so applyOutboxSchema() and a service's migration runner can both run it.
--
-- id: bigint identity, not UUIDv7. A sequence gives a strictly increasing id from one source, so
--   two events of one aggregate written by transactions that serialize on that aggregate get ids
--   in commit order; UUIDv7 made in several processes would order by their (skewed) clocks.
--   The id is only local order: consumers deduplicate by event_id, a UUID that stays unique
--   across services and databases.
-- published_at, not delete-on-publish: published rows stay for a retention period so an operator
--   can answer "what did we send for aggregate X, and when?"; the relay deletes them after that.
--   The partial index keeps the relay's claim query small however many published rows are kept.
CREATE TABLE IF NOT EXISTS outbox (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id       uuid        NOT NULL,
  aggregate_type text        NOT NULL,
  aggregate_id   text        NOT NULL,
  event_type     text        NOT NULL,
  topic          text        NOT NULL,
  payload        jsonb       NOT NULL,
  headers        jsonb       NOT NULL DEFAULT '{}'::jsonb,
  created_at     timestamptz NOT NULL DEFAULT now(),
  published_at   timestamptz
);

-- What the relay claims: unpublished rows in id order.
CREATE INDEX IF NOT EXISTS outbox_unpublished_idx ON outbox (id) WHERE published_at IS NULL;
-- What the cleanup deletes: published rows older than the retention period.
CREATE INDEX IF NOT EXISTS outbox_published_at_idx ON outbox (published_at) WHERE published_at IS NOT NULL;
