// Keyset pagination cursors for "my links": the position is (created_at, code) of the last item
// served, so a page is one index range scan however deep the caller pages, and links created
// meanwhile do not shift later pages (OFFSET would). Opaque base64url JSON to callers.
export type Position = { createdAt: string; code: string };

export function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.code])).toString('base64url');
}

/** The position, or undefined for a cursor this service did not write. */
export function decodeCursor(cursor: string): Position | undefined {
  if (cursor.length > 200) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [createdAt, code] = value as unknown[];
    if (typeof createdAt !== 'string' || typeof code !== 'string') return undefined;
    if (!Number.isFinite(Date.parse(createdAt)) || !/^[A-Za-z0-9_-]{3,32}$/.test(code)) return undefined;
    return { createdAt, code };
  } catch {
    return undefined;
  }
}
