import semver from 'semver';
import type { AppUpdater, UpdateDownloadedEvent, UpdateInfo } from 'electron-updater';
import { UPDATE_FEED_PATH, UPDATE_HEADERS, type DeskReport } from '../../shared/updates/protocol';

/*
 * Updates under IT's control. electron-updater fetches and verifies; this decides.
 *  - The feed is the trust's own central API (serverUrl + /v1/updates/), which answers for this
 *    desk's ring and pin; the desk checks the pin again itself and never downgrades.
 *  - mode off: nothing is asked. notify: a verified update is downloaded and the clinician told;
 *    it installs when they choose (never with a call open) or at the next quit. automatic: as
 *    notify, and it restarts into the update by itself once no call record is open, no save is
 *    pending and the desk is idle or locked.
 *  - Downloads are verified by electron-updater: the sha512 the server published for the file and,
 *    on Windows, the Authenticode signature against the publisher in app-update.yml (written at
 *    packaging from the signing certificate). A refusal is kept and shown with what IT can do.
 *  - After each check the desk reports its version, ring, policy hash and last sync for the fleet view.
 * Electron itself stays behind electron-updater's own boundary (its app adapter and HTTP
 * executor), so tests run this against the real server with those two replaced.
 */

export type UpdateMode = 'off' | 'notify' | 'automatic';

export type UpdateState =
  | { status: 'off'; why: string }
  | { status: 'idle' }
  | { status: 'checking' }
  | { status: 'up-to-date'; checkedAt: string }
  | { status: 'downloading'; version: string; percent: number }
  | { status: 'ready'; version: string }
  | { status: 'waiting'; version: string; why: string }
  | { status: 'installing'; version: string }
  | { status: 'refused'; version: string | null; message: string }
  | { status: 'failed'; message: string };

export interface DeskActivity {
  /** A call record is open on the screen. */
  callOpen: boolean;
  /** Typing not yet saved, or a save on its way. */
  savePending: boolean;
}

export interface UpdateControllerOptions {
  updater: AppUpdater;
  serverUrl: string | null;
  mode: UpdateMode;
  ring: 'pilot' | 'general';
  pinVersion: string | null;
  currentVersion: string;
  platform: 'win32' | 'linux' | 'darwin';
  arch: 'x64' | 'arm64' | 'universal';
  policyHash: string;
  /** The desk's id (the core's clientId) once the core has started. */
  deskId: () => string | null;
  /** A current access token, or null when nobody is signed in (then nothing is asked). */
  accessToken: () => Promise<string | null>;
  activity: () => DeskActivity;
  /** The desk is idle (no input for a while) or locked: a good moment for an automatic restart. */
  idle: () => boolean;
  lastSyncAt: () => string | null;
  /** Sends the fleet report (Electron's net.fetch in the app, so the system proxy applies). */
  fetch: typeof fetch;
  onState?: (state: UpdateState) => void;
  log?: { info(message: string): void; warn(message: string): void };
}

/** How often a desk asks: often enough that a security fix lands the same day, rarely enough to cost nothing. */
export const CHECK_EVERY_MS = 4 * 3600_000;
/** How often a waiting update looks again for a safe moment to restart. */
export const WAIT_RECHECK_MS = 60_000;

/** A refusal or failure in words IT can act on, from electron-updater's error. */
export function explainUpdateError(e: unknown, version: string | null): { refused: boolean; message: string } {
  const err = e as { code?: string; message?: string; statusCode?: number };
  const v = version ? ` ${version}` : '';
  if (err.code === 'ERR_CHECKSUM_MISMATCH') {
    return {
      refused: true,
      message: `The update${v} was downloaded but does not match the sha512 the server published for it: it was damaged or changed on the way (a proxy, the server's storage). It was not installed. IT: check the file on the server against the release's SHA256SUMS and upload it again; check proxies that rewrite downloads.`,
    };
  }
  if (err.code === 'ERR_UPDATER_INVALID_SIGNATURE') {
    return {
      refused: true,
      message: `The update${v} is not signed by this app's publisher, so it was not installed (${(err.message ?? '').replace(/^New version [^ ]+ is not signed by the application owner: /, '')}). IT: publish only installers signed with the trust's code-signing certificate (osslsigncode verify, or Get-AuthenticodeSignature).`,
    };
  }
  if (/status code 40[13]|401|403/.test(err.message ?? '')) return { refused: false, message: 'The update server refused this desk’s sign-in; it will try again after the next sign-in.' };
  return { refused: false, message: `Checking for updates failed: ${(err.message ?? String(e)).split('\n')[0]?.slice(0, 300)}. It will try again later.` };
}

const isNoUpdate = (e: unknown) => {
  const err = e as { code?: string; message?: string };
  // The server answers 404 no_update when nothing is offered to this desk.
  return err.code === 'ERR_UPDATER_CHANNEL_FILE_NOT_FOUND';
};

export class UpdateController {
  private state: UpdateState = { status: 'idle' };
  private timer: ReturnType<typeof setInterval> | null = null;
  private waitTimer: ReturnType<typeof setInterval> | null = null;
  private downloaded: string | null = null;
  private busy: Promise<void> | null = null;

  constructor(private readonly o: UpdateControllerOptions) {
    const u = o.updater;
    u.autoDownload = false;
    u.allowDowngrade = false;
    // The server decides which pre-releases a desk sees (a pilot's release candidate).
    u.allowPrerelease = true;
    u.autoInstallOnAppQuit = o.mode !== 'off';
    u.disableWebInstaller = true;
    u.disableDifferentialDownload = true;
    u.forceDevUpdateConfig = false;
    if (o.log) u.logger = { info: (m: unknown) => o.log!.info(String(m)), warn: (m: unknown) => o.log!.warn(String(m)), error: (m: unknown) => o.log!.warn(String(m)), debug: () => {} };
    if (!o.serverUrl) {
      this.set({ status: 'off', why: 'No server is set, so there is no update feed.' });
      return;
    }
    // Off still reports to the fleet view; it only never asks for or installs an update.
    if (o.mode === 'off') {
      this.set({ status: 'off', why: 'Updates are turned off by machine policy: IT installs new versions.' });
      return;
    }
    u.setFeedURL({ provider: 'generic', url: new URL(UPDATE_FEED_PATH, o.serverUrl).toString(), useMultipleRangeRequest: false });
    u.on('download-progress', (p: { percent: number }) => {
      if (this.state.status === 'downloading') this.set({ ...this.state, percent: Math.round(p.percent) });
    });
  }

  get current(): UpdateState {
    return this.state;
  }

  private set(state: UpdateState): void {
    this.state = state;
    this.o.onState?.(state);
  }

  /** Checks (or, with updates off, only reports) now and then every CHECK_EVERY_MS. */
  start(): void {
    if (!this.o.serverUrl || this.timer) return;
    void this.check();
    this.timer = setInterval(() => void this.check(), CHECK_EVERY_MS);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.waitTimer) clearInterval(this.waitTimer);
    this.timer = this.waitTimer = null;
  }

  /** One check (and download, and maybe install); concurrent calls share it. */
  check(): Promise<void> {
    if (!this.o.serverUrl) return Promise.resolve();
    if (this.o.mode === 'off') return this.report().catch((e: Error) => this.o.log?.warn(`update: could not report to the fleet view (${e.message})`));
    return (this.busy ??= this.checkOnce().finally(() => (this.busy = null)));
  }

  private async checkOnce(): Promise<void> {
    if (this.downloaded) return this.considerInstall();
    const deskId = this.o.deskId();
    const token = await this.o.accessToken();
    if (!deskId || !token) return; // asked again after sign-in and at the next check
    this.o.updater.requestHeaders = {
      authorization: `Bearer ${token}`,
      [UPDATE_HEADERS.deskId]: deskId,
      [UPDATE_HEADERS.ring]: this.o.ring,
      ...(this.o.pinVersion ? { [UPDATE_HEADERS.pinVersion]: this.o.pinVersion } : {}),
    };
    let offered: UpdateInfo | null = null;
    try {
      this.set({ status: 'checking' });
      const result = await this.o.updater.checkForUpdates();
      offered = result?.isUpdateAvailable ? result.updateInfo : null;
      if (!offered) {
        this.set({ status: 'up-to-date', checkedAt: new Date().toISOString() });
        return;
      }
      // The server applies the pin; so does the desk, and it never goes back.
      if (!semver.gt(offered.version, this.o.currentVersion) || (this.o.pinVersion && semver.gt(offered.version, this.o.pinVersion))) {
        this.set({ status: 'refused', version: offered.version, message: `The server offered ${offered.version}, which machine policy does not allow (pinned to ${this.o.pinVersion ?? 'none'}, running ${this.o.currentVersion}). IT: check the release's rollout and the desk's pin.` });
        return;
      }
      this.set({ status: 'downloading', version: offered.version, percent: 0 });
      await this.o.updater.downloadUpdate();
      this.downloaded = offered.version;
      this.set({ status: 'ready', version: offered.version });
      await this.considerInstall();
    } catch (e) {
      if (isNoUpdate(e)) {
        this.o.log?.info(`update: nothing offered (${(e as Error).message?.split('\n')[0]})`);
        this.set({ status: 'up-to-date', checkedAt: new Date().toISOString() });
        return;
      }
      const { refused, message } = explainUpdateError(e, offered?.version ?? null);
      this.o.log?.warn(`update: ${message}`);
      this.set(refused ? { status: 'refused', version: offered?.version ?? null, message } : { status: 'failed', message });
    } finally {
      await this.report(deskId).catch((e: Error) => this.o.log?.warn(`update: could not report to the fleet view (${e.message})`));
    }
  }

  /** Why the desk must not restart now, or null when it may. */
  private blocked(): 'call' | 'save' | null {
    const a = this.o.activity();
    if (a.callOpen) return 'call';
    if (a.savePending) return 'save';
    return null;
  }

  /** Automatic mode: restart into a downloaded update once nothing is open or unsaved and the desk is idle. */
  private async considerInstall(): Promise<void> {
    const version = this.downloaded;
    if (!version || this.o.mode !== 'automatic') return;
    const why = this.blocked() ?? (this.o.idle() ? null : 'in-use');
    if (why) {
      const until = { call: 'the open call record is closed', save: 'every change is saved', 'in-use': 'the desk is idle' }[why];
      this.set({ status: 'waiting', version, why: `Crisis Desk ${version} is ready; it restarts into it once ${until}.` });
      if (!this.waitTimer) {
        this.waitTimer = setInterval(() => void this.considerInstall(), WAIT_RECHECK_MS);
        this.waitTimer.unref?.();
      }
      return;
    }
    this.install(version);
  }

  /** The screen's state changed (a call closed, a save finished): maybe the moment has come. */
  activityChanged(): void {
    void this.considerInstall();
  }

  /** The clinician chose "Restart to update": refused while a call is open or a save pending. */
  installNow(): { ok: true } | { ok: false; message: string } {
    if (!this.downloaded) return { ok: false, message: 'No update has been downloaded.' };
    const why = this.blocked();
    if (why) return { ok: false, message: `Not now: ${why === 'call' ? 'a call record is open' : 'a change is still being saved'}. Finish the call first; the update waits.` };
    this.install(this.downloaded);
    return { ok: true };
  }

  private install(version: string): void {
    if (this.waitTimer) clearInterval(this.waitTimer);
    this.waitTimer = null;
    this.set({ status: 'installing', version });
    // Silent, and start the app again afterwards.
    this.o.updater.quitAndInstall(true, true);
  }

  /** Tells the server what this desk runs, for IT's fleet view. */
  async report(deskId = this.o.deskId()): Promise<void> {
    if (!deskId || !this.o.serverUrl) return;
    const token = await this.o.accessToken();
    if (!token) return;
    const body: DeskReport = {
      deskId,
      version: this.o.currentVersion,
      platform: this.o.platform,
      arch: this.o.arch,
      ring: this.o.ring,
      updateMode: this.o.mode,
      pinnedVersion: this.o.pinVersion,
      policyHash: this.o.policyHash,
      lastSyncAt: this.o.lastSyncAt(),
    };
    const r = await this.o.fetch(new URL('/v1/fleet/reports', this.o.serverUrl), { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
  }
}

/** Narrowing for listeners that want the downloaded event's version. */
export type { UpdateDownloadedEvent };
