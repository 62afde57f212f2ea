import { z } from 'zod';
import { DirectoryService } from '../domain/directory';
import { CORRECTION_KINDS, CorrectionChange, REPORT_KINDS, RESOLUTIONS } from '../domain/directory-quality';
import { SERVICE_STATUSES, SERVICE_TYPES } from '../domain/service-types';

/*
 * The directory leads' API for the quality loop (server/src/directory/quality/quality-routes.ts),
 * in shared/ so that the admin console reads exactly the shapes the server validates and sends.
 */

const Iso = z.iso.datetime({ offset: true });
const Person = z.object({ userId: z.string(), displayName: z.string() });

export const ReportStatusFilter = z.enum(['open', 'resolved', 'all']);

export const ReportView = z.object({
  id: z.uuid(),
  serviceId: z.string(),
  /** The service's published name, or the name it had when reported once it is withdrawn. */
  serviceName: z.string(),
  /** Whether the service is still published. */
  servicePublished: z.boolean(),
  kind: z.enum(REPORT_KINDS),
  note: z.string().nullable(),
  phone: z.string().nullable(),
  /** The reporting desk's clock. */
  reportedAt: Iso,
  receivedAt: Iso,
  reportedBy: Person,
  team: z.object({ id: z.string(), name: z.string() }).nullable(),
  /** The directory version that first carried it to desks; null while it waits to be published. */
  publishedVersion: z.number().int().nullable(),
  resolution: z
    .object({
      kind: z.enum(RESOLUTIONS),
      note: z.string().nullable(),
      by: Person,
      at: Iso,
      /** The local correction made for it (corrected locally). */
      correctionId: z.uuid().nullable(),
    })
    .nullable(),
});
export type ReportView = z.infer<typeof ReportView>;

export const ReportPage = z.object({
  reports: z.array(ReportView),
  /** Pass as `before` for the next page; null at the end. */
  next: z.string().nullable(),
  /** Reports of the trust not yet resolved. */
  open: z.number().int(),
});
export type ReportPage = z.infer<typeof ReportPage>;

const ResolutionNote = z.string().trim().max(500).optional();

/** How a directory lead resolves a report. */
export const ResolveReport = z.discriminatedUnion('resolution', [
  z.object({ resolution: z.literal('fixed_in_feed'), note: ResolutionNote }),
  z.object({ resolution: z.literal('dismissed'), note: ResolutionNote }),
  /** With a new correction of the report's service, or one already standing (correctionId). */
  z.object({ resolution: z.literal('corrected_locally'), note: ResolutionNote, correction: CorrectionChange.optional(), correctionId: z.uuid().optional() }),
]);
export type ResolveReport = z.infer<typeof ResolveReport>;

export const CorrectionStatusFilter = z.enum(['active', 'removed', 'all']);

export const CorrectionView = z.object({
  id: z.uuid(),
  serviceId: z.string(),
  serviceName: z.string(),
  servicePublished: z.boolean(),
  kind: z.enum(CORRECTION_KINDS),
  change: CorrectionChange,
  /** In words, as desks show it. */
  text: z.string(),
  madeBy: Person,
  madeAt: Iso,
  /** The last London date it applies on; it lapses after it. */
  lastDay: z.string().nullable(),
  removed: z.object({ how: z.enum(['removed', 'lapsed']), by: Person.nullable(), at: Iso }).nullable(),
  /** Reports resolved by it. */
  reports: z.array(z.uuid()),
});
export type CorrectionView = z.infer<typeof CorrectionView>;

export const CorrectionList = z.object({ corrections: z.array(CorrectionView) });

export const NewCorrection = z.object({
  serviceId: z.string().min(1).max(200),
  change: CorrectionChange,
  /** Open reports of the same service this correction answers: resolved as corrected locally with it. */
  reportIds: z.array(z.uuid()).max(100).optional(),
});
export type NewCorrection = z.infer<typeof NewCorrection>;

export const ServiceListItem = z.object({
  id: z.string(),
  name: z.string(),
  organisation: z.string(),
  type: z.enum(SERVICE_TYPES),
  status: z.enum(SERVICE_STATUSES),
  source: z.string(),
  version: z.number().int(),
  openReports: z.number().int(),
  corrections: z.number().int(),
});
export const ServiceList = z.object({ services: z.array(ServiceListItem) });

export const ServiceDetail = z.object({
  id: z.string(),
  source: z.string(),
  version: z.number().int(),
  /** As desks have it: the feed's service with the trust's corrections and open reports. */
  published: DirectoryService,
  /** As the feed gave it, when the published service differs from it. */
  feed: DirectoryService.nullable(),
});
export type ServiceDetail = z.infer<typeof ServiceDetail>;

export const VersionView = z.object({
  version: z.number().int(),
  publishedAt: Iso,
  cause: z.enum(['import', 'publish', 'quality']),
  importId: z.uuid().nullable(),
  source: z.string().nullable(),
  by: z.string().nullable(),
  added: z.number().int(),
  changed: z.number().int(),
  withdrawn: z.number().int(),
  summary: z.string(),
});
export type VersionView = z.infer<typeof VersionView>;

export const VersionList = z.object({
  /** The trust's directory version now. */
  current: z.number().int(),
  versions: z.array(VersionView),
  /** Pass as `before` for older versions; null at the end. */
  next: z.number().int().nullable(),
});

export const VersionChange = z.object({
  serviceId: z.string(),
  name: z.string().nullable(),
  change: z.enum(['added', 'changed', 'withdrawn']),
  why: z.string().nullable(),
});
export const VersionChangePage = z.object({
  changes: z.array(VersionChange),
  next: z.string().nullable(),
  /** False when what this version changed is no longer kept (older than the tombstones). */
  kept: z.boolean(),
});
