import { z } from 'zod';
import { SERVICE_TYPES } from '../domain/service-types';

/** A rule of a trust's taxonomy mapping (server/src/import/taxonomy-mapping.ts applies it). */
const text = z.string().trim().min(1).max(200);

export const TaxonomyRule = z.object({
  match: z
    .object({ vocabulary: text.optional(), term: text.optional(), code: text.optional(), nameContains: text.optional() })
    .refine((m) => m.vocabulary !== undefined || m.term !== undefined || m.code !== undefined || m.nameContains !== undefined, {
      message: 'a rule must match on at least one of vocabulary, term, code or nameContains',
    }),
  type: z.enum(SERVICE_TYPES),
});
export type TaxonomyRule = z.infer<typeof TaxonomyRule>;

export const TaxonomyMapping = z.object({ rules: z.array(TaxonomyRule).max(2000) });
export type TaxonomyMapping = z.infer<typeof TaxonomyMapping>;
