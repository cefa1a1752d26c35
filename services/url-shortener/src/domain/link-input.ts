// What a caller may ask for when creating a link, checked without I/O: the target URL (http/https
// only, bounded, normalised, never the shortener itself), the custom alias and the expiry.
// Every refusal is a LinkInputError with a stable code, which the HTTP layer turns into a 400.

export const MAX_URL_LENGTH = 2048;
export const ALIAS_PATTERN = /^[A-Za-z0-9_-]{3,32}$/;
/** Anything a code may look like: the redirect route refuses other paths without a lookup. */
export const CODE_PATTERN = /^[A-Za-z0-9_-]{3,32}$/;
// An expiry further out than this is a typo (year 20250) rather than a plan.
export const MAX_EXPIRY_MS = 10 * 365 * 24 * 60 * 60 * 1000;

// Paths the service serves itself, or might one day: an alias must never shadow them.
export const RESERVED_ALIASES: ReadonlySet<string> = new Set([
  'v1',
  'v2',
  'api',
  'health',
  'metrics',
  'admin',
  'login',
  'logout',
  'static',
  'assets',
  'openapi',
  'docs',
  'favicon.ico',
  'robots.txt',
  'www',
  'help',
  'about',
  'status',
]);

export class LinkInputError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'LinkInputError';
    this.code = code;
  }
}

/**
 * The URL as it will be stored: WHATWG-parsed and serialised (lower-case scheme and host,
 * default port dropped, IDN host in punycode, path dot-segments resolved, percent-encoding
 * made canonical), with an empty fragment removed. Two spellings of one address store one form.
 */
export function normaliseUrl(raw: string, publicBaseUrl: string): string {
  if (raw.length > MAX_URL_LENGTH) {
    throw new LinkInputError('URL_TOO_LONG', `The URL is longer than ${MAX_URL_LENGTH} characters.`);
  }
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new LinkInputError('URL_INVALID', 'The URL is not an absolute URL.');
  }
  // javascript:, data:, file:, ftp:, blob: ... can run code or read local files in the visitor's
  // browser; a redirect service hands them to strangers, so only the two web schemes pass.
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new LinkInputError('URL_SCHEME_NOT_ALLOWED', 'Only http and https URLs can be shortened.');
  }
  if (!url.hostname) throw new LinkInputError('URL_INVALID', 'The URL has no host.');
  // https://bank.example@evil.example/ reads as "bank" to a person and goes to "evil".
  if (url.username || url.password) {
    throw new LinkInputError('URL_CREDENTIALS_NOT_ALLOWED', 'URLs with a user name or password are refused.');
  }
  const self = new URL(publicBaseUrl);
  // A link to the shortener would let chains of short links hide the destination, or loop.
  if (url.host === self.host) {
    throw new LinkInputError('URL_SELF_REFERENCE', 'A short link cannot point at the shortener itself.');
  }
  if (url.hash === '#' || url.hash === '') url.hash = '';
  const normalised = url.href;
  if (normalised.length > MAX_URL_LENGTH) {
    throw new LinkInputError('URL_TOO_LONG', `The URL is longer than ${MAX_URL_LENGTH} characters.`);
  }
  return normalised;
}

export function checkAlias(alias: string): string {
  if (!ALIAS_PATTERN.test(alias)) {
    throw new LinkInputError('ALIAS_INVALID', 'An alias is 3-32 characters of A-Z, a-z, 0-9, _ and -.');
  }
  if (RESERVED_ALIASES.has(alias.toLowerCase())) {
    throw new LinkInputError('ALIAS_RESERVED', `"${alias}" is reserved.`);
  }
  return alias;
}

/** The expiry as a Date: in the future, and at most MAX_EXPIRY_MS ahead. */
export function checkExpiry(expiresAt: string, now: number): Date {
  const at = Date.parse(expiresAt);
  if (!Number.isFinite(at)) throw new LinkInputError('EXPIRY_INVALID', 'expiresAt is not a date-time.');
  if (at <= now) throw new LinkInputError('EXPIRY_IN_PAST', 'expiresAt must be in the future.');
  if (at - now > MAX_EXPIRY_MS) {
    throw new LinkInputError('EXPIRY_TOO_FAR', 'expiresAt must be at most 10 years ahead.');
  }
  return new Date(at);
}
