/*
 * Packaging of the desktop app (electron-builder). `npm run dist` builds the app into dist/app
 * (scripts/build-desktop.ts --stage: the bundles, the screen, and the one native module) and
 * packages that; nothing else from node_modules ships.
 *
 * Signing (nothing secret is in this repository; certificates come from the build machine's
 * environment, see docs/desktop-packaging.md):
 *  - Windows: Authenticode, SHA-256, RFC 3161 timestamp. Either a certificate file
 *    (CSC_LINK / CSC_KEY_PASSWORD, or WIN_CSC_LINK / WIN_CSC_KEY_PASSWORD) or a certificate in the
 *    machine's store or an HSM/EV token chosen by CRISIS_DESK_WIN_CERT_SUBJECT.
 *  - macOS: Developer ID Application certificate (CSC_LINK / CSC_KEY_PASSWORD or the keychain),
 *    hardened runtime, notarised with an App Store Connect API key (APPLE_API_KEY,
 *    APPLE_API_KEY_ID, APPLE_API_ISSUER) or an Apple ID (APPLE_ID, APPLE_APP_SPECIFIC_PASSWORD,
 *    APPLE_TEAM_ID).
 *  - CRISIS_DESK_RELEASE=1 makes an unsigned build fail instead of producing an unsigned installer.
 */
import type { Configuration } from 'electron-builder';

const release = process.env.CRISIS_DESK_RELEASE === '1';
const winCertSubject = process.env.CRISIS_DESK_WIN_CERT_SUBJECT;

const nativeModule = (prebuild: string) => [
  'node_modules/better-sqlite3-multiple-ciphers/package.json',
  'node_modules/better-sqlite3-multiple-ciphers/lib/**/*',
  `node_modules/better-sqlite3-multiple-ciphers/prebuilds/${prebuild}`,
];

const config: Configuration = {
  appId: 'org.crisisdesk.desk',
  productName: 'Crisis Desk',
  copyright: 'Crisis Desk contributors',
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
  // Updates come from the feed named in the machine policy (the trust's own server), not from here.
  publish: null,
  win: {
    target: [
      { target: 'nsis', arch: ['x64', 'arm64'] },
      { target: 'msi', arch: ['x64'] },
    ],
    files: nativeModule('win32-${arch}.node'),
    signtoolOptions: {
      signingHashAlgorithms: ['sha256'],
      rfc3161TimeStampServer: 'http://timestamp.digicert.com',
      ...(winCertSubject ? { certificateSubjectName: winCertSubject } : {}),
    },
    verifyUpdateCodeSignature: true,
    requestedExecutionLevel: 'asInvoker',
  },
  // Machine-wide installs for Intune / SCCM / Group Policy: silent, per machine, no choices.
  nsis: { oneClick: false, perMachine: true, allowElevation: true, allowToChangeInstallationDirectory: false, createDesktopShortcut: true, deleteAppDataOnUninstall: false },
  msi: { perMachine: true, oneClick: true, runAfterFinish: false },
  mac: {
    target: [
      { target: 'dmg', arch: ['universal'] },
      { target: 'pkg', arch: ['universal'] },
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
    target: ['AppImage', 'deb'],
    files: nativeModule('linux-${arch}.node'),
    category: 'Office',
    maintainer: 'Crisis Desk',
  },
};

export default config;
