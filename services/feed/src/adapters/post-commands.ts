// The post writes, each one transaction function `(tx) => result`: the row and its event commit
// together through the outbox (no dual write), and the function can run inside a transaction the
// caller opened (`idempotentWrite`'s, which stores the Idempotency-Key response in the same commit).
import { postCreated, postDeleted, toOutboxEvent } from '@lab/events';
import { enqueue } from '@lab/outbox';
import type { TxWork } from '@lab/service-kit';
import { HttpError } from '@lab/service-kit';
import type { Topics } from '../config.ts';
import { newPostId } from '../domain/ids.ts';
import { insertPost, lockPost, type Post, tombstonePost } from './posts-repository.ts';
import { ensureUser } from './users-repository.ts';

export type { Topics };
export type Reply<T> = { status: number; body: T };

export function createPostWork(
  topics: Topics,
  input: { authorId: string; body: string; now?: number },
): TxWork<Reply<Post>> {
  return async (tx) => {
    await ensureUser(tx, input.authorId);
    const post = await insertPost(tx, {
      id: newPostId(),
      authorId: input.authorId,
      body: input.body,
      score: input.now ?? Date.now(),
    });
    const event = toOutboxEvent(postCreated, {
      postId: post.id,
      authorId: post.authorId,
      createdAt: post.createdAt,
    });
    await enqueue(tx, { ...event, topic: topics.postCreated });
    return { status: 201, body: post };
  };
}

/**
 * Author only (403 for anyone else, 404 for an unknown id). The row becomes a tombstone and a
 * `post.deleted` event is written with it. Deleting a tombstone again is a 204 with no new event,
 * so a retried DELETE is harmless.
 */
export function deletePostWork(
  topics: Topics,
  input: { postId: string; callerId: string },
): TxWork<{ deleted: boolean; authorId: string }> {
  return async (tx) => {
    const post = await lockPost(tx, input.postId);
    if (!post) throw new HttpError(404, 'POST_NOT_FOUND', 'There is no such post.');
    if (post.authorId !== input.callerId)
      throw new HttpError(403, 'NOT_POST_AUTHOR', 'Only the author may delete a post.');
    if (post.deleted) return { deleted: false, authorId: post.authorId };
    const deletedAt = await tombstonePost(tx, input.postId);
    const event = toOutboxEvent(postDeleted, {
      postId: input.postId,
      authorId: post.authorId,
      deletedAt: deletedAt.toISOString(),
    });
    await enqueue(tx, { ...event, topic: topics.postDeleted });
    return { deleted: true, authorId: post.authorId };
  };
}
