import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { policyJsonSchema } from './policy';

/*
 * Machine policy in the Windows registry, where Group Policy and Intune (ADMX ingestion) put it:
 * HKLM\SOFTWARE\Policies\CrisisDesk. One layout, derived from the policy's JSON Schema, is used
 * both to generate the ADMX template (scripts/release/policy-templates.ts) and to read the values
 * back here, so the two cannot disagree:
 *   a top-level setting      → a value in SOFTWARE\Policies\CrisisDesk named after it
 *   a setting of a group     → a value in SOFTWARE\Policies\CrisisDesk\<group> (trust, updates)
 *   text and choices         → REG_SZ;  whole numbers and true/false → REG_DWORD (1 = true)
 * The registry itself is behind `RegistryReader` (reg.exe on Windows), which tests replace.
 */

export const POLICY_REGISTRY_KEY = 'SOFTWARE\\Policies\\CrisisDesk';
export const POLICY_REGISTRY_WHERE = `HKLM\\${POLICY_REGISTRY_KEY}`;

export type RegistryValue = { type: 'REG_SZ' | 'REG_EXPAND_SZ'; value: string } | { type: 'REG_DWORD' | 'REG_QWORD'; value: number } | { type: 'REG_MULTI_SZ'; value: string[] } | { type: 'REG_BINARY' | 'REG_NONE'; value: string };

/** The values of each key under HKLM\SOFTWARE\Policies\CrisisDesk (key paths relative to HKLM, as in POLICY_REGISTRY_KEY). */
export interface RegistryReader {
  /** Every key at or under `key` with its values; an empty map when the key does not exist. Throws when it cannot be read. */
  readTree(key: string): Map<string, Map<string, RegistryValue>>;
}

export type LeafType = { kind: 'string'; maxLength?: number; pattern?: string } | { kind: 'integer'; min?: number; max?: number } | { kind: 'boolean' } | { kind: 'enum'; values: string[] };

export interface PolicyLeaf {
  /** The setting's path in policy.json: ['serverUrl'] or ['trust', 'id']. */
  path: string[];
  key: string;
  valueName: string;
  type: LeafType;
  required: boolean;
  description: string;
}

export interface PolicyGroup {
  /** The top-level setting: one Group Policy setting each. */
  name: string;
  description: string;
  key: string;
  leaves: PolicyLeaf[];
}

interface SchemaNode {
  type?: string;
  enum?: string[];
  properties?: Record<string, SchemaNode>;
  required?: string[];
  description?: string;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  pattern?: string;
}

function leafType(node: SchemaNode): LeafType {
  if (node.enum) return { kind: 'enum', values: node.enum };
  if (node.type === 'boolean') return { kind: 'boolean' };
  if (node.type === 'integer') return { kind: 'integer', min: node.minimum, max: node.maximum };
  if (node.type === 'string') return { kind: 'string', maxLength: node.maxLength, pattern: node.pattern };
  throw new Error(`The policy schema has a setting of type ${node.type ?? 'unknown'}, which the registry layout does not know how to store.`);
}

/** The registry layout of every setting in the policy schema, in schema order. */
export function policyRegistryLayout(schema: Record<string, unknown> = policyJsonSchema()): PolicyGroup[] {
  const props = (schema as SchemaNode).properties ?? {};
  return Object.entries(props).map(([name, node]) => {
    if (node.type === 'object') {
      const key = `${POLICY_REGISTRY_KEY}\\${name}`;
      const leaves = Object.entries(node.properties ?? {}).map(([leaf, child]) => ({
        path: [name, leaf],
        key,
        valueName: leaf,
        type: leafType(child),
        required: (node.required ?? []).includes(leaf),
        description: child.description ?? leaf,
      }));
      return { name, description: node.description ?? name, key, leaves };
    }
    return { name, description: node.description ?? name, key: POLICY_REGISTRY_KEY, leaves: [{ path: [name], key: POLICY_REGISTRY_KEY, valueName: name, type: leafType(node), required: true, description: node.description ?? name }] };
  });
}

/** A registry value as the policy value it stands for; a value of the wrong type is passed on so that the policy check names the setting. */
function fromRegistry(v: RegistryValue, type: LeafType): unknown {
  const numeric = v.type === 'REG_DWORD' || v.type === 'REG_QWORD';
  return type.kind === 'boolean' && numeric ? v.value !== 0 : v.value;
}

/** The machine policy in the registry as a raw object (null when nothing is set), ready for checkPolicy. */
export function policyFromRegistry(reader: RegistryReader, layout = policyRegistryLayout()): Record<string, unknown> | null {
  const tree = reader.readTree(POLICY_REGISTRY_KEY);
  const lower = new Map([...tree].map(([k, values]) => [k.toLowerCase(), new Map([...values].map(([n, v]) => [n.toLowerCase(), v]))]));
  const out: Record<string, unknown> = {};
  let any = false;
  for (const group of layout) {
    // Registry key and value names are case-insensitive.
    const values = lower.get(group.key.toLowerCase());
    if (!values) continue;
    for (const leaf of group.leaves) {
      const v = values.get(leaf.valueName.toLowerCase());
      if (!v) continue;
      any = true;
      if (leaf.path.length === 1) out[leaf.path[0]!] = fromRegistry(v, leaf.type);
      else ((out[leaf.path[0]!] ??= {}) as Record<string, unknown>)[leaf.path[1]!] = fromRegistry(v, leaf.type);
    }
  }
  return any ? out : null;
}

/**
 * `reg.exe query HKLM\<key> /s /reg:64` parsed. reg.exe prints each key on a line of its own and
 * each value as four-space separated name, type and data; its type names are never translated.
 */
export function parseRegQuery(text: string): Map<string, Map<string, RegistryValue>> {
  const out = new Map<string, Map<string, RegistryValue>>();
  let current: Map<string, RegistryValue> | null = null;
  for (const raw of text.split(/\r?\n/)) {
    if (!raw.trim()) continue;
    if (/^HKEY_LOCAL_MACHINE\\/i.test(raw)) {
      current = new Map();
      out.set(raw.trim().replace(/^HKEY_LOCAL_MACHINE\\/i, ''), current);
      continue;
    }
    const m = /^ {4}(.*?) {4}(REG_[A-Z_]+)(?: {4}(.*))?$/.exec(raw);
    if (!m || !current) continue;
    const [, name = '', type, data = ''] = m;
    if (type === 'REG_DWORD' || type === 'REG_QWORD') current.set(name, { type, value: Number(BigInt(data.trim())) });
    else if (type === 'REG_SZ' || type === 'REG_EXPAND_SZ') current.set(name, { type, value: data });
    else if (type === 'REG_MULTI_SZ') current.set(name, { type, value: data.split('\\0').filter(Boolean) });
    else current.set(name, { type: type === 'REG_BINARY' ? 'REG_BINARY' : 'REG_NONE', value: data });
  }
  return out;
}

/** The real registry, through Windows' own reg.exe (64-bit view, read only). */
export function regExeReader(env: Record<string, string | undefined> = process.env): RegistryReader {
  const reg = path.win32.join(env.SystemRoot ?? 'C:\\Windows', 'System32', 'reg.exe');
  return {
    readTree(key) {
      const r = spawnSync(reg, ['query', `HKLM\\${key}`, '/s', '/reg:64'], { encoding: 'utf8', windowsHide: true, timeout: 10_000 });
      if (r.error) throw Object.assign(new Error(`reg.exe could not run: ${r.error.message}`), { code: (r.error as NodeJS.ErrnoException).code ?? 'EREG' });
      // reg.exe answers 1 when the key does not exist: no policy.
      if (r.status === 1 && !r.stdout.trim()) return new Map();
      if (r.status !== 0) throw Object.assign(new Error(`reg.exe query failed (${r.status}): ${r.stderr.trim()}`), { code: 'EREG' });
      return parseRegQuery(r.stdout);
    },
  };
}
