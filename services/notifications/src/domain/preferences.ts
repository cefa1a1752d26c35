// A user's preferences and what they mean when none are stored. Defaults follow the usual legal
// line: transactional messages go everywhere the user can be reached; marketing goes by email
// only (opt-out by email is the CAN-SPAM model; SMS and push marketing need an opt-in, TCPA).
import type { Category, Channel } from './channels.ts';

export type QuietHours = { start: string; end: string };

export type Preferences = {
  timezone: string;
  locale: string;
  quietHours: QuietHours | null;
  categories: Record<Category, Record<Channel, boolean>>;
};

export const DEFAULT_PREFERENCES: Readonly<Preferences> = Object.freeze({
  timezone: 'UTC',
  locale: 'en',
  quietHours: null,
  categories: {
    transactional: { email: true, sms: true, push: true },
    marketing: { email: true, sms: false, push: false },
  },
});

/** Stored partial channel settings over the defaults. */
export function withDefaults(
  stored: Partial<Record<Category, Partial<Record<Channel, boolean>>>>,
): Preferences['categories'] {
  return {
    transactional: { ...DEFAULT_PREFERENCES.categories.transactional, ...stored.transactional },
    marketing: { ...DEFAULT_PREFERENCES.categories.marketing, ...stored.marketing },
  };
}

/** "HH:MM" -> minutes after midnight. */
export function toMinutes(time: string): number {
  const [hours, minutes] = time.split(':').map(Number) as [number, number];
  return hours * 60 + minutes;
}

export function fromMinutes(total: number): string {
  return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
}
