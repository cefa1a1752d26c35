// Every route of the service in one table: main.ts mounts it, and the OpenAPI test compares it
// with openapi.yaml, so the document cannot silently drift from the code.
import type { Express, RequestHandler } from 'express';
import type { createFeedReader } from '../adapters/feed-reader.ts';
import { readFeed } from './feed.ts';
import { type FollowsDeps, follow, unfollow } from './follows.ts';
import { createPost, deletePost, type PostsDeps } from './posts.ts';

export type HttpDeps = PostsDeps &
  FollowsDeps & {
    reader: ReturnType<typeof createFeedReader>;
    pageMax: number;
    /** Bearer-JWT middleware (service-kit). */
    auth: RequestHandler;
    /** Idempotency-Key middleware for creating POSTs (service-kit). */
    idempotency: () => RequestHandler;
    /** Per-user rate limits (@lab/ratelimit middleware). */
    postLimit: RequestHandler;
    followLimit: RequestHandler;
    stream: RequestHandler;
  };

export type Route = { method: 'get' | 'post' | 'put' | 'delete'; path: string; handlers: RequestHandler[] };

export function routes(deps: HttpDeps): Route[] {
  const { auth } = deps;
  return [
    {
      method: 'post',
      path: '/v1/posts',
      handlers: [auth, deps.postLimit, deps.idempotency(), createPost(deps)],
    },
    { method: 'delete', path: '/v1/posts/:id', handlers: [auth, deps.postLimit, deletePost(deps)] },
    { method: 'post', path: '/v1/follows/:userId', handlers: [auth, deps.followLimit, follow(deps)] },
    { method: 'delete', path: '/v1/follows/:userId', handlers: [auth, deps.followLimit, unfollow(deps)] },
    { method: 'get', path: '/v1/feed', handlers: [auth, readFeed(deps)] },
    { method: 'get', path: '/v1/feed/stream', handlers: [auth, deps.stream] },
  ];
}

export function mountRoutes(app: Express, table: readonly Route[]): void {
  for (const route of table) app[route.method](route.path, ...route.handlers);
}
