import { describe, expect, it } from 'vitest';
import { DEFAULT_IDLE_LOCK_MINUTES, effectiveSettings, loadPolicy, parseUserSettings, policyFile, type MachinePolicy } from './policy';

const FILE = '/etc/crisis-desk/policy.json';
const load = (text: string | null) => loadPolicy(FILE, () => text);
const ok = (text: string) => {
  const r = load(text);
  if (r.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(r)}`);
  return r;
};

describe('the policy file', () => {
  it('lives in the machine-wide place of each platform', () => {
    expect(policyFile('win32', { ProgramData: 'D:\\ProgramData' })).toBe('D:\\ProgramData\\CrisisDesk\\policy.json');
    expect(policyFile('win32', {})).toBe('C:\\ProgramData\\CrisisDesk\\policy.json');
    expect(policyFile('darwin', {})).toBe('/Library/Application Support/CrisisDesk/policy.json');
    expect(policyFile('linux', {})).toBe('/etc/crisis-desk/policy.json');
  });

  it('is optional', () => {
    expect(load(null)).toEqual({ kind: 'none', file: FILE });
  });

  it('accepts every field it knows', () => {
    const r = ok(
      JSON.stringify({
        serverUrl: 'https://crisis-desk.trust.nhs.uk',
        trust: { id: 'RRP' },
        idleLockMinutes: 5,
        updates: { mode: 'automatic', ring: 'pilot', pinVersion: '1.4.2' },
        allowDevTools: false,
        contentProtection: true,
      }),
    );
    expect(r.policy).toMatchObject({ serverUrl: 'https://crisis-desk.trust.nhs.uk', idleLockMinutes: 5, contentProtection: true });
    expect(r.ignoredKeys).toEqual([]);
  });

  it('logs and ignores keys it does not know, at any level', () => {
    const r = ok('\uFEFF{"idleLockMinutes": 3, "autoUpdate": true, "updates": {"ring": "general", "mirror": "x"}, "trust": {"id": "RRP", "region": "London"}}');
    expect(r.ignoredKeys).toEqual(['autoUpdate', 'updates.mirror', 'trust.region']);
    expect(r.policy).toEqual({ idleLockMinutes: 3, updates: { ring: 'general' }, trust: { id: 'RRP' } });
  });

  it('fails closed, saying why, on a file that cannot be read, is not JSON or breaks a rule', () => {
    const cases: [string | (() => never), RegExp][] = [
      [() => { throw Object.assign(new Error('denied'), { code: 'EACCES' }); }, /cannot be read \(EACCES\)/],
      ['{ idleLockMinutes: 5 }', /not valid JSON/],
      ['[1,2]', /must be a JSON object/],
      ['"text"', /must be a JSON object/],
      ['{"idleLockMinutes": 60}', /idleLockMinutes/],
      ['{"idleLockMinutes": 0}', /idleLockMinutes/],
      ['{"idleLockMinutes": "5"}', /idleLockMinutes/],
      ['{"serverUrl": "http://crisis-desk.trust.nhs.uk"}', /serverUrl: must be an https/],
      ['{"serverUrl": "https://user:pw@crisis-desk.trust.nhs.uk"}', /serverUrl/],
      ['{"allowDevTools": "yes"}', /allowDevTools/],
      ['{"contentProtection": 1}', /contentProtection/],
      ['{"updates": {"ring": "nightly"}}', /updates.ring/],
      ['{"updates": {"mode": "sometimes"}}', /updates.mode/],
      ['{"updates": {"pinVersion": "latest"}}', /updates.pinVersion/],
      ['{"trust": {}}', /trust.id/],
    ];
    for (const [text, why] of cases) {
      const r = loadPolicy(FILE, typeof text === 'string' ? () => text : text);
      expect(r.kind, String(text)).toBe('invalid');
      if (r.kind !== 'invalid') continue;
      expect(r.message).toMatch(why);
      expect(r.message).toContain(FILE);
      expect(r.message).toMatch(/will not start.*IT/);
    }
  });
});

describe('policy and user settings together', () => {
  const packaged = { packaged: true };

  it('use safe defaults with neither', () => {
    const s = effectiveSettings(null, {}, packaged);
    expect(s).toMatchObject({ serverUrl: null, trust: null, idleLockMinutes: DEFAULT_IDLE_LOCK_MINUTES, contentProtection: false, devTools: false, updates: { mode: 'off', ring: 'general', pinVersion: null } });
  });

  it('let the policy beat the user, field by field', () => {
    const policy: MachinePolicy = { serverUrl: 'https://central.trust.nhs.uk', idleLockMinutes: 5, updates: { ring: 'pilot' } };
    const s = effectiveSettings(policy, { serverUrl: 'https://elsewhere.example', idleLockMinutes: 10 }, packaged);
    expect(s.serverUrl).toBe('https://central.trust.nhs.uk');
    expect(s.sources.serverUrl).toBe('policy');
    expect(s.idleLockMinutes).toBe(5);
    expect(s.updates).toEqual({ mode: 'notify', ring: 'pilot', pinVersion: null });
    expect(s.sources.updates).toBe('policy');
  });

  it('let a user be stricter than the policy, never looser', () => {
    expect(effectiveSettings({ idleLockMinutes: 10 }, { idleLockMinutes: 3 }, packaged).idleLockMinutes).toBe(3);
    expect(effectiveSettings({ idleLockMinutes: 10 }, { idleLockMinutes: 30 }, packaged).idleLockMinutes).toBe(10);
    expect(effectiveSettings(null, { idleLockMinutes: 600 }, packaged).idleLockMinutes).toBe(DEFAULT_IDLE_LOCK_MINUTES);
    expect(effectiveSettings({ contentProtection: true }, { contentProtection: false }, packaged).contentProtection).toBe(true);
    expect(effectiveSettings({ contentProtection: false }, { contentProtection: true }, packaged).contentProtection).toBe(true);
  });

  it('allow DevTools in a packaged build only through the policy', () => {
    expect(effectiveSettings(null, {}, packaged).devTools).toBe(false);
    expect(effectiveSettings({ allowDevTools: false }, {}, packaged).devTools).toBe(false);
    expect(effectiveSettings({ allowDevTools: true }, {}, packaged).devTools).toBe(true);
    expect(effectiveSettings(null, {}, { packaged: false }).devTools).toBe(true);
  });

  it('accept a user server only over https or to this machine (the demo)', () => {
    expect(effectiveSettings(null, { serverUrl: 'http://127.0.0.1:8787' }, packaged).serverUrl).toBe('http://127.0.0.1:8787');
    expect(effectiveSettings(null, { serverUrl: 'http://crisis-desk.example' }, packaged).serverUrl).toBeNull();
    expect(effectiveSettings(null, { serverUrl: 'https://crisis-desk.example' }, packaged).serverUrl).toBe('https://crisis-desk.example');
  });

  it('leave updates to IT: off without a server, notify by default, the policy’s mode, ring and pin otherwise', () => {
    expect(effectiveSettings(null, {}, packaged).updates.mode).toBe('off');
    expect(effectiveSettings(null, { serverUrl: 'https://crisis-desk.example' }, packaged).updates).toEqual({ mode: 'notify', ring: 'general', pinVersion: null });
    expect(effectiveSettings({ serverUrl: 'https://c.example', updates: { mode: 'off' } }, {}, packaged).updates.mode).toBe('off');
    expect(effectiveSettings({ serverUrl: 'https://c.example', updates: { mode: 'automatic', pinVersion: '2.1.0' } }, {}, packaged).updates).toEqual({ mode: 'automatic', ring: 'general', pinVersion: '2.1.0' });
  });

  it('name the trust claim to check', () => {
    expect(effectiveSettings({ trust: { id: 'RRP' } }, {}, packaged).trust).toEqual({ id: 'RRP', claim: 'trust_id' });
    expect(effectiveSettings({ trust: { id: 'RRP', claim: 'org' } }, {}, packaged).trust).toEqual({ id: 'RRP', claim: 'org' });
  });

  it('read user settings leniently: nonsense is ignored, the environment names the server', () => {
    expect(parseUserSettings('{not json', {})).toEqual({});
    expect(parseUserSettings('{"idleLockMinutes": "soon", "contentProtection": true, "updateMode": "off"}', {})).toEqual({ contentProtection: true });
    expect(parseUserSettings(null, { CRISIS_DESK_SERVER_URL: 'http://127.0.0.1:1' })).toEqual({ serverUrl: 'http://127.0.0.1:1' });
  });
});
