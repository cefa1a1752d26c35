// /v1/tiers and /v1/tenants: the plans and which tenant is on which. A tier's limit applies to all
// of a tenant's traffic together (the outer level of a hierarchical check).
import { HttpError } from '@lab/service-kit';
import type { RequestHandler } from 'express';
import type { PolicyStore } from '../adapters/policy-store.ts';
import { tierRule } from '../domain/policies.ts';
import { checkedRule } from './errors.ts';
import { tenantId, tenantInput, tierInput, tierName } from './schemas.ts';

export function listTiers(store: PolicyStore): RequestHandler {
  return async (_req, res) => {
    res.json({ items: await store.listTiers() });
  };
}

export function putTier(store: PolicyStore): RequestHandler {
  return async (req, res) => {
    const name = tierName.parse(req.params.name);
    const tier = { name, ...tierInput.parse(req.body) };
    const rule = tierRule(tier);
    if (rule) checkedRule(rule, 'INVALID_TIER');
    res.json(await store.putTier(tier));
  };
}

export function getTenant(store: PolicyStore): RequestHandler {
  return async (req, res) => {
    const id = tenantId.parse(req.params.id);
    const tenant = await store.tenant(id);
    if (!tenant) throw new HttpError(404, 'TENANT_NOT_FOUND', `There is no tenant "${id}".`);
    res.json(tenant);
  };
}

export function putTenant(store: PolicyStore): RequestHandler {
  return async (req, res) => {
    const id = tenantId.parse(req.params.id);
    const { tier } = tenantInput.parse(req.body);
    const saved = await store.putTenant({ id, tier });
    if (!saved) throw new HttpError(400, 'UNKNOWN_TIER', `There is no tier "${tier}".`);
    res.json(saved);
  };
}
