// Templates in Postgres, versioned per (name, locale): a write adds version n+1 and the newest is
// what intake renders. Each message records the version it was rendered from.
import type pg from 'pg';
import type { TemplateContent } from '../domain/templates.ts';

type Queryable = Pick<pg.Pool, 'query'>;

export type TemplateVersion = {
  name: string;
  locale: string;
  version: number;
  content: TemplateContent;
  createdAt: string;
};

type Row = { name: string; locale: string; version: number; content: TemplateContent; created_at: Date };

const toVersion = (row: Row): TemplateVersion => ({
  name: row.name,
  locale: row.locale,
  version: row.version,
  content: row.content,
  createdAt: row.created_at.toISOString(),
});

/**
 * Adds the next version. Two concurrent writers of one (name, locale) race for the same number;
 * the primary key lets one win and the loser retries once with the number after it.
 */
export async function addTemplateVersion(
  db: Queryable,
  name: string,
  locale: string,
  content: TemplateContent,
): Promise<TemplateVersion> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      const { rows } = await db.query<Row>(
        `INSERT INTO templates (name, locale, version, content)
         SELECT $1, $2, COALESCE(max(version), 0) + 1, $3 FROM templates WHERE name = $1 AND locale = $2
         RETURNING name, locale, version, content, created_at`,
        [name, locale, JSON.stringify(content)],
      );
      return toVersion(rows[0] as Row);
    } catch (error) {
      if ((error as { code?: string }).code !== '23505' || attempt > 2) throw error;
    }
  }
}

/** The newest version of each locale of a template. */
export async function latestVersions(db: Queryable, name: string): Promise<Map<string, TemplateVersion>> {
  const { rows } = await db.query<Row>(
    `SELECT DISTINCT ON (locale) name, locale, version, content, created_at
       FROM templates WHERE name = $1 ORDER BY locale, version DESC`,
    [name],
  );
  return new Map(rows.map((row) => [row.locale, toVersion(row)]));
}
