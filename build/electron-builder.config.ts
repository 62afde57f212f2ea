/*
 * Packaging of the desktop app (electron-builder). `npm run dist` (scripts/release/dist.ts) stages
 * the app in dist/app (the bundles, the screen, and the one native module: nothing else from
 * node_modules ships), then has electron-builder lay out the unpacked app for each platform
 * (ASAR with its integrity hash in the executable, fuses, version resources, every exe/dll/.node
 * signed), and builds the installers from those folders with Debian's tools (makensis, wixl,
 * dpkg-deb: scripts/release/), because electron-builder's own NSIS, WiX and fpm would be downloaded.
 *
 * Signing (nothing secret is in this repository; certificates come from the build machine's
 * environment, see docs/deployment.md):
 *  - Windows: Authenticode SHA-256 with osslsigncode (scripts/release/authenticode.ts): a PEM
 *    certificate and key, a .pfx (CRISIS_DESK_WIN_SIGN_PKCS12, WIN_CSC_LINK or CSC_LINK), or a
 *    PKCS#11 token; an RFC 3161 timestamp from CRISIS_DESK_TIMESTAMP_URL.
 *  - macOS (built on a Mac): Developer ID Application certificate (CSC_LINK / CSC_KEY_PASSWORD or
 *    the keychain), hardened runtime, notarised with an App Store Connect API key (APPLE_API_KEY,
 *    APPLE_API_KEY_ID, APPLE_API_ISSUER) or an Apple ID (APPLE_ID, APPLE_APP_SPECIFIC_PASSWORD,
 *    APPLE_TEAM_ID).
 *  - CRISIS_DESK_RELEASE=1 makes an unsigned build fail instead of producing unsigned packages.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Configuration } from 'electron-builder';
import { signFile, signingKeyFromEnv } from '../scripts/release/authenticode';

const release = process.env.CRISIS_DESK_RELEASE === '1';

export const APP_ID = 'org.crisisdesk.desk';
export const PRODUCT_NAME = 'Crisis Desk';
export const PUBLISHER = 'Crisis Desk contributors';

const nativeModule = (prebuild: string) => [
  'node_modules/better-sqlite3-multiple-ciphers/package.json',
  'node_modules/better-sqlite3-multiple-ciphers/lib/**/*',
  `node_modules/better-sqlite3-multiple-ciphers/prebuilds/${prebuild}`,
];

/** electron-builder calls this for each exe, dll and .node it lays out (win.signExts): osslsigncode, key from the environment. */
async function authenticodeSign(task: { path: string }): Promise<void> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'crisis-desk-key-'));
  try {
    const key = signingKeyFromEnv(process.env, scratch);
    if (!key) return;
    const timestampUrls = (process.env.CRISIS_DESK_TIMESTAMP_URL ?? '').split(/\s+/).filter(Boolean);
    signFile({ key, timestampUrls, description: PRODUCT_NAME, url: 'https://crisis-desk.invalid/' }, task.path);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** A fresh configuration: electron-builder rewrites its arrays in place, so each build needs its own. */
export function createConfig(): Configuration {
  return {
    appId: APP_ID,
    productName: PRODUCT_NAME,
    copyright: PUBLISHER,
    directories: { app: 'dist/app', output: 'out/desktop', buildResources: 'build' },
    files: ['package.json', 'dist/desktop/**/*', 'dist/renderer/**/*', '!**/*.map'],
    extraResources: [{ from: 'data/geo', to: 'geo', filter: ['*.csv'] }],
    asar: true,
    // The native SQLite module must be a real file to be loaded; everything else stays in the (integrity-checked) archive.
    asarUnpack: ['**/*.node'],
    // better-sqlite3-multiple-ciphers ships Node-API prebuilds that Electron loads as they are: nothing is compiled.
    npmRebuild: false,
    buildDependenciesFromSource: false,
    forceCodeSigning: release,
    electronFuses: {
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    },
    // Updates come from the trust's own central API (electron/main/updater.ts), not from a publisher here.
    publish: null,
    win: {
      // The installers (NSIS per machine, MSI) are built from this folder by scripts/release/.
      target: [{ target: 'dir', arch: ['x64'] }],
      files: nativeModule('win32-${arch}.node'),
      signExts: ['.dll', '.node'],
      signtoolOptions: {
        signingHashAlgorithms: ['sha256'],
        // osslsigncode with the key from the environment; the timestamp authority is CRISIS_DESK_TIMESTAMP_URL.
        sign: authenticodeSign,
      },
      verifyUpdateCodeSignature: true,
      requestedExecutionLevel: 'asInvoker',
    },
    mac: {
      target: [
        { target: 'dmg', arch: ['universal'] },
        { target: 'zip', arch: ['universal'] },
      ],
      // A universal build carries both slices of the SQLite module; each is single-architecture.
      files: nativeModule('darwin-*.node'),
      category: 'public.app-category.medical',
      hardenedRuntime: true,
      gatekeeperAssess: false,
      entitlements: 'build/entitlements.mac.plist',
      entitlementsInherit: 'build/entitlements.mac.plist',
      notarize: true,
      x64ArchFiles: '**/prebuilds/darwin-*.node',
    },
    linux: {
      // The deb is built from this folder by scripts/release/deb.ts.
      target: [{ target: 'dir', arch: ['x64'] }],
      executableName: 'crisis-desk',
      files: nativeModule('linux-${arch}.node'),
      category: 'Office',
      maintainer: PUBLISHER,
    },
  };
}

export default createConfig();
