// The key layout, in one place: `<prefix>{<rule>:<key>}:<algorithm>`. The braces are a Redis
// Cluster hash tag around the rule and the key alone, so one (rule, key) is one counter whatever
// check asks for it (alone, or as a level of any hierarchy), and every counter hashes to its own
// slot. The algorithm is in the name because a rule whose algorithm changes starts a fresh state
// rather than misreading the old one.
import type { Algorithm, Rule } from './policy.ts';

const ALGORITHM_CODE: Record<Algorithm, string> = {
  'fixed-window': 'fw',
  'sliding-window-log': 'swl',
  'sliding-window-counter': 'swc',
  'token-bucket': 'tb',
  'leaky-bucket': 'lb',
  gcra: 'gcra',
};

export function counterKey(prefix: string, rule: Rule, key: string): string {
  return `${prefix}{${rule.name}:${key}}:${ALGORITHM_CODE[rule.algorithm]}`;
}
