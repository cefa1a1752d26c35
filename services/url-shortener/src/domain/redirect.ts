// What a redirect answers for a link as the cache holds it. Pure, so the hot path's one decision
// is unit-tested: 404 unknown, 410 deleted or expired, else 301/302 with the target.
//
// 302 is the default because a browser does not cache it: every visit comes back here, so every
// click is counted and a deleted or expired link stops working at once. 301 is cached by
// browsers (often with no expiry), which saves the round trip on repeat visits but makes those
// visits invisible to analytics and the link impossible to retract for whoever already followed it.

/** A link as cached for redirects: only what the redirect needs, so an L1 entry stays small. */
export type CachedLink = {
  url: string;
  status: 301 | 302;
  /** ms since the epoch, or null for no expiry. */
  expiresAt: number | null;
  deleted: boolean;
};

export type RedirectDecision =
  | { kind: 'redirect'; status: 301 | 302; location: string }
  | { kind: 'gone'; reason: 'deleted' | 'expired' }
  | { kind: 'not_found' };

export function decideRedirect(link: CachedLink | undefined, now: number): RedirectDecision {
  if (!link) return { kind: 'not_found' };
  if (link.deleted) return { kind: 'gone', reason: 'deleted' };
  if (link.expiresAt !== null && link.expiresAt <= now) return { kind: 'gone', reason: 'expired' };
  return { kind: 'redirect', status: link.status, location: link.url };
}
