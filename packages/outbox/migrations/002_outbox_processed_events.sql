-- The idempotent consumer's memory: one row per (consumer group, event) it has processed. The row is
-- inserted in the same transaction as the handler's side effects, so either both are there or
-- neither; a redelivered event hits the primary key and changes nothing.
-- Rows must outlive any redelivery window (Kafka retention, offset resets); prune them no sooner.
CREATE TABLE IF NOT EXISTS outbox_processed_events (
  group_id     text        NOT NULL,
  event_id     text        NOT NULL,
  topic        text        NOT NULL,
  "partition"  integer     NOT NULL,
  "offset"     bigint      NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, event_id)
);

CREATE INDEX IF NOT EXISTS outbox_processed_events_processed_at_idx ON outbox_processed_events (processed_at);
