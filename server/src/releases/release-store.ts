import semver from 'semver';
import { z } from 'zod';
import { Arch, type DeskReport, Platform, Ring, UpdateMode, Version } from '../../../shared/updates/protocol';
import { HttpError } from '../app';
import type { Db, Queryable } from '../db/db';
import { findArtefact } from '../artefacts/store';
import { behindRing, type Stage } from './rings';

/** Release artefacts, the rollout and the fleet's reports, in SQL. */

export const ReleaseKind = z.enum(['nsis', 'msi', 'deb', 'dmg', 'zip']);
export const Rollout = z
  .object({
    stage: z.enum(['pilot', 'percentage', 'all', 'withdrawn']),
    percentage: z.number().int().min(0).max(100).default(0),
  })
  .refine((r) => r.stage !== 'percentage' || r.percentage > 0, { message: 'a percentage rollout needs a percentage above 0', path: ['percentage'] });

/** A file name that is safe in a URL and a download folder, and says nothing it should not. */
const FileName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, 'letters, digits and . _ + - only');

export const ReleaseFileInput = z.object({
  platform: Platform,
  arch: Arch,
  kind: ReleaseKind,
  fileName: FileName,
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in lower-case hex'),
});

export const CreateRelease = z.object({
  version: Version,
  notes: z.string().max(20_000).default(''),
  rollout: Rollout,
  files: z.array(ReleaseFileInput).min(1).max(20),
  /** The release.json `npm run dist` wrote: a build it marks not publishable is refused. */
  manifest: z
    .object({
      version: z.string().max(64),
      publishable: z.boolean(),
      notPublishableBecause: z.array(z.string().max(2000)).max(20).default([]),
      artefacts: z.array(z.object({ file: z.string().max(300), sha256: z.string().max(64) }).passthrough()).max(100),
    })
    .passthrough(),
});
export type CreateRelease = z.infer<typeof CreateRelease>;

export const ReleaseView = z.object({
  version: Version,
  notes: z.string(),
  rollout: z.object({ stage: z.enum(['pilot', 'percentage', 'all', 'withdrawn']), percentage: z.number().int() }),
  files: z.array(ReleaseFileInput.extend({ bytes: z.number().int(), sha512: z.string() })),
  createdBy: z.string(),
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
});
export type ReleaseView = z.infer<typeof ReleaseView>;

interface ReleaseRow {
  version: string;
  notes: string;
  stage: Stage;
  percentage: number;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

interface FileRow {
  version: string;
  platform: z.infer<typeof Platform>;
  arch: z.infer<typeof Arch>;
  kind: z.infer<typeof ReleaseKind>;
  file_name: string;
  sha256: string;
  bytes: number;
  sha512: string;
}

export async function listReleases(db: Queryable, trustId: string): Promise<ReleaseView[]> {
  const releases = await db.query<ReleaseRow>('SELECT version, notes, stage, percentage, created_by, created_at, updated_at FROM app_release WHERE trust_id = $1', [trustId]);
  const files = await db.query<FileRow>(
    `SELECT f.version, f.platform, f.arch, f.kind, f.file_name, f.sha256, a.bytes, a.sha512
       FROM app_release_file f JOIN artefact a ON a.sha256 = f.sha256 WHERE f.trust_id = $1 ORDER BY f.kind, f.arch`,
    [trustId],
  );
  return releases
    .map((r) => ({
      version: r.version,
      notes: r.notes,
      rollout: { stage: r.stage, percentage: r.percentage },
      files: files.filter((f) => f.version === r.version).map((f) => ({ platform: f.platform, arch: f.arch, kind: f.kind, fileName: f.file_name, sha256: f.sha256, bytes: Number(f.bytes), sha512: f.sha512 })),
      createdBy: r.created_by,
      createdAt: new Date(r.created_at).toISOString(),
      updatedAt: new Date(r.updated_at).toISOString(),
    }))
    .sort((a, b) => semver.rcompare(a.version, b.version));
}

export async function createRelease(db: Db, trustId: string, userId: string, input: CreateRelease): Promise<ReleaseView> {
  if (!input.manifest.publishable) {
    throw new HttpError(422, 'not_publishable', `This build is marked not publishable (${input.manifest.notPublishableBecause.join('; ') || 'see its release.json'}): build it with the real Electron runtime and a signing key (CRISIS_DESK_RELEASE=1 npm run dist).`);
  }
  if (input.manifest.version !== input.version) throw new HttpError(422, 'manifest_mismatch', `The release.json is for version ${input.manifest.version}, not ${input.version}.`);
  for (const f of input.files) {
    if (/stand-?in|unsigned/i.test(f.fileName)) throw new HttpError(422, 'not_publishable', `${f.fileName} was built on the stand-in runtime or unsigned: it can never be published.`);
    const listed = input.manifest.artefacts.find((a) => a.file === f.fileName);
    if (!listed || listed.sha256 !== f.sha256) throw new HttpError(422, 'manifest_mismatch', `${f.fileName} with sha256 ${f.sha256} is not in the release.json of this build.`);
    if (!(await findArtefact(db, f.sha256))) throw new HttpError(422, 'artefact_missing', `Upload ${f.fileName} first: PUT /v1/admin/artefacts/${f.sha256} with its bytes.`);
  }
  const kinds = new Set(input.files.map((f) => `${f.kind}/${f.arch}`));
  if (kinds.size !== input.files.length) throw new HttpError(400, 'invalid_params', 'files: one file per kind and architecture.');
  return db.transaction(async (tx) => {
    const inserted = await tx.query(
      `INSERT INTO app_release (trust_id, version, notes, stage, percentage, created_by) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING version`,
      [trustId, input.version, input.notes, input.rollout.stage, input.rollout.percentage, userId],
    );
    if (inserted.length === 0) throw new HttpError(409, 'release_exists', `Version ${input.version} is already released in your trust; releases never change: publish a new version.`);
    for (const f of input.files) {
      await tx.query('INSERT INTO app_release_file (trust_id, version, platform, arch, kind, file_name, sha256) VALUES ($1, $2, $3, $4, $5, $6, $7)', [trustId, input.version, f.platform, f.arch, f.kind, f.fileName, f.sha256]);
    }
    return (await listReleases(tx, trustId)).find((r) => r.version === input.version)!;
  });
}

export async function setRollout(db: Db, trustId: string, version: string, rollout: z.infer<typeof Rollout>): Promise<ReleaseView> {
  const rows = await db.query('UPDATE app_release SET stage = $3, percentage = $4, updated_at = now() WHERE trust_id = $1 AND version = $2 RETURNING version', [trustId, version, rollout.stage, rollout.percentage]);
  if (rows.length === 0) throw new HttpError(404, 'not_found', `There is no release ${version} in your trust.`);
  return (await listReleases(db, trustId)).find((r) => r.version === version)!;
}

/** The release file of the caller's trust with this sha256 and name (downloads are only of released files). */
export async function findReleaseFile(db: Queryable, trustId: string, sha256: string, fileName: string): Promise<{ version: string } | null> {
  const [row] = await db.query<{ version: string }>(
    `SELECT f.version FROM app_release_file f JOIN app_release r USING (trust_id, version)
      WHERE f.trust_id = $1 AND f.sha256 = $2 AND f.file_name = $3 AND r.stage <> 'withdrawn' LIMIT 1`,
    [trustId, sha256, fileName],
  );
  return row ?? null;
}

// ---------------------------------------------------------------- the fleet

export async function recordDeskReport(db: Queryable, trustId: string, userId: string, r: DeskReport): Promise<void> {
  await db.query(
    `INSERT INTO desk_report (trust_id, desk_id, user_id, version, platform, arch, ring, update_mode, pinned_version, policy_hash, last_sync_at, reported_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now())
     ON CONFLICT (trust_id, desk_id) DO UPDATE SET user_id = $3, version = $4, platform = $5, arch = $6, ring = $7, update_mode = $8,
       pinned_version = $9, policy_hash = $10, last_sync_at = coalesce($11, desk_report.last_sync_at), reported_at = now()`,
    [trustId, r.deskId, userId, r.version, r.platform, r.arch, r.ring, r.updateMode, r.pinnedVersion, r.policyHash, r.lastSyncAt],
  );
}

export const FleetDesk = z.object({
  deskId: z.string(),
  version: z.string(),
  platform: Platform,
  arch: Arch,
  ring: Ring,
  updateMode: UpdateMode,
  pinnedVersion: z.string().nullable(),
  policyHash: z.string(),
  lastSyncAt: z.iso.datetime({ offset: true }).nullable(),
  reportedAt: z.iso.datetime({ offset: true }),
  /** The version its ring offers it now, when newer than what it runs. */
  behindRingBy: z.string().nullable(),
  /** Whole days since it last synced (or reported, when it never synced). */
  daysSinceSync: z.number().int(),
});

export const Fleet = z.object({
  desks: z.array(FleetDesk),
  byVersion: z.array(z.object({ version: z.string(), desks: z.number().int() })),
  behindRing: z.array(z.string()).describe('deskIds of desks running older than their ring offers'),
  notSynced: z.array(z.string()).describe('deskIds of desks not synced for at least staleDays days'),
  staleDays: z.number().int(),
});
export type Fleet = z.infer<typeof Fleet>;

interface DeskRow {
  desk_id: string;
  version: string;
  platform: z.infer<typeof Platform>;
  arch: z.infer<typeof Arch>;
  ring: 'pilot' | 'general';
  update_mode: z.infer<typeof UpdateMode>;
  pinned_version: string | null;
  policy_hash: string;
  last_sync_at: Date | null;
  reported_at: Date;
}

export async function fleet(db: Queryable, trustId: string, staleDays: number, now = new Date()): Promise<Fleet> {
  const rows = await db.query<DeskRow>('SELECT desk_id, version, platform, arch, ring, update_mode, pinned_version, policy_hash, last_sync_at, reported_at FROM desk_report WHERE trust_id = $1 ORDER BY desk_id', [trustId]);
  const releases = (await listReleases(db, trustId)).map((r) => ({ ...r, stage: r.rollout.stage, percentage: r.rollout.percentage }));
  const desks = rows.map((r) => {
    // Only releases with a package this desk's platform can install count.
    const usable = releases.filter((rel) => rel.files.some((f) => f.platform === r.platform));
    const since = r.last_sync_at ?? r.reported_at;
    return {
      deskId: r.desk_id,
      version: r.version,
      platform: r.platform,
      arch: r.arch,
      ring: r.ring,
      updateMode: r.update_mode,
      pinnedVersion: r.pinned_version,
      policyHash: r.policy_hash,
      lastSyncAt: r.last_sync_at ? new Date(r.last_sync_at).toISOString() : null,
      reportedAt: new Date(r.reported_at).toISOString(),
      behindRingBy: semver.valid(r.version) ? behindRing(trustId, usable, { deskId: r.desk_id, ring: r.ring, pinVersion: r.pinned_version, version: r.version }) : null,
      daysSinceSync: Math.max(0, Math.floor((now.getTime() - new Date(since).getTime()) / 86_400_000)),
    };
  });
  const counts = new Map<string, number>();
  for (const d of desks) counts.set(d.version, (counts.get(d.version) ?? 0) + 1);
  return {
    desks,
    byVersion: [...counts].map(([version, n]) => ({ version, desks: n })).sort((a, b) => (semver.valid(a.version) && semver.valid(b.version) ? semver.rcompare(a.version, b.version) : a.version.localeCompare(b.version))),
    behindRing: desks.filter((d) => d.behindRingBy).map((d) => d.deskId),
    notSynced: desks.filter((d) => d.daysSinceSync >= staleDays).map((d) => d.deskId),
    staleDays,
  };
}
