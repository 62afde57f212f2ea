/*
 * The machine-policy templates against the one schema, and back through the app's loader: every
 * setting of build/policy.schema.json is in the ADMX with the key, value name and type the app
 * reads; values set through each generated form (the ADMX as the Group Policy editor writes the
 * registry, the macOS profile as MDM installs managed preferences, the JSON file on Linux) come
 * back from readMachinePolicy exactly.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import plist from 'plist';
import { describe, expect, it } from 'vitest';
import { MANAGED_PREFERENCES_DOMAIN, MANAGED_PREFERENCES_FILE, readMachinePolicy } from '../../electron/main/machine-policy';
import type { MachinePolicy } from '../../electron/main/policy';
import { parseRegQuery, POLICY_REGISTRY_KEY, type RegistryReader } from '../../electron/main/policy-registry';
import { adml, admx, EXAMPLE_POLICY, mobileconfig } from './policy-templates';

const schema = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '..', '..', 'build', 'policy.schema.json'), 'utf8')) as {
  properties: Record<string, { type?: string; enum?: string[]; maxLength?: number; minimum?: number; maximum?: number; properties?: Record<string, { type?: string; enum?: string[]; maxLength?: number; minimum?: number; maximum?: number }> }>;
};

function parseXml(text: string): Element {
  const errors: string[] = [];
  const doc = new DOMParser({ errorHandler: (level: string, msg: unknown) => void (level !== 'warning' && errors.push(String(msg))) }).parseFromString(text, 'text/xml');
  expect(errors).toEqual([]);
  return doc.documentElement as unknown as Element;
}
const children = (e: Element, tag?: string) => Array.from(e.childNodes as unknown as ArrayLike<Element>).filter((n) => n.nodeType === 1 && (!tag || n.localName === tag));
const descendants = (e: Element, tag: string) => Array.from(e.getElementsByTagName(tag) as unknown as ArrayLike<Element>);

const ADMX = parseXml(admx());
const ADML = parseXml(adml());
const policies = new Map(descendants(ADMX, 'policy').map((p) => [p.getAttribute('name')!, p]));

/** Settings that exercise every value of every field, booleans both ways. */
const SAMPLES: MachinePolicy[] = [
  EXAMPLE_POLICY,
  { serverUrl: 'https://crisis-desk.rxx.nhs.uk/api', trust: { id: 'R1A', claim: 'org.ods' }, idleLockMinutes: 1, updates: { mode: 'automatic', ring: 'pilot', pinVersion: '2.3.4' }, allowDevTools: true, contentProtection: false },
  { idleLockMinutes: 15, updates: { mode: 'off' } },
  { updates: { mode: 'notify', ring: 'general' }, allowDevTools: false },
];

type Written = { key: string; name: string; type: 'REG_SZ' | 'REG_DWORD'; data: string };

/** What the Group Policy editor writes for `policy`, worked out from the ADMX alone (as gpedit does). */
function groupPolicyWrites(policy: MachinePolicy): Written[] {
  const out: Written[] = [];
  const valueOf = (p: string[]) => p.reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], policy);
  const decimal = (parent: Element, tag: string) => children(children(parent, tag)[0]!, 'decimal')[0]!.getAttribute('value')!;
  for (const [name, p] of policies) {
    const key = p.getAttribute('key')!;
    const elements = children(p, 'elements')[0];
    if (!elements) {
      // An Enabled/Disabled setting: enabledValue / disabledValue under its own valueName.
      const v = valueOf([name]);
      if (v === undefined) continue;
      out.push({ key, name: p.getAttribute('valueName')!, type: 'REG_DWORD', data: decimal(p, v ? 'enabledValue' : 'disabledValue') });
      continue;
    }
    // Elements: IT enables the setting when any of its parts is set.
    const group = children(elements);
    const path1 = (id: string) => id.split('_');
    if (!group.some((el) => valueOf(path1(el.getAttribute('id')!)) !== undefined)) continue;
    for (const el of group) {
      const v = valueOf(path1(el.getAttribute('id')!));
      if (v === undefined) continue;
      const valueName = el.getAttribute('valueName')!;
      if (el.localName === 'text') out.push({ key, name: valueName, type: 'REG_SZ', data: String(v) });
      else if (el.localName === 'decimal') out.push({ key, name: valueName, type: 'REG_DWORD', data: `0x${Number(v).toString(16)}` });
      else if (el.localName === 'boolean') out.push({ key, name: valueName, type: 'REG_DWORD', data: decimal(el, v ? 'trueValue' : 'falseValue') });
      else if (el.localName === 'enum') {
        const item = children(el, 'item').find((i) => descendants(i, 'string')[0]!.textContent === v);
        expect(item, `${name}.${valueName} offers ${String(v)}`).toBeDefined();
        out.push({ key, name: valueName, type: 'REG_SZ', data: descendants(item!, 'string')[0]!.textContent! });
      } else throw new Error(`unexpected element ${el.localName}`);
    }
  }
  return out;
}

/** The registry as reg.exe prints it (so the parser the app uses reads it). */
function regQueryText(writes: Written[]): string {
  const keys = [...new Set(writes.map((w) => w.key))];
  return `\r\n${keys.map((k) => `HKEY_LOCAL_MACHINE\\${k}\r\n${writes.filter((w) => w.key === k).map((w) => `    ${w.name}    ${w.type}    ${w.data}`).join('\r\n')}\r\n`).join('\r\n')}`;
}

const registryOf = (text: string): RegistryReader => ({
  readTree: (key) => {
    expect(key).toBe(POLICY_REGISTRY_KEY);
    return parseRegQuery(text);
  },
});

describe('the Group Policy template (ADMX/ADML)', () => {
  it('has every setting of the schema with the key, value name and type the app reads', () => {
    expect([...policies.keys()].sort()).toEqual(Object.keys(schema.properties).sort());
    for (const [name, node] of Object.entries(schema.properties)) {
      const p = policies.get(name)!;
      expect(p.getAttribute('class')).toBe('Machine');
      if (node.type === 'object') {
        expect(p.getAttribute('key')).toBe(`SOFTWARE\\Policies\\CrisisDesk\\${name}`);
        const elements = children(children(p, 'elements')[0]!);
        expect(elements.map((e) => e.getAttribute('valueName')).sort()).toEqual(Object.keys(node.properties!).sort());
        for (const el of elements) {
          const child = node.properties![el.getAttribute('valueName')!]!;
          const expected = child.enum ? 'enum' : child.type === 'string' ? 'text' : child.type === 'integer' ? 'decimal' : 'boolean';
          expect(el.localName, `${name}.${el.getAttribute('valueName')}`).toBe(expected);
          if (child.enum) expect(children(el, 'item').map((i) => descendants(i, 'string')[0]!.textContent)).toEqual(child.enum);
          if (child.maxLength) expect(el.getAttribute('maxLength')).toBe(String(child.maxLength));
        }
      } else {
        expect(p.getAttribute('key')).toBe('SOFTWARE\\Policies\\CrisisDesk');
        if (node.type === 'boolean') {
          expect(p.getAttribute('valueName')).toBe(name);
          expect(children(p, 'enabledValue')).toHaveLength(1);
        } else {
          const [el] = children(children(p, 'elements')[0]!);
          expect(el!.getAttribute('valueName')).toBe(name);
          expect(el!.localName).toBe(node.type === 'integer' ? 'decimal' : 'text');
          if (node.type === 'integer') expect([el!.getAttribute('minValue'), el!.getAttribute('maxValue')]).toEqual([String(node.minimum), String(node.maximum)]);
        }
      }
    }
  });

  it('resolves every string and presentation it names in the ADML', () => {
    const strings = new Set(descendants(ADML, 'string').map((s) => s.getAttribute('id')));
    const presentations = new Map(descendants(ADML, 'presentation').map((p) => [p.getAttribute('id'), p]));
    const refs = [...admx().matchAll(/\$\((string|presentation)\.([^)]+)\)/g)];
    expect(refs.length).toBeGreaterThan(20);
    for (const [, kind, id] of refs) expect(kind === 'string' ? strings.has(id!) : presentations.has(id!), `${kind}.${id}`).toBe(true);
    for (const p of policies.values()) {
      const presentation = p.getAttribute('presentation');
      if (!presentation) continue;
      const refIds = children(presentations.get(presentation.slice('$(presentation.'.length, -1))!).map((c) => c.getAttribute('refId'));
      expect(refIds).toEqual(children(children(p, 'elements')[0]!).map((e) => e.getAttribute('id')));
    }
  });

  it('offers the app’s own default first when a group is enabled (enabling Updates to pick a ring must not turn updates off)', () => {
    const dropdowns = new Map(descendants(ADML, 'dropdownList').map((d) => [d.getAttribute('refId'), d]));
    const itemsOf = (id: string) => children(descendants(ADMX, 'enum').find((e) => e.getAttribute('id') === id)!, 'item').map((i) => descendants(i, 'string')[0]!.textContent);
    expect(itemsOf('updates_mode')[Number(dropdowns.get('updates_mode')!.getAttribute('defaultItem'))]).toBe('notify');
    expect(itemsOf('updates_ring')[Number(dropdowns.get('updates_ring')!.getAttribute('defaultItem'))]).toBe('general');
  });

  it('gives back, through the registry, every value set with it', () => {
    for (const sample of SAMPLES) {
      const loaded = readMachinePolicy({ platform: 'win32', env: {}, readText: () => null, registry: registryOf(regQueryText(groupPolicyWrites(sample))) });
      expect(loaded, JSON.stringify(sample)).toMatchObject({ kind: 'ok', policy: sample, ignoredKeys: [] });
    }
  });

  it('fails closed on a registry value of the wrong type, and beats the file field by field', () => {
    const bad = readMachinePolicy({ platform: 'win32', env: {}, readText: () => null, registry: registryOf(`HKEY_LOCAL_MACHINE\\${POLICY_REGISTRY_KEY}\r\n    idleLockMinutes    REG_SZ    five\r\n`) });
    expect(bad).toMatchObject({ kind: 'invalid', message: expect.stringMatching(/HKLM\\SOFTWARE\\Policies\\CrisisDesk.*idleLockMinutes.*will not start/) });
    const both = readMachinePolicy({
      platform: 'win32',
      env: { ProgramData: 'C:\\ProgramData' },
      readText: (f) => (f === 'C:\\ProgramData\\CrisisDesk\\policy.json' ? JSON.stringify({ idleLockMinutes: 10, contentProtection: true, trust: { id: 'FILE', claim: 'x' } }) : null),
      registry: registryOf(regQueryText(groupPolicyWrites({ idleLockMinutes: 3, trust: { id: 'GPO' } }))),
    });
    expect(both).toMatchObject({ kind: 'ok', policy: { idleLockMinutes: 3, contentProtection: true, trust: { id: 'GPO' } } });
    const unreadable = readMachinePolicy({ platform: 'win32', env: {}, readText: () => null, registry: { readTree: () => { throw Object.assign(new Error('denied'), { code: 'EREG' }); } } });
    expect(unreadable).toMatchObject({ kind: 'invalid', message: expect.stringContaining('cannot be read (EREG)') });
  });

  it('reads reg.exe’s own output: values with spaces, DWORDs in hex, several keys, nothing for a missing key', () => {
    const tree = parseRegQuery('\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\CrisisDesk\r\n    serverUrl    REG_SZ    https://a b\r\n    idleLockMinutes    REG_DWORD    0xf\r\n\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\CrisisDesk\\updates\r\n    mode    REG_SZ    off\r\n');
    expect(Object.fromEntries([...tree].map(([k, v]) => [k, Object.fromEntries(v)]))).toEqual({
      'SOFTWARE\\Policies\\CrisisDesk': { serverUrl: { type: 'REG_SZ', value: 'https://a b' }, idleLockMinutes: { type: 'REG_DWORD', value: 15 } },
      'SOFTWARE\\Policies\\CrisisDesk\\updates': { mode: { type: 'REG_SZ', value: 'off' } },
    });
    expect(readMachinePolicy({ platform: 'win32', env: {}, readText: () => null, registry: { readTree: () => new Map() } })).toMatchObject({ kind: 'none' });
  });
});

describe('the macOS configuration profile', () => {
  it('is a system profile whose payload sets org.crisisdesk.desk’s managed preferences', () => {
    const profile = plist.parse(mobileconfig()) as Record<string, unknown> & { PayloadContent: Record<string, unknown>[] };
    expect(profile).toMatchObject({ PayloadType: 'Configuration', PayloadScope: 'System', PayloadVersion: 1 });
    expect(profile.PayloadUUID).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-A[0-9A-F]{3}-[0-9A-F]{12}$/);
    expect(profile.PayloadContent).toHaveLength(1);
    expect(profile.PayloadContent[0]).toMatchObject({ PayloadType: MANAGED_PREFERENCES_DOMAIN, ...EXAMPLE_POLICY });
  });

  it('gives back, through managed preferences, every value set in it', () => {
    for (const sample of SAMPLES) {
      const payload = (plist.parse(mobileconfig(sample)) as { PayloadContent: Record<string, unknown>[] }).PayloadContent[0]!;
      // What macOS writes to /Library/Managed Preferences when the profile is installed: the payload's keys.
      const managed = plist.build(payload as plist.PlistObject);
      const loaded = readMachinePolicy({ platform: 'darwin', env: {}, readText: () => null, readPlist: (f) => (expect(f).toBe(MANAGED_PREFERENCES_FILE), plist.parse(managed)) });
      expect(loaded, JSON.stringify(sample)).toMatchObject({ kind: 'ok', policy: sample, ignoredKeys: [] });
    }
  });
});

describe('the policy file', () => {
  it('is read from its documented place on Linux, and the example is a valid policy', () => {
    const text = `${JSON.stringify(EXAMPLE_POLICY, null, 2)}\n`;
    const loaded = readMachinePolicy({ platform: 'linux', env: {}, readText: (f) => (f === '/etc/crisis-desk/policy.json' ? text : null) });
    expect(loaded).toMatchObject({ kind: 'ok', file: '/etc/crisis-desk/policy.json', policy: EXAMPLE_POLICY });
  });
});
