// GET /v1/feed?cursor=&limit=: one page of the caller's feed. `X-Feed-Mode` says how it was built
// (hybrid/push/pull, popular for a user who follows nobody yet, degraded while Redis is down).
import { HttpError } from '@lab/service-kit';
import type { RequestHandler } from 'express';
import type { createFeedReader } from '../adapters/feed-reader.ts';
import { decodeCursor } from '../domain/cursor.ts';
import { callerId, feedQuery } from './schemas.ts';

export const FEED_MODE_HEADER = 'X-Feed-Mode';

export function readFeed(deps: {
  reader: ReturnType<typeof createFeedReader>;
  pageMax: number;
}): RequestHandler {
  const schema = feedQuery(deps.pageMax);
  return async (req, res) => {
    const userId = callerId(res);
    const { cursor, limit } = schema.parse(req.query);
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    if (cursor !== undefined && after === undefined)
      throw new HttpError(400, 'INVALID_CURSOR', 'The cursor is not one this service issued.');
    const page = await deps.reader.read(userId, after, limit);
    res.set(FEED_MODE_HEADER, page.mode).set('Cache-Control', 'private, no-store');
    res.json({ items: page.items, next_cursor: page.nextCursor });
  };
}
