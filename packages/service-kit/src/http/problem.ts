// RFC 9457 problem details: the one error shape every service returns.
// `toProblem` maps anything thrown to a body that is safe to send: client errors keep their
// message, everything else becomes a generic 500 so no stack trace or internal detail
// (SQL, hostnames, library messages) ever leaves the process.
import type { Response } from 'express';
import { z } from 'zod';
import { isHttpError } from '../errors.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export type Problem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  code: string;
  requestId?: string;
  /** Field-level validation errors (zod), `{ path, message }` each. */
  errors?: { path: string; message: string }[];
  [extension: string]: unknown;
};

export type ProblemInit = {
  status: number;
  code: string;
  detail?: string;
  title?: string;
  type?: string;
  extensions?: Record<string, unknown>;
};

/** An error a handler throws on purpose; its status, code and detail reach the client. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string | undefined;
  readonly extensions: Record<string, unknown> | undefined;
  constructor(
    status: number,
    code: string,
    detail?: string,
    options: Omit<ProblemInit, 'status' | 'code' | 'detail'> = {},
  ) {
    super(detail ?? titleFor(status));
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.title = options.title;
    this.extensions = options.extensions;
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function titleFor(status: number): string {
  return TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');
}

/** Builds a problem body. `type` defaults to a stable URN per code (no docs site to link to). */
export function problem(init: ProblemInit): Problem {
  return {
    type: init.type ?? `urn:lab:problem:${init.code.toLowerCase().replaceAll('_', '-')}`,
    title: init.title ?? titleFor(init.status),
    status: init.status,
    detail: init.detail ?? titleFor(init.status),
    code: init.code,
    ...init.extensions,
  };
}

/** Shape of errors thrown by express's body parser (http-errors with a `type`). */
type BodyParserError = { status?: number; statusCode?: number; type?: string; expose?: boolean };

/** Maps any thrown value to a problem; never copies a message from an unexpected error. */
export function toProblem(error: unknown): Problem {
  if (isHttpError(error)) {
    return problem({
      status: error.status,
      code: error.code,
      detail: error.message,
      ...(error.title ? { title: error.title } : {}),
      ...(error.extensions ? { extensions: error.extensions } : {}),
    });
  }
  if (error instanceof z.ZodError) {
    return problem({
      status: 400,
      code: 'VALIDATION_FAILED',
      detail: 'The request did not match the expected schema.',
      extensions: {
        errors: error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
      },
    });
  }
  const parser = (typeof error === 'object' && error !== null ? error : {}) as BodyParserError;
  switch (parser.type) {
    case 'entity.parse.failed':
      return problem({ status: 400, code: 'MALFORMED_JSON', detail: 'The request body is not valid JSON.' });
    case 'entity.too.large':
      return problem({ status: 413, code: 'PAYLOAD_TOO_LARGE', detail: 'The request body is too large.' });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return problem({
        status: 415,
        code: 'UNSUPPORTED_ENCODING',
        detail: 'The body encoding is not supported.',
      });
    case 'request.aborted':
      return problem({ status: 400, code: 'REQUEST_ABORTED', detail: 'The request was aborted.' });
  }
  const status = parser.status ?? parser.statusCode;
  // express's router marks a path parameter that is not valid percent-encoding (`/items/%E0%A4`)
  // as a 400 URIError, without http-errors' `expose`; it is the client's mistake, not ours.
  if (error instanceof URIError && status === 400) {
    return problem({
      status: 400,
      code: 'MALFORMED_PATH',
      detail: 'The request path is not valid percent-encoding.',
    });
  }
  if (parser.expose === true && typeof status === 'number' && status >= 400 && status < 500) {
    return problem({ status, code: 'BAD_REQUEST', detail: titleFor(status) });
  }
  return problem({ status: 500, code: 'INTERNAL', detail: 'An unexpected error occurred.' });
}

/** Writes a problem for `init` (status, code, detail, ...) as problem+json. */
export function sendProblem(res: Response, init: ProblemInit): void {
  writeProblem(res, problem(init));
}

/** Writes a built problem, adding `instance` (the request path) and `requestId`. */
export function writeProblem(res: Response, body: Problem): void {
  const requestId = res.locals.requestId as string | undefined;
  const full: Problem = {
    ...body,
    instance: body.instance ?? res.req.originalUrl.split('?')[0],
    ...(requestId ? { requestId } : {}),
  };
  res.status(full.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(full));
}
