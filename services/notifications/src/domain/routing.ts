// Which channels one request reaches for one user: the channels asked for (all by default), kept
// only where the user opted in for the category, has a contact point, and that address is not
// suppressed (a hard bounce). Pure: the caller loads contacts, preferences and suppressions.
import { type Category, CHANNELS, type Channel } from './channels.ts';
import type { Preferences } from './preferences.ts';

export type Contacts = { email: string | null; phone: string | null; pushToken: string | null };

export type SkipReason = 'opted_out' | 'no_contact' | 'suppressed';

export type Route = { channel: Channel; recipient: string } | { channel: Channel; skipped: SkipReason };

export function recipientOf(contacts: Contacts, channel: Channel): string | null {
  if (channel === 'email') return contacts.email;
  if (channel === 'sms') return contacts.phone;
  return contacts.pushToken;
}

export function route(input: {
  category: Category;
  requested: readonly Channel[] | undefined;
  contacts: Contacts;
  preferences: Preferences;
  /** `<channel>:<address>` of suppressed addresses among this user's contacts. */
  suppressed: ReadonlySet<string>;
}): Route[] {
  const wanted = input.requested ?? CHANNELS;
  return CHANNELS.filter((channel) => wanted.includes(channel)).map((channel) => {
    if (!input.preferences.categories[input.category][channel]) return { channel, skipped: 'opted_out' };
    const recipient = recipientOf(input.contacts, channel);
    if (!recipient) return { channel, skipped: 'no_contact' };
    if (input.suppressed.has(`${channel}:${recipient}`)) return { channel, skipped: 'suppressed' };
    return { channel, recipient };
  });
}
