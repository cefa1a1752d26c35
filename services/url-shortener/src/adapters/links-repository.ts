// Postgres access for links: insert (inside the caller's transaction), the redirect's lookup,
// the owner's list, and the soft delete. SQL is parameterized; nothing here decides policy.
import type pg from 'pg';
import type { Position } from '../domain/cursor.ts';
import type { CachedLink } from '../domain/redirect.ts';

export type LinkRow = {
  code: string;
  url: string;
  ownerId: string;
  tenant: string;
  redirect: 301 | 302;
  customAlias: boolean;
  createdAt: Date;
  expiresAt: Date | null;
  deletedAt: Date | null;
  clicks: number;
};

export type NewLink = Omit<LinkRow, 'createdAt' | 'deletedAt' | 'clicks'>;

type DbRow = {
  code: string;
  url: string;
  owner_id: string;
  tenant: string;
  redirect_status: number;
  custom_alias: boolean;
  created_at: Date;
  expires_at: Date | null;
  deleted_at: Date | null;
  clicks: string;
};

const COLUMNS =
  'code, url, owner_id, tenant, redirect_status, custom_alias, created_at, expires_at, deleted_at, clicks';

function toLink(row: DbRow): LinkRow {
  return {
    code: row.code,
    url: row.url,
    ownerId: row.owner_id,
    tenant: row.tenant,
    redirect: row.redirect_status === 301 ? 301 : 302,
    customAlias: row.custom_alias,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    deletedAt: row.deleted_at,
    clicks: Number(row.clicks),
  };
}

/** What the redirect cache holds for a row. */
export function cachedFormOf(link: LinkRow): CachedLink {
  return {
    url: link.url,
    status: link.redirect,
    expiresAt: link.expiresAt ? link.expiresAt.getTime() : null,
    deleted: link.deletedAt !== null,
  };
}

/** Inserts unless the code is taken; undefined means taken (by an alias or an earlier link). */
export async function insertLink(tx: pg.ClientBase, link: NewLink): Promise<LinkRow | undefined> {
  const { rows } = await tx.query<DbRow>(
    `INSERT INTO links (code, url, owner_id, tenant, redirect_status, custom_alias, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (code) DO NOTHING
     RETURNING ${COLUMNS}`,
    [link.code, link.url, link.ownerId, link.tenant, link.redirect, link.customAlias, link.expiresAt],
  );
  return rows[0] ? toLink(rows[0]) : undefined;
}

export async function findLink(
  db: pg.Pool | pg.ClientBase,
  code: string,
  options: { forUpdate?: boolean } = {},
): Promise<LinkRow | undefined> {
  const { rows } = await db.query<DbRow>(
    `SELECT ${COLUMNS} FROM links WHERE code = $1${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [code],
  );
  return rows[0] ? toLink(rows[0]) : undefined;
}

export async function listOwnerLinks(
  pool: pg.Pool,
  owner: { tenant: string; ownerId: string },
  after: Position | undefined,
  limit: number,
): Promise<LinkRow[]> {
  const { rows } = await pool.query<DbRow>(
    `SELECT ${COLUMNS} FROM links
      WHERE tenant = $1 AND owner_id = $2
        AND ($3::timestamptz IS NULL OR (created_at, code) < ($3::timestamptz, $4::text))
      ORDER BY created_at DESC, code DESC
      LIMIT $5`,
    [owner.tenant, owner.ownerId, after?.createdAt ?? null, after?.code ?? '', limit],
  );
  return rows.map(toLink);
}

export async function markDeleted(tx: pg.ClientBase, code: string): Promise<LinkRow | undefined> {
  const { rows } = await tx.query<DbRow>(
    `UPDATE links SET deleted_at = coalesce(deleted_at, now()) WHERE code = $1 RETURNING ${COLUMNS}`,
    [code],
  );
  return rows[0] ? toLink(rows[0]) : undefined;
}

/** Leases the next id block of the range allocator (see migrations/001_links.sql). */
export async function nextIdBlock(pool: pg.Pool): Promise<bigint> {
  const { rows } = await pool.query<{ n: string }>(`SELECT nextval('link_id_blocks') AS n`);
  return BigInt(rows[0]?.n ?? '0');
}
