// /v1/rules: create, list (cursor-paginated), read, replace, delete. Writes need a bearer token;
// creation accepts Idempotency-Key. Every write goes through the policy store, which updates the
// cache and tells every instance to drop its copy.
import { HttpError } from '@lab/service-kit';
import type { RequestHandler } from 'express';
import type { PolicyStore } from '../adapters/policy-store.ts';
import { decodeCursor, encodeCursor, type RuleInput, ruleFromInput } from '../domain/policies.ts';
import { checkedRule } from './errors.ts';
import { listQuery, ruleCreate, ruleInput, ruleName } from './schemas.ts';

const notFound = (name: string) => new HttpError(404, 'RULE_NOT_FOUND', `There is no rule named "${name}".`);

function validInput(name: string, input: RuleInput): RuleInput {
  checkedRule(ruleFromInput(name, input));
  return input;
}

export function listRules(store: PolicyStore): RequestHandler {
  return async (req, res) => {
    const { limit, cursor } = listQuery.parse(req.query);
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    if (cursor !== undefined && after === undefined)
      throw new HttpError(400, 'INVALID_CURSOR', 'The cursor is not valid.');
    // One extra row says whether another page exists.
    const rows = await store.listRules(limit + 1, after);
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    res.json({ items, next_cursor: rows.length > limit && last ? encodeCursor(last.name) : null });
  };
}

export function createRule(store: PolicyStore): RequestHandler {
  return async (req, res) => {
    const { name, ...input } = ruleCreate.parse(req.body);
    const created = await store.createRule(name, validInput(name, input));
    if (!created) throw new HttpError(409, 'RULE_EXISTS', `A rule named "${name}" already exists.`);
    res.status(201).location(`/v1/rules/${name}`).json(created);
  };
}

export function getRule(store: PolicyStore): RequestHandler {
  return async (req, res) => {
    const name = ruleName.parse(req.params.name);
    const found = await store.rule(name);
    if (!found) throw notFound(name);
    res.json(found.record);
  };
}

export function replaceRule(store: PolicyStore): RequestHandler {
  return async (req, res) => {
    const name = ruleName.parse(req.params.name);
    const replaced = await store.replaceRule(name, validInput(name, ruleInput.parse(req.body)));
    if (!replaced) throw notFound(name);
    res.json(replaced);
  };
}

export function deleteRule(store: PolicyStore): RequestHandler {
  return async (req, res) => {
    const name = ruleName.parse(req.params.name);
    if (!(await store.deleteRule(name))) throw notFound(name);
    res.status(204).end();
  };
}
