// Rules, tiers and tenants as the hot path reads them: through @lab/cache (in-process LRU, then
// Redis, then Postgres), written through on every change. A change publishes an invalidation, so
// every instance drops its in-process copy at once; the TTL only bounds a missed message.
// Trade-off: a check never waits for Postgres when the policy is cached, and a changed rule may
// decide with the old values for the time the invalidation takes to arrive (milliseconds).
import { type Cache, NOT_FOUND } from '@lab/cache';
import type { Rule } from '@lab/ratelimit';
import {
  type RuleInput,
  type RuleRecord,
  ruleFromInput,
  type TenantRecord,
  type TierRecord,
} from '../domain/policies.ts';
import type { RulesRepository } from './rules-repository.ts';
import type { TenantsRepository } from './tenants-repository.ts';

export type PolicyStore = ReturnType<typeof createPolicyStore>;

export function createPolicyStore({
  cache,
  rules,
  tenants,
  onChange = () => {},
}: {
  cache: Cache;
  rules: RulesRepository;
  tenants: TenantsRepository;
  /** Called after any change (the service clears the limiter's in-memory blocks). */
  onChange?: () => void;
}) {
  // One limiter Rule object per stored version: the limiter keeps per-rule work (validation,
  // header text, metric children) keyed by the object, so the same version must be the same object.
  const limiterRules = new Map<string, Rule>();
  const limiterRule = (record: RuleRecord): Rule => {
    const id = `${record.name}@${record.version}@${record.updatedAt}`;
    let rule = limiterRules.get(id);
    if (!rule) {
      if (limiterRules.size >= 1_000) limiterRules.clear();
      rule = ruleFromInput(record.name, record);
      limiterRules.set(id, rule);
    }
    return rule;
  };
  const changed = <T>(value: T): T => {
    onChange();
    return value;
  };
  const tier = (name: string) =>
    cache.getOrLoad<TierRecord>(`tier:${name}`, async () => (await tenants.tier(name)) ?? NOT_FOUND);
  const tenant = (id: string) =>
    cache.getOrLoad<TenantRecord>(`tenant:${id}`, async () => (await tenants.tenant(id)) ?? NOT_FOUND);

  return {
    async rule(name: string): Promise<{ record: RuleRecord; rule: Rule } | undefined> {
      const record = await cache.getOrLoad<RuleRecord>(
        `rule:${name}`,
        async () => (await rules.get(name)) ?? NOT_FOUND,
      );
      return record ? { record, rule: limiterRule(record) } : undefined;
    },

    async createRule(name: string, input: RuleInput): Promise<RuleRecord | undefined> {
      const created = await rules.insert(name, input);
      if (created) await cache.set(`rule:${name}`, created);
      return created && changed(created);
    },

    async replaceRule(name: string, input: RuleInput): Promise<RuleRecord | undefined> {
      const replaced = await rules.replace(name, input);
      if (replaced) await cache.set(`rule:${name}`, replaced);
      return replaced && changed(replaced);
    },

    async deleteRule(name: string): Promise<boolean> {
      const deleted = await rules.delete(name);
      await cache.delete(`rule:${name}`);
      return deleted && changed(deleted);
    },

    tier,

    async putTier(tier: TierRecord): Promise<TierRecord> {
      const saved = await tenants.upsertTier(tier);
      await cache.set(`tier:${tier.name}`, saved);
      return changed(saved);
    },

    tenant,

    async putTenant(tenant: TenantRecord): Promise<TenantRecord | undefined> {
      const saved = await tenants.upsertTenant(tenant);
      if (saved) await cache.set(`tenant:${tenant.id}`, saved);
      return saved && changed(saved);
    },

    listRules: (limit: number, after?: string) => rules.list(limit, after),
    listTiers: () => tenants.tiers(),
  };
}
