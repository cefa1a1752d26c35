// /v1/users/{id}/contacts and /v1/users/{id}/preferences: a user's contact points and wishes,
// read and replaced by the user themself or an admin (routes.ts puts the check in front).
import { HttpError } from '@lab/service-kit';
import type { RequestHandler } from 'express';
import type pg from 'pg';
import { getContacts, getPreferences, putContacts, putPreferences } from '../adapters/users-repository.ts';
import { withDefaults } from '../domain/preferences.ts';
import { contactsBody, preferencesBody, userId } from './schemas.ts';

const idOf = (value: unknown) => userId.parse(value);

export function readContacts(pool: pg.Pool): RequestHandler {
  return async (req, res) => {
    const id = idOf(req.params.id);
    const contacts = await getContacts(pool, id);
    if (!contacts) throw new HttpError(404, 'CONTACTS_NOT_FOUND', `User "${id}" has no contacts on file.`);
    res.json({ userId: id, ...contacts });
  };
}

export function replaceContacts(pool: pg.Pool): RequestHandler {
  return async (req, res) => {
    const id = idOf(req.params.id);
    const contacts = contactsBody.parse(req.body);
    await putContacts(pool, id, contacts);
    res.json({ userId: id, ...contacts });
  };
}

export function readPreferences(pool: pg.Pool): RequestHandler {
  return async (req, res) => {
    const id = idOf(req.params.id);
    res.json({ userId: id, ...(await getPreferences(pool, id)) });
  };
}

export function replacePreferences(pool: pg.Pool): RequestHandler {
  return async (req, res) => {
    const id = idOf(req.params.id);
    const body = preferencesBody.parse(req.body);
    const preferences = { ...body, categories: withDefaults(body.categories) };
    await putPreferences(pool, id, preferences);
    res.json({ userId: id, ...preferences });
  };
}
