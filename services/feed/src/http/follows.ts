// POST and DELETE /v1/follows/{userId}: the caller follows or unfollows userId. The edge and the
// "new follower" notification request commit together; the timeline backfill or removal follows.
import { HttpError, inTransaction } from '@lab/service-kit';
import type { RequestHandler } from 'express';
import type pg from 'pg';
import { followWork, unfollowWork } from '../adapters/follow-commands.ts';
import type { Topics } from '../adapters/post-commands.ts';
import type { TimelineMaintenance } from '../adapters/timeline-maintenance.ts';
import { callerId, emptyBody, userIdParam } from './schemas.ts';

export type FollowsDeps = {
  pool: pg.Pool;
  topics: Topics;
  maintenance: TimelineMaintenance;
  maxFollowing: number;
};

function pair(req: Parameters<RequestHandler>[0], res: Parameters<RequestHandler>[1]) {
  const followerId = callerId(res);
  const followeeId = userIdParam.parse(req.params.userId);
  emptyBody.parse(req.body);
  if (followeeId === followerId) throw new HttpError(400, 'SELF_FOLLOW', 'An account cannot follow itself.');
  return { followerId, followeeId };
}

export function follow(deps: FollowsDeps): RequestHandler {
  return async (req, res) => {
    const { followerId, followeeId } = pair(req, res);
    const reply = await inTransaction(
      deps.pool,
      followWork(deps.topics, { followerId, followeeId, maxFollowing: deps.maxFollowing }),
    );
    if (reply.status === 201)
      await deps.maintenance.afterFollow(followerId, followeeId, reply.followeeFollowers);
    res.status(reply.status).json(reply.body);
  };
}

export function unfollow(deps: FollowsDeps): RequestHandler {
  return async (req, res) => {
    const { followerId, followeeId } = pair(req, res);
    const removed = await inTransaction(deps.pool, unfollowWork({ followerId, followeeId }));
    if (removed) await deps.maintenance.afterUnfollow(followerId, followeeId);
    res.status(204).end();
  };
}
