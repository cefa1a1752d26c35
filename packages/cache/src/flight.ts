// Single-flight: one in-process load (or L2 read) per key at a time; every concurrent caller
// awaits the same flight. A flight also carries the best stale copy known for the key, and
// settles one shared `answer` for all its callers, whichever comes first:
//   the result;
//   soft timeout: once a stale copy is known and softTimeoutMs has passed since the flight
//                 started, the stale copy (the load goes on in the background and fills the cache);
//   failure:      the stale copy if there is one, else the error;
//   hard timeout: armed when the flight goes past L2 (lock wait + load); at hardTimeoutMs the
//                 loader's signal is aborted and callers get the stale copy or CacheLoadTimeoutError.
// A pure L2 hit allocates no timer: the breaker's call timeout already bounds a Redis read.
import type { Entry } from './entry.ts';
import { CacheLoadTimeoutError } from './errors.ts';

export type Served = { entry: Entry; stale: 'timeout' | 'error' | undefined };

export type Flight = {
  answer: Promise<Served>;
  stale: Entry | undefined;
  /**
   * Set when an invalidation of the key reached this instance mid-flight. Loads with a fence
   * reading leave the decision to the fence in Redis; the flag decides only without one (no Redis).
   */
  invalidated: boolean;
  tags: readonly string[] | undefined;
  timedOut: boolean;
  /** Created when the loader starts; aborted at the hard timeout. */
  controller: AbortController | undefined;
  startedAt: number;
  settle: (served: Served | Error) => void;
  softTimer: ReturnType<typeof setTimeout> | undefined;
  hardTimer: ReturnType<typeof setTimeout> | undefined;
};

export type FlightTimeouts = { softTimeoutMs: number; hardTimeoutMs: number };

export function startFlight(
  tags: readonly string[] | undefined,
  stale: Entry | undefined,
  timeouts: FlightTimeouts,
  run: (flight: Flight) => Promise<Entry>,
  onDone: (flight: Flight) => void,
): Flight {
  let answered = false;
  let resolve: (served: Served) => void = () => {};
  let reject: (error: Error) => void = () => {};
  const flight: Flight = {
    answer: new Promise<Served>((res, rej) => {
      resolve = res;
      reject = rej;
    }),
    stale: undefined,
    invalidated: false,
    tags,
    timedOut: false,
    controller: undefined,
    startedAt: Date.now(),
    settle(served) {
      if (answered) return;
      answered = true;
      if (served instanceof Error) reject(served);
      else resolve(served);
    },
    softTimer: undefined,
    hardTimer: undefined,
  };
  // Nobody may await a background flight; failures are counted where they happen.
  flight.answer.catch(() => {});
  if (stale) offerStale(flight, stale, timeouts.softTimeoutMs);
  run(flight).then(
    (entry) => {
      finish(flight);
      onDone(flight);
      flight.settle({ entry, stale: undefined });
    },
    (error: unknown) => {
      finish(flight);
      onDone(flight);
      fail(flight, error instanceof Error ? error : new Error(String(error)));
    },
  );
  return flight;
}

function finish(flight: Flight): void {
  clearTimeout(flight.softTimer);
  clearTimeout(flight.hardTimer);
}

function fail(flight: Flight, error: Error): void {
  const stale = flight.stale;
  flight.settle(stale ? { entry: stale, stale: flight.timedOut ? 'timeout' : 'error' } : error);
}

/**
 * Starts the hard timeout: from here on nobody waits longer than `hardTimeoutMs`. `onTimeout`
 * runs once it fires (the cache forgets the flight, so the next caller starts afresh).
 */
export function armHardTimeout(
  flight: Flight,
  key: string,
  hardTimeoutMs: number,
  onTimeout: () => void,
): void {
  if (flight.hardTimer !== undefined) return;
  flight.hardTimer = setTimeout(() => {
    flight.timedOut = true;
    const error = new CacheLoadTimeoutError(key, hardTimeoutMs);
    flight.controller?.abort(error);
    onTimeout();
    fail(flight, error);
  }, hardTimeoutMs);
}

/** Remembers `entry` as the flight's fallback if it is newer, and arms the soft timeout. */
export function offerStale(flight: Flight, entry: Entry, softTimeoutMs: number): void {
  if (flight.stale && flight.stale.createdAt >= entry.createdAt) return;
  flight.stale = entry;
  if (flight.softTimer === undefined) {
    const wait = Math.max(0, flight.startedAt + softTimeoutMs - Date.now());
    flight.softTimer = setTimeout(() => {
      if (flight.stale) flight.settle({ entry: flight.stale, stale: 'timeout' });
    }, wait);
  }
}
