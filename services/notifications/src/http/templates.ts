// /v1/templates/{name}/{locale} (admin): each PUT adds a version; intake renders the newest of the
// user's locale, falling back to the language and then to English.
import { HttpError } from '@lab/service-kit';
import type { RequestHandler } from 'express';
import type pg from 'pg';
import { addTemplateVersion, latestVersions } from '../adapters/templates-repository.ts';
import type { TemplateContent } from '../domain/templates.ts';
import { locale, templateBody, templateName } from './schemas.ts';

export function putTemplate(pool: pg.Pool): RequestHandler {
  return async (req, res) => {
    const name = templateName.parse(req.params.name);
    const lang = locale.parse(req.params.locale);
    const content = templateBody.parse(req.body) as TemplateContent;
    const created = await addTemplateVersion(pool, name, lang, content);
    res.status(201).location(`/v1/templates/${name}`).json(created);
  };
}

export function getTemplate(pool: pg.Pool): RequestHandler {
  return async (req, res) => {
    const name = templateName.parse(req.params.name);
    const versions = await latestVersions(pool, name);
    if (versions.size === 0)
      throw new HttpError(404, 'TEMPLATE_NOT_FOUND', `There is no template "${name}".`);
    res.json({ name, locales: [...versions.values()] });
  };
}
