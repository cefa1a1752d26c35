-- The table behind the Idempotency-Key middleware (src/idempotency/). Owned by the kit, not by each
-- service, so every service gets the same shape; createService applies this folder (source
-- `@lab/service-kit`) before the service's own migrations.
-- IF NOT EXISTS: databases that predate this folder already have the table (the kit used to create
-- it at every start), and recording the file must not fail there.
CREATE TABLE IF NOT EXISTS idempotency_keys (
  scope            text        NOT NULL,
  key              text        NOT NULL,
  request_hash     text        NOT NULL,
  state            text        NOT NULL CHECK (state IN ('in_flight', 'completed')),
  owner            uuid        NOT NULL,
  locked_until     timestamptz NOT NULL,
  expires_at       timestamptz NOT NULL,
  response_status  integer,
  response_headers jsonb,
  response_body    bytea,
  created_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);
-- The purge (DELETE ... WHERE expires_at < now()) runs hourly; without the index it scans the table.
CREATE INDEX IF NOT EXISTS idempotency_keys_expires_at_idx ON idempotency_keys (expires_at);
