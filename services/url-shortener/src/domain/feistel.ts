// A keyed, reversible permutation of [0, n): the sequential ids of the range allocator go in,
// ids that look random come out, so a code reveals neither how many links exist nor its
// neighbours' codes (enumeration by incrementing a code finds nothing).
//
// Construction: a balanced Feistel network on 2·h bits (the smallest even width ≥ log2 n), with
// HMAC-SHA256 of the key, the round and the right half as the round function. Any round
// function gives a bijection on 2·h bits, because each round is undone by re-applying it in
// reverse order. n is not a power of two (62^7), so "cycle walking" applies the permutation again
// while the result is ≥ n: since the permutation on 2^(2h) is a bijection, the walk stays inside
// one cycle and comes back below n, which makes the restriction to [0, n) a bijection too.
// On 62^7 the expected walk is 2^42 / 62^7 ≈ 1.25 applications.
//
// It is not encryption in the cryptographic sense (4 rounds, a small domain): it is an obfuscation
// with a secret key, enough that codes cannot be guessed by counting. Keep the key stable: a new
// key re-maps future ids, and may re-issue a code already handed out (the insert then skips it).
import { createHmac } from 'node:crypto';

export type Permutation = {
  readonly size: bigint;
  forward(value: bigint): bigint;
  inverse(value: bigint): bigint;
};

const ROUNDS = 4;

export function feistelPermutation(size: bigint, key: string, rounds = ROUNDS): Permutation {
  if (size < 4n) throw new RangeError('the domain needs at least 4 values');
  if (key.length < 16) throw new RangeError('the permutation key needs at least 16 characters');
  const bits = BigInt(size - 1n).toString(2).length;
  const half = BigInt(Math.ceil(bits / 2));
  const mask = (1n << half) - 1n;
  const roundKey = (round: number, value: bigint): bigint => {
    const digest = createHmac('sha256', key).update(`${round}:${value}`).digest();
    return digest.readBigUInt64BE(0) & mask;
  };
  const encryptOnce = (value: bigint): bigint => {
    let left = value >> half;
    let right = value & mask;
    for (let round = 0; round < rounds; round += 1) {
      [left, right] = [right, left ^ roundKey(round, right)];
    }
    return (left << half) | right;
  };
  const decryptOnce = (value: bigint): bigint => {
    let left = value >> half;
    let right = value & mask;
    for (let round = rounds - 1; round >= 0; round -= 1) {
      [left, right] = [right ^ roundKey(round, left), left];
    }
    return (left << half) | right;
  };
  const walk = (value: bigint, step: (v: bigint) => bigint): bigint => {
    if (value < 0n || value >= size) throw new RangeError(`${value} is outside [0, ${size})`);
    let out = step(value);
    while (out >= size) out = step(out);
    return out;
  };
  return {
    size,
    forward: (value) => walk(value, encryptOnce),
    inverse: (value) => walk(value, decryptOnce),
  };
}
