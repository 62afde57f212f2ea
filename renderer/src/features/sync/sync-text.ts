import type { DirectoryInfo, DirectoryProgress, SyncStatus } from '../../../../shared/contract';
import { ageOf, dateDMY, localDateLabel, relativeMoment, timeHM } from '../../lib/time';

/*
 * What the status bar says about sync and the directory, as pure functions of the core's status,
 * so the wording (and what is announced to a screen reader, and when) is tested on its own.
 */

export type Tone = 'ok' | 'muted' | 'pending' | 'warn' | 'bad';

export const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;

/** "3 changes", the unit of what is waiting (each save, finalise, addendum or discard is one). */
export const changes = (n: number) => plural(n, 'change');

export interface ConnectionLine {
  tone: Tone;
  icon: 'cloud' | 'cloudOff' | 'saving' | 'warning';
  text: string;
  /** More than fits in the status bar: its tooltip and what a screen reader hears after the text. */
  detail?: string;
}

/** The connection to the server, in a few words. */
export function connectionLine(s: SyncStatus, now: Date): ConnectionLine {
  if (s.paused?.reason === 'not_configured') return { tone: 'muted', icon: 'cloudOff', text: 'Sync not set up', detail: 'No server is configured: every record is kept on this desk.' };
  // Paused, the desk does not talk to the server, so whether it could is not known: say what matters.
  if (s.paused) return { tone: 'warn', icon: 'cloudOff', text: 'Sync paused' };
  if (s.connection === 'offline') {
    return { tone: 'warn', icon: 'cloudOff', text: `Offline since ${s.offlineSince ? relativeMoment(s.offlineSince, now) : 'a moment ago'}` };
  }
  if (s.connection === 'unknown') return { tone: 'pending', icon: 'saving', text: 'Connecting to the server…' };
  if (s.activity !== 'idle') return { tone: 'ok', icon: 'saving', text: 'Online · syncing…' };
  return { tone: 'ok', icon: 'cloud', text: 'Online' };
}

/**
 * Waiting changes, or when everything last reached the server. `unsaved`: what is on screen is not
 * all saved on this desk (a save failing, or a field too long to save), so nothing is "all synced".
 */
export function waitingLine(s: SyncStatus, now: Date, unsaved = false): { tone: Tone; text: string } | null {
  // Not set up: nothing is sent. Waiting for a sign-in: the sign-in button gives the count.
  if (s.paused?.reason === 'not_configured' || s.paused?.reason === 'sign_in') return null;
  if (s.waiting > 0) {
    const held = s.connection === 'offline' || s.paused !== null;
    return { tone: held ? 'warn' : 'pending', text: held ? `${changes(s.waiting)} waiting, kept on this desk` : `${changes(s.waiting)} being sent` };
  }
  if (unsaved) return { tone: 'bad', text: 'Not all saved on this desk: see the record' };
  // With a conflict or a refused change still to settle, nothing waits, but not "all" is in step.
  if (s.lastSyncedAt) return { tone: 'muted', text: `${s.conflicts || s.rejected ? 'Nothing waiting · synced' : 'All synced'} ${relativeMoment(s.lastSyncedAt, now)}` };
  return null;
}

/** The action a paused sync needs, when it needs one from this screen. */
export function pausedLine(s: SyncStatus): { kind: 'sign_in' | 'update_required' | 'sequence_gap'; text: string; detail: string } | null {
  const p = s.paused;
  if (!p || p.reason === 'not_configured') return null;
  if (p.reason === 'sign_in') return { kind: 'sign_in', text: s.waiting > 0 ? `Sign in to sync ${changes(s.waiting)}` : 'Sign in to sync', detail: p.message };
  if (p.reason === 'update_required') return { kind: 'update_required', text: 'Update required: sync paused', detail: p.message };
  return { kind: 'sequence_gap', text: 'Out of step with the server: call IT', detail: p.message };
}

const MB = 1_000_000;
const mb = (bytes: number) => (bytes / MB).toLocaleString('en-GB', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** A directory download in progress: the text beside the bar, and the bar's value out of its max (null: indeterminate). */
export function progressLine(p: DirectoryProgress): { text: string; value: number | null; max: number } {
  switch (p.phase) {
    case 'manifest':
      return { text: 'Directory: asking the server for the latest version…', value: null, max: 1 };
    case 'download':
      return p.totalBytes
        ? { text: `Downloading the directory: ${mb(p.bytes)} of ${mb(p.totalBytes)} MB`, value: Math.min(p.bytes, p.totalBytes), max: p.totalBytes }
        : { text: `Downloading the directory: ${mb(p.bytes)} MB`, value: null, max: 1 };
    case 'verify':
      return { text: 'Directory downloaded: checking it…', value: p.totalBytes ?? 1, max: p.totalBytes ?? 1 };
    case 'install':
      return { text: 'Directory checked: putting it in place…', value: p.totalBytes ?? 1, max: p.totalBytes ?? 1 };
    case 'catch_up':
      return { text: p.rows > 0 ? `Directory: applying ${plural(p.rows, 'change')} from the server…` : 'Directory: checking for changes…', value: null, max: 1 };
    case 'pages':
      return { text: `Downloading the directory: ${plural(p.rows, 'service')} so far`, value: null, max: 1 };
  }
}

/** After this long without hearing from the server, the directory is flagged as possibly out of date. */
export const DIRECTORY_STALE_MS = 24 * 60 * 60 * 1000;
/** Warn this long before the bank-holiday list runs out. */
export const BANK_HOLIDAYS_WARN_DAYS = 60;

export interface DirectoryLine {
  text: string;
  /** Shown as the item's title and read with it. */
  detail: string;
  warnings: string[];
}

/**
 * The directory's age and anything the clinician should be wary of: data not refreshed for a day
 * (hazard H3), or a bank-holiday list about to run out (H11), when "open now" may be wrong.
 */
export function directoryLine(d: DirectoryInfo, syncConfigured: boolean, now: Date): DirectoryLine {
  const warnings: string[] = [];
  const services = plural(d.services, 'service');
  const detail = [
    d.version ? `Version ${d.version}` : 'No version',
    d.publishedAt ? `published ${timeHM(d.publishedAt)} on ${dateDMY(d.publishedAt)}` : null,
    d.syncedAt ? `last checked with the server ${relativeMoment(d.syncedAt, now)}` : null,
    services,
  ]
    .filter(Boolean)
    .join(', ');
  let text: string;
  if (d.services === 0 && !d.version) {
    text = 'No directory on this desk yet';
    warnings.push(syncConfigured ? 'The directory downloads once you are signed in.' : 'No directory has been installed on this desk.');
  } else if (d.syncedAt) {
    text = `Directory updated ${ageOf(d.syncedAt, now)}`;
    if (now.getTime() - Date.parse(d.syncedAt) > DIRECTORY_STALE_MS) warnings.push(`Directory not updated for ${ageOf(d.syncedAt, now).replace(' ago', '')}: check details with the service`);
  } else if (d.publishedAt) {
    text = `Directory published ${dateDMY(d.publishedAt)}`;
    if (syncConfigured || now.getTime() - Date.parse(d.publishedAt) > DIRECTORY_STALE_MS * 7) warnings.push('Directory never updated from the server: check details with the service');
  } else {
    text = 'Directory on this desk';
  }
  const coverDays = (Date.parse(`${d.bankHolidaysCoverUntil}T23:59:59Z`) - now.getTime()) / 86_400_000;
  if (coverDays < 0) warnings.push(`Bank holidays known only until ${localDateLabel(d.bankHolidaysCoverUntil)}: "open now" may be wrong on a bank holiday`);
  else if (coverDays < BANK_HOLIDAYS_WARN_DAYS) warnings.push(`Bank holiday list ends ${localDateLabel(d.bankHolidaysCoverUntil)}`);
  return { text: `${text} · ${services}`, detail, warnings };
}

/** The state behind announcements, carried from one status to the next. */
export interface AnnounceMemory {
  /** Changes were held back (offline or paused): say so when they have all gone. */
  backlog: boolean;
}

/**
 * What to announce (politely) when the status changes: only what a clinician needs to know, never
 * the churn of every autosave being sent (1 waiting, 0 waiting) or of the activity.
 */
export function syncAnnouncement(prev: SyncStatus | null, next: SyncStatus, memory: AnnounceMemory): { message: string | null; memory: AnnounceMemory } {
  const messages: string[] = [];
  let backlog = memory.backlog;
  if (!prev) return { message: null, memory: { backlog: next.waiting > 0 && (next.connection === 'offline' || next.paused !== null) } };

  const pausedNow = next.paused?.reason ?? null;
  const pausedBefore = prev.paused?.reason ?? null;
  if (pausedNow !== pausedBefore && pausedNow && pausedNow !== 'not_configured') {
    messages.push(pausedNow === 'sign_in' ? 'Sync paused: sign in to send your changes. Everything stays saved on this desk.' : `Sync paused. ${next.paused!.message}`);
    backlog = true;
  }
  if (next.signedIn && !prev.signedIn) messages.push(`Signed in${next.userName ? ` as ${next.userName}` : ''}. Syncing.`);
  else if (!next.signedIn && prev.signedIn && pausedNow !== 'sign_in') messages.push('Signed out. Records stay on this desk.');

  // Offline and back, as the status bar shows it: a paused desk is not said to be offline.
  const offline = (x: SyncStatus) => x.connection === 'offline' && !x.paused;
  if (offline(next) && !offline(prev)) {
    messages.push('The server cannot be reached. Keep working: everything is saved on this desk and sent when the server is back.');
    backlog = true;
  } else if (next.connection === 'online' && offline(prev)) {
    messages.push('Connected to the server again.');
  }

  if (next.conflicts > prev.conflicts) {
    const n = next.conflicts - prev.conflicts;
    messages.push(`${n === 1 ? 'A record was' : `${n} records were`} also changed on another desk: both versions are kept until you choose.`);
  }
  if (next.rejected > prev.rejected) {
    const n = next.rejected - prev.rejected;
    messages.push(`The server refused ${changes(n)}; ${n === 1 ? 'it is' : 'they are'} kept on this desk.`);
  }
  if (backlog && next.waiting === 0 && next.connection === 'online' && next.paused === null) {
    messages.push('All changes have reached the server.');
    backlog = false;
  } else if (next.waiting > 0 && (next.connection === 'offline' || next.paused !== null)) {
    backlog = true;
  }
  return { message: messages.length ? messages.join(' ') : null, memory: { backlog } };
}
