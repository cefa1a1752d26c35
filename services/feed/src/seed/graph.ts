// The seed's social graph, generated deterministically from a seed (pure: no I/O, unit-tested).
//
// Real follower counts follow a power law: a few accounts have millions of followers, most have a
// handful. Here each user follows a number of accounts drawn around `meanFollowing`, and picks
// each one by *rank* with probability proportional to 1/rank (a log-uniform draw: rank =
// e^(U·ln N)), so account 1 is followed about twice as often as account 2, ten times as often as
// account 10, and so on: a Zipf in-degree. On top, `celebrities` accounts are followed by each
// user with probability celebrityFollowers/users, which puts them above the fan-out threshold
// (the 100,000+ accounts whose posts are pulled rather than pushed).

export type GraphOptions = {
  seed: number;
  users: number;
  celebrities: number;
  celebrityFollowers: number;
  meanFollowing: number;
  maxFollowing: number;
};

/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)); plenty for test data. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export const userName = (index: number) => `u${index}`;
export const celebrityName = (index: number) => `celebrity${index}`;

/** A Zipf-distributed index in [0, n): index 0 is the most likely. */
export function zipfIndex(random: () => number, n: number): number {
  return Math.min(n - 1, Math.floor(Math.exp(random() * Math.log(n + 1))) - 1);
}

/** How many accounts one user follows: geometric around the mean, capped. */
function followingCount(random: () => number, mean: number, max: number): number {
  const draw = Math.floor(Math.log(1 - random()) / Math.log(1 - 1 / mean));
  return Math.min(max, Math.max(1, draw));
}

/**
 * The follow edges of user `index`, as followee names (no duplicates, never themself). Generated
 * per user so a caller can stream millions of edges without holding them.
 */
export function followeesOf(options: GraphOptions, index: number): string[] {
  const random = createRandom(options.seed * 1_000_003 + index);
  const chosen = new Set<string>();
  const count = followingCount(random, options.meanFollowing, options.maxFollowing);
  for (let attempt = 0; attempt < count * 3 && chosen.size < count; attempt += 1) {
    const target = zipfIndex(random, options.users);
    if (target !== index) chosen.add(userName(target));
  }
  const celebrityShare = Math.min(1, options.celebrityFollowers / options.users);
  for (let c = 0; c < options.celebrities; c += 1) {
    if (random() < celebrityShare) chosen.add(celebrityName(c));
  }
  return [...chosen];
}
