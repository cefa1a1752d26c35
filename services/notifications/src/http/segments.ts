// /v1/segments/{name} (admin): named, stored audiences for marketing sends.
import { HttpError } from '@lab/service-kit';
import type { RequestHandler } from 'express';
import type pg from 'pg';
import { addMembers, getSegment, putSegment } from '../adapters/segments-repository.ts';
import { membersBody, segmentBody, segmentName } from './schemas.ts';

const notFound = (name: string) => new HttpError(404, 'SEGMENT_NOT_FOUND', `There is no segment "${name}".`);

export function replaceSegment(pool: pg.Pool): RequestHandler {
  return async (req, res) => {
    const name = segmentName.parse(req.params.name);
    const { description } = segmentBody.parse(req.body);
    await putSegment(pool, name, description);
    res.json(await getSegment(pool, name));
  };
}

export function readSegment(pool: pg.Pool): RequestHandler {
  return async (req, res) => {
    const name = segmentName.parse(req.params.name);
    const segment = await getSegment(pool, name);
    if (!segment) throw notFound(name);
    res.json(segment);
  };
}

export function addSegmentMembers(pool: pg.Pool): RequestHandler {
  return async (req, res) => {
    const name = segmentName.parse(req.params.name);
    const { userIds } = membersBody.parse(req.body);
    const added = await addMembers(pool, name, userIds);
    if (added === undefined) throw notFound(name);
    res.json({ segment: name, added });
  };
}
