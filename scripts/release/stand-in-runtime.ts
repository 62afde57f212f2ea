/*
 * A stand-in for the Electron runtime, for machines without the real release archives in the
 * Electron cache (these machines: the archives cannot be downloaded here). It lets the whole
 * release pipeline run — packaging, fuses, Authenticode signing, installers, checksums, SBOM — on
 * executables with the same shape as Electron's where the pipeline looks at them:
 *  - Windows: `electron.exe` and `ffmpeg.dll`, real PE32+ x64 images (with a VERSIONINFO resource
 *    that electron-builder edits and Authenticode can sign) whose entry point only returns;
 *  - Linux: `electron`, a real ELF64 x86-64 program that prints that it is a stand-in and exits 3;
 *  - each carries Electron's fuse sentinel and a fuse wire with Electron 45's defaults, so that
 *    @electron/fuses flips and reads it exactly as it does in the real binary.
 * Nothing here is Electron: an artefact built on it says so in its file name and metadata and is
 * refused for publishing (scripts/release/dist.ts, the server's release upload).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import plist from 'plist';
import * as ResEdit from 'resedit';

/** Written into every stand-in binary and into the metadata of anything built on one. */
export const STAND_IN_MARKER = 'CRISIS-DESK-STAND-IN-RUNTIME: not Electron, never publishable';
export const STAND_IN_NOTICE_FILE = 'STAND-IN-RUNTIME.txt';

/** Electron's fuse sentinel (@electron/fuses constants) and the v1 wire of Electron 45 as shipped. */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/**
 * RunAsNode on, cookie encryption off, NODE_OPTIONS on, --inspect on, ASAR integrity off, only
 * ASAR off, browser V8 snapshot off, file:// privileges on, WASM trap handlers on: Electron's defaults.
 */
const ELECTRON_DEFAULT_FUSES = '101100011';

function fuseWire(): Buffer {
  return Buffer.concat([Buffer.from(FUSE_SENTINEL, 'ascii'), Buffer.from([1, ELECTRON_DEFAULT_FUSES.length]), Buffer.from(ELECTRON_DEFAULT_FUSES, 'ascii')]);
}

const align = (n: number, to: number) => Math.ceil(n / to) * to;

/**
 * A minimal PE32+ (x64) image: headers and one section holding the entry point (which returns
 * `exitCode`, or TRUE for a DLL's DllMain), the marker and the fuse wire; then a VERSIONINFO
 * resource added with resedit, as electron-builder's resource editing and ASAR-integrity step expect.
 */
export function standInPe(kind: 'exe' | 'dll', description: string, version: string): Buffer {
  const code = Buffer.from([0xb8, kind === 'exe' ? 3 : 1, 0, 0, 0, 0xc3]); // mov eax, imm32; ret
  const payload = Buffer.concat([code, Buffer.alloc(10), Buffer.from(`${STAND_IN_MARKER}\0`, 'ascii'), fuseWire(), Buffer.alloc(1)]);
  const fileAlign = 0x200;
  const sectionAlign = 0x1000;
  const rawSize = align(payload.length, fileAlign);
  const image = Buffer.alloc(fileAlign + rawSize);
  // DOS header: MZ and the offset of the PE header.
  image.write('MZ', 0, 'ascii');
  image.writeUInt32LE(0x40, 0x3c);
  let o = 0x40;
  image.write('PE\0\0', o, 'ascii');
  o += 4;
  // COFF header
  image.writeUInt16LE(0x8664, o); // AMD64
  image.writeUInt16LE(1, o + 2); // sections
  image.writeUInt32LE(0, o + 4); // no timestamp: the same bytes on every build
  image.writeUInt16LE(240, o + 16); // optional header size
  image.writeUInt16LE(kind === 'exe' ? 0x0023 : 0x2022, o + 18); // executable, large address aware (+ relocs stripped / DLL)
  o += 20;
  // Optional header (PE32+)
  const opt = o;
  image.writeUInt16LE(0x20b, opt);
  image.writeUInt8(14, opt + 2);
  image.writeUInt32LE(rawSize, opt + 4); // size of code
  image.writeUInt32LE(sectionAlign, opt + 16); // entry point
  image.writeUInt32LE(sectionAlign, opt + 20); // base of code
  image.writeBigUInt64LE(kind === 'exe' ? 0x140000000n : 0x180000000n, opt + 24);
  image.writeUInt32LE(sectionAlign, opt + 32);
  image.writeUInt32LE(fileAlign, opt + 36);
  image.writeUInt16LE(6, opt + 40); // OS version 6.0
  image.writeUInt16LE(6, opt + 48); // subsystem version 6.0
  image.writeUInt32LE(sectionAlign + align(payload.length, sectionAlign), opt + 56); // size of image
  image.writeUInt32LE(fileAlign, opt + 60); // size of headers
  image.writeUInt16LE(2, opt + 68); // Windows GUI
  image.writeUInt16LE(0x8100, opt + 70); // NX compatible, terminal server aware
  image.writeBigUInt64LE(0x100000n, opt + 72);
  image.writeBigUInt64LE(0x1000n, opt + 80);
  image.writeBigUInt64LE(0x100000n, opt + 88);
  image.writeBigUInt64LE(0x1000n, opt + 96);
  image.writeUInt32LE(16, opt + 108); // data directories
  o = opt + 240;
  // The one section
  image.write('.text', o, 'ascii');
  image.writeUInt32LE(payload.length, o + 8);
  image.writeUInt32LE(sectionAlign, o + 12);
  image.writeUInt32LE(rawSize, o + 16);
  image.writeUInt32LE(fileAlign, o + 20);
  image.writeUInt32LE(0x60000060, o + 36); // code, initialised data, execute, read
  payload.copy(image, fileAlign);

  const exe = ResEdit.NtExecutable.from(image);
  const res = ResEdit.NtExecutableResource.from(exe);
  const vi = ResEdit.Resource.VersionInfo.createEmpty();
  const lang = { lang: 1033, codepage: 1200 };
  const [major = 0, minor = 0, patch = 0] = version.split('.').map((n) => Number.parseInt(n, 10) || 0);
  vi.setFileVersion(major, minor, patch, 0, 1033);
  vi.setProductVersion(major, minor, patch, 0, 1033);
  vi.setStringValues(lang, { FileDescription: description, ProductName: 'Crisis Desk stand-in runtime (not Electron)', Comments: STAND_IN_MARKER, FileVersion: version, ProductVersion: version, OriginalFilename: kind === 'exe' ? 'electron.exe' : 'ffmpeg.dll' });
  vi.outputToResourceEntries(res.entries);
  res.outputResource(exe);
  return Buffer.from(exe.generate());
}

const infoPlist = (name: string, id: string, executable: string, version: string) => plist.build({
  CFBundleDisplayName: name,
  CFBundleExecutable: executable,
  CFBundleIdentifier: id,
  CFBundleName: name,
  CFBundlePackageType: 'APPL',
  CFBundleShortVersionString: version,
  CFBundleVersion: version,
  LSMinimumSystemVersion: '11.0',
  NSPrincipalClass: 'AtomApplication',
  CrisisDeskStandIn: STAND_IN_MARKER,
});

/**
 * Electron.app as electron-builder expects to find it for macOS: the app's and the helpers'
 * Info.plist and executables (scripts that say what they are: nothing here is Mach-O), and
 * `Electron Framework`, the file that carries the fuse wire on macOS.
 */
function writeStandInMacApp(app: string, version: string): void {
  const contents = path.join(app, 'Contents');
  const say = `#!/bin/sh\necho '${STAND_IN_MARKER}' >&2\nexit 3\n`;
  mkdirSync(path.join(contents, 'MacOS'), { recursive: true });
  mkdirSync(path.join(contents, 'Resources'), { recursive: true });
  writeFileSync(path.join(contents, 'Info.plist'), infoPlist('Electron', 'com.github.Electron', 'Electron', version));
  writeFileSync(path.join(contents, 'MacOS', 'Electron'), say, { mode: 0o755 });
  const framework = path.join(contents, 'Frameworks', 'Electron Framework.framework');
  mkdirSync(framework, { recursive: true });
  writeFileSync(path.join(framework, 'Electron Framework'), Buffer.concat([Buffer.from(`${STAND_IN_MARKER}\0`), fuseWire(), Buffer.alloc(1)]));
  for (const suffix of ['', ' (Renderer)', ' (GPU)', ' (Plugin)']) {
    const helper = path.join(contents, 'Frameworks', `Electron Helper${suffix}.app`, 'Contents');
    mkdirSync(path.join(helper, 'MacOS'), { recursive: true });
    writeFileSync(path.join(helper, 'Info.plist'), infoPlist(`Electron Helper${suffix}`, `com.github.Electron.helper${suffix ? `.${suffix.slice(2, -1).toLowerCase()}` : ''}`, `Electron Helper${suffix}`, version));
    writeFileSync(path.join(helper, 'MacOS', `Electron Helper${suffix}`), say, { mode: 0o755 });
  }
}

/** A minimal ELF64 x86-64 program: writes why it cannot run to stderr and exits 3. */
export function standInElf(): Buffer {
  const message = Buffer.from(`Crisis Desk: this build runs on a stand-in for the Electron runtime (${STAND_IN_MARKER}). Install a release built with the real Electron.\n`, 'ascii');
  const head = 64 + 56;
  const base = 0x400000;
  const code = Buffer.from([
    0xb8, 1, 0, 0, 0, // mov eax, 1 (write)
    0xbf, 2, 0, 0, 0, // mov edi, 2 (stderr)
    0x48, 0x8d, 0x35, 19, 0, 0, 0, // lea rsi, [rip + 19] (the message, after the code)
    0xba, ...u32(message.length), // mov edx, length
    0x0f, 0x05, // syscall
    0xb8, 60, 0, 0, 0, // mov eax, 60 (exit)
    0xbf, 3, 0, 0, 0, // mov edi, 3
    0x0f, 0x05, // syscall
  ]);
  const body = Buffer.concat([code, message, fuseWire(), Buffer.alloc(1)]);
  const file = Buffer.alloc(head + body.length);
  file.write('\x7fELF', 0, 'latin1');
  file[4] = 2; // 64-bit
  file[5] = 1; // little-endian
  file[6] = 1; // version
  file.writeUInt16LE(2, 16); // executable
  file.writeUInt16LE(0x3e, 18); // x86-64
  file.writeUInt32LE(1, 20);
  file.writeBigUInt64LE(BigInt(base + head), 24); // entry
  file.writeBigUInt64LE(64n, 32); // program headers
  file.writeUInt16LE(64, 52);
  file.writeUInt16LE(56, 54);
  file.writeUInt16LE(1, 56);
  // PT_LOAD of the whole file, read + execute
  file.writeUInt32LE(1, 64);
  file.writeUInt32LE(5, 68);
  file.writeBigUInt64LE(0n, 72);
  file.writeBigUInt64LE(BigInt(base), 80);
  file.writeBigUInt64LE(BigInt(base), 88);
  file.writeBigUInt64LE(BigInt(file.length), 96);
  file.writeBigUInt64LE(BigInt(file.length), 104);
  file.writeBigUInt64LE(0x1000n, 112);
  body.copy(file, head);
  return file;
}

function u32(n: number): number[] {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return [...b];
}

export type RuntimePlatform = 'win32' | 'linux' | 'darwin';

/**
 * Lays out a stand-in runtime folder as electron-builder expects an unpacked Electron (its
 * `electronDist`): the executable, a DLL on Windows, `version`, an empty `resources/`, a notice.
 */
export function writeStandInRuntime(dir: string, platform: RuntimePlatform, electronVersion: string): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'resources'), { recursive: true });
  if (platform === 'win32') {
    writeFileSync(path.join(dir, 'electron.exe'), standInPe('exe', 'Crisis Desk stand-in runtime', electronVersion));
    writeFileSync(path.join(dir, 'ffmpeg.dll'), standInPe('dll', 'Crisis Desk stand-in runtime library', electronVersion));
  } else if (platform === 'darwin') {
    writeStandInMacApp(path.join(dir, 'Electron.app'), electronVersion);
  } else {
    writeFileSync(path.join(dir, 'electron'), standInElf(), { mode: 0o755 });
  }
  writeFileSync(path.join(dir, 'version'), electronVersion);
  writeFileSync(
    path.join(dir, STAND_IN_NOTICE_FILE),
    `${STAND_IN_MARKER}\n\nThis folder stands in for Electron ${electronVersion} (${platform}) because its release archive was not in the Electron cache.\nPackages built on it exercise the release pipeline only: they do not run Crisis Desk and must never be published.\n`,
  );
  return dir;
}
