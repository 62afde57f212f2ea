import type { AuthorQueue, DirectoryInfo, DirectoryProgress, SyncRefusal, SyncStatus } from '../../../shared/contract';
import type { DeskUser } from '../../../shared/domain/people';
import { ageOf, dateDMY, localDateLabel, relativeMoment, timeHM } from '../lib/time';

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
  // The server answered, and said no: not offline, and the clinician (or IT) is told why.
  if (s.lastRefusal) return { tone: 'warn', icon: 'warning', text: `Server refusing sync: ${refusalWords(s.lastRefusal)}`, detail: refusalDetail(s.lastRefusal) };
  if (s.connection === 'unknown') return { tone: 'pending', icon: 'saving', text: 'Connecting to the server…' };
  if (s.activity !== 'idle') return { tone: 'ok', icon: 'saving', text: 'Online · syncing…' };
  return { tone: 'ok', icon: 'cloud', text: 'Online' };
}

const REFUSED_WHAT: Record<SyncRefusal['task'], string> = {
  push: 'this desk’s changes',
  pull: 'records from other desks',
  directory: 'the directory',
  hints: 'update notices',
};

/** A refusal's HTTP status in a clinician's words (the server's own message goes in the detail). */
export function refusalWords(r: Pick<SyncRefusal, 'status'>): string {
  const s = r.status;
  if (s === 403) return 'not allowed for this account';
  if (s === 404) return 'not found on the server';
  if (s === 409) return 'out of step with the server';
  if (s === 413) return 'a change is too large';
  if (s === 429) return 'the server is busy';
  if (s === 502 || s === 503 || s === 504) return 'the server is unavailable';
  if (s >= 500) return 'the server has a fault';
  return 'the server would not accept it';
}

export function refusalDetail(r: SyncRefusal): string {
  return `The server refused ${REFUSED_WHAT[r.task]} (${r.status}): “${r.message}” Everything stays saved on this desk and sync tries again by itself; tell IT if this lasts.`;
}

/**
 * The desk user's own changes waiting (others' are listed by author, see queueLines). Without a
 * list by author (an older core), all of them.
 */
export function ownWaiting(s: SyncStatus): number {
  if (!s.queues || s.queues.length === 0) return s.waiting;
  const me = s.session?.user?.userId;
  return me ? (s.queues.find((q) => q.author?.userId === me)?.waiting ?? 0) : 0;
}

/**
 * Waiting changes, or when everything last reached the server. `unsavedOnScreen`: the open record
 * has typing that is not saved on this desk (the desk is down, or its save is failing), so "all
 * synced" would be a claim about a save that did not happen. The desk user's own changes are
 * counted here; others' are listed by author (queueLines).
 */
export function waitingLine(s: SyncStatus, now: Date, unsavedOnScreen = false): { tone: Tone; text: string } | null {
  // Not set up: nothing is sent. Waiting for a sign-in: the sign-in button gives the count.
  if (s.paused?.reason === 'not_configured' || s.paused?.reason === 'sign_in') return null;
  const waiting = ownWaiting(s);
  if (waiting > 0) {
    const held = s.connection === 'offline' || s.paused !== null || s.lastRefusal?.task === 'push';
    return { tone: held ? 'warn' : 'pending', text: held ? `${changes(waiting)} waiting, kept on this desk` : `${changes(waiting)} being sent` };
  }
  if (unsavedOnScreen) return { tone: 'bad', text: 'Not all saved on this desk: see the record' };
  // Others' changes wait (their own line says for what): not "all synced".
  if (s.waiting > 0) return s.lastSyncedAt ? { tone: 'muted', text: `Yours synced ${relativeMoment(s.lastSyncedAt, now)}` } : null;
  // With a conflict or a rejected change still to settle, nothing waits, but not "all" is in step.
  if (s.lastSyncedAt) return { tone: 'muted', text: `${s.conflicts || s.rejected ? 'Nothing waiting · synced' : 'All synced'} ${relativeMoment(s.lastSyncedAt, now)}` };
  return null;
}

/**
 * Sync while the desk itself cannot be reached: its last status is out of date and nothing is
 * being saved or sent, so nothing is claimed (not online, not synced, not offline).
 */
export const SYNC_WHILE_DESK_DOWN: ConnectionLine = {
  tone: 'muted',
  icon: 'cloudOff',
  text: 'Sync: not known',
  detail: 'The desk is not running, so what has reached the server is not known until it is back. Nothing is being saved or sent meanwhile.',
};

/** The action a paused sync needs, when it needs one from this screen. */
export function pausedLine(s: SyncStatus): { kind: 'sign_in' | 'update_required' | 'sequence_gap'; text: string; detail: string } | null {
  const p = s.paused;
  if (!p || p.reason === 'not_configured') return null;
  if (p.reason === 'sign_in') {
    const waiting = ownWaiting(s);
    return { kind: 'sign_in', text: waiting > 0 ? `Sign in to sync ${changes(waiting)}` : 'Sign in to sync', detail: p.message };
  }
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
  // Signing out pauses sync too: "signed out" says it all.
  const signedOut = prev.session?.state !== 'signed_out' && next.session?.state === 'signed_out' && prev.session !== undefined;
  if (pausedNow !== pausedBefore && pausedNow && pausedNow !== 'not_configured' && !signedOut) {
    messages.push(pausedNow === 'sign_in' ? 'Sync paused: sign in to send your changes. Everything stays saved on this desk.' : `Sync paused. ${next.paused!.message}`);
    backlog = true;
  }
  const someoneElse = (prev.session?.user?.userId ?? null) !== (next.session?.user?.userId ?? null);
  if (next.signedIn && (!prev.signedIn || someoneElse)) messages.push(`Signed in${next.userName ? ` as ${next.userName}` : ''}. Syncing.`);
  else if (signedOut || (!next.signedIn && prev.signedIn && pausedNow !== 'sign_in')) messages.push('Signed out. Records stay on this desk.');

  // Offline and back, as the status bar shows it: a paused desk is not said to be offline.
  const offline = (x: SyncStatus) => x.connection === 'offline' && !x.paused;
  if (offline(next) && !offline(prev)) {
    messages.push('The server cannot be reached. Keep working: everything is saved on this desk and sent when the server is back.');
    backlog = true;
  } else if (next.connection === 'online' && offline(prev)) {
    messages.push('Connected to the server again.');
  }

  const refusal = next.lastRefusal ?? null;
  const before = prev.lastRefusal ?? null;
  if (refusal && !next.paused && next.connection !== 'offline' && (!before || before.status !== refusal.status || before.task !== refusal.task)) {
    messages.push(`The server is refusing sync: ${refusalWords(refusal)}. Everything stays saved on this desk.`);
    if (next.waiting > 0) backlog = true;
  }

  if (next.conflicts > prev.conflicts) {
    const n = next.conflicts - prev.conflicts;
    messages.push(`${n === 1 ? 'A record was' : `${n} records were`} also changed on another desk: both versions are kept until you choose.`);
  }
  if (next.rejected > prev.rejected) {
    const n = next.rejected - prev.rejected;
    messages.push(`The server rejected ${changes(n)}; ${n === 1 ? 'it is' : 'they are'} kept on this desk.`);
  }
  if (backlog && next.waiting === 0 && next.connection === 'online' && next.paused === null) {
    messages.push('All changes have reached the server.');
    backlog = false;
  } else if (next.waiting > 0 && (next.connection === 'offline' || next.paused !== null || refusal?.task === 'push')) {
    backlog = true;
  }
  return { message: messages.length ? messages.join(' ') : null, memory: { backlog } };
}

/** "3 changes by Sam Clinician" (or "of yours"), as said of one author's queue. */
function whose(q: AuthorQueue, me: string | null): string {
  if (!q.author) return `${changes(q.waiting)} made while nobody was signed in`;
  if (q.author.userId === me) return `${q.waiting === 1 ? '1 change' : `${q.waiting.toLocaleString('en-GB')} changes`} of yours`;
  return `${changes(q.waiting)} by ${q.author.displayName}`;
}

/**
 * What one author's waiting changes wait for, as a sentence for the view of waiting changes (and
 * the status bar's tooltip): never just a count, always whose and why.
 */
export function queueSentence(q: AuthorQueue, me: string | null): string {
  const name = q.author?.displayName ?? '';
  const one = q.waiting === 1;
  switch (q.state) {
    case 'unclaimed':
      return `${whose(q, me)}: nobody’s yet, so not sent. Whoever made ${one ? 'it' : 'them'} can claim ${one ? 'it' : 'them'} once signed in.`;
    case 'sign_in_needed':
      return `${whose(q, me)} ${one ? 'waits' : 'wait'} for ${q.author?.userId === me ? 'you to sign in again' : `${name} to sign in`} on this desk.`;
    case 'refused':
      return `The server will not take ${whose(q, me)}: ${q.reason ?? 'it gave no reason'}`;
    case 'sending':
      return `${whose(q, me)} ${one ? 'is' : 'are'} being sent${q.author?.userId === me ? '' : ` under ${name}’s own session`}.`;
  }
}

export interface QueueLine {
  tone: Tone;
  /** What fits in the status bar. */
  text: string;
  /** Every group in words, for its tooltip and screen readers. */
  detail: string;
}

/**
 * Changes on this desk that are not the desk user's own and still wait: by others (sent under
 * their own kept session, or waiting for them to sign in), refused, or made while nobody was
 * signed in. The most pressing first; null when there are none.
 */
export function queueLine(s: SyncStatus): QueueLine | null {
  const me = s.session?.user?.userId ?? null;
  const others = (s.queues ?? []).filter((q) => q.author === null || q.author.userId !== me);
  if (others.length === 0) return null;
  const rank: Record<AuthorQueue['state'], number> = { refused: 0, sign_in_needed: 1, unclaimed: 2, sending: 3 };
  const [first, ...rest] = [...others].sort((a, b) => rank[a.state] - rank[b.state]);
  const head =
    first!.state === 'refused'
      ? `${whose(first!, me)} refused by the server`
      : first!.state === 'sign_in_needed'
        ? `${whose(first!, me)} ${first!.waiting === 1 ? 'waits' : 'wait'} for them to sign in`
        : first!.state === 'unclaimed'
          ? `${whose(first!, me)}: not sent`
          : `${whose(first!, me)} being sent`;
  const more = rest.reduce((n, q) => n + q.waiting, 0);
  return {
    tone: first!.state === 'sending' ? 'pending' : first!.state === 'unclaimed' ? 'warn' : 'bad',
    text: more > 0 ? `${head} · ${changes(more)} more` : head,
    detail: others.map((q) => queueSentence(q, me)).join(' '),
  };
}

/** What to tell the person who has just signed out: whether everything of theirs reached the server. */
export function signedOutMessage(s: SyncStatus, me: Pick<DeskUser, 'userId'> | null): string {
  const mine = me ? s.queues?.find((q) => q.author?.userId === me.userId) : undefined;
  if (!mine) return 'Signed out. Everything you did has reached the server.';
  const n = mine.waiting === 1 ? '1 change of yours has' : `${mine.waiting.toLocaleString('en-GB')} changes of yours have`;
  return mine.state === 'sending'
    ? `Signed out. ${n} not reached the server yet: ${mine.waiting === 1 ? 'it is' : 'they are'} kept on this desk and sent under your own session as soon as the server can be reached.`
    : `Signed out. ${n} not reached the server yet: ${mine.waiting === 1 ? 'it waits' : 'they wait'} on this desk for you to sign in again here.`;
}
