/*
 * The packaging configuration checked offline (the Electron binary cannot be fetched here, so no
 * package is built): electron-builder loads build/electron-builder.config.ts exactly as `npm run
 * dist` would and validates it against its own schema; then the security settings are asserted.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';
import { DebugLogger } from 'builder-util';
import type { Configuration } from 'electron-builder';
import { MachinePolicy } from '../electron/main/policy';
import { POLICY_SCHEMA_FILE, policySchemaText } from './policy-schema';

const root = path.resolve(import.meta.dirname, '..');
const CONFIG = path.join(root, 'build', 'electron-builder.config.ts');

/** The configuration as written, after electron-builder has loaded and validated it. */
async function load(): Promise<Configuration> {
  const loaded = await getConfig(root, CONFIG, null);
  await validateConfiguration(loaded, new DebugLogger(false));
  return ((await import(CONFIG)) as { default: Configuration }).default;
}

describe('the packaging configuration', () => {
  it('is one electron-builder accepts (its own loader and schema)', async () => {
    const config = await load();
    expect(config.productName).toBe('Crisis Desk');
    expect(config.directories?.app).toBe('dist/app');
  });

  it('sets every fuse: no RunAsNode, NODE_OPTIONS or inspect, ASAR integrity, only the ASAR, cookie encryption', async () => {
    const { electronFuses } = await load();
    expect(electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('ships an ASAR with only the native module unpacked, and nothing compiled', async () => {
    const config = await load();
    expect(config.asar).toBe(true);
    expect(config.asarUnpack).toEqual(['**/*.node']);
    expect(config.npmRebuild).toBe(false);
    expect(config.files).toEqual(expect.arrayContaining(['dist/desktop/**/*', 'dist/renderer/**/*', '!**/*.map']));
    expect(config.publish).toBeNull();
    // electron-builder lays out the unpacked apps; scripts/release/ builds the installers from them.
    expect(config.win?.target).toEqual([{ target: 'dir', arch: ['x64'] }]);
    expect(config.linux?.target).toEqual([{ target: 'dir', arch: ['x64'] }]);
  });

  it('signs: Windows every exe, dll and .node with osslsigncode, macOS hardened and notarised with minimal entitlements', async () => {
    const config = await load();
    const sign = config.win?.signtoolOptions;
    expect(sign?.signingHashAlgorithms).toEqual(['sha256']);
    expect(typeof sign?.sign).toBe('function');
    expect(config.win?.signExts).toEqual(['.dll', '.node']);
    expect(config.win?.verifyUpdateCodeSignature).toBe(true);
    expect(config.mac).toMatchObject({ hardenedRuntime: true, notarize: true, entitlements: 'build/entitlements.mac.plist' });
    const plist = readFileSync(path.join(root, 'build', 'entitlements.mac.plist'), 'utf8');
    const granted = [...plist.matchAll(/<key>([^<]+)<\/key>\s*<true\/>/g)].map((m) => m[1]);
    expect(granted).toEqual(['com.apple.security.cs.allow-jit']);
    expect(config.mac?.target).toEqual([
      { target: 'dmg', arch: ['universal'] },
      { target: 'zip', arch: ['universal'] },
    ]);
    expect(config.mac?.gatekeeperAssess).toBe(false);
  });

  it('makes an unsigned release build fail', async () => {
    process.env.CRISIS_DESK_RELEASE = '1';
    try {
      const config = (await import(`${CONFIG}?release`)) as { default: Configuration };
      expect(config.default.forceCodeSigning).toBe(true);
    } finally {
      delete process.env.CRISIS_DESK_RELEASE;
    }
  });

  it('holds no secret: certificates and passwords come from the environment', () => {
    for (const name of readdirSync(path.join(root, 'build'))) {
      const text = readFileSync(path.join(root, 'build', name), 'utf8');
      expect(text, name).not.toMatch(/-----BEGIN|password\s*[:=]\s*['"][^'"]+['"]|cscKeyPassword|certificatePassword|appleIdPassword|apiKey\s*:/i);
    }
    expect(readdirSync(path.join(root, 'build')).filter((f) => /\.(p12|pfx|pem|key|cer|p8)$/i.test(f))).toEqual([]);
  });

  it('points package.json main at the built main bundle', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { main: string; scripts: Record<string, string> };
    expect(pkg.main).toBe('dist/desktop/main.mjs');
    expect(pkg.scripts['build:desktop']).toBeDefined();
    expect(pkg.scripts.dist).toBe('tsx scripts/release/dist.ts');
    expect(pkg.scripts.test).toContain('test:electronegativity');
    expect(pkg.scripts.test).toContain('test:packaging');
  });
});

describe('the policy JSON Schema for IT', () => {
  it('is current with the schema the app validates with', () => {
    expect(existsSync(POLICY_SCHEMA_FILE)).toBe(true);
    expect(readFileSync(POLICY_SCHEMA_FILE, 'utf8')).toBe(policySchemaText());
  });

  it('agrees with the app on good and bad files', () => {
    const validate = new Ajv2020({ strict: false }).compile(JSON.parse(readFileSync(POLICY_SCHEMA_FILE, 'utf8')) as object);
    const cases: unknown[] = [
      { serverUrl: 'https://crisis-desk.trust.nhs.uk', idleLockMinutes: 5, contentProtection: true, trust: { id: 'RRP' } },
      { idleLockMinutes: 60 },
      { serverUrl: 'http://crisis-desk.trust.nhs.uk' },
      { allowDevTools: 'yes' },
      { updates: { ring: 'nightly' } },
      { updates: { mode: 'automatic', ring: 'pilot', pinVersion: '1.2.3' } },
      { updates: { pinVersion: 'v1' } },
      { trust: {} },
    ];
    for (const c of cases) expect(validate(c), JSON.stringify(c)).toBe(MachinePolicy.safeParse(c).success);
  });
});
