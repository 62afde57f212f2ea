import { useEffect, useId, useState } from 'react';
import type { WaitingGroup, WaitingRecord } from '../../../../shared/contract';
import { Dialog } from '../../components/Dialog';
import { Icon } from '../../components/Icon';
import { ErrorAlert } from '../../components/ErrorAlert';
import { ageOf, dateDMY, relativeMoment, timeHM } from '../../lib/time';
import { useApp } from '../../stores/app';
import { useCallSession } from '../../stores/call-session';
import { useSync } from '../../stores/sync';
import { changes, ownWaiting, queueSentence } from '../../stores/sync-text';

/*
 * Who is at the desk: signing out (or handing the desk to someone else) asks first; changes made
 * while nobody was signed in are claimed only by someone who says they made them; the changes still
 * waiting on the desk are listed by whose they are and what they wait for.
 */

/** Signing out, or letting someone else sign in: says what happens to the open record and what waits, then does it. */
export function SignOutDialog() {
  const open = useApp((s) => s.dialog === 'signOut');
  const close = useApp((s) => s.closeDialog);
  const error = useSync((s) => s.signOutError);
  const busy = useSync((s) => s.signingOut);
  const confirm = useSync((s) => s.confirmSignOut);
  const status = useSync((s) => s.status);
  const record = useCallSession((s) => s.record);
  const save = useCallSession((s) => s.save);
  const now = new Date(useApp((s) => s.now));
  const user = status?.session.user ?? null;
  const waiting = status ? ownWaiting(status) : 0;
  const unsaved = save.kind !== 'saved';

  return (
    <Dialog open={open} title="Sign out of this desk?" onClose={close} size="small" initialFocus="[data-autofocus]">
      {user && (
        <p>
          {status?.session.state === 'signed_in' ? 'Signed in as' : 'This desk’s user is'} <strong>{user.displayName}</strong>. After signing out, changes made here are nobody’s until
          someone signs in and claims them.
        </p>
      )}
      <ul className="plain-list">
        {record && (
          <li data-testid="sign-out-record">
            <Icon name="lock" /> The call record open now (started {timeHM(record.content.startedAt)}
            {dateDMY(record.content.startedAt) !== dateDMY(now) ? ` on ${dateDMY(record.content.startedAt)}` : ''}) is{' '}
            {unsaved ? 'saved first, then ' : ''}closed{record.status === 'draft' ? ' and kept on this desk as your draft, to finish when you next sign in' : ''}.
          </li>
        )}
        <li>
          <Icon name="search" /> The directory search and the caller’s details are cleared from the screen.
        </li>
        <li data-testid="sign-out-waiting">
          <Icon name="clock" />{' '}
          {waiting > 0
            ? `${changes(waiting)} of yours ${waiting === 1 ? 'has' : 'have'} not reached the server yet. Crisis Desk sends them now; anything it cannot send keeps going under your own session, never anyone else’s, and stays listed in the status bar until it has gone.`
            : 'Everything you did has reached the server.'}
        </li>
      </ul>
      <ErrorAlert message={error} />
      <div className="button-row">
        <button type="button" className="button button--secondary" data-autofocus onClick={close}>
          Stay signed in
        </button>
        <button type="button" className="button" disabled={busy} onClick={() => void confirm('sign_out')}>
          <Icon name="signOut" />
          {busy ? 'Sending, then signing out…' : 'Sign out'}
        </button>
        <button type="button" className="button button--secondary" disabled={busy} onClick={() => void confirm('switch')}>
          <Icon name="user" />
          Sign out and sign in as someone else
        </button>
      </div>
    </Dialog>
  );
}

function RecordLine({ r, now }: { r: WaitingRecord; now: Date }) {
  if (r.report) {
    return (
      <>
        <span className="calls__who">{r.report}</span>
        <span className="calls__meta">
          Made {relativeMoment(r.startedAt, now)} · waiting to be sent
        </span>
      </>
    );
  }
  return (
    <>
      <span className="calls__who">{r.callerLabel}</span>
      <span className="calls__meta">
        {r.status === 'draft' ? 'Draft' : r.status === 'finalised' ? 'Finalised' : 'Discarded'} · started {timeHM(r.startedAt)} ({ageOf(r.startedAt, now)}) · {changes(r.changes)} waiting since{' '}
        {relativeMoment(r.since, now)}
        {r.queuedBeforeAuthors ? ' · queued before this desk recorded who made changes' : ''}
      </span>
    </>
  );
}

/** Asked when someone signs in and changes made while nobody was signed in wait: were any of them theirs? */
export function ClaimDialog() {
  const open = useApp((s) => s.dialog === 'claim');
  const close = useApp((s) => s.closeDialog);
  const groups = useSync((s) => s.waiting);
  const loaded = useSync((s) => s.waitingLoaded);
  const claim = useSync((s) => s.claim);
  const user = useSync((s) => (s.status?.session.state === 'signed_in' ? s.status.session.user : null));
  const now = new Date(useApp((s) => s.now));
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();

  useEffect(() => {
    if (!open) return;
    setChosen(new Set());
    setError(null);
    void useSync.getState().loadWaiting();
  }, [open]);

  const records = groups.find((g) => g.state === 'unclaimed')?.records ?? [];
  const older = records.filter((r) => r.queuedBeforeAuthors).map((r) => r.recordId);
  // Records queued before authors were recorded go together: the server numbers them as one stream.
  const toggle = (r: WaitingRecord) =>
    setChosen((before) => {
      const next = new Set(before);
      const ids = r.queuedBeforeAuthors ? older : [r.recordId];
      const on = !before.has(r.recordId);
      for (const x of ids) {
        if (on) next.add(x);
        else next.delete(x);
      }
      return next;
    });

  return (
    <Dialog open={open} title="Changes made while nobody was signed in" onClose={close} size="medium">
      <p id={`${id}-about`}>
        These were made on this desk while nobody was signed in, so they are nobody’s yet and have not been sent to the server. Tick only what{' '}
        <strong>{user ? `you, ${user.displayName},` : 'you'}</strong> did: they are then filed under your name and sent. Claiming is recorded in the desk’s audit trail.
        Anything not ticked stays on this desk, unsent, for the person who made it.
      </p>
      {!user ? (
        <p className="inline-alert inline-alert--warning">
          <Icon name="warning" />
          <span>Sign in first: only the person signed in can claim changes.</span>
        </p>
      ) : !loaded ? (
        <p className="muted">Loading…</p>
      ) : records.length === 0 ? (
        <p className="empty-note">Nothing is waiting to be claimed.</p>
      ) : (
        <fieldset className="claim-list">
          <legend className="visually-hidden">Records with changes nobody has claimed</legend>
          {records.map((r) => (
            <div className="choice choice--check claim-list__item" key={r.recordId}>
              <input className="choice__input" type="checkbox" id={`${id}-${r.recordId}`} checked={chosen.has(r.recordId)} onChange={() => toggle(r)} />
              <label className="choice__label" htmlFor={`${id}-${r.recordId}`}>
                <RecordLine r={r} now={now} />
              </label>
            </div>
          ))}
        </fieldset>
      )}
      <ErrorAlert message={error} />
      <div className="button-row">
        {user && records.length > 0 && (
          <button
            type="button"
            className="button"
            disabled={busy || chosen.size === 0}
            onClick={() => {
              setBusy(true);
              void claim([...chosen]).then((e) => {
                setBusy(false);
                if (e) setError(e.message);
                else close();
              });
            }}
          >
            <Icon name="check" />
            {chosen.size === 0 ? 'Tick what you did' : chosen.size === 1 ? 'This is mine: file it under my name' : `These ${chosen.size} are mine: file them under my name`}
          </button>
        )}
        <button type="button" className="button button--secondary" onClick={close}>
          {records.length > 0 ? 'None of them are mine' : 'Close'}
        </button>
      </div>
    </Dialog>
  );
}

function Group({ g, me, now }: { g: WaitingGroup; me: string | null; now: Date }) {
  const openDialog = useApp((s) => s.openDialog);
  const signedIn = useSync((s) => s.status?.session.state === 'signed_in');
  const tone = g.state === 'refused' || g.state === 'sign_in_needed' ? 'error' : g.state === 'unclaimed' ? 'warning' : 'info';
  return (
    <li className="waiting-group" data-testid="waiting-group">
      <h3 className="waiting-group__title">{g.author ? (g.author.userId === me ? `${g.author.displayName} (you)` : g.author.displayName) : 'Nobody signed in'}</h3>
      <p className={`inline-alert inline-alert--${tone}`}>
        <Icon name={tone === 'info' ? 'clock' : 'warning'} />
        <span>{queueSentence(g, me)}</span>
      </p>
      <ul className="calls__list">
        {g.records.map((r) => (
          <li key={r.recordId} className="calls__item">
            <div className="calls__open calls__open--static">
              <RecordLine r={r} now={now} />
            </div>
          </li>
        ))}
      </ul>
      {g.state === 'unclaimed' && signedIn && (
        <button type="button" className="button button--small" onClick={() => openDialog('claim')}>
          Some of these are mine…
        </button>
      )}
    </li>
  );
}

/** Every change still waiting on this desk, by whose it is and what it waits for. */
export function WaitingDialog() {
  const open = useApp((s) => s.dialog === 'waiting');
  const close = useApp((s) => s.closeDialog);
  const groups = useSync((s) => s.waiting);
  const loaded = useSync((s) => s.waitingLoaded);
  const me = useSync((s) => s.status?.session.user?.userId ?? null);
  const now = new Date(useApp((s) => s.now));
  useEffect(() => {
    if (open) void useSync.getState().loadWaiting();
  }, [open]);
  return (
    <Dialog open={open} title="Changes waiting on this desk" onClose={close} size="large">
      <p>
        Each person’s changes reach the server under their own name only: sent under their own session, even after they have left this desk, or kept here until they sign in
        again. Nothing is sent under anyone else’s name, and nothing is deleted.
      </p>
      {!loaded ? (
        <p className="muted">Loading…</p>
      ) : groups.length === 0 ? (
        <p className="empty-note">Nothing is waiting: everything on this desk has reached the server.</p>
      ) : (
        <ul className="waiting-groups">
          {groups.map((g) => (
            <Group key={g.author?.userId ?? '(nobody)'} g={g} me={me} now={now} />
          ))}
        </ul>
      )}
    </Dialog>
  );
}
