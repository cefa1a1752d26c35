// Quiet hours in the user's own time zone. Transactional messages ignore them; marketing inside
// them is deferred (never dropped) until they end. Pure: `now` is passed in, so tests use any clock.
//
// A window may cross midnight (22:00-07:00). The end instant is computed as "now + minutes until
// the local end time", which is exact except across a DST change inside the window, where the
// release is up to an hour early or late: acceptable for marketing, and far simpler than a
// calendar library.
import { type QuietHours, toMinutes } from './preferences.ts';

/** Minutes after local midnight of `now` in `timeZone`. */
export function localMinutes(now: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(now);
  const value = (type: string) => Number(parts.find((part) => part.type === type)?.value ?? 0);
  return value('hour') * 60 + value('minute');
}

/** When the quiet window `now` falls in ends, or undefined when `now` is outside it. */
export function quietUntil(now: Date, quiet: QuietHours | null, timeZone: string): Date | undefined {
  if (!quiet) return undefined;
  const start = toMinutes(quiet.start);
  const end = toMinutes(quiet.end);
  if (start === end) return undefined; // an empty window
  const local = localMinutes(now, timeZone);
  const inside = start < end ? local >= start && local < end : local >= start || local < end;
  if (!inside) return undefined;
  const minutesLeft = (end - local + 1440) % 1440;
  const release = new Date(now.getTime() + minutesLeft * 60_000);
  release.setUTCSeconds(0, 0);
  return release;
}
