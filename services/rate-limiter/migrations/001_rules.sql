-- Rules: the policy store. Counters never live here (they are in Redis); a rule says how much a
-- key may do: algorithm, limit per window, burst, what to do when Redis is down, shadow mode.
-- Checked by the service on every check through a cache, so this table is read rarely.
CREATE TABLE rules (
  name        text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9_.-]{1,64}$'),
  algorithm   text NOT NULL CHECK (algorithm IN (
                'fixed-window', 'sliding-window-log', 'sliding-window-counter',
                'token-bucket', 'leaky-bucket', 'gcra')),
  -- "limit" is a reserved word in SQL.
  max_units   integer NOT NULL CHECK (max_units BETWEEN 1 AND 1000000000),
  window_ms   bigint  NOT NULL CHECK (window_ms BETWEEN 1 AND 31622400000),
  burst       integer CHECK (burst BETWEEN 1 AND 1000000000),
  fail_mode   text    NOT NULL DEFAULT 'open' CHECK (fail_mode IN ('open', 'closed')),
  shadow      boolean NOT NULL DEFAULT false,
  description text    NOT NULL DEFAULT '' CHECK (length(description) <= 500),
  -- Bumped on every change; shows up in responses so a caller can tell which version decided.
  version     integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (burst IS NULL OR algorithm IN ('token-bucket', 'leaky-bucket', 'gcra')),
  CHECK (algorithm <> 'sliding-window-log' OR max_units <= 100000)
);
