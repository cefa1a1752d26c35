// `npm run lab:fault -- <postgres|redis|kafka> <cut|restore|latency MS>`: the lab's fault switch.
// Every lab service reaches its dependencies through a Toxiproxy proxy (environment.ts), so a user
// can take one away, or slow it, and watch a pattern react (the rate limiter failing open, a
// breaker opening, the outbox backlog growing) without touching the dependency itself, which
// other tests and services on the machine keep using directly.
//
//   cut         disable the proxy: open connections close, new ones are refused
//   latency MS  delay every reply by MS milliseconds (one toxic, replaced on each call)
//   restore     remove every toxic and enable the proxy again
import { LAB_PROXIES, type LabProxy } from './environment.ts';

export type FaultAction = { kind: 'cut' } | { kind: 'restore' } | { kind: 'latency'; ms: number };
export type FaultCommand = { target: LabProxy; action: FaultAction };

export const FAULT_USAGE = 'usage: npm run lab:fault -- <postgres|redis|kafka> <cut|restore|latency MS>';
/** A minute: longer than any client timeout in the lab, short enough that a typo is not a day. */
export const MAX_LATENCY_MS = 60_000;
/** The one latency toxic the lab adds; a second `latency` call replaces it rather than stacking. */
export const LATENCY_TOXIC = 'lab-latency';

export class FaultUsageError extends Error {}

export function parseFaultArgs(argv: readonly string[]): FaultCommand {
  const [target, kind, amount, ...rest] = argv;
  const fail = (why: string): never => {
    throw new FaultUsageError(`${why}\n${FAULT_USAGE}`);
  };
  if (!target || !Object.hasOwn(LAB_PROXIES, target)) fail(`unknown dependency: ${target ?? '(none)'}`);
  const proxy = target as LabProxy;
  if (rest.length > 0) fail(`unexpected arguments: ${rest.join(' ')}`);
  if (kind === 'cut' || kind === 'restore') {
    if (amount !== undefined) fail(`${kind} takes no amount`);
    return { target: proxy, action: { kind } };
  }
  if (kind !== 'latency') return fail(`unknown action: ${kind ?? '(none)'}`);
  if (!amount || !/^\d+$/.test(amount)) return fail('latency needs a whole number of milliseconds');
  const ms = Number(amount);
  if (ms < 1 || ms > MAX_LATENCY_MS) fail(`latency must be between 1 and ${MAX_LATENCY_MS} ms`);
  return { target: proxy, action: { kind: 'latency', ms } };
}

/** Applies `action` to the Toxiproxy proxy `proxy`; returns a line saying what it did. */
export async function applyFault(toxiproxyUrl: string, proxy: string, action: FaultAction): Promise<string> {
  const api = toxiproxyApi(toxiproxyUrl, proxy);
  if (action.kind === 'cut') {
    await api('', { enabled: false });
    return `${proxy}: cut (connections closed, new ones refused) until \`restore\``;
  }
  if (action.kind === 'restore') {
    const toxics = (await api('/toxics')) as { name: string }[];
    for (const toxic of toxics) await api(`/toxics/${toxic.name}`, 'DELETE');
    await api('', { enabled: true });
    return `${proxy}: restored (no toxics, enabled)`;
  }
  const toxics = (await api('/toxics')) as { name: string }[];
  if (toxics.some((toxic) => toxic.name === LATENCY_TOXIC)) await api(`/toxics/${LATENCY_TOXIC}`, 'DELETE');
  await api('/toxics', {
    name: LATENCY_TOXIC,
    type: 'latency',
    stream: 'downstream',
    toxicity: 1,
    attributes: { latency: action.ms, jitter: 0 },
  });
  return `${proxy}: every reply delayed by ${action.ms} ms until \`restore\``;
}

function toxiproxyApi(baseUrl: string, proxy: string) {
  return async (path: string, body?: object | 'DELETE'): Promise<unknown> => {
    const method = body === 'DELETE' ? 'DELETE' : body ? 'POST' : 'GET';
    const response = await fetch(new URL(`/proxies/${proxy}${path}`, baseUrl), {
      method,
      headers: { 'content-type': 'application/json' },
      ...(typeof body === 'object' ? { body: JSON.stringify(body) } : {}),
    });
    if (response.status === 404 && !path.startsWith('/toxics/'))
      throw new Error(`Toxiproxy has no proxy ${proxy}: is the lab running (npm start)?`);
    if (!response.ok)
      throw new Error(`Toxiproxy ${method} ${proxy}${path}: ${response.status} ${await response.text()}`);
    const text = await response.text();
    return text ? JSON.parse(text) : undefined;
  };
}
