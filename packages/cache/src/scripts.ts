// The Lua scripts that make multi-step Redis operations atomic, and a tiny runner that calls
// EVALSHA and falls back to EVAL once when Redis has not seen the script (after a restart or
// SCRIPT FLUSH). Scripts touch only the keys they are given, except the tag script, which
// deletes the members of a tag set: fine on one Redis; a Redis Cluster would need hash tags.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export type Script = (redis: Redis, keys: string[], args: (string | number)[]) => Promise<unknown>;

function script(lua: string): Script {
  const sha = createHash('sha1').update(lua).digest('hex');
  return async (redis, keys, args) => {
    try {
      return await redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(lua, keys.length, ...keys, ...args);
    }
  };
}

/**
 * Stampede lock with the double check built in, in one round trip:
 * returns the stored entry if it is fresh and newer than the caller's copy (someone else just
 * filled it), else tries SET lock token NX PX ttl: 1 = we hold the lock, 0 = someone else does.
 * KEYS: value, lock. ARGV: token, lock ttl ms, now ms, createdAt of the caller's copy (0 if none).
 */
export const lockOrGet = script(`
local v = redis.call('GET', KEYS[1])
if v then
  local created, expires = string.match(v, '^1|(%d+)|(%d+)|')
  if created and tonumber(expires) > tonumber(ARGV[3]) and tonumber(created) > tonumber(ARGV[4]) then
    return v
  end
end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0
`);

/**
 * Writes an entry, adds it to its tag sets (whose expiry only ever grows), releases our lock if
 * we still hold it, and optionally tells the other instances to drop their L1 copies.
 * KEYS: value, lock, tag sets... ARGV: payload, ttl ms, token or '', channel or '', message.
 */
export const writeEntry = script(`
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
local ttl = tonumber(ARGV[2])
for i = 3, #KEYS do
  redis.call('SADD', KEYS[i], KEYS[1])
  if redis.call('PTTL', KEYS[i]) < ttl then redis.call('PEXPIRE', KEYS[i], ttl) end
end
if ARGV[3] ~= '' and redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
if ARGV[4] ~= '' then redis.call('PUBLISH', ARGV[4], ARGV[5]) end
return 1
`);

/** Compare-and-delete: releases the lock only if it still carries our token. KEYS: lock. ARGV: token. */
export const releaseLock = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/** Deletes keys and publishes the invalidation in one step. KEYS: values. ARGV: channel, message. */
export const deleteAndPublish = script(`
redis.call('DEL', unpack(KEYS))
redis.call('PUBLISH', ARGV[1], ARGV[2])
return 1
`);

/** Bumps a namespace version (dropping every key of the old one) and publishes it. KEYS: counter. */
export const bumpNamespace = script(`
local v = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', ARGV[1], ARGV[2])
return v
`);

/** Deletes every value carrying a tag, the tag set itself, and publishes. KEYS: tag set. */
export const deleteTag = script(`
local members = redis.call('SMEMBERS', KEYS[1])
for i = 1, #members, 500 do
  redis.call('DEL', unpack(members, i, math.min(i + 499, #members)))
end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[1], ARGV[2])
return #members
`);
