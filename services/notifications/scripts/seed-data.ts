// The seed's data, generated deterministically (same input, same rows, every run): users spread
// over time zones and two locales, with contacts and preferences; the templates other services'
// events name (`url.milestone`, `feed.new-follower`; their variables are the `data` those services
// publish: `code`, `milestone`, `shortUrl` and `followerId`) plus a one-time code and a promotion, in
// English and German; and a marketing segment of everyone who accepts marketing email.
import type { Preferences } from '../src/domain/preferences.ts';
import type { Contacts } from '../src/domain/routing.ts';
import type { TemplateContent } from '../src/domain/templates.ts';

export const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'America/Los_Angeles',
  'America/Sao_Paulo',
  'Asia/Kolkata',
  'Asia/Tokyo',
  'Australia/Sydney',
] as const;

export type SeedUser = { id: string; contacts: Contacts; preferences: Preferences };

/** `alice` and `bob` (the lab's dev-token users) first, then user-00001 ... */
export function seedUsers(count: number): SeedUser[] {
  const ids = [
    'alice',
    'bob',
    ...Array.from({ length: Math.max(0, count - 2) }, (_, i) => `user-${String(i + 1).padStart(5, '0')}`),
  ];
  return ids.map((id, i) => ({
    id,
    contacts: {
      email: `${id}@example.test`,
      phone: `+1415${String(5_550_000 + i).padStart(7, '0')}`,
      pushToken: `push-${id}`,
    },
    preferences: {
      timezone: ZONES[i % ZONES.length] as string,
      locale: i % 3 === 1 ? 'de' : 'en',
      quietHours: i % 2 === 0 ? { start: '22:00', end: '07:00' } : null,
      categories: {
        transactional: { email: true, sms: true, push: true },
        // Every fourth user declines marketing email; every fifth accepts marketing push.
        marketing: { email: i % 4 !== 3, sms: false, push: i % 5 === 0 },
      },
    },
  }));
}

export const SEED_TEMPLATES: { name: string; locale: string; content: TemplateContent }[] = [
  {
    name: 'url.milestone',
    locale: 'en',
    content: {
      email: {
        subject: 'Your link {{code}} passed {{milestone}} clicks',
        body: '<p>Your short link <b>{{code}}</b> has been opened {{milestone}} times.</p>',
      },
      push: { subject: 'Milestone', body: '{{code}} passed {{milestone}} clicks' },
    },
  },
  {
    name: 'url.milestone',
    locale: 'de',
    content: {
      email: {
        subject: 'Dein Link {{code}} hat {{milestone}} Klicks',
        body: '<p>Dein Kurzlink <b>{{code}}</b> wurde {{milestone}}-mal geöffnet.</p>',
      },
      push: { subject: 'Meilenstein', body: '{{code}}: {{milestone}} Klicks' },
    },
  },
  {
    name: 'feed.new-follower',
    locale: 'en',
    content: {
      push: { subject: 'New follower', body: '{{followerId}} now follows you' },
      email: { subject: '{{followerId}} now follows you', body: '<p>{{followerId}} now follows you.</p>' },
    },
  },
  {
    name: 'feed.new-follower',
    locale: 'de',
    content: {
      push: { subject: 'Neuer Follower', body: '{{followerId}} folgt dir jetzt' },
      email: { subject: '{{followerId}} folgt dir jetzt', body: '<p>{{followerId}} folgt dir jetzt.</p>' },
    },
  },
  {
    name: 'auth.otp',
    locale: 'en',
    content: {
      sms: { body: 'Your code is {{code}}' },
      email: { subject: 'Your code', body: '<p>Your code is <b>{{code}}</b></p>' },
    },
  },
  {
    name: 'auth.otp',
    locale: 'de',
    content: {
      sms: { body: 'Dein Code lautet {{code}}' },
      email: { subject: 'Dein Code', body: '<p>Dein Code lautet <b>{{code}}</b></p>' },
    },
  },
  {
    name: 'promo.weekly',
    locale: 'en',
    content: {
      email: { subject: 'This week: {{headline}}', body: '<p>{{headline}}</p>' },
      push: { body: '{{headline}}' },
    },
  },
  {
    name: 'promo.weekly',
    locale: 'de',
    content: {
      email: { subject: 'Diese Woche: {{headline}}', body: '<p>{{headline}}</p>' },
      push: { body: '{{headline}}' },
    },
  },
];

export const MARKETING_SEGMENT = 'marketing-email';
