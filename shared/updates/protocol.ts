import { z } from 'zod';

/*
 * Desktop updates and the fleet view between desks and the central API. The desk's
 * electron-updater reads a generic feed at UPDATE_FEED_PATH: `<channel>.yml` (latest.yml on
 * Windows, latest-linux.yml, latest-mac.yml) answered for this desk — its ring, its pin — and the
 * installers under artefacts/. Each desk also reports what it runs, for IT's fleet view.
 */

export const UPDATE_FEED_PATH = '/v1/updates/';

/** What a desk says about itself on every feed request (headers) and report (body). */
export const UPDATE_HEADERS = {
  deskId: 'x-crisis-desk-id',
  ring: 'x-crisis-desk-ring',
  pinVersion: 'x-crisis-desk-pin',
} as const;

export const Version = z.string().max(64).regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/, 'a version such as 1.4.2');
export const Platform = z.enum(['win32', 'linux', 'darwin']);
export const Arch = z.enum(['x64', 'arm64', 'universal']);
export const Ring = z.enum(['pilot', 'general']);
export const UpdateMode = z.enum(['off', 'notify', 'automatic']);

/** The feed file each platform's updater asks for. */
export const FEED_FILES = { win32: 'latest.yml', linux: 'latest-linux.yml', darwin: 'latest-mac.yml' } as const;
/** The package kind each platform's updater installs. */
export const UPDATE_KIND = { win32: 'nsis', linux: 'deb', darwin: 'zip' } as const;

export const DeskReport = z.object({
  /** The desk's client id (one per install; the sync clientId). */
  deskId: z.uuid(),
  version: Version,
  platform: Platform,
  arch: Arch,
  ring: Ring,
  updateMode: UpdateMode,
  pinnedVersion: Version.nullable(),
  /** policyHash of the effective machine policy (16 hex). */
  policyHash: z.string().regex(/^[0-9a-f]{16}$/),
  lastSyncAt: z.iso.datetime({ offset: true }).nullable(),
});
export type DeskReport = z.infer<typeof DeskReport>;

/** electron-updater's update info (the YAML it reads; JSON is YAML). */
export const UpdateInfo = z.object({
  version: Version,
  files: z.array(z.object({ url: z.string(), sha512: z.string(), size: z.number().int() })).min(1),
  path: z.string(),
  sha512: z.string(),
  releaseDate: z.iso.datetime({ offset: true }),
  releaseNotes: z.string(),
});
export type UpdateInfo = z.infer<typeof UpdateInfo>;
