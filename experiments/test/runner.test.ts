// Unit tests of the experiment runner, with no dependencies: the catalogue listing, the verdict
// rules of the experiments (fed with made-up measurements on both sides of each threshold), and
// the files a run writes (JSON, SVG, Markdown, the README index), using a stand-in experiment.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { listing } from '../src/cli.ts';
import { defineExperiment, type Outcome } from '../src/experiment.ts';
import boundaryBurst from '../src/experiments/boundary-burst.ts';
import { experiments } from '../src/experiments/index.ts';
import noisyNeighbour from '../src/experiments/noisy-neighbour.ts';
import outboxVsDualWrite from '../src/experiments/outbox-vs-dual-write.ts';
import retryStorm from '../src/experiments/retry-storm.ts';
import { table } from '../src/output.ts';
import { runExperiments } from '../src/run.ts';

const outcome = <Raw>(raw: Raw, rows: Outcome['rows'] = []): Outcome<Raw> => ({
  rows,
  raw,
  chart: { spec: {}, values: [] },
});

describe('the catalogue', () => {
  test('lists eleven experiments with unique names, each with claim, load and verdict rule', () => {
    assert.equal(experiments.length, 11);
    assert.equal(new Set(experiments.map((e) => e.name)).size, 11);
    for (const e of experiments) {
      for (const field of [e.claim, e.setup, e.load, e.measured, e.verdictRule])
        assert.ok(field.length > 20, e.name);
      assert.ok(e.variants.length >= 2, `${e.name} compares at least two variants`);
      assert.ok(e.expectedSeconds.full <= 180, `${e.name} fits the 3-minute budget`);
    }
    const text = listing();
    for (const e of experiments) assert.match(text, new RegExp(`^${e.name} `, 'm'));
  });

  test('defineExperiment refuses a name that cannot be a file name', () => {
    assert.throws(() => defineExperiment({ ...boundaryBurst, name: 'Bad Name' }), /kebab-case/);
  });
});

describe('verdict rules', () => {
  test('boundary burst: reproduced only when the fixed window alone doubles', () => {
    const others = ['sliding-window-log', 'sliding-window-counter', 'token-bucket', 'leaky-bucket', 'gcra'];
    const rounds = (fixedAfter: number, othersAfter: number) => [
      { algorithm: 'fixed-window' as const, round: 0, before: 100, after: fixedAfter },
      ...others.map((algorithm) => ({ algorithm, round: 0, before: 100, after: othersAfter })),
    ];
    const judge = (r: ReturnType<typeof rounds>) =>
      boundaryBurst.judge(outcome({ rounds: r } as never)).verdict;
    assert.equal(judge(rounds(100, 10)), 'reproduced');
    assert.equal(judge(rounds(40, 10)), 'not reproduced');
    assert.equal(judge(rounds(100, 60)), 'not reproduced');
  });

  test('noisy neighbour: reproduced, not reproduced and depends', () => {
    const judge = (capped: number, global: number) =>
      noisyNeighbour.judge(
        outcome({ counts: {}, maxLagMs: 0 }, [
          { variant: 'per-tenant-caps', 'quiet tenants admitted %': capped },
          { variant: 'global-cap-only', 'quiet tenants admitted %': global },
        ]),
      ).verdict;
    assert.equal(judge(100, 30), 'reproduced');
    assert.equal(judge(90, 30), 'not reproduced');
    assert.equal(judge(100, 95), 'depends');
  });

  test('retry storm: a recovery that never comes counts as the slowest', () => {
    const row = (variant: string, perRequest: number, recovery: number | string) => ({
      variant,
      'attempts per request': perRequest,
      'recovery after the outage ms': recovery,
    });
    const judge = (immediate: ReturnType<typeof row>) =>
      retryStorm.judge(
        outcome({ outage: { fromMs: 0, toMs: 1 }, durationMs: 2, attempts: {} }, [
          immediate,
          row('Retry-After, no jitter', 2, 1000),
          row('Retry-After + jitter', 1.5, 1000),
        ]),
      ).verdict;
    assert.equal(judge(row('immediate retry', 8, 'not within the run')), 'reproduced');
    assert.equal(judge(row('immediate retry', 8, 0)), 'depends');
    assert.equal(judge(row('immediate retry', 1.5, 0)), 'not reproduced');
  });

  test('outbox vs dual write: one lost outbox event is enough to fail the claim', () => {
    const result = (scenario: string, variant: 'dual write' | 'outbox', lost: number) => ({
      scenario,
      variant,
      committed: 10,
      delivered: 10 - lost,
      lost,
      lateMs: [],
    });
    const judge = (outboxLost: number) =>
      outboxVsDualWrite.judge(
        outcome({
          results: [
            result('broker down', 'dual write', 3),
            result('broker down', 'outbox', outboxLost),
            result('process killed', 'dual write', 1),
            result('process killed', 'outbox', 0),
          ],
        }),
      ).verdict;
    assert.equal(judge(0), 'reproduced');
    assert.equal(judge(1), 'not reproduced');
  });
});

describe('running and writing results', () => {
  const fake = (name: string, fail = false) =>
    defineExperiment<{ n: number }>({
      name,
      title: `Fake ${name}`,
      catalogue: '§9 #99',
      claim: 'A stand-in claim that the runner must quote.',
      setup: 'Nothing real: the runner test.',
      variants: ['a', 'b'],
      load: 'none at all, for the unit test',
      measured: 'a made-up number per variant',
      verdictRule: 'reproduced when a beats b; not reproduced otherwise.',
      expectedSeconds: { full: 1, quick: 1 },
      async run({ quick }) {
        if (fail) throw new Error('boom');
        return {
          rows: [
            { variant: 'a', value: 2, quick },
            { variant: 'b', value: 1, quick },
          ],
          raw: { n: 2 },
          notes: ['a note for the write-up'],
          chart: {
            spec: {
              mark: 'bar',
              encoding: { x: { field: 'variant' }, y: { field: 'value', type: 'quantitative' } },
            },
            values: [
              { variant: 'a', value: 2 },
              { variant: 'b', value: 1 },
            ],
          },
        };
      },
      judge: ({ raw }) => ({ verdict: raw.n > 1 ? 'reproduced' : 'not reproduced', reason: 'a beat b.' }),
    });

  test('writes JSON, SVG and Markdown, rebuilds the index, and keeps going after a failure', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'experiments-'));
    try {
      await writeFile(path.join(dir, 'biome.json'), '{ "root": false }\n');
      const lines: string[] = [];
      const summaries = await runExperiments([fake('broken', true), fake('works')], {
        quick: true,
        seed: 5,
        outDir: dir,
        log: (line) => lines.push(line),
      });
      assert.deepEqual(
        summaries.map((s) => [s.name, s.verdict, s.error === undefined]),
        [
          ['broken', undefined, false],
          ['works', 'reproduced', true],
        ],
      );
      assert.ok(lines.some((l) => l.includes('FAILED') && l.includes('boom')));

      const json = JSON.parse(await readFile(path.join(dir, 'works.json'), 'utf8'));
      assert.equal(json.verdict, 'reproduced');
      assert.equal(json.seed, 5);
      assert.equal(json.quick, true);
      assert.ok(json.machine.cpus >= 1 && json.machine.node.startsWith('v'));
      assert.deepEqual(json.raw, { n: 2 });

      const svg = await readFile(path.join(dir, 'works.svg'), 'utf8');
      assert.match(svg, /^<svg[^>]*>/);
      assert.match(svg, /Fake works/);

      const md = await readFile(path.join(dir, 'works.md'), 'utf8');
      assert.match(md, /A stand-in claim that the runner must quote\./);
      assert.match(md, /\*\*Verdict: reproduced\.\*\* A beat b\./);
      assert.match(md, /\| variant \| value \| quick \|/);
      assert.match(md, /!\[Fake works\]\(works\.svg\)/);
      assert.match(md, /- a note for the write-up/);

      const index = await readFile(path.join(dir, 'README.md'), 'utf8');
      assert.match(index, /- \[Fake works\]\(works\.md\) \(§9 #99\): \*\*reproduced\*\*\. A beat b\./);
      assert.doesNotMatch(index, /broken|undefined/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a table right-aligns number columns and leaves missing cells empty', () => {
    assert.equal(
      table([{ name: 'x', n: 1234.5 }, { name: 'y' }]),
      ['| name | n |', '| --- | ---: |', '| x | 1235 |', '| y |  |'].join('\n'),
    );
  });
});
