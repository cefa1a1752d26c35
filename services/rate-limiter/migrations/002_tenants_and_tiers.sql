-- Tiers (plans) and the tenants on them. A tier is a limit every request of a tenant on that plan
-- shares; NULL max_units means unlimited (no check at all). Seeded with the lab's defaults:
-- free 100/min, pro 1,000/min (one seed says 10K; the lab picks 1,000), enterprise unlimited.
CREATE TABLE tiers (
  name       text PRIMARY KEY CHECK (name ~ '^[a-z0-9_-]{1,32}$'),
  algorithm  text NOT NULL DEFAULT 'sliding-window-counter' CHECK (algorithm IN (
               'fixed-window', 'sliding-window-log', 'sliding-window-counter',
               'token-bucket', 'leaky-bucket', 'gcra')),
  max_units  integer CHECK (max_units BETWEEN 1 AND 1000000000),
  window_ms  bigint NOT NULL DEFAULT 60000 CHECK (window_ms BETWEEN 1 AND 31622400000),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (algorithm <> 'sliding-window-log' OR max_units <= 100000)
);

INSERT INTO tiers (name, max_units, window_ms) VALUES
  ('free', 100, 60000),
  ('pro', 1000, 60000),
  ('enterprise', NULL, 60000);

CREATE TABLE tenants (
  id         text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_.-]{1,64}$'),
  tier       text NOT NULL REFERENCES tiers (name),
  updated_at timestamptz NOT NULL DEFAULT now()
);
