// Reading and deleting links: GET /v1/urls/{code} (public metadata), GET /v1/urls (the caller's
// links, keyset-paginated) and DELETE /v1/urls/{code} (owner only; the link and its url.deleted
// event commit together, then every instance's cached copy is replaced).
import { toOutboxEvent, urlDeleted } from '@lab/events';
import { enqueue } from '@lab/outbox';
import { authOf, HttpError, inTransaction } from '@lab/service-kit';
import type { RequestHandler } from 'express';
import type pg from 'pg';
import { findLink, type LinkRow, listOwnerLinks, markDeleted } from '../adapters/links-repository.ts';
import { decodeCursor, encodeCursor } from '../domain/cursor.ts';
import type { Topics } from '../topics.ts';
import { linkView } from './create-link.ts';
import { notFound, notOwner } from './errors.ts';
import { codeParam, listQuery } from './schemas.ts';

export type ManageDeps = {
  pool: pg.Pool;
  publicBaseUrl: string;
  topics: Topics;
  /** Replaces the cached copy everywhere (write-through + pub/sub invalidation). */
  publishDeleted: (link: LinkRow) => Promise<void>;
};

function detailsOf(link: LinkRow, publicBaseUrl: string) {
  return {
    ...linkView(link, publicBaseUrl),
    redirect: link.redirect,
    createdAt: link.createdAt.toISOString(),
    customAlias: link.customAlias,
  };
}

export function requireClaims(res: Parameters<RequestHandler>[1]) {
  const claims = authOf(res);
  if (!claims) throw new HttpError(401, 'UNAUTHENTICATED', 'A bearer token is required.');
  return claims;
}

export function getLinkHandler({ pool, publicBaseUrl }: ManageDeps): RequestHandler {
  return async (req, res) => {
    const code = codeParam.safeParse(req.params.code);
    const link = code.success ? await findLink(pool, code.data) : undefined;
    if (!link) throw notFound();
    if (link.deletedAt) throw new HttpError(410, 'LINK_DELETED', 'This link was deleted.');
    res.json(detailsOf(link, publicBaseUrl));
  };
}

export function listLinksHandler({ pool, publicBaseUrl }: ManageDeps): RequestHandler {
  return async (req, res) => {
    const claims = requireClaims(res);
    const query = listQuery.parse(req.query);
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.cursor !== undefined && !after) {
      throw new HttpError(400, 'CURSOR_INVALID', 'The cursor is not one this service issued.');
    }
    // One extra row says whether another page exists without a count query.
    const rows = await listOwnerLinks(
      pool,
      { tenant: claims.tenant, ownerId: claims.sub },
      after,
      query.limit + 1,
    );
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    res.json({
      items: page.map((link) => ({ ...detailsOf(link, publicBaseUrl), deleted: link.deletedAt !== null })),
      next_cursor:
        rows.length > query.limit && last
          ? encodeCursor({ createdAt: last.createdAt.toISOString(), code: last.code })
          : null,
    });
  };
}

export function deleteLinkHandler(deps: ManageDeps): RequestHandler {
  return async (req, res) => {
    const claims = requireClaims(res);
    const code = codeParam.safeParse(req.params.code);
    if (!code.success) throw notFound();
    const deleted = await inTransaction(deps.pool, async (tx) => {
      const link = await findLink(tx, code.data, { forUpdate: true });
      if (!link) throw notFound();
      if (link.ownerId !== claims.sub || link.tenant !== claims.tenant) throw notOwner();
      if (link.deletedAt) return undefined; // deleting twice is a no-op, and announced once
      const row = await markDeleted(tx, link.code);
      if (!row?.deletedAt) throw new Error('the delete did not stick');
      const event = toOutboxEvent(urlDeleted, {
        code: row.code,
        ownerId: row.ownerId,
        deletedAt: row.deletedAt.toISOString(),
      });
      await enqueue(tx, { ...event, topic: deps.topics.deleted });
      return row;
    });
    if (deleted) await deps.publishDeleted(deleted);
    res.status(204).end();
  };
}
