import path from 'node:path';
import { app, net } from 'electron';
import type { EffectiveSettings } from './policy';
import { UpdateController, type DeskActivity } from './updater';
import { readTextIfExists } from '../node/durable-file';

/*
 * The desk's updates in main: electron-updater for this package (NSIS on Windows, deb, macOS zip),
 * in packaged builds with a server only, driven by UpdateController (the rules, tested alone). It
 * also keeps what the screen last said it is doing, so that an update never lands mid-call.
 */

export interface DeskUpdatesDeps {
  settings: EffectiveSettings;
  policyHash: string;
  deskId(): string | null;
  accessToken(): Promise<string | null>;
  locked(): boolean;
  idleSeconds(): number;
  lastSyncAt(): string | null;
  /** The update's state changed (the menu shows "Restart to update"). */
  onState(): void;
}

export class DeskUpdates {
  private controller: UpdateController | null = null;
  private activity: DeskActivity = { callOpen: false, savePending: false };

  constructor(private readonly deps: DeskUpdatesDeps) {}

  /** Starts the updater where this build has one; nothing in development builds or without a server. */
  async start(): Promise<void> {
    const { settings } = this.deps;
    if (!app.isPackaged || !settings.serverUrl) return;
    const { NsisUpdater, DebUpdater, MacUpdater } = await import('electron-updater');
    const packageType = readTextIfExists(path.join(process.resourcesPath, 'package-type'))?.trim();
    const updater = process.platform === 'win32' ? new NsisUpdater() : process.platform === 'darwin' ? new MacUpdater() : packageType === 'deb' ? new DebUpdater() : null;
    if (!updater) return;
    this.controller = new UpdateController({
      updater,
      serverUrl: settings.serverUrl,
      mode: settings.updates.mode,
      ring: settings.updates.ring,
      pinVersion: settings.updates.pinVersion,
      currentVersion: app.getVersion(),
      platform: process.platform === 'win32' ? 'win32' : process.platform === 'darwin' ? 'darwin' : 'linux',
      arch: process.arch === 'arm64' ? 'arm64' : 'x64',
      policyHash: this.deps.policyHash,
      deskId: this.deps.deskId,
      accessToken: this.deps.accessToken,
      activity: () => this.activity,
      // Five minutes without input counts as idle, as a locked desk does.
      idle: () => this.deps.locked() || this.deps.idleSeconds() >= 300,
      lastSyncAt: this.deps.lastSyncAt,
      fetch: (input, init) => net.fetch(input instanceof URL ? input.toString() : input, init),
      onState: this.deps.onState,
      log: { info: (m) => console.log(m), warn: (m) => console.warn(m) },
    });
    if (this.deps.deskId()) this.controller.start();
  }

  /** The core is ready (the desk's id is known): checks may begin. */
  coreReady(): void {
    this.controller?.start();
  }

  /** Someone signed in: the feed needs a signed-in desk, so look now. */
  check(): void {
    void this.controller?.check();
  }

  /** What the screen says it is doing (a call open, a save pending). */
  activityChanged(activity: DeskActivity): void {
    this.activity = activity;
    this.controller?.activityChanged();
  }

  /** The version ready to install, for the menu; null when none. */
  readyVersion(): string | null {
    const u = this.controller?.current;
    return u && (u.status === 'ready' || u.status === 'waiting') ? u.version : null;
  }

  installNow(): ReturnType<UpdateController['installNow']> | undefined {
    return this.controller?.installNow();
  }

  stop(): void {
    this.controller?.stop();
  }

  /** One line for the About box. */
  summary(): string {
    const u = this.controller?.current;
    if (!u) return app.isPackaged ? 'no updater for this package type' : 'development build: no updates';
    if (u.status === 'off') return u.why;
    if (u.status === 'refused' || u.status === 'failed') return u.message;
    if (u.status === 'waiting') return u.why;
    return 'version' in u ? `${u.status} ${u.version}` : u.status;
  }
}
