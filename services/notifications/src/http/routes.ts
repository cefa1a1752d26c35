// Every route of the service in one table: main.ts mounts it, and the OpenAPI test compares it
// with openapi.yaml, so the document cannot silently drift from the code.
import type { Express, RequestHandler } from 'express';
import type pg from 'pg';
import type { IntakeOptions } from '../adapters/intake.ts';
import { requireScope, requireSelfOrAdmin } from './access.ts';
import { readNotification, sendNotification } from './notifications.ts';
import { addSegmentMembers, readSegment, replaceSegment } from './segments.ts';
import { getTemplate, putTemplate } from './templates.ts';
import { readContacts, readPreferences, replaceContacts, replacePreferences } from './users.ts';
import { receiveWebhook } from './webhooks.ts';

export type HttpDeps = {
  pool: pg.Pool;
  intake: IntakeOptions;
  /** Bearer-JWT middleware (service-kit). */
  auth: RequestHandler;
  /** Idempotency-Key middleware for creating POSTs (service-kit). */
  idempotency: () => RequestHandler;
  webhook: { secret: string; toleranceSeconds: number; now: () => Date };
};

export type Route = { method: 'get' | 'post' | 'put' | 'delete'; path: string; handlers: RequestHandler[] };

export function routes(deps: HttpDeps): Route[] {
  const { pool, auth } = deps;
  const admin = requireScope('admin');
  const self = [auth, requireSelfOrAdmin];
  return [
    { method: 'get', path: '/v1/users/:id/contacts', handlers: [...self, readContacts(pool)] },
    { method: 'put', path: '/v1/users/:id/contacts', handlers: [...self, replaceContacts(pool)] },
    { method: 'get', path: '/v1/users/:id/preferences', handlers: [...self, readPreferences(pool)] },
    { method: 'put', path: '/v1/users/:id/preferences', handlers: [...self, replacePreferences(pool)] },
    { method: 'get', path: '/v1/templates/:name', handlers: [auth, admin, getTemplate(pool)] },
    { method: 'put', path: '/v1/templates/:name/:locale', handlers: [auth, admin, putTemplate(pool)] },
    { method: 'get', path: '/v1/segments/:name', handlers: [auth, admin, readSegment(pool)] },
    { method: 'put', path: '/v1/segments/:name', handlers: [auth, admin, replaceSegment(pool)] },
    { method: 'post', path: '/v1/segments/:name/members', handlers: [auth, admin, addSegmentMembers(pool)] },
    {
      method: 'post',
      path: '/v1/notifications',
      handlers: [
        auth,
        requireScope('notifications:send'),
        deps.idempotency(),
        sendNotification(pool, deps.intake),
      ],
    },
    {
      method: 'get',
      path: '/v1/notifications/:eventId',
      handlers: [auth, requireScope('notifications:send', 'admin'), readNotification(pool)],
    },
    { method: 'post', path: '/v1/webhooks/provider-sim', handlers: [receiveWebhook(pool, deps.webhook)] },
  ];
}

export function mountRoutes(app: Express, table: readonly Route[]): void {
  for (const route of table) app[route.method](route.path, ...route.handlers);
}
