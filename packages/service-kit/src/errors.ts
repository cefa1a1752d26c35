// The error catalogue of @lab/service-kit: every code the kit itself puts on an error or a problem
// body, with its meaning. Services add their own problem codes through HttpError; those belong to
// the service (its README lists them), not here.
//
// Callers branch on what an error IS through the guards below, never with `instanceof`: services,
// libraries and tests each import the kit, and a second copy of it in node_modules (or an error that
// crossed a worker boundary as a plain object) makes `instanceof` answer false while the fields
// are all there. The classes (HttpError, AuthError, ConfigError) stay for a name and a stack.
import type { AuthError } from './auth/jwt.ts';
import type { ConfigError } from './config.ts';
import type { HttpError } from './http/problem.ts';

/** Every code the kit throws or answers with, and what it means. */
export const SERVICE_KIT_ERROR_CODES = {
  CONFIG_INVALID: 'start-up stopped: an environment variable is missing or bad (all are named)',
  UNAUTHENTICATED: '401: a bearer token is required and none was sent',
  TOKEN_EXPIRED: '401: the bearer token has expired',
  TOKEN_INVALID: '401: the bearer token is malformed, badly signed, or lacks a required claim',
  FORBIDDEN: '403: the token lacks the scope the request needs',
  MALFORMED_JSON: '400: the request body is not valid JSON',
  MALFORMED_PATH: '400: a path parameter is not valid percent-encoding',
  VALIDATION_FAILED: '400: the request failed its zod schema; `errors` name each field',
  BAD_REQUEST: '4xx: another client error raised by express or its body parser',
  REQUEST_ABORTED: '400: the client went away while the body was being read',
  PAYLOAD_TOO_LARGE: '413: the body is over BODY_LIMIT',
  UNSUPPORTED_ENCODING: '415: a charset or content encoding the body parser does not take',
  UNSUPPORTED_MEDIA_TYPE: '415: a body that is not application/json',
  METHOD_NOT_ALLOWED: "405: the path's routes do not take this method (see Allow)",
  NOT_FOUND: '404: no route matches this method and path',
  IDEMPOTENCY_KEY_REQUIRED: '400: the route requires an Idempotency-Key header',
  IDEMPOTENCY_KEY_INVALID: '400: the Idempotency-Key is not 1-255 printable ASCII characters',
  IDEMPOTENCY_KEY_IN_FLIGHT: '409: a request with this key is still running',
  IDEMPOTENCY_KEY_REUSED: '422: this key was used with a different request',
  INTERNAL: '500: anything else; the body never carries its message',
} as const;
export type ServiceKitErrorCode = keyof typeof SERVICE_KIT_ERROR_CODES;

const AUTH_CODES: ReadonlySet<unknown> = new Set(['UNAUTHENTICATED', 'TOKEN_EXPIRED', 'TOKEN_INVALID']);

type ErrorLike = { name?: unknown; message?: unknown; code?: unknown; status?: unknown };
const fieldsOf = (error: unknown): ErrorLike =>
  typeof error === 'object' && error !== null ? (error as ErrorLike) : {};

/**
 * An error a handler threw on purpose, whose status, code and detail reach the client. HttpError's
 * code is open (services choose their own), so the code alone cannot say what it is; and a bare
 * status-plus-code shape is not enough either: other errors have one (resilience's HttpStatusError
 * carries an upstream's 503 and a message naming an internal URL), and their messages must never
 * reach a client. So the guard also reads the class's name, which survives a second copy of the kit
 * and a plain object, and which nothing else in the lab uses.
 */
export function isHttpError(error: unknown): error is HttpError {
  const { name, message, code, status } = fieldsOf(error);
  return (
    (name === 'HttpError' || name === 'AuthError') &&
    typeof message === 'string' &&
    typeof code === 'string' &&
    Number.isInteger(status) &&
    (status as number) >= 400 &&
    (status as number) <= 599
  );
}

/** A 401 from authentication (UNAUTHENTICATED, TOKEN_EXPIRED, TOKEN_INVALID). */
export function isAuthError(error: unknown): error is AuthError {
  return isHttpError(error) && AUTH_CODES.has(error.code);
}

/** Start-up configuration refused (CONFIG_INVALID); `issues` name every bad variable. */
export function isConfigError(error: unknown): error is ConfigError {
  const { message, code } = fieldsOf(error);
  return typeof message === 'string' && code === 'CONFIG_INVALID';
}
