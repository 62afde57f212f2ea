import { createHash } from 'node:crypto';
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

/** A release version as the server lists them (major.minor.patch, optionally a pre-release). */
export const RELEASE_VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

export const UpdatePolicy = z
  .object({
    mode: z
      .enum(['off', 'notify', 'automatic'])
      .describe(
        'off: never look for updates (IT installs every version). notify (default): download and verify updates from the trust’s server and tell the clinician; they install at the next quit or from the menu. automatic: as notify, and restart into a verified update once the desk is idle with no call record open and nothing unsaved.',
      ),
    ring: z.enum(['pilot', 'general']).describe('pilot: this machine is in the pilot group and gets a release first. general (default): it gets a release when the rollout reaches its share of desks, or all desks.'),
    pinVersion: z.string().max(64).regex(RELEASE_VERSION, 'must be a version such as 1.4.2').describe('Never update beyond this version (e.g. 1.4.2); unset: follow the rollout.'),
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
    updates: UpdatePolicy.describe('Updates from the trust’s central API (serverUrl): whether, which ring, and how far.'),
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
  return checkPolicy(file, raw);
}

/**
 * Checks a policy from any source (the JSON file, the Windows registry, macOS managed preferences),
 * named by `where` in messages. Unknown keys are dropped before checking, so that a newer policy
 * still works on an older app.
 */
export function checkPolicy(where: string, raw: unknown): PolicyLoad {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return failClosed(where, 'must be a JSON object.');
  const ignoredKeys = unknownKeys(raw);
  const parsed = MachinePolicy.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return failClosed(where, `has a bad value for ${issue.path.join('.') || '(the file)'}: ${issue.message}.`);
  }
  return { kind: 'ok', file: where, policy: parsed.data, ignoredKeys };
}

/**
 * Several machine policies on one machine (Group Policy in the registry and the file, a macOS
 * profile and the file): any invalid one fails closed; otherwise they combine field by field, a
 * later source beating an earlier one (the managed source is listed last).
 */
export function combinePolicies(loads: PolicyLoad[]): PolicyLoad {
  const invalid = loads.find((l) => l.kind === 'invalid');
  if (invalid) return invalid;
  const ok = loads.filter((l): l is Extract<PolicyLoad, { kind: 'ok' }> => l.kind === 'ok');
  if (ok.length === 0) return loads[0] ?? { kind: 'none', file: '(no policy source)' };
  const policy: MachinePolicy = {};
  for (const l of ok) {
    for (const [key, value] of Object.entries(l.policy) as [keyof MachinePolicy, unknown][]) {
      const before = policy[key];
      (policy as Record<string, unknown>)[key] = value && typeof value === 'object' && before && typeof before === 'object' ? { ...before, ...value } : value;
    }
  }
  // A trust id from one source and its claim from another would not describe one trust.
  const trustSource = [...ok].reverse().find((l) => l.policy.trust)?.policy.trust;
  if (trustSource) policy.trust = trustSource;
  return { kind: 'ok', file: ok.map((l) => l.file).join(' + '), policy: MachinePolicy.parse(policy), ignoredKeys: ok.flatMap((l) => l.ignoredKeys) };
}

/** A short, stable fingerprint of the effective machine policy, reported to the fleet view. */
export function policyHash(policy: MachinePolicy | null): string {
  const sorted = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])])) : v;
  return createHash('sha256').update(JSON.stringify(sorted(policy ?? {}))).digest('hex').slice(0, 16);
}

export interface EffectiveSettings {
  serverUrl: string | null;
  trust: { id: string; claim: string } | null;
  idleLockMinutes: number;
  contentProtection: boolean;
  devTools: boolean;
  updates: { mode: 'off' | 'notify' | 'automatic'; ring: 'pilot' | 'general'; pinVersion: string | null };
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
    // Updates are IT's alone: a user's settings never change them. Without a server there is no feed.
    updates: { mode: p.serverUrl || userServer ? (p.updates?.mode ?? 'notify') : 'off', ring: p.updates?.ring ?? 'general', pinVersion: p.updates?.pinVersion ?? null },
    sources: {
      serverUrl: p.serverUrl ? 'policy' : userServer ? 'user' : 'default',
      idleLockMinutes: userMinutes !== null && userMinutes < ceiling ? 'user' : p.idleLockMinutes ? 'policy' : 'default',
      contentProtection: p.contentProtection === true ? 'policy' : user.contentProtection === true ? 'user' : p.contentProtection === false ? 'policy' : 'default',
      devTools: opts.packaged && p.allowDevTools !== undefined ? 'policy' : 'default',
      updates: p.updates && Object.keys(p.updates).length > 0 ? 'policy' : 'default',
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
