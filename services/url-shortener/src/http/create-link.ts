// POST /v1/urls. The database work of a create is one function of a transaction,
// `createLinkInTransaction(tx)`, returning the response to send. It runs inside service-kit's
// `idempotentWrite`, so the link row, its `url.created` outbox row and the stored response for the
// Idempotency-Key commit together or not at all: a retry after a crash replays, never re-creates.

import { toOutboxEvent, urlCreated } from '@lab/events';
import { enqueue } from '@lab/outbox';
import { authOf, HttpError, idempotentWrite } from '@lab/service-kit';
import type { RequestHandler } from 'express';
import type pg from 'pg';
import { insertLink, type LinkRow, type NewLink } from '../adapters/links-repository.ts';
import type { CodeGenerator } from '../domain/code-generators.ts';
import { checkAlias, checkExpiry, normaliseUrl, RESERVED_ALIASES } from '../domain/link-input.ts';
import type { Topics } from '../topics.ts';
import { asClientError } from './errors.ts';
import { createLinkBody } from './schemas.ts';

// Each attempt is one INSERT ... ON CONFLICT DO NOTHING. With the range generator a conflict
// needs an alias equal to a generated code; the hash generator collides by design.
const MAX_CODE_ATTEMPTS = 8;

export type CreateDeps = {
  pool: pg.Pool;
  generator: CodeGenerator;
  publicBaseUrl: string;
  topics: Topics;
  /** Called after commit: drops a cached "not found" for the code on every instance. */
  forgetCode: (code: string) => Promise<void>;
};

export type CreatedResponse = { status: 201; body: LinkView };
export type LinkView = { code: string; shortUrl: string; url: string; expiresAt: string | null };

export function linkView(link: LinkRow, publicBaseUrl: string): LinkView {
  return {
    code: link.code,
    shortUrl: `${publicBaseUrl}/${link.code}`,
    url: link.url,
    expiresAt: link.expiresAt ? link.expiresAt.toISOString() : null,
  };
}

export async function createLinkInTransaction(
  tx: pg.PoolClient,
  deps: CreateDeps,
  link: Omit<NewLink, 'code' | 'customAlias'> & { alias: string | undefined },
): Promise<CreatedResponse> {
  const { alias, ...fields } = link;
  let row: LinkRow | undefined;
  if (alias !== undefined) {
    row = await insertLink(tx, { ...fields, code: alias, customAlias: true });
    if (!row) throw new HttpError(409, 'ALIAS_TAKEN', `The alias "${alias}" is already taken.`);
  } else {
    for (let attempt = 0; !row && attempt < MAX_CODE_ATTEMPTS; attempt += 1) {
      const code = await deps.generator.next({ url: fields.url, attempt });
      // A generated code can spell a reserved word ("metrics" is 7 base62 characters): skip it.
      if (RESERVED_ALIASES.has(code.toLowerCase())) continue;
      row = await insertLink(tx, { ...fields, code, customAlias: false });
    }
    if (!row) throw new Error(`no free code after ${MAX_CODE_ATTEMPTS} attempts (${deps.generator.name})`);
  }
  const event = toOutboxEvent(urlCreated, {
    code: row.code,
    url: row.url,
    ownerId: row.ownerId,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt ? row.expiresAt.toISOString() : null,
  });
  await enqueue(tx, { ...event, topic: deps.topics.created });
  return { status: 201, body: linkView(row, deps.publicBaseUrl) };
}

export function createLinkHandler(deps: CreateDeps): RequestHandler {
  return idempotentWrite(async (req, res, tx) => {
    const claims = authOf(res);
    if (!claims) throw new HttpError(401, 'UNAUTHENTICATED', 'A bearer token is required.');
    const body = createLinkBody.parse(req.body);
    const now = Date.now();
    const input = asClientError(() => ({
      url: normaliseUrl(body.url, deps.publicBaseUrl),
      alias: body.alias === undefined ? undefined : checkAlias(body.alias),
      expiresAt: body.expiresAt === undefined ? null : checkExpiry(body.expiresAt, now),
    }));
    const response = await createLinkInTransaction(tx, deps, {
      ...input,
      ownerId: claims.sub,
      tenant: claims.tenant,
      redirect: body.redirect ?? 302,
    });
    // The response is held until COMMIT, so 'finish' comes after it: only then may a cached
    // "not found" for this code be dropped (earlier, a redirect could cache it again meanwhile).
    res.once('finish', () => {
      deps.forgetCode(response.body.code).catch(() => {
        // Best effort: the negative entry expires with its short TTL anyway.
      });
    });
    res.status(response.status).location(response.body.shortUrl).json(response.body);
  });
}
