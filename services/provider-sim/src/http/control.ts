// The control API: how a test, a benchmark or a person at the keyboard makes a provider slow,
// flaky or down, and reads what each provider received. Reads of behaviour are public (no personal
// data); changing it and reading the recordings (addresses, bodies) need the admin scope.
import { HttpError } from '@lab/service-kit';
import type { RequestHandler } from 'express';
import type { Simulator } from '../adapters/simulator.ts';
import { channelOf, PROVIDERS } from '../domain/providers.ts';
import { behaviourChange, messagesQuery, providerName, resetBody } from './schemas.ts';

function describe(simulator: Simulator, name: (typeof PROVIDERS)[number]) {
  return {
    name,
    channel: channelOf(name),
    role: name.endsWith('-primary') ? 'primary' : 'secondary',
    behaviour: simulator.behaviour(name),
  };
}

export function listProviders(simulator: Simulator): RequestHandler {
  return (_req, res) => {
    res.json({ items: PROVIDERS.map((name) => describe(simulator, name)) });
  };
}

export function setBehaviour(simulator: Simulator): RequestHandler {
  return (req, res) => {
    const parsed = providerName.safeParse(req.params.name);
    if (!parsed.success) {
      throw new HttpError(
        404,
        'PROVIDER_NOT_FOUND',
        `There is no provider named "${String(req.params.name)}".`,
      );
    }
    const change = behaviourChange.parse(req.body);
    simulator.setBehaviour(parsed.data, change);
    res.json(describe(simulator, parsed.data));
  };
}

export function reset(simulator: Simulator): RequestHandler {
  return (req, res) => {
    resetBody.parse(req.body);
    simulator.reset();
    res.status(204).end();
  };
}

export function listMessages(simulator: Simulator): RequestHandler {
  return (req, res) => {
    const { cursor, ...query } = messagesQuery.parse(req.query);
    const items = simulator.recordings.list({ ...query, ...(cursor !== undefined ? { after: cursor } : {}) });
    const last = items[items.length - 1];
    res.json({ items, next_cursor: items.length === query.limit && last ? String(last.seq) : null });
  };
}
