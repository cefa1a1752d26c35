// The stored form of an entry in Redis: a short header, then the serialized value.
//   1|<createdAt>|<expiresAt>|<delta>|<v or n>|<tag,tag>|<payload>
// A text header (rather than one JSON envelope around the value) avoids escaping the payload
// twice, and lets the lock script in Lua read createdAt/expiresAt with one string.match.
import type { Entry } from './entry.ts';
import type { Serializer } from './serializer.ts';

const VERSION = '1';

export function encodeEntry(entry: Entry, serializer: Serializer): string {
  const tags = entry.tags ? entry.tags.join(',') : '';
  const head = `${VERSION}|${entry.createdAt}|${entry.expiresAt}|${Math.round(entry.delta)}|`;
  return entry.notFound ? `${head}n|${tags}|` : `${head}v|${tags}|${serializer.serialize(entry.value)}`;
}

/** Undefined for anything that is not a well-formed entry (another format, a corrupted value). */
export function decodeEntry(text: string, serializer: Serializer): Entry | undefined {
  const fields: string[] = [];
  let start = 0;
  for (let i = 0; i < 6; i += 1) {
    const bar = text.indexOf('|', start);
    if (bar < 0) return undefined;
    fields.push(text.slice(start, bar));
    start = bar + 1;
  }
  const [version, created, expires, delta, kind, tags] = fields;
  if (version !== VERSION || (kind !== 'v' && kind !== 'n')) return undefined;
  const createdAt = Number(created);
  const expiresAt = Number(expires);
  const deltaMs = Number(delta);
  if (!Number.isFinite(createdAt) || !Number.isFinite(expiresAt) || !Number.isFinite(deltaMs))
    return undefined;
  const notFound = kind === 'n';
  let value: unknown;
  if (!notFound) {
    try {
      value = serializer.deserialize(text.slice(start));
    } catch {
      return undefined;
    }
  }
  return { value, notFound, createdAt, expiresAt, delta: deltaMs, tags: tags ? tags.split(',') : undefined };
}
