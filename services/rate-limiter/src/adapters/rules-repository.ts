// Rules in Postgres: parameterized SQL, one statement per operation. Names are the primary key, so
// "create" cannot silently overwrite (409) and "replace" cannot silently create (404).
import type { Algorithm, FailMode } from '@lab/ratelimit';
import type { PgPool } from '@lab/service-kit';
import type { RuleInput, RuleRecord } from '../domain/policies.ts';

type Row = {
  name: string;
  algorithm: Algorithm;
  max_units: number;
  window_ms: string; // bigint arrives as a string
  burst: number | null;
  fail_mode: FailMode;
  shadow: boolean;
  description: string;
  version: number;
  created_at: Date;
  updated_at: Date;
};

const COLUMNS = `name, algorithm, max_units, window_ms, burst, fail_mode, shadow, description, version,
  created_at, updated_at`;

function toRecord(row: Row): RuleRecord {
  return {
    name: row.name,
    algorithm: row.algorithm,
    limit: row.max_units,
    windowMs: Number(row.window_ms),
    ...(row.burst !== null ? { burst: row.burst } : {}),
    failMode: row.fail_mode,
    shadow: row.shadow,
    description: row.description,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

const values = (input: RuleInput) => [
  input.algorithm,
  input.limit,
  input.windowMs,
  input.burst ?? null,
  input.failMode ?? 'open',
  input.shadow ?? false,
  input.description ?? '',
];

export type RulesRepository = ReturnType<typeof createRulesRepository>;

export function createRulesRepository(pool: PgPool) {
  return {
    async get(name: string): Promise<RuleRecord | undefined> {
      const { rows } = await pool.query<Row>(`SELECT ${COLUMNS} FROM rules WHERE name = $1`, [name]);
      return rows[0] ? toRecord(rows[0]) : undefined;
    },

    /** A page in name order, after `after` (exclusive). */
    async list(limit: number, after?: string): Promise<RuleRecord[]> {
      const { rows } = await pool.query<Row>(
        `SELECT ${COLUMNS} FROM rules WHERE ($1::text IS NULL OR name > $1) ORDER BY name LIMIT $2`,
        [after ?? null, limit],
      );
      return rows.map(toRecord);
    },

    /** undefined when the name is taken. */
    async insert(name: string, input: RuleInput): Promise<RuleRecord | undefined> {
      const { rows } = await pool.query<Row>(
        `INSERT INTO rules (name, algorithm, max_units, window_ms, burst, fail_mode, shadow, description)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (name) DO NOTHING
         RETURNING ${COLUMNS}`,
        [name, ...values(input)],
      );
      return rows[0] ? toRecord(rows[0]) : undefined;
    },

    /** undefined when there is no such rule. */
    async replace(name: string, input: RuleInput): Promise<RuleRecord | undefined> {
      const { rows } = await pool.query<Row>(
        `UPDATE rules SET algorithm = $2, max_units = $3, window_ms = $4, burst = $5, fail_mode = $6,
           shadow = $7, description = $8, version = version + 1, updated_at = now()
         WHERE name = $1
         RETURNING ${COLUMNS}`,
        [name, ...values(input)],
      );
      return rows[0] ? toRecord(rows[0]) : undefined;
    },

    async delete(name: string): Promise<boolean> {
      const { rowCount } = await pool.query('DELETE FROM rules WHERE name = $1', [name]);
      return (rowCount ?? 0) > 0;
    },
  };
}
