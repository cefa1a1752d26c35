// Follow and unfollow, each one transaction. A new follow writes the edge, bumps the followee's
// follower count and asks the notifications service to say "X followed you" through the outbox,
// under the shared `notification.requested` contract. Its requestId is derived from the pair, so
// follow/unfollow/follow again is still one notification (the notifications service dedupes on it).
import { notificationRequested, toOutboxEvent } from '@lab/events';
import { enqueue } from '@lab/outbox';
import type { TxWork } from '@lab/service-kit';
import { HttpError } from '@lab/service-kit';
import { followRequestId } from '../domain/ids.ts';
import { countFollowing, deleteFollow, insertFollow } from './follows-repository.ts';
import type { Reply, Topics } from './post-commands.ts';
import { ensureUser, followerCount } from './users-repository.ts';

export type Follow = { followerId: string; followeeId: string; createdAt: string };

export const NEW_FOLLOWER_TEMPLATE = 'feed.new-follower';

export function followWork(
  topics: Topics,
  input: { followerId: string; followeeId: string; maxFollowing: number },
): TxWork<Reply<Follow> & { followeeFollowers: number }> {
  return async (tx) => {
    const { followerId, followeeId } = input;
    const followers = await followerCount(tx, followeeId);
    if (followers === undefined) throw new HttpError(404, 'USER_NOT_FOUND', 'There is no such user.');
    await ensureUser(tx, followerId);
    // Lock both rows, in id order: the cap then holds under one user's concurrent follows, and
    // A-follows-B racing B-follows-A cannot deadlock on the follower-count updates.
    await tx.query('SELECT 1 FROM users WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE', [
      [followerId, followeeId],
    ]);
    if ((await countFollowing(tx, followerId)) >= input.maxFollowing)
      throw new HttpError(409, 'FOLLOW_LIMIT', `An account may follow at most ${input.maxFollowing} others.`);
    const createdAt = await insertFollow(tx, followerId, followeeId);
    if (!createdAt) {
      const { rows } = await tx.query<{ created_at: Date }>(
        'SELECT created_at FROM follows WHERE follower_id = $1 AND followee_id = $2',
        [followerId, followeeId],
      );
      const existing = (rows[0] as { created_at: Date }).created_at.toISOString();
      return {
        status: 200,
        body: { followerId, followeeId, createdAt: existing },
        followeeFollowers: followers,
      };
    }
    const event = toOutboxEvent(notificationRequested, {
      requestId: followRequestId(followerId, followeeId),
      userId: followeeId,
      category: 'transactional',
      template: NEW_FOLLOWER_TEMPLATE,
      data: { followerId },
      source: 'feed',
    });
    await enqueue(tx, { ...event, topic: topics.notificationRequested });
    return {
      status: 201,
      body: { followerId, followeeId, createdAt: createdAt.toISOString() },
      followeeFollowers: followers + 1,
    };
  };
}

export function unfollowWork(input: { followerId: string; followeeId: string }): TxWork<boolean> {
  return (tx) => deleteFollow(tx, input.followerId, input.followeeId);
}
