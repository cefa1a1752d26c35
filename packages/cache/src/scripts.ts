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

// Fences (memcache's leases, without a round trip of their own). Every invalidation of a key or
// tag sets its fence key to a fresh random token that lives `fenceMs`. A load reads the fences
// of its key and tags, with Redis's own clock, in the same script that takes the lock, before it
// calls the loader; its write succeeds only if every fence still holds what it read and less
// than `fenceMs` has passed since. So an invalidation that lands after the read refuses the write,
// whichever instance made it and whether or not the loader held the lock. The age limit closes
// the one gap an expiring fence leaves (absent -> token -> expired looks unchanged): the write is
// refused long before a fence set after its read can have expired.
// Reading TIME before a write inside a script needs Redis >= 5 (scripts replicated by effects).
const REDIS_NOW_MS = `local clock = redis.call('TIME')
local now_ms = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)`;

/**
 * Stampede lock with the double check built in, in one round trip:
 * returns the stored entry if it is fresh and newer than the caller's copy (someone else just
 * filled it), else tries SET lock token NX PX ttl and answers
 * { 1 if we hold the lock else 0, Redis time ms, the current token of each fence ('' if none) }.
 * KEYS: value, lock, fences... ARGV: token, lock ttl ms, now ms, createdAt of the caller's copy (0 if none).
 */
export const lockOrGet = script(`
local v = redis.call('GET', KEYS[1])
if v then
  local created, expires = string.match(v, '^1|(%d+)|(%d+)|')
  if created and tonumber(expires) > tonumber(ARGV[3]) and tonumber(created) > tonumber(ARGV[4]) then
    return v
  end
end
local acquired = 0
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then acquired = 1 end
${REDIS_NOW_MS}
local reply = { acquired, now_ms }
for i = 3, #KEYS do reply[#reply + 1] = redis.call('GET', KEYS[i]) or '' end
return reply
`);

/**
 * lockOrGet for a batch, in one round trip: for each key, its fresh entry if there is one, else an
 * attempt at its lock; and every fence, read at one Redis time. The tags' fences are shared by
 * all keys of the batch, so they are read once.
 * KEYS: m tag fences, then per key: value, lock, fence. ARGV: token, lock ttl ms, now ms, m.
 * Reply: { Redis time ms, m tag tokens, then per key: (entry text | 1 acquired | 0 busy), key token }.
 */
export const lockManyOrGet = script(`
local m = tonumber(ARGV[4])
${REDIS_NOW_MS}
local reply = { now_ms }
for i = 1, m do reply[#reply + 1] = redis.call('GET', KEYS[i]) or '' end
for i = m + 1, #KEYS, 3 do
  local status = 0
  local v = redis.call('GET', KEYS[i])
  if v then
    local expires = string.match(v, '^1|%d+|(%d+)|')
    if expires and tonumber(expires) > tonumber(ARGV[3]) then status = v end
  end
  if status == 0 and redis.call('SET', KEYS[i + 1], ARGV[1], 'NX', 'PX', ARGV[2]) then status = 1 end
  reply[#reply + 1] = status
  reply[#reply + 1] = redis.call('GET', KEYS[i + 2]) or ''
end
return reply
`);

/**
 * Writes a loaded entry if no fence moved since the load read them (else returns 0 and writes
 * nothing), adds it to its tag sets (whose expiry only ever grows) and releases our lock either way.
 * KEYS: value, lock, n fences, tag sets...
 * ARGV: payload, ttl ms, lock token or '', fences read at (Redis ms), fence ms, n, n tokens read.
 */
export const writeLoaded = script(`
local n = tonumber(ARGV[6])
${REDIS_NOW_MS}
local current = now_ms - tonumber(ARGV[4]) < tonumber(ARGV[5])
for i = 1, n do
  if current and (redis.call('GET', KEYS[2 + i]) or '') ~= ARGV[6 + i] then current = false end
end
if ARGV[3] ~= '' and redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
if not current then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
local ttl = tonumber(ARGV[2])
for i = 3 + n, #KEYS do
  redis.call('SADD', KEYS[i], KEYS[1])
  if redis.call('PTTL', KEYS[i]) < ttl then redis.call('PEXPIRE', KEYS[i], ttl) end
end
return 1
`);

/**
 * set(): writes a value that is newer than anything a load in flight read, so it also moves the
 * key's fence (those loads' writes are refused), and tells the other instances to drop L1 copies.
 * KEYS: value, fence, tag sets... ARGV: payload, ttl ms, fence token, fence ms, channel, message.
 */
export const writeNewer = script(`
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
local ttl = tonumber(ARGV[2])
for i = 3, #KEYS do
  redis.call('SADD', KEYS[i], KEYS[1])
  if redis.call('PTTL', KEYS[i]) < ttl then redis.call('PEXPIRE', KEYS[i], ttl) end
end
redis.call('PUBLISH', ARGV[5], ARGV[6])
return 1
`);

/** Compare-and-delete: releases the lock only if it still carries our token. KEYS: lock. ARGV: token. */
export const releaseLock = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/**
 * Deletes values, revokes their stampede locks (a waiter may start a fresh load at once; the old
 * holder's write is refused by the fence) and moves their fences, then publishes, in one step.
 * KEYS: n values, n locks, n fences. ARGV: channel, message, fence token, fence ms.
 */
export const deleteAndPublish = script(`
local n = #KEYS / 3
for i = 1, n do
  redis.call('DEL', KEYS[i], KEYS[n + i])
  redis.call('SET', KEYS[2 * n + i], ARGV[3], 'PX', ARGV[4])
end
redis.call('PUBLISH', ARGV[1], ARGV[2])
return 1
`);

/** Bumps a namespace version (dropping every key of the old one) and publishes it. KEYS: counter. */
export const bumpNamespace = script(`
local v = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', ARGV[1], ARGV[2])
return v
`);

/**
 * Deletes every value carrying a tag and the tag set itself, moves the tag's fence (loads of
 * tagged keys read it), and publishes. KEYS: tag set, tag fence. ARGV: channel, message, fence token, fence ms.
 */
export const deleteTag = script(`
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
local members = redis.call('SMEMBERS', KEYS[1])
for i = 1, #members, 500 do
  redis.call('DEL', unpack(members, i, math.min(i + 499, #members)))
end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[1], ARGV[2])
return #members
`);
