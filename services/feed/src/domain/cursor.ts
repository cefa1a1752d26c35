// The feed cursor: the (score, id) of the last entry a page showed, base64url-encoded. A page is
// "the next `limit` entries strictly after this position" in the one (score DESC, id DESC) order.
// Because it is a position and not an offset, an insert above it (a new post) or a delete
// anywhere cannot shift later pages: every post that existed at the first page and was not
// deleted since is shown exactly once. An offset cursor would repeat or skip one entry per
// concurrent insert or delete.
import type { Entry } from './entry.ts';

const SCORE = /^(0|[1-9][0-9]{0,15})$/;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

export function encodeCursor(entry: Entry): string {
  return Buffer.from(`${entry.score}:${entry.id}`, 'utf8').toString('base64url');
}

/** The position, or undefined when the text is not a cursor this service wrote. */
export function decodeCursor(text: string): Entry | undefined {
  if (text.length > 120 || !/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  const decoded = Buffer.from(text, 'base64url').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const score = decoded.slice(0, colon);
  const id = decoded.slice(colon + 1);
  if (!SCORE.test(score) || !ID.test(id)) return undefined;
  const value = Number(score);
  return Number.isSafeInteger(value) ? { score: value, id } : undefined;
}
