/*
 * The Linux deb, built with dpkg-deb from the unpacked app (electron-builder's deb target needs fpm,
 * which it downloads). Installs into /opt/crisis-desk with /usr/bin/crisis-desk and a desktop entry;
 * the machine policy goes in /etc/crisis-desk/policy.json (not shipped: IT's own file).
 *   sudo apt install ./crisis-desk_<version>_amd64.deb        install or upgrade
 *   sudo apt remove crisis-desk                               uninstall (users' data stays in ~/.config)
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const DEB_PACKAGE = 'crisis-desk';
export const DEB_INSTALL_DIR = '/opt/crisis-desk';

/** What Electron needs from a Debian or Ubuntu desktop (as electron-builder's deb target declares). */
const DEPENDS = ['libgtk-3-0 | libgtk-3-0t64', 'libnotify4', 'libnss3', 'libxss1', 'libxtst6', 'xdg-utils', 'libatspi2.0-0 | libatspi2.0-0t64', 'libuuid1', 'libsecret-1-0', 'libgbm1', 'libasound2 | libasound2t64'];

export interface DebInput {
  appDir: string;
  executableName: string;
  productName: string;
  maintainer: string;
  version: string;
  description: string;
  /** Extra lines for the long description (e.g. the stand-in runtime marker). */
  notes: string[];
  outFile: string;
  scratch: string;
}

/** Debian versions: the app's semver with '-' pre-releases as '~' so they sort before the release. */
export function debVersion(version: string): string {
  return version.replace(/-/, '~').replace(/[^A-Za-z0-9.+~]/g, '.');
}

export function controlFile(i: DebInput, installedKiB: number): string {
  const long = [i.description, ...i.notes].map((l) => ` ${l || '.'}`).join('\n');
  return `Package: ${DEB_PACKAGE}
Version: ${debVersion(i.version)}
Architecture: amd64
Maintainer: ${i.maintainer} <noreply@crisis-desk.invalid>
Installed-Size: ${installedKiB}
Depends: ${DEPENDS.join(', ')}
Section: misc
Priority: optional
Homepage: https://crisis-desk.invalid/
Description: ${i.productName}: crisis line directory and call records (offline first)
${long}
`;
}

function sizeKiB(dir: string): number {
  const r = spawnSync('du', ['-sk', dir], { encoding: 'utf8' });
  return Number.parseInt(r.stdout, 10) || 0;
}

export function buildDeb(i: DebInput): void {
  const root = path.join(i.scratch, 'deb-root');
  rmSync(root, { recursive: true, force: true });
  const opt = path.join(root, DEB_INSTALL_DIR.slice(1));
  mkdirSync(path.dirname(opt), { recursive: true });
  cpSync(i.appDir, opt, { recursive: true });
  // Chromium's setuid sandbox helper, when the runtime has one, must be root-owned 4755.
  const sandbox = path.join(opt, 'chrome-sandbox');
  if (existsSync(sandbox)) chmodSync(sandbox, 0o4755);
  mkdirSync(path.join(root, 'usr', 'bin'), { recursive: true });
  symlinkSync(`${DEB_INSTALL_DIR}/${i.executableName}`, path.join(root, 'usr', 'bin', i.executableName));
  mkdirSync(path.join(root, 'usr', 'share', 'applications'), { recursive: true });
  writeFileSync(
    path.join(root, 'usr', 'share', 'applications', `${DEB_PACKAGE}.desktop`),
    `[Desktop Entry]\nName=${i.productName}\nComment=Crisis line directory and call records\nExec=${DEB_INSTALL_DIR}/${i.executableName} %U\nTerminal=false\nType=Application\nCategories=Office;\nStartupWMClass=${i.productName}\n`,
  );
  const doc = path.join(root, 'usr', 'share', 'doc', DEB_PACKAGE);
  mkdirSync(doc, { recursive: true });
  writeFileSync(path.join(doc, 'README.Debian'), 'Machine policy: /etc/crisis-desk/policy.json (see docs/deployment.md). Each user’s data: ~/.config/Crisis Desk/desk (desk.db encrypted).\n');
  const debian = path.join(root, 'DEBIAN');
  mkdirSync(debian, { recursive: true });
  writeFileSync(path.join(debian, 'control'), controlFile(i, sizeKiB(root)));
  const r = spawnSync('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', root, i.outFile], { encoding: 'utf8' });
  if (r.error) throw new Error('dpkg-deb could not run: install Debian’s dpkg (scripts/system-packages.sh).');
  if (r.status !== 0) throw new Error(`dpkg-deb failed: ${r.stderr.trim()}`);
}

/** dpkg-deb's view of a package: its control fields, and the paths it installs. */
export function debContents(file: string): { control: Record<string, string>; paths: string[] } {
  const info = spawnSync('dpkg-deb', ['-f', file], { encoding: 'utf8' });
  const list = spawnSync('dpkg-deb', ['-c', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (info.status !== 0 || list.status !== 0) throw new Error(`dpkg-deb cannot read ${file}: ${info.stderr}${list.stderr}`);
  const control: Record<string, string> = {};
  let last = '';
  for (const line of info.stdout.split('\n')) {
    const m = /^([A-Za-z-]+):\s?(.*)$/.exec(line);
    if (m) control[(last = m[1]!)] = m[2]!;
    else if (last && line.startsWith(' ')) control[last] += `\n${line.slice(1)}`;
  }
  const paths = list.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.replace(/^\S+\s+\S+\s+\d+\s+\S+\s+\S+\s+/, '').replace(/ -> .*$/, '').replace(/^\.\//, '/'));
  return { control, paths };
}
