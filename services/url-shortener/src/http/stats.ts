// GET /v1/urls/{code}/stats, owner only: totals and daily counts from the click aggregator's
// tables, unique visitors from the HyperLogLog (null when Redis cannot answer). Click counts lag
// redirects by the click buffer's flush interval plus the consumer's batch: seconds, by design.
import type { RequestHandler } from 'express';
import type pg from 'pg';
import { readStats } from '../adapters/click-stats-repository.ts';
import { findLink } from '../adapters/links-repository.ts';
import type { UniqueVisitors } from '../adapters/unique-visitors.ts';
import { notFound, notOwner } from './errors.ts';
import { requireClaims } from './manage-links.ts';
import { codeParam } from './schemas.ts';

const STATS_DAYS = 30;

export function statsHandler({
  pool,
  visitors,
}: {
  pool: pg.Pool;
  visitors: UniqueVisitors;
}): RequestHandler {
  return async (req, res) => {
    const claims = requireClaims(res);
    const code = codeParam.safeParse(req.params.code);
    const link = code.success ? await findLink(pool, code.data) : undefined;
    if (!link) throw notFound();
    if (link.ownerId !== claims.sub || link.tenant !== claims.tenant) throw notOwner();
    const [stats, uniqueVisitors] = await Promise.all([
      readStats(pool, link.code, STATS_DAYS),
      visitors.count(link.code),
    ]);
    res.json({ code: link.code, ...stats, uniqueVisitors });
  };
}
