import { useEffect, useId, useRef, useState } from 'react';
import type { ConflictView } from '../../../../shared/contract';
import type { CallRecord, CallRecordContent } from '../../../../shared/domain/call-record';
import { Dialog } from '../../components/Dialog';
import { Icon } from '../../components/Icon';
import { ErrorAlert } from '../../components/ErrorAlert';
import { dateDMY, relativeMoment, timeHM } from '../../lib/time';
import { useApp } from '../../stores/app';
import { useCallSession } from '../../stores/call-session';
import { useSync, type ResolveChoice } from '../../stores/sync';
import { differences, NOT_RECORDED, wordDiff, type Difference, type Segment } from './conflict-diff';
import { MergeEditor } from './MergeEditor';
import { callerName, useRecords } from './record-labels';

/*
 * The conflicts view: each record changed both on this desk and elsewhere before either saw the
 * other's change. Both versions are shown side by side (the fields that differ, words that differ
 * marked), and the clinician keeps one or merges them by hand. Nothing is overwritten until then.
 */

function Marked({ segments }: { segments: Segment[] }) {
  return (
    <>
      {segments.map((s, i) =>
        s.changed ? (
          <mark key={i} className="diff-mark">
            {s.text}
          </mark>
        ) : (
          <span key={i}>{s.text}</span>
        ),
      )}
    </>
  );
}

function DiffTable({ diffs, caption }: { diffs: Difference[]; caption: string }) {
  return (
    <table className="diff-table">
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">
            <Icon name="pin" /> On this desk (yours)
          </th>
          <th scope="col">
            <Icon name="cloud" /> On the server (another desk)
          </th>
        </tr>
      </thead>
      <tbody>
        {diffs.map((d) => {
          const words = d.prose && d.mine !== NOT_RECORDED && d.theirs !== NOT_RECORDED ? wordDiff(d.mine, d.theirs) : null;
          const whole = (v: string) => (v === NOT_RECORDED ? <span className="diff-none">{v}</span> : <strong className="diff-whole">{v}</strong>);
          return (
            <tr key={d.path}>
              <th scope="row">{d.label}</th>
              <td className="prewrap">{words ? <Marked segments={words.mine} /> : whole(d.mine)}</td>
              <td className="prewrap">{words ? <Marked segments={words.theirs} /> : whole(d.theirs)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function ConflictCard({ conflict, record, index }: { conflict: ConflictView; record: CallRecord | undefined; index: number }) {
  const resolve = useSync((s) => s.resolve);
  const openId = useCallSession((s) => s.record?.id);
  const now = new Date(useApp((s) => s.now));
  const [mode, setMode] = useState<'compare' | 'merge'>('compare');
  const [busy, setBusy] = useState<ResolveChoice | null>(null);
  const [error, setError] = useState<string | null>(null);
  const headingId = useId();
  // This desk's version: the record as it is now (typing after the conflict included) while it is a draft.
  const mine: CallRecordContent = record && record.status === 'draft' ? record.content : conflict.localContent;
  const theirs = conflict.serverContent;
  const diffs = theirs ? differences(mine, theirs) : [];
  const draft = conflict.recordStatus === 'draft';
  const label = callerName(record);
  const started = mine.startedAt;

  const choose = async (choice: ResolveChoice) => {
    setBusy(choice);
    setError(null);
    const e = await resolve(conflict.id, choice);
    setBusy(null);
    if (e) setError(e.message);
  };

  return (
    <article className="conflict" aria-labelledby={headingId} data-testid="conflict">
      <header className="conflict__head">
        <h3 className="conflict__title" id={headingId} tabIndex={-1} data-conflict-index={index}>
          {label} · call started {timeHM(started)} on {dateDMY(started)}
        </h3>
        {openId === conflict.recordId && <span className="tag tag--blue">Open now</span>}
        <span className={`tag ${draft ? 'tag--blue' : 'tag--green'}`}>{draft ? 'Draft' : 'Finalised on this desk'}</span>
        <span className="conflict__meta">Found {relativeMoment(conflict.detectedAt, now)}</span>
      </header>
      {mode === 'compare' ? (
        <>
          {!theirs ? (
            <p className="inline-alert">
              <Icon name="info" />
              <span>The server sent no version of its own for this record. Keep this desk’s version to send it again.</span>
            </p>
          ) : diffs.length === 0 ? (
            <p className="inline-alert">
              <Icon name="info" />
              <span>The two versions are now the same. Keep yours to settle it.</span>
            </p>
          ) : (
            <>
              <p className="conflict__summary">
                <strong>{diffs.length === 1 ? '1 field differs' : `${diffs.length} fields differ`}</strong>. Everything else is the same in both. Words only in one version are{' '}
                <mark className="diff-mark">highlighted and underlined</mark>.
              </p>
              <DiffTable diffs={diffs} caption={`What differs in the record of ${label}`} />
            </>
          )}
          {!draft && (
            <p className="inline-alert inline-alert--warning">
              <Icon name="lock" />
              <span>This record is finalised on this desk, so it cannot take another version: keeping yours sends it to the server. Anything from the other version can be added as an addendum.</span>
            </p>
          )}
          <ErrorAlert message={error} />
          <div className="button-row conflict__choices" role="group" aria-label={`Resolve the conflict in the record of ${label}`}>
            <button type="button" className="button" disabled={busy !== null} onClick={() => void choose('keep_mine')}>
              <Icon name="pin" />
              Keep mine
            </button>
            {draft && theirs && (
              <>
                <button type="button" className="button button--secondary" disabled={busy !== null} onClick={() => void choose('keep_theirs')}>
                  <Icon name="cloud" />
                  Keep theirs
                </button>
                <button type="button" className="button button--secondary" disabled={busy !== null || diffs.length === 0} onClick={() => setMode('merge')}>
                  <Icon name="compare" />
                  Merge by hand…
                </button>
              </>
            )}
            <span className="conflict__hint">Either way, both versions stay in the record’s history on this desk.</span>
          </div>
        </>
      ) : (
        <MergeEditor conflict={conflict} mine={mine} theirs={theirs!} diffs={diffs} label={label} onCancel={() => setMode('compare')} onResolved={() => setMode('compare')} />
      )}
    </article>
  );
}

export function ConflictsDialog() {
  const open = useApp((s) => s.dialog === 'conflicts');
  const close = useApp((s) => s.closeDialog);
  const conflicts = useSync((s) => s.conflicts);
  const loaded = useSync((s) => s.conflictsLoaded);
  const records = useRecords(
    conflicts.map((c) => c.recordId),
    conflicts,
  );
  const bodyRef = useRef<HTMLDivElement>(null);
  const count = useRef(conflicts.length);

  useEffect(() => {
    if (open) void useSync.getState().loadConflicts();
  }, [open]);

  // After one is resolved, go on to the next (or to the note that none are left).
  useEffect(() => {
    if (!open) return;
    if (conflicts.length < count.current) {
      requestAnimationFrame(() => (bodyRef.current?.querySelector<HTMLElement>('[data-conflict-index="0"], [data-conflicts-done]') ?? null)?.focus());
    }
    count.current = conflicts.length;
  }, [conflicts.length, open]);

  return (
    <Dialog open={open} title="Conflicts: records changed on two desks" onClose={close} size="wide">
      <div ref={bodyRef}>
        <p className="conflicts__intro">
          Each record here was changed on this desk and on another desk before either had the other’s change. Nothing has been overwritten: both versions are kept until you choose.
        </p>
        {!loaded ? (
          <p className="muted">Loading…</p>
        ) : conflicts.length === 0 ? (
          <div className="conflicts__done">
            <p className="empty-note" tabIndex={-1} data-conflicts-done>
              <Icon name="check" /> No conflicts left to resolve.
            </p>
            <button type="button" className="button button--secondary" onClick={close}>
              Close
            </button>
          </div>
        ) : (
          conflicts.map((c, i) => <ConflictCard key={c.id} conflict={c} record={records.get(c.recordId)} index={i} />)
        )}
      </div>
    </Dialog>
  );
}
