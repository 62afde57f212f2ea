import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { checkPolicy, combinePolicies, loadPolicy, policyFile, type PolicyLoad } from './policy';
import { policyFromRegistry, POLICY_REGISTRY_WHERE, type RegistryReader } from './policy-registry';

/*
 * Where IT's machine policy comes from on each platform, combined into one (policy.ts says how):
 *   Windows  %ProgramData%\CrisisDesk\policy.json, then HKLM\SOFTWARE\Policies\CrisisDesk
 *            (Group Policy, Intune ADMX ingestion), which beats the file field by field;
 *   macOS    /Library/Application Support/CrisisDesk/policy.json, then the managed preferences a
 *            configuration profile installs (/Library/Managed Preferences/org.crisisdesk.desk.plist),
 *            which beat the file;
 *   Linux    /etc/crisis-desk/policy.json.
 * The registry and the managed preferences are read through small boundaries that tests replace.
 */

export const MANAGED_PREFERENCES_DOMAIN = 'org.crisisdesk.desk';
export const MANAGED_PREFERENCES_FILE = `/Library/Managed Preferences/${MANAGED_PREFERENCES_DOMAIN}.plist`;

/** Reads a property list as a plain value; null when the file does not exist; throws when it cannot be read. */
export type PlistReader = (file: string) => unknown;

export interface MachinePolicySources {
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  /** The policy file's text, or null without one (durable-file's readTextIfExists). */
  readText: (file: string) => string | null;
  registry?: RegistryReader;
  readPlist?: PlistReader;
  /** Development only: a policy file named by the environment instead of the machine's. */
  fileOverride?: string | null;
}

export function readMachinePolicy(s: MachinePolicySources): PolicyLoad {
  const file = s.fileOverride || policyFile(s.platform, s.env);
  const loads: PolicyLoad[] = [loadPolicy(file, s.readText)];
  if (s.platform === 'win32' && s.registry && !s.fileOverride) loads.push(readManaged(POLICY_REGISTRY_WHERE, () => policyFromRegistry(s.registry!)));
  if (s.platform === 'darwin' && s.readPlist && !s.fileOverride) loads.push(readManaged(MANAGED_PREFERENCES_FILE, () => s.readPlist!(MANAGED_PREFERENCES_FILE)));
  return combinePolicies(loads);
}

function readManaged(where: string, read: () => unknown): PolicyLoad {
  let raw: unknown;
  try {
    raw = read();
  } catch (e) {
    return { kind: 'invalid', file: where, message: `The machine policy at ${where} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}). Crisis Desk will not start until it is fixed: contact your IT service desk.` };
  }
  if (raw === null || raw === undefined) return { kind: 'none', file: where };
  // Profiles carry their own bookkeeping keys (PayloadUUID …) beside the settings.
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) raw = Object.fromEntries(Object.entries(raw).filter(([k]) => !k.startsWith('Payload')));
  return checkPolicy(where, raw);
}

/** macOS: a managed-preferences plist (binary or XML) through the system's plutil. */
export function plutilReader(file: string): unknown {
  if (!existsSync(file)) return null;
  const r = spawnSync('/usr/bin/plutil', ['-convert', 'json', '-o', '-', file], { encoding: 'utf8', timeout: 10_000 });
  if (r.error || r.status !== 0) throw Object.assign(new Error(`plutil could not read ${file}`), { code: 'EPLIST' });
  return JSON.parse(r.stdout) as unknown;
}
