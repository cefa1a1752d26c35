-- Links: one row per short code, generated or custom alias alike. The primary key is the one
-- place where the two kinds of code meet: a generated code an alias already took is skipped by
-- the insert (ON CONFLICT DO NOTHING), a taken alias is refused (409).
CREATE TABLE links (
  code            text PRIMARY KEY CHECK (code ~ '^[A-Za-z0-9_-]{3,32}$'),
  url             text NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
  owner_id        text NOT NULL CHECK (length(owner_id) BETWEEN 1 AND 200),
  tenant          text NOT NULL CHECK (length(tenant) BETWEEN 1 AND 200),
  redirect_status smallint NOT NULL DEFAULT 302 CHECK (redirect_status IN (301, 302)),
  custom_alias    boolean NOT NULL DEFAULT false,
  created_at      timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz,
  -- Soft delete: a deleted code answers 410 (not 404) and is never handed out again.
  deleted_at      timestamptz,
  -- Running total kept by the click aggregator; drives the milestones.
  clicks          bigint NOT NULL DEFAULT 0
);

-- "My links", newest first, keyset-paginated on (created_at, code).
CREATE INDEX links_by_owner ON links (tenant, owner_id, created_at DESC, code DESC);

-- The range allocator leases block n = ids [n * 1024, (n + 1) * 1024) with one nextval. The
-- block size is fixed by this migration: changing it would make old and new blocks overlap.
CREATE SEQUENCE link_id_blocks AS bigint MINVALUE 0 START 0;
