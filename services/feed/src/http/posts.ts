// POST /v1/posts and DELETE /v1/posts/{id}. A create runs its transaction function inside
// service-kit's `idempotentWrite`: the post row, its `post.created` outbox row and the stored
// Idempotency-Key response commit together, so a retry after a crash replays and never posts twice.
// A delete runs its own transaction, then applies what Redis should know after the commit.
import { idempotentWrite, inTransaction } from '@lab/service-kit';
import type { RequestHandler } from 'express';
import type pg from 'pg';
import type { Topics } from '../adapters/post-commands.ts';
import { createPostWork, deletePostWork } from '../adapters/post-commands.ts';
import type { TimelineMaintenance } from '../adapters/timeline-maintenance.ts';
import { callerId, postIdParam, postInput } from './schemas.ts';

export type PostsDeps = {
  pool: pg.Pool;
  topics: Topics;
  maintenance: TimelineMaintenance;
  postMaxChars: number;
};

export function createPost(deps: PostsDeps): RequestHandler {
  const schema = postInput(deps.postMaxChars);
  // Nothing outside the transaction follows a create: fan-out starts from the outbox event.
  return idempotentWrite(async (req, res, tx) => {
    const authorId = callerId(res);
    const { body } = schema.parse(req.body);
    const reply = await createPostWork(deps.topics, { authorId, body })(tx);
    res.status(reply.status).location(`/v1/posts/${reply.body.id}`).json(reply.body);
  });
}

export function deletePost(deps: PostsDeps): RequestHandler {
  return async (req, res) => {
    const caller = callerId(res);
    const postId = postIdParam.parse(req.params.id);
    const result = await inTransaction(deps.pool, deletePostWork(deps.topics, { postId, callerId: caller }));
    if (result.deleted)
      await deps.maintenance.afterDelete({ id: postId, authorId: result.authorId, deleted: true });
    res.status(204).end();
  };
}
