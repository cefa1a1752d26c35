// The Redis key layout (keys.ts): one first segment per kind, lock keys, and which names are allowed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CacheOptionsError } from '../src/errors.ts';
import { assertName, createKeyspace } from '../src/keys.ts';

describe('key building', () => {
  const keys = createKeyspace('links:');

  it('gives each kind of key its own first segment after the prefix', () => {
    assert.equal(keys.value('abc'), 'links:k:abc');
    assert.equal(keys.namespacedValue('abc', 'user-7', 3), 'links:n:user-7:3:abc');
    assert.equal(keys.namespaceVersion('user-7'), 'links:nsv:user-7');
    assert.equal(keys.tag('post.1'), 'links:tag:post.1');
    assert.equal(keys.channel, 'links:__invalidate');
  });

  it('derives the lock and fence keys from the value key, for plain and namespaced keys', () => {
    assert.equal(keys.lock(keys.value('abc')), 'links:l:k:abc');
    assert.equal(keys.lock(keys.namespacedValue('abc', 'ns', 0)), 'links:l:n:ns:0:abc');
    assert.equal(keys.fence(keys.value('abc')), 'links:f:k:abc');
    assert.equal(keys.fence(keys.namespacedValue('abc', 'ns', 0)), 'links:f:n:ns:0:abc');
    assert.equal(keys.tagFence('post.1'), 'links:tf:post.1');
  });

  it('cannot confuse a user key that looks namespaced with a namespaced key', () => {
    assert.notEqual(keys.value('n:ns:0:abc'), keys.namespacedValue('abc', 'ns', 0));
  });

  it('rejects namespace and tag names that would break keys, headers or messages', () => {
    for (const bad of ['', 'a:b', 'a|b', 'a,b', 'a b', 'x'.repeat(129)]) {
      assert.throws(() => assertName('tag', bad), CacheOptionsError, bad);
    }
    assert.doesNotThrow(() => assertName('namespace', 'user_42.v-2'));
  });
});
