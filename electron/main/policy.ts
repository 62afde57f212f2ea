import path from 'node:path';
import { z } from 'zod';

/*
 * The machine-wide policy file IT deploys (Intune, SCCM, Group Policy, a macOS profile), and how it
 * combines with the clinician's own settings. Rules:
 *  - the policy beats user settings, field by field;
 *  - it can only tighten security: it may shorten the idle lock (never beyond 15 minutes), force
 *    content protection, pin the server (https only) and the trust; the one thing it may open up is
 *    DevTools in a packaged build, which nothing else can;
 *  - a user setting can only be stricter than the policy (a shorter lock, protection on);
 *  - a file that cannot be read, is not JSON or breaks a rule fails closed: the app does not start
 *    and says why; keys it does not know are logged and ignored.
 */

export const DEFAULT_IDLE_LOCK_MINUTES = 15;
export const MAX_IDLE_LOCK_MINUTES = 15;

const httpsUrl = z
  .string()
  .max(2000)
  .regex(/^https:\/\//, 'must be an https:// address')
  .refine((s) => {
    try {
      const u = new URL(s);
      return u.protocol === 'https:' && !u.username && !u.password && !u.hash;
    } catch {
      return false;
    }
  }, 'must be an https:// address without credentials or #fragment');

export const UpdatePolicy = z
  .object({
    /** Which release line this machine follows. */
    channel: z.enum(['stable', 'pilot']).describe('Release line: stable (default) or pilot (early releases for pilot sites).'),
    /** Where updates come from (the trust's own distribution server); none disables checking for updates. */
    feedUrl: httpsUrl.describe('https address of the update feed; absent: the app does not look for updates.'),
  })
  .partial();

export const MachinePolicy = z
  .object({
    serverUrl: httpsUrl.describe('The central Crisis Desk API this machine syncs with (https). Users cannot change it.'),
    trust: z
      .object({
        id: z.string().min(1).max(64).describe('The trust this machine belongs to (as in the access token, e.g. an ODS code).'),
        claim: z.string().min(1).max(64).optional().describe('The access-token claim naming the trust (default trust_id).'),
      })
      .describe('Sign-ins from accounts of another trust are refused.'),
    idleLockMinutes: z
      .number()
      .int()
      .min(1)
      .max(MAX_IDLE_LOCK_MINUTES)
      .describe(`Minutes without input before the screen locks (1–${MAX_IDLE_LOCK_MINUTES}; default ${DEFAULT_IDLE_LOCK_MINUTES}).`),
    updates: UpdatePolicy.describe('Update channel and feed.'),
    allowDevTools: z.boolean().describe('Allow Chromium DevTools in this packaged build (for support engineers only; default false).'),
    contentProtection: z.boolean().describe('true: screenshots, screen recording and screen sharing show the window blank (Windows, macOS).'),
  })
  .partial()
  .describe('Crisis Desk machine policy (policy.json). Every field is optional.');

export type MachinePolicy = z.infer<typeof MachinePolicy>;

/** The clinician's own settings (a file in their profile, or the environment in development). */
export interface UserSettings {
  serverUrl?: string;
  idleLockMinutes?: number;
  contentProtection?: boolean;
  updateChannel?: 'stable' | 'pilot';
}

export type PolicyLoad =
  | { kind: 'none'; file: string }
  | { kind: 'ok'; file: string; policy: MachinePolicy; ignoredKeys: string[] }
  | { kind: 'invalid'; file: string; message: string };

/** Where the policy lives on this platform. */
export function policyFile(platform: NodeJS.Platform, env: Record<string, string | undefined>): string {
  if (platform === 'win32') return path.win32.join(env.ProgramData ?? 'C:\\ProgramData', 'CrisisDesk', 'policy.json');
  if (platform === 'darwin') return '/Library/Application Support/CrisisDesk/policy.json';
  return '/etc/crisis-desk/policy.json';
}

/** Keys of value that the schema does not know, as dotted paths. */
function unknownKeys(value: unknown): string[] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
  const known = MachinePolicy.shape;
  const out: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    if (!Object.hasOwn(known, key)) out.push(key);
    else if (key === 'updates' || key === 'trust') {
      const inner = key === 'updates' ? UpdatePolicy.shape : MachinePolicy.shape.trust.unwrap().shape;
      if (v && typeof v === 'object' && !Array.isArray(v)) for (const k of Object.keys(v)) if (!Object.hasOwn(inner, k)) out.push(`${key}.${k}`);
    }
  }
  return out;
}

const failClosed = (file: string, problem: string): PolicyLoad => ({
  kind: 'invalid',
  file,
  message: `The machine policy at ${file} ${problem} Crisis Desk will not start until it is fixed: contact your IT service desk.`,
});

/**
 * Reads and checks the policy. `read` returns the file's text, or null when there is no file;
 * it throws when the file exists but cannot be read (which fails closed).
 */
export function loadPolicy(file: string, read: (file: string) => string | null): PolicyLoad {
  let text: string | null;
  try {
    text = read(file);
  } catch (e) {
    return failClosed(file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
  if (text === null) return { kind: 'none', file };
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return failClosed(file, 'is not valid JSON.');
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return failClosed(file, 'must be a JSON object.');
  // Unknown keys are dropped before checking, so that a newer policy still works on an older app.
  const ignoredKeys = unknownKeys(raw);
  const parsed = MachinePolicy.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return failClosed(file, `has a bad value for ${issue.path.join('.') || '(the file)'}: ${issue.message}.`);
  }
  return { kind: 'ok', file, policy: parsed.data, ignoredKeys };
}

export interface EffectiveSettings {
  serverUrl: string | null;
  trust: { id: string; claim: string } | null;
  idleLockMinutes: number;
  contentProtection: boolean;
  devTools: boolean;
  updates: { channel: 'stable' | 'pilot'; feedUrl: string | null };
  /** Where each setting came from, for the About box and support. */
  sources: Record<'serverUrl' | 'idleLockMinutes' | 'contentProtection' | 'devTools' | 'updates', 'policy' | 'user' | 'default'>;
}

/** A server address from user settings or the environment: https, or plain http to this machine (the demo). */
export function acceptableUserServerUrl(url: string | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    if (u.username || u.password) return null;
    if (u.protocol === 'https:') return url;
    return u.protocol === 'http:' && (u.hostname === '127.0.0.1' || u.hostname === '[::1]' || u.hostname === 'localhost') ? url : null;
  } catch {
    return null;
  }
}

/** Combines defaults, the policy and the user's settings under the rules above. */
export function effectiveSettings(policy: MachinePolicy | null, user: UserSettings, opts: { packaged: boolean }): EffectiveSettings {
  const p = policy ?? {};
  const userMinutes = Number.isInteger(user.idleLockMinutes) && user.idleLockMinutes! >= 1 ? user.idleLockMinutes! : null;
  const ceiling = p.idleLockMinutes ?? DEFAULT_IDLE_LOCK_MINUTES;
  const idleLockMinutes = Math.min(ceiling, userMinutes ?? ceiling);
  const userServer = acceptableUserServerUrl(user.serverUrl);
  return {
    serverUrl: p.serverUrl ?? userServer,
    trust: p.trust ? { id: p.trust.id, claim: p.trust.claim ?? 'trust_id' } : null,
    idleLockMinutes,
    contentProtection: p.contentProtection === true || user.contentProtection === true,
    devTools: !opts.packaged || p.allowDevTools === true,
    updates: { channel: p.updates?.channel ?? user.updateChannel ?? 'stable', feedUrl: p.updates?.feedUrl ?? null },
    sources: {
      serverUrl: p.serverUrl ? 'policy' : userServer ? 'user' : 'default',
      idleLockMinutes: userMinutes !== null && userMinutes < ceiling ? 'user' : p.idleLockMinutes ? 'policy' : 'default',
      contentProtection: p.contentProtection === true ? 'policy' : user.contentProtection === true ? 'user' : p.contentProtection === false ? 'policy' : 'default',
      devTools: opts.packaged && p.allowDevTools !== undefined ? 'policy' : 'default',
      updates: p.updates?.channel || p.updates?.feedUrl ? 'policy' : user.updateChannel ? 'user' : 'default',
    },
  };
}

/** Reads the user's settings leniently: a value that makes no sense is ignored (the user's file cannot loosen anything). */
export function parseUserSettings(text: string | null, env: Record<string, string | undefined>): UserSettings {
  let raw: Record<string, unknown> = {};
  if (text) {
    try {
      const v = JSON.parse(text) as unknown;
      if (v && typeof v === 'object' && !Array.isArray(v)) raw = v as Record<string, unknown>;
    } catch {
      // a damaged settings file means defaults
    }
  }
  const out: UserSettings = {};
  const server = env.CRISIS_DESK_SERVER_URL ?? raw.serverUrl;
  if (typeof server === 'string') out.serverUrl = server;
  if (typeof raw.idleLockMinutes === 'number') out.idleLockMinutes = raw.idleLockMinutes;
  if (typeof raw.contentProtection === 'boolean') out.contentProtection = raw.contentProtection;
  if (raw.updateChannel === 'stable' || raw.updateChannel === 'pilot') out.updateChannel = raw.updateChannel;
  return out;
}

/** The policy's JSON Schema, for IT (written to build/policy.schema.json). */
export function policyJsonSchema(): Record<string, unknown> {
  return {
    ...(z.toJSONSchema(MachinePolicy, { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown>),
    $id: 'https://crisis-desk.invalid/policy.schema.json',
    title: 'Crisis Desk machine policy',
  };
}
