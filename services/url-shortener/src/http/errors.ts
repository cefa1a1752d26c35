// Domain refusals as HTTP: a LinkInputError is the caller's mistake (400 with its stable code).
import { HttpError } from '@lab/service-kit';
import { LinkInputError } from '../domain/link-input.ts';

export function asClientError<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof LinkInputError) throw new HttpError(400, error.code, error.message);
    throw error;
  }
}

export function notFound(): HttpError {
  return new HttpError(404, 'LINK_NOT_FOUND', 'No link has this code.');
}

export function notOwner(): HttpError {
  return new HttpError(403, 'NOT_LINK_OWNER', 'Only the owner of this link may do that.');
}
