// Every route of provider-sim in one table: main.ts mounts it, and the OpenAPI test compares it
// with openapi.yaml, so the document cannot silently drift from the code.
import type { Express, RequestHandler } from 'express';
import type { Simulator } from '../adapters/simulator.ts';
import { listMessages, listProviders, reset, setBehaviour } from './control.ts';
import { requireScope } from './scopes.ts';
import { requireApiKey, sendHandler } from './sends.ts';

export type HttpDeps = {
  simulator: Simulator;
  /** Bearer-JWT middleware (service-kit). */
  auth: RequestHandler;
  apiKey: string;
};

export type Route = { method: 'get' | 'post' | 'put' | 'delete'; path: string; handlers: RequestHandler[] };

export function routes(deps: HttpDeps): Route[] {
  const { simulator, auth } = deps;
  const admin = requireScope('admin');
  const apiKey = requireApiKey(deps.apiKey);
  return [
    { method: 'post', path: '/v1/sms/:provider/messages', handlers: [apiKey, sendHandler('sms', simulator)] },
    {
      method: 'post',
      path: '/v1/push/:provider/messages',
      handlers: [apiKey, sendHandler('push', simulator)],
    },
    { method: 'get', path: '/v1/providers', handlers: [listProviders(simulator)] },
    { method: 'put', path: '/v1/providers/:name', handlers: [auth, admin, setBehaviour(simulator)] },
    { method: 'get', path: '/v1/messages', handlers: [auth, admin, listMessages(simulator)] },
    { method: 'post', path: '/v1/reset', handlers: [auth, admin, reset(simulator)] },
  ];
}

export function mountRoutes(app: Express, table: readonly Route[]): void {
  for (const route of table) app[route.method](route.path, ...route.handlers);
}
