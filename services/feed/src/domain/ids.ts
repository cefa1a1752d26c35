// Identifiers the feed makes up. Post ids are random (opaque to clients, no enumeration, no
// coordination between replicas). A follow's notification request id is derived from the follow
// itself, so however often the follow is retried, replayed or re-done after an unfollow, the
// notifications service sees one request id per (follower, followee) and notifies once.
import { createHash, randomBytes } from 'node:crypto';

export function newPostId(): string {
  return randomBytes(12).toString('base64url');
}

/** A name-based (version 5 layout, SHA-1) UUID: the same name always gives the same UUID. */
export function nameBasedUuid(name: string): string {
  const hash = createHash('sha1').update('lab.feed:').update(name).digest();
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50;
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The notification.requested id for "follower followed followee". */
export function followRequestId(followerId: string, followeeId: string): string {
  return nameBasedUuid(`follow\u0000${followerId}\u0000${followeeId}`);
}
