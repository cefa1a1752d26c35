// Template rendering: `{{name}}` placeholders filled from the request's data, escaped for where the
// text goes. Email bodies are HTML, so values are HTML-escaped (a follower named "<script>" stays
// text); a subject is a mail header, so line breaks are removed (header injection); SMS and push
// are plain text, so only control characters are removed (from every channel: NUL, for one, could
// not even be stored). A placeholder without a value is an
// error, not an empty string: a message saying "Your code is " is worse than none.
import type { Channel } from './channels.ts';

export type ChannelContent = { subject?: string; body: string };
export type TemplateContent = Partial<Record<Channel, ChannelContent>>;
export type TemplateData = Record<string, string | number | boolean>;

export class TemplateError extends Error {
  readonly code: 'TEMPLATE_DATA_MISSING' | 'TEMPLATE_CHANNEL_MISSING' | 'TEMPLATE_NOT_FOUND';
  constructor(code: TemplateError['code'], message: string) {
    super(message);
    this.name = 'TemplateError';
    this.code = code;
  }
}

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9_]{0,31})\s*\}\}/g;
const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => HTML[c] as string);
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const stripControl = (value: string) => value.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
const oneLine = (value: string) => stripControl(value.replace(/[\r\n]+/g, ' '));

export type Escape = (value: string) => string;

/** How a value is escaped, by channel and part. Control characters go everywhere (NUL included). */
export function escaperFor(channel: Channel, part: 'subject' | 'body'): Escape {
  if (part === 'subject') return oneLine;
  return channel === 'email' ? (value) => escapeHtml(stripControl(value)) : stripControl;
}

export function fill(text: string, data: TemplateData, escapeValue: Escape): string {
  return text.replace(PLACEHOLDER, (_match, name: string) => {
    if (!Object.hasOwn(data, name))
      throw new TemplateError('TEMPLATE_DATA_MISSING', `the template needs "${name}"`);
    return escapeValue(String(data[name]));
  });
}

/** Limits of what each channel's provider takes. */
const BODY_LIMIT: Record<Channel, number> = { email: 100_000, sms: 1_600, push: 2_000 };

export function render(
  content: TemplateContent,
  channel: Channel,
  data: TemplateData,
): { subject: string; body: string } {
  const part = content[channel];
  if (!part) throw new TemplateError('TEMPLATE_CHANNEL_MISSING', `the template has no ${channel} version`);
  return {
    subject: fill(part.subject ?? '', data, escaperFor(channel, 'subject')).slice(0, 200),
    body: fill(part.body, data, escaperFor(channel, 'body')).slice(0, BODY_LIMIT[channel]),
  };
}

/**
 * The locale to use among those a template has: the user's own (`pt-BR`), else its language
 * (`pt`), else the fallback (`en`), else none.
 */
export function pickLocale(
  available: readonly string[],
  wanted: string,
  fallback = 'en',
): string | undefined {
  const language = wanted.split('-')[0] as string;
  return [wanted, language, fallback].find((locale) => available.includes(locale));
}
