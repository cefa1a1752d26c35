// Benchmark suite `notifications` (npm run bench -- notifications), against real Postgres, Redis,
// Kafka and provider-sim, the whole service in-process:
//
//   A round = a blast of 20,000 marketing emails (one segment send) and, while it drains, one
//   one-time code (transactional email) per second. It is run against two services side by side,
//   alternating rounds (priority, shared, priority, shared ...) after a warm-up round of each:
//   - priority: ROUTING_MODE=priority, codes on notify.email.high with their own workers;
//   - shared:   ROUTING_MODE=shared, codes queue in notify.email.shared behind the blast.
//   Per round: the codes' p99 latency (message created -> provider accepted, both stamped by
//   Postgres), and the blast's throughput (20,000 / (last sent_at - first created_at)) end to end:
//   HTTP intake, outbox, relay, Kafka, delivery worker, SMTP to provider-sim, status commit.
//   The machine is shared and small (2 cores), so absolute numbers are low and noisy; the ratio,
//   measured round against round, is the result.
//
// Ratio `otp-p99 shared/priority`: how much longer a code waits without priority topics.
import { alternate, defineSuite, percentile, ratioOf, resultRow, summarize } from '@lab/bench';
import { waitUntil } from '@lab/testkit';
import pg from 'pg';
import { preparePriorityScenario, sendBlast, sendCode } from '../test/support/fixtures.ts';
import { createTestBed, type TestBed } from '../test/support/testbed.ts';

const BLAST = 20_000;
const OTP_EVERY_MS = 1_000;
const ROUNDS = 5;

type Variant = { name: string; bed: TestBed; pool: pg.Pool; admin: string; otpUser: string };

async function setUp(name: string, mode: 'priority' | 'shared'): Promise<Variant> {
  // No delivery webhooks: the benchmark measures the way to the provider, not the reports back.
  const bed = await createTestBed(`notif_bench_${mode}`, { webhooks: false });
  await bed.start({ ROUTING_MODE: mode, USER_MARKETING_CAP_PER_DAY: '1000', PROVIDER_TIMEOUT_MS: '10000' });
  const pool = new pg.Pool({ connectionString: bed.db.url, max: 3 });
  const { otpUser } = await preparePriorityScenario(pool, BLAST);
  return { name, bed, pool, admin: await bed.admin(), otpUser };
}

const sentCount = async (pool: pg.Pool, eventIds: string[]) =>
  (
    await pool.query(
      `SELECT count(*)::int AS n FROM messages WHERE request_id = ANY($1::uuid[]) AND status IN ('sent', 'delivered')`,
      [eventIds],
    )
  ).rows[0].n as number;

type Round = { otpP99Ms: number; otps: number; throughput: number };

async function round(variant: Variant): Promise<Round> {
  const { bed, pool, admin } = variant;
  const { eventId: blast, queued } = await sendBlast(bed.call, admin);
  if (queued !== BLAST) throw new Error(`blast queued ${String(queued)}`);
  const otps: string[] = [];
  // One code per second until the blast has drained (at least one, even for a fast blast).
  do {
    otps.push(await sendCode(bed.call, admin, variant.otpUser));
    await new Promise((resolve) => setTimeout(resolve, OTP_EVERY_MS));
  } while ((await sentCount(pool, [blast])) < BLAST);
  await waitUntil(async () => (await sentCount(pool, otps)) === otps.length, {
    timeoutMs: 120_000,
    message: 'codes sent',
  });
  const { rows } = await pool.query<{ ms: number }>(
    `SELECT extract(epoch FROM sent_at - created_at) * 1000 AS ms FROM messages WHERE request_id = ANY($1::uuid[])`,
    [otps],
  );
  const [span] = (
    await pool.query<{ seconds: number }>(
      'SELECT extract(epoch FROM max(sent_at) - min(created_at)) AS seconds FROM messages WHERE request_id = $1',
      [blast],
    )
  ).rows;
  return {
    otpP99Ms: percentile(
      rows.map((row) => Number(row.ms)),
      99,
    ),
    otps: otps.length,
    throughput: BLAST / Number(span?.seconds),
  };
}

export default defineSuite('notifications', async () => {
  const variants = [await setUp('priority', 'priority'), await setUp('shared', 'shared')];
  const throughput = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  try {
    const summaries = await alternate(
      variants.map((variant) => ({
        name: variant.name,
        measure: async () => {
          const result = await round(variant);
          throughput.get(variant.name)?.push(result.throughput);
          console.log(
            `  ${variant.name}: otp p99 ${result.otpP99Ms.toFixed(0)} ms over ${result.otps} codes, blast ${result.throughput.toFixed(0)} msg/s`,
          );
          return result.otpP99Ms;
        },
      })),
      { rounds: ROUNDS, warmupRounds: 1 },
    );
    const priority = summaries.get('priority');
    const shared = summaries.get('shared');
    if (!priority || !shared) throw new Error('missing variant');
    const measured = (name: string) => (throughput.get(name) ?? []).slice(1); // drop the warm-up round
    return {
      results: [
        resultRow('otp during 20k marketing blast, priority topics', 'p99', 'ms', priority),
        resultRow('otp during 20k marketing blast, one shared topic', 'p99', 'ms', shared),
        resultRow(
          'end-to-end blast, priority topics',
          'throughput',
          'messages/s',
          summarize(measured('priority')),
        ),
        resultRow(
          'end-to-end blast, one shared topic',
          'throughput',
          'messages/s',
          summarize(measured('shared')),
        ),
      ],
      ratios: [
        ratioOf(
          'otp-p99 shared/priority',
          { name: 'otp during 20k marketing blast, one shared topic', ...shared },
          { name: 'otp during 20k marketing blast, priority topics', ...priority },
        ),
      ],
    };
  } finally {
    for (const variant of variants) {
      await variant.pool.end();
      await variant.bed.cleanup();
    }
  }
});
