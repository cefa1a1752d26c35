// The seed's graph generator: deterministic from the seed, power-law in-degrees (rank 1 followed
// far more than rank 10, rank 10 more than rank 100), celebrities above their target, no self-follows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRandom, followeesOf, type GraphOptions, userName, zipfIndex } from '../src/seed/graph.ts';

const options: GraphOptions = {
  seed: 7,
  users: 20_000,
  celebrities: 2,
  celebrityFollowers: 15_000,
  meanFollowing: 8,
  maxFollowing: 500,
};

test('the same seed gives the same graph; another seed another', () => {
  assert.deepEqual(followeesOf(options, 123), followeesOf(options, 123));
  assert.notDeepEqual(followeesOf(options, 123), followeesOf({ ...options, seed: 8 }, 123));
  const a = createRandom(1);
  const b = createRandom(1);
  for (let i = 0; i < 100; i += 1) assert.equal(a(), b());
});

test('in-degrees follow a power law and celebrities pass their target', () => {
  const inDegree = new Map<string, number>();
  for (let i = 0; i < options.users; i += 1) {
    const followees = followeesOf(options, i);
    assert.equal(new Set(followees).size, followees.length, 'no duplicate edges');
    assert.ok(!followees.includes(userName(i)), 'no self-follow');
    assert.ok(followees.length <= options.maxFollowing + options.celebrities);
    for (const followee of followees) inDegree.set(followee, (inDegree.get(followee) ?? 0) + 1);
  }
  const of = (name: string) => inDegree.get(name) ?? 0;
  assert.ok(of('u0') > 2 * of('u10'), `u0 ${of('u0')} vs u10 ${of('u10')}`);
  assert.ok(of('u10') > 2 * of('u100'), `u10 ${of('u10')} vs u100 ${of('u100')}`);
  assert.ok(of('celebrity0') > 14_000 && of('celebrity1') > 14_000);
  const counts = [...inDegree.values()].sort((x, y) => y - x);
  const top1Percent = counts.slice(0, Math.ceil(counts.length / 100)).reduce((s, n) => s + n, 0);
  const total = counts.reduce((s, n) => s + n, 0);
  assert.ok(top1Percent / total > 0.3, 'the top 1% of accounts hold a large share of all follows');
});

test('zipfIndex stays in range', () => {
  const random = createRandom(3);
  for (let i = 0; i < 10_000; i += 1) {
    const index = zipfIndex(random, 50);
    assert.ok(index >= 0 && index < 50);
  }
});
