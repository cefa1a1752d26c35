-- Outbox rows Kafka refused for good (a topic that stayed missing, an event over the size limit),
-- moved here by a relay whose policy is `park` (see ../README.md, "Rows Kafka refuses for good").
--
-- outbox_id: the row's id in `outbox`, kept for two jobs.
--   1. The hold. The relay's claim skips every unpublished row of the same aggregate with a larger
--      id, so per-aggregate order survives: nothing of that aggregate overtakes the parked event,
--      while other aggregates flow on.
--   2. The re-queue. The row goes back into `outbox` under the same id (OVERRIDING SYSTEM VALUE),
--      so it sorts before the rows it held back and is published first.
-- error_code / error_message: why it was parked (OUTBOX_TOPIC_MISSING, OUTBOX_EVENT_TOO_LARGE, ...).
CREATE TABLE IF NOT EXISTS outbox_dead_letters (
  outbox_id      bigint      PRIMARY KEY,
  event_id       uuid        NOT NULL,
  aggregate_type text        NOT NULL,
  aggregate_id   text        NOT NULL,
  event_type     text        NOT NULL,
  topic          text        NOT NULL,
  payload        jsonb       NOT NULL,
  headers        jsonb       NOT NULL,
  created_at     timestamptz NOT NULL,
  error_code     text        NOT NULL,
  error_message  text        NOT NULL,
  parked_at      timestamptz NOT NULL DEFAULT now()
);

-- What the claim's hold looks up for every candidate row: is a smaller id of its aggregate parked?
CREATE INDEX IF NOT EXISTS outbox_dead_letters_aggregate_idx
  ON outbox_dead_letters (aggregate_type, aggregate_id, outbox_id);
