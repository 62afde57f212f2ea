import { describe, expect, it } from 'vitest';
import type { DirectoryInfo, SyncStatus } from '../../../shared/contract';
import { connectionLine, directoryLine, ownWaiting, pausedLine, progressLine, queueLine, queueSentence, refusalWords, signedOutMessage, SYNC_WHILE_DESK_DOWN, syncAnnouncement, waitingLine } from './sync-text';
import { SAM, syncStatus } from '../test-support/sync-status';

const NOW = new Date('2026-11-22T14:30:00Z'); // 14:30 in London (GMT)

const status = syncStatus;

const directory = (d: Partial<DirectoryInfo> = {}): DirectoryInfo => ({
  services: 3000,
  version: '4',
  publishedAt: '2026-11-20T09:00:00Z',
  syncedAt: '2026-11-22T14:27:00Z',
  bankHolidaysCoverUntil: '2027-12-28',
  ...d,
});

describe('the sync status line', () => {
  it('says online, syncing, offline since when, or paused, in words', () => {
    expect(connectionLine(status(), NOW).text).toBe('Online');
    expect(connectionLine(status({ activity: 'pushing' }), NOW).text).toBe('Online · syncing…');
    expect(connectionLine(status({ connection: 'offline', offlineSince: '2026-11-22T14:02:00Z' }), NOW)).toMatchObject({ tone: 'warn', text: 'Offline since 14:02' });
    expect(connectionLine(status({ connection: 'offline', offlineSince: '2026-11-21T23:10:00Z' }), NOW).text).toBe('Offline since yesterday 23:10');
    // Paused for a sign-in, the desk does not try the server: it is not called offline.
    expect(connectionLine(status({ connection: 'offline', offlineSince: '2026-11-22T14:02:00Z', paused: { reason: 'sign_in', message: 'Sign in to sync.' } }), NOW).text).toBe('Sync paused');
    expect(connectionLine(status({ connection: 'unknown' }), NOW).text).toBe('Connecting to the server…');
    expect(connectionLine(status({ paused: { reason: 'not_configured', message: '' } }), NOW).text).toBe('Sync not set up');
  });

  it('counts what waits, or says when everything last reached the server', () => {
    expect(waitingLine(status(), NOW)).toEqual({ tone: 'muted', text: 'All synced 14:25' });
    expect(waitingLine(status({ waiting: 1 }), NOW)).toEqual({ tone: 'pending', text: '1 change being sent' });
    expect(waitingLine(status({ waiting: 3, connection: 'offline' }), NOW)).toEqual({ tone: 'warn', text: '3 changes waiting, kept on this desk' });
    // Waiting for a sign-in: the sign-in button carries the count.
    expect(waitingLine(status({ waiting: 3, paused: { reason: 'sign_in', message: '' } }), NOW)).toBeNull();
    expect(waitingLine(status({ lastSyncedAt: null }), NOW)).toBeNull();
    expect(waitingLine(status({ conflicts: 1 }), NOW)!.text).toBe('Nothing waiting · synced 14:25');
    // Never "all synced" while what is on screen is not all saved on this desk.
    expect(waitingLine(status(), NOW, true)).toEqual({ tone: 'bad', text: 'Not all saved on this desk: see the record' });
  });

  it('a refusing server is not offline: the line says it refused and why, in words, with the server’s own message in the detail', () => {
    const refusal = { task: 'push' as const, status: 403, code: 'forbidden', message: 'This needs the clinician role.', at: '2026-11-22T14:29:00Z' };
    const line = connectionLine(status({ lastRefusal: refusal, waiting: 2 }), NOW);
    expect(line).toMatchObject({ tone: 'warn', icon: 'warning', text: 'Server refusing sync: not allowed for this account' });
    expect(line.detail).toContain('This needs the clinician role.');
    expect(line.detail).toContain('(403)');
    expect(line.text).not.toMatch(/offline/i);
    // What waits is held, not "being sent".
    expect(waitingLine(status({ lastRefusal: refusal, waiting: 2 }), NOW)).toEqual({ tone: 'warn', text: '2 changes waiting, kept on this desk' });
    // Offline (unreachable) still wins: then nothing answered at all.
    expect(connectionLine(status({ lastRefusal: refusal, connection: 'offline', offlineSince: '2026-11-22T14:02:00Z' }), NOW).text).toBe('Offline since 14:02');
    expect([429, 500, 503, 413, 400].map((s) => refusalWords({ status: s }))).toEqual([
      'the server is busy',
      'the server has a fault',
      'the server is unavailable',
      'a change is too large',
      'the server would not accept it',
    ]);
  });

  it('never says "All synced" while the open record’s save is failing, nor anything about the server while the desk is down', () => {
    expect(waitingLine(status(), NOW, true)).toEqual({ tone: 'bad', text: 'Not all saved on this desk: see the record' });
    expect(waitingLine(status({ waiting: 1 }), NOW, true)!.text).toBe('1 change being sent');
    expect(SYNC_WHILE_DESK_DOWN.text).toBe('Sync: not known');
    expect(SYNC_WHILE_DESK_DOWN.text + SYNC_WHILE_DESK_DOWN.detail).not.toMatch(/synced|online|offline|saved on this desk/i);
  });

  it('gives each pause its action', () => {
    expect(pausedLine(status({ waiting: 3, paused: { reason: 'sign_in', message: 'Sign in to sync.' } }))).toMatchObject({ kind: 'sign_in', text: 'Sign in to sync 3 changes' });
    expect(pausedLine(status({ paused: { reason: 'sign_in', message: 'Sign in to sync.' } }))!.text).toBe('Sign in to sync');
    expect(pausedLine(status({ paused: { reason: 'update_required', message: 'Install the update.' } }))).toEqual({ kind: 'update_required', text: 'Update required: sync paused', detail: 'Install the update.' });
    expect(pausedLine(status({ paused: { reason: 'sequence_gap', message: 'Out of step.' } }))!.text).toBe('Out of step with the server: call IT');
    expect(pausedLine(status({ paused: { reason: 'not_configured', message: '' } }))).toBeNull();
  });

  it('describes a directory download by bytes, or by services when the size is unknown', () => {
    expect(progressLine({ phase: 'download', bytes: 2_150_000, totalBytes: 4_600_000, rows: 0 })).toEqual({ text: 'Downloading the directory: 2.2 of 4.6 MB', value: 2_150_000, max: 4_600_000 });
    expect(progressLine({ phase: 'pages', bytes: 0, totalBytes: null, rows: 12_000 }).text).toBe('Downloading the directory: 12,000 services so far');
    expect(progressLine({ phase: 'verify', bytes: 10, totalBytes: 10, rows: 0 }).text).toBe('Directory downloaded: checking it…');
    expect(progressLine({ phase: 'catch_up', bytes: 0, totalBytes: null, rows: 0 }).value).toBeNull();
  });
});

describe('the directory’s age', () => {
  it('says how long ago it was checked with the server', () => {
    expect(directoryLine(directory(), true, NOW)).toMatchObject({ text: 'Directory updated 3 min ago · 3,000 services', warnings: [] });
  });

  it('warns when it has not been updated for a day (hazard H3)', () => {
    const line = directoryLine(directory({ syncedAt: '2026-11-19T10:00:00Z' }), true, NOW);
    expect(line.warnings).toEqual(['Directory not updated for 3 days: check details with the service']);
  });

  it('warns when the bank-holiday list runs out soon, or has run out (hazard H11)', () => {
    expect(directoryLine(directory({ bankHolidaysCoverUntil: '2026-12-31' }), true, NOW).warnings).toEqual(['Bank holiday list ends 31 Dec 2026']);
    expect(directoryLine(directory({ bankHolidaysCoverUntil: '2026-11-01' }), true, NOW).warnings[0]).toMatch(/^Bank holidays known only until 1 Nov 2026/);
  });

  it('says when a new desk has no directory yet, and why', () => {
    const line = directoryLine(directory({ services: 0, version: null, publishedAt: null, syncedAt: null }), true, NOW);
    expect(line.text).toBe('No directory on this desk yet · 0 services');
    expect(line.warnings).toEqual(['The directory downloads once you are signed in.']);
  });
});

describe('what is announced', () => {
  const run = (steps: SyncStatus[]) => {
    let memory = { backlog: false };
    let prev: SyncStatus | null = null;
    const said: (string | null)[] = [];
    for (const s of steps) {
      const r = syncAnnouncement(prev, s, memory);
      memory = r.memory;
      said.push(r.message);
      prev = s;
    }
    return said;
  };

  it('never the churn of autosaves being sent', () => {
    expect(run([status(), status({ waiting: 1, activity: 'pushing' }), status({ waiting: 0 }), status({ waiting: 1 }), status()])).toEqual([null, null, null, null, null]);
  });

  it('going offline, coming back, and the backlog reaching the server', () => {
    const said = run([
      status(),
      status({ connection: 'offline', offlineSince: '2026-11-22T14:02:00Z' }),
      status({ connection: 'offline', offlineSince: '2026-11-22T14:02:00Z', waiting: 2 }),
      status({ connection: 'online', waiting: 2, activity: 'pushing' }),
      status({ waiting: 0 }),
    ]);
    expect(said[1]).toMatch(/^The server cannot be reached/);
    expect(said[2]).toBeNull();
    expect(said[3]).toBe('Connected to the server again.');
    expect(said[4]).toBe('All changes have reached the server.');
  });

  it('a refusal is announced once, in words, never as "cannot be reached"', () => {
    const refusal = { task: 'hints' as const, status: 503, code: 'http_503', message: 'The server answered 503.', at: '2026-11-22T14:29:00Z' };
    const said = run([status(), status({ lastRefusal: refusal }), status({ lastRefusal: { ...refusal, at: '2026-11-22T14:29:30Z' } }), status({ lastRefusal: null })]);
    expect(said[1]).toBe('The server is refusing sync: the server is unavailable. Everything stays saved on this desk.');
    expect(said[2]).toBeNull();
    expect(said[3]).toBeNull();
    expect(said.join(' ')).not.toMatch(/cannot be reached/);
  });

  it('a sign-in needed, signing in, new conflicts and rejected changes', () => {
    const said = run([
      status(),
      status({ signedIn: false, userName: null, paused: { reason: 'sign_in', message: 'Sign in to sync.' }, waiting: 1 }),
      status({ signedIn: true, waiting: 1 }),
      status({ conflicts: 1, rejected: 2 }),
    ]);
    expect(said[1]).toBe('Sync paused: sign in to send your changes. Everything stays saved on this desk.');
    expect(said[2]).toBe('Signed in as Sam Clinician. Syncing.');
    expect(said[3]).toBe(
      'A record was also changed on another desk: both versions are kept until you choose. The server rejected 2 changes; they are kept on this desk. All changes have reached the server.',
    );
  });
});

describe('changes waiting by whose they are', () => {
  const sam = { userId: 'sam', displayName: 'Sam Clinician' };
  const nia = { userId: 'nia', displayName: 'Nia Night' };
  const q = (author: typeof sam | null, waiting: number, state: 'sending' | 'sign_in_needed' | 'refused' | 'unclaimed', reason: string | null = null) => ({ author, waiting, state, reason });

  it('counts only the desk user’s own as theirs, and never calls the desk all synced while others’ wait', () => {
    const s = status({ waiting: 5, queues: [q(sam, 2, 'sending'), q(nia, 3, 'sign_in_needed')] });
    expect(ownWaiting(s)).toBe(2);
    expect(waitingLine(s, NOW)).toEqual({ tone: 'pending', text: '2 changes being sent' });
    expect(waitingLine(status({ waiting: 3, queues: [q(nia, 3, 'sign_in_needed')] }), NOW)).toEqual({ tone: 'muted', text: 'Yours synced 14:25' });
    expect(pausedLine(status({ waiting: 5, queues: [q(sam, 1, 'sign_in_needed'), q(nia, 4, 'sending')], paused: { reason: 'sign_in', message: '' } }))!.text).toBe('Sign in to sync 1 change');
  });

  it('says whose changes wait and for what, in words, the most pressing first', () => {
    expect(queueLine(status({ queues: [q(sam, 2, 'sending')] }))).toBeNull();
    expect(queueLine(status({ queues: [q(nia, 1, 'sending')] }))).toMatchObject({ tone: 'pending', text: '1 change by Nia Night being sent' });
    const line = queueLine(status({ queues: [q(nia, 2, 'sending'), q(null, 3, 'unclaimed'), q({ userId: 'ada', displayName: 'Ada Day' }, 4, 'sign_in_needed')] }))!;
    expect(line).toMatchObject({ tone: 'bad', text: '4 changes by Ada Day wait for them to sign in · 5 changes more' });
    expect(line.detail).toBe(
      '2 changes by Nia Night are being sent under Nia Night’s own session. 3 changes made while nobody was signed in: nobody’s yet, so not sent. Whoever made them can claim them once signed in. 4 changes by Ada Day wait for Ada Day to sign in on this desk.',
    );
    expect(queueSentence(q(nia, 1, 'refused', 'Your account has no Crisis Desk role.'), 'sam')).toBe('The server will not take 1 change by Nia Night: Your account has no Crisis Desk role.');
    expect(queueSentence(q(sam, 1, 'sign_in_needed'), 'sam')).toBe('1 change of yours waits for you to sign in again on this desk.');
    // Signed out: nothing is anyone's own, so everything is listed.
    expect(queueLine(status({ session: { user: null, state: 'signed_out' }, queues: [q(sam, 2, 'sending')] }))!.text).toBe('2 changes by Sam Clinician being sent');
  });

  it('tells the person signing out what of theirs has not reached the server, and how it will', () => {
    expect(signedOutMessage(status({ queues: [q(nia, 2, 'sending')] }), SAM)).toBe('Signed out. Everything you did has reached the server.');
    expect(signedOutMessage(status({ queues: [q(sam, 1, 'sending')] }), SAM)).toBe(
      'Signed out. 1 change of yours has not reached the server yet: it is kept on this desk and sent under your own session as soon as the server can be reached.',
    );
    expect(signedOutMessage(status({ queues: [q(sam, 3, 'sign_in_needed')] }), SAM)).toBe('Signed out. 3 changes of yours have not reached the server yet: they wait on this desk for you to sign in again here.');
  });

  it('announces someone else signing in, and a sign-out without a pause message', () => {
    const nightUser = { ...SAM, userId: 'nia', displayName: 'Nia Night' };
    const night = status({ session: { user: nightUser, state: 'signed_in' }, userName: 'Nia Night' });
    expect(syncAnnouncement(status(), night, { backlog: false }).message).toBe('Signed in as Nia Night. Syncing.');
    const out = status({ session: { user: null, state: 'signed_out' }, signedIn: false, userName: null, paused: { reason: 'sign_in', message: 'Sign in to sync.' } });
    expect(syncAnnouncement(status(), out, { backlog: false }).message).toBe('Signed out. Records stay on this desk.');
  });
});
