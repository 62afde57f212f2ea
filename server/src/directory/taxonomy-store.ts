import type { Queryable } from '../db/db';
import { DEFAULT_TAXONOMY_MAPPING, TaxonomyMapping } from '../import';

export interface StoredTaxonomyMapping {
  mapping: TaxonomyMapping;
  /** True while the trust has not set its own mapping and the importer's default applies. */
  isDefault: boolean;
  updatedAt: string | null;
  updatedBy: string | null;
}

export async function getTaxonomyMapping(db: Queryable, trustId: string): Promise<StoredTaxonomyMapping> {
  const [row] = await db.query<{ mapping: unknown; updated_at: Date; updated_by: string | null }>(
    'SELECT mapping, updated_at, updated_by FROM taxonomy_mapping WHERE trust_id = $1',
    [trustId],
  );
  if (!row) return { mapping: DEFAULT_TAXONOMY_MAPPING, isDefault: true, updatedAt: null, updatedBy: null };
  return { mapping: TaxonomyMapping.parse(row.mapping), isDefault: false, updatedAt: new Date(row.updated_at).toISOString(), updatedBy: row.updated_by };
}

export async function putTaxonomyMapping(db: Queryable, trustId: string, mapping: TaxonomyMapping, userId: string): Promise<StoredTaxonomyMapping> {
  const valid = TaxonomyMapping.parse(mapping);
  await db.query(
    `INSERT INTO taxonomy_mapping (trust_id, mapping, updated_at, updated_by) VALUES ($1, $2, now(), $3)
     ON CONFLICT (trust_id) DO UPDATE SET mapping = excluded.mapping, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
    [trustId, JSON.stringify(valid), userId],
  );
  return getTaxonomyMapping(db, trustId);
}
