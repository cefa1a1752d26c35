// `npm run seed -w @lab/url-shortener`: demo users' links through the running service's API, with
// Zipf-distributed popularity, deterministic from SEED. Each create carries an Idempotency-Key
// derived from the seed and its index, so running the same seed twice creates nothing new. With
// SEED_CLICKS > 0 it then follows links in Zipf proportions (real redirects: real click analytics,
// milestones included). Writes the codes and their weights to SEED_OUT for load tests.
//
//   SEED=42 SEED_USERS=20 SEED_LINKS=2000 SEED_ZIPF_S=1 SEED_CLICKS=0 \
//   SEED_TARGET=http://127.0.0.1:8081 SEED_OUT=seed-links.json npm run seed -w @lab/url-shortener
import { writeFileSync } from 'node:fs';
import { DEV_JWT_SECRET, loadConfig, signDevToken, z } from '@lab/service-kit';
import { mulberry32, zipfSampler, zipfWeights } from '../domain/zipf.ts';

const settings = loadConfig(
  z.object({
    SEED: z.coerce.number().int().default(42),
    SEED_USERS: z.coerce.number().int().min(1).max(10_000).default(20),
    SEED_LINKS: z.coerce.number().int().min(1).max(1_000_000).default(2_000),
    SEED_ZIPF_S: z.coerce.number().positive().max(5).default(1),
    SEED_CLICKS: z.coerce.number().int().min(0).max(10_000_000).default(0),
    SEED_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
    SEED_TARGET: z.url().default('http://127.0.0.1:8081'),
    SEED_OUT: z.string().min(1).default('seed-links.json'),
    JWT_SECRET: z.string().min(32).default(DEV_JWT_SECRET),
  }),
);

const random = mulberry32(settings.SEED);
const TOPICS = ['docs', 'blog', 'shop', 'news', 'video', 'talks', 'jobs', 'wiki'];

/** The i-th link's input, drawn in order from the seeded PRNG: the same seed, the same links. */
function linkInput(i: number) {
  const user = `demo-${Math.floor(random() * settings.SEED_USERS)}`;
  const topic = TOPICS[Math.floor(random() * TOPICS.length)];
  const url = `https://example.com/${topic}/${Math.floor(random() * 1e9).toString(36)}?ref=seed${i}`;
  const alias = random() < 0.05 ? `seed-${settings.SEED}-${i}` : undefined;
  return { user, body: { url, ...(alias ? { alias } : {}) } };
}

function progress(label: string, done: number, total: number) {
  if (done === total || done % Math.max(1, Math.floor(total / 10)) === 0) {
    console.log(`${label}: ${done}/${total} (${Math.round((done / total) * 100)} %)`);
  }
}

/** Runs `work(i)` for i in [0, total) with bounded concurrency. */
async function pool(total: number, work: (i: number) => Promise<void>) {
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: settings.SEED_CONCURRENCY }, async () => {
      while (next < total) {
        const i = next++;
        await work(i);
        done += 1;
        progress('links', done, total);
      }
    }),
  );
}

const tokens = new Map<string, string>();
const tokenOf = async (user: string) => {
  let token = tokens.get(user);
  if (!token) {
    token = await signDevToken({
      sub: user,
      tenant: 'demo',
      tier: 'enterprise',
      secret: settings.JWT_SECRET,
      expiresIn: '2h',
    });
    tokens.set(user, token);
  }
  return token;
};

const inputs = Array.from({ length: settings.SEED_LINKS }, (_, i) => linkInput(i));
const codes: string[] = new Array(settings.SEED_LINKS);
console.log(
  `seed ${settings.SEED}: ${settings.SEED_LINKS} links for ${settings.SEED_USERS} users -> ${settings.SEED_TARGET}`,
);
await pool(settings.SEED_LINKS, async (i) => {
  const input = inputs[i];
  if (!input) return;
  const response = await fetch(`${settings.SEED_TARGET}/v1/urls`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${await tokenOf(input.user)}`,
      'idempotency-key': `seed-${settings.SEED}-${i}`,
    },
    body: JSON.stringify(input.body),
  });
  const body = (await response.json()) as { code?: string; detail?: string };
  if (response.status !== 201 || !body.code)
    throw new Error(`link ${i}: ${response.status} ${body.detail ?? ''}`);
  codes[i] = body.code;
});

// Popularity: rank order is a seeded shuffle, so the hottest link is not always the first one.
const order = codes.map((_, i) => i);
for (let i = order.length - 1; i > 0; i -= 1) {
  const j = Math.floor(random() * (i + 1));
  [order[i], order[j]] = [order[j] as number, order[i] as number];
}
const weights = zipfWeights(codes.length, settings.SEED_ZIPF_S);
const ranked = order.map((index, rank) => ({
  code: codes[index] as string,
  weight: weights[rank] as number,
}));
writeFileSync(
  settings.SEED_OUT,
  `${JSON.stringify({ seed: settings.SEED, zipfS: settings.SEED_ZIPF_S, links: ranked })}\n`,
);
console.log(
  `wrote ${settings.SEED_OUT} (${ranked.length} codes, hottest weight ${ranked[0]?.weight.toFixed(4)})`,
);

if (settings.SEED_CLICKS > 0) {
  const draw = zipfSampler(weights, random);
  const picks = Array.from({ length: settings.SEED_CLICKS }, () => ranked[draw()]?.code ?? '');
  let done = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: settings.SEED_CONCURRENCY }, async () => {
      while (next < picks.length) {
        const code = picks[next++];
        const response = await fetch(`${settings.SEED_TARGET}/${code}`, { redirect: 'manual' });
        await response.arrayBuffer();
        done += 1;
        progress('clicks', done, picks.length);
      }
    }),
  );
}
