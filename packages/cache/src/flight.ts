// Single-flight: one in-process load (or L2 read) per key at a time; every concurrent caller
// awaits the same flight. A flight also carries the best stale copy known for the key and
// implements the two timeouts:
//   soft: once a stale copy is known and softTimeoutMs has passed since the flight started,
//         callers get the stale copy and the flight goes on in the background;
//   hard: at hardTimeoutMs the flight rejects with CacheLoadTimeoutError and aborts the loader's
//         signal, so nobody waits longer than that, whatever the loader does.
import type { Entry } from './entry.ts';
import { CacheLoadTimeoutError } from './errors.ts';

const SOFT: unique symbol = Symbol('soft-timeout');
const PENDING: Promise<Entry> = new Promise(() => {});

export type Flight = {
  promise: Promise<Entry>;
  stale: Entry | undefined;
  /** Set when the key was invalidated mid-flight: the result is returned but not cached. */
  invalidated: boolean;
  tags: readonly string[] | undefined;
  timedOut: boolean;
  /** Created when the loader starts; aborted at the hard timeout. */
  controller: AbortController | undefined;
  startedAt: number;
  soft: Promise<typeof SOFT>;
  resolveSoft: (value: typeof SOFT) => void;
  softTimer: ReturnType<typeof setTimeout> | undefined;
};

export type FlightTimeouts = { softTimeoutMs: number; hardTimeoutMs: number };

export function startFlight(
  key: string,
  tags: readonly string[] | undefined,
  stale: Entry | undefined,
  timeouts: FlightTimeouts,
  run: (flight: Flight) => Promise<Entry>,
  onSettled: (flight: Flight) => void,
): Flight {
  const soft = Promise.withResolvers<typeof SOFT>();
  const hard = Promise.withResolvers<never>();
  const flight: Flight = {
    promise: PENDING,
    stale: undefined,
    invalidated: false,
    tags,
    timedOut: false,
    controller: undefined,
    startedAt: Date.now(),
    soft: soft.promise,
    resolveSoft: soft.resolve,
    softTimer: undefined,
  };
  if (stale) offerStale(flight, stale, timeouts.softTimeoutMs);
  const hardTimer = setTimeout(() => {
    flight.timedOut = true;
    const error = new CacheLoadTimeoutError(key, timeouts.hardTimeoutMs);
    flight.controller?.abort(error);
    hard.reject(error);
  }, timeouts.hardTimeoutMs);
  flight.promise = Promise.race([run(flight), hard.promise]).finally(() => {
    clearTimeout(hardTimer);
    clearTimeout(flight.softTimer);
    onSettled(flight);
  });
  // Nobody may await a background flight; its failure is already counted where it happened.
  flight.promise.catch(() => {});
  return flight;
}

/** Remembers `entry` as the flight's fallback if it is newer, and arms the soft timeout. */
export function offerStale(flight: Flight, entry: Entry, softTimeoutMs: number): void {
  if (flight.stale && flight.stale.createdAt >= entry.createdAt) return;
  flight.stale = entry;
  if (flight.softTimer === undefined) {
    const wait = Math.max(0, flight.startedAt + softTimeoutMs - Date.now());
    flight.softTimer = setTimeout(() => flight.resolveSoft(SOFT), wait);
  }
}

export type Served = { entry: Entry; stale: 'timeout' | 'error' | undefined };

/** What one caller gets from a flight: its result, or the stale copy after the soft timeout or a failure. */
export async function serve(flight: Flight): Promise<Served> {
  try {
    const winner = await Promise.race([flight.promise, flight.soft]);
    if (winner !== SOFT) return { entry: winner, stale: undefined };
    // SOFT only fires once a stale copy was offered.
    return { entry: flight.stale as Entry, stale: 'timeout' };
  } catch (error) {
    if (flight.stale === undefined) throw error;
    return { entry: flight.stale, stale: flight.timedOut ? 'timeout' : 'error' };
  }
}
