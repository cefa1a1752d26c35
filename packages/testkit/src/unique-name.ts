// Names that cannot collide between test files running in parallel, or between runs.
import { randomBytes } from 'node:crypto';

/** `base` plus a short random suffix, safe for database, topic and key names. */
export function uniqueName(base: string): string {
  const safe = base
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .slice(0, 40);
  return `${safe}_${randomBytes(4).toString('hex')}`;
}
