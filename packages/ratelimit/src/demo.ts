// `@lab/ratelimit/demo`: the teaching anti-patterns, on an export path of their own so that code
// importing them says so in its import line. The race-condition experiment uses the naive
// GET-then-INCR limiter from here; services use the main entry point and its atomic scripts.
export { type NaiveLimiter, naiveGetThenIncrLimiter } from './naive.ts';
