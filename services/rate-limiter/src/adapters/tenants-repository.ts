// Tiers and tenants in Postgres.
import type { Algorithm } from '@lab/ratelimit';
import type { PgPool } from '@lab/service-kit';
import type { TenantRecord, TierRecord } from '../domain/policies.ts';

type TierRow = { name: string; algorithm: Algorithm; max_units: number | null; window_ms: string };

const toTier = (row: TierRow): TierRecord => ({
  name: row.name,
  algorithm: row.algorithm,
  limit: row.max_units,
  windowMs: Number(row.window_ms),
});

export type TenantsRepository = ReturnType<typeof createTenantsRepository>;

export function createTenantsRepository(pool: PgPool) {
  return {
    async tiers(): Promise<TierRecord[]> {
      const { rows } = await pool.query<TierRow>(
        'SELECT name, algorithm, max_units, window_ms FROM tiers ORDER BY name',
      );
      return rows.map(toTier);
    },

    async tier(name: string): Promise<TierRecord | undefined> {
      const { rows } = await pool.query<TierRow>(
        'SELECT name, algorithm, max_units, window_ms FROM tiers WHERE name = $1',
        [name],
      );
      return rows[0] ? toTier(rows[0]) : undefined;
    },

    async upsertTier(tier: TierRecord): Promise<TierRecord> {
      const { rows } = await pool.query<TierRow>(
        `INSERT INTO tiers (name, algorithm, max_units, window_ms) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO UPDATE
           SET algorithm = EXCLUDED.algorithm, max_units = EXCLUDED.max_units,
               window_ms = EXCLUDED.window_ms, updated_at = now()
         RETURNING name, algorithm, max_units, window_ms`,
        [tier.name, tier.algorithm, tier.limit, tier.windowMs],
      );
      return toTier(rows[0] as TierRow);
    },

    async tenant(id: string): Promise<TenantRecord | undefined> {
      const { rows } = await pool.query<TenantRecord>('SELECT id, tier FROM tenants WHERE id = $1', [id]);
      return rows[0];
    },

    /** undefined when the tier does not exist. */
    async upsertTenant(tenant: TenantRecord): Promise<TenantRecord | undefined> {
      const { rows } = await pool.query<TenantRecord>(
        `INSERT INTO tenants (id, tier) SELECT $1, name FROM tiers WHERE name = $2
         ON CONFLICT (id) DO UPDATE SET tier = EXCLUDED.tier, updated_at = now()
         RETURNING id, tier`,
        [tenant.id, tenant.tier],
      );
      return rows[0];
    },
  };
}
