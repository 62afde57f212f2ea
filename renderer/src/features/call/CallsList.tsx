import type { CallSummary } from '../../../../shared/domain/call-record';
import { Icon } from '../../components/Icon';
import { ageOf, relativeMoment, timeHM } from '../../lib/time';
import { useApp } from '../../stores/app';
import { useCallSession } from '../../stores/call-session';

/** Calls on this desk to resume: drafts first (in progress), then recently finalised ones. */
export function CallsList({ onOpened }: { onOpened?: () => void }) {
  const calls = useCallSession((s) => s.calls);
  const loaded = useCallSession((s) => s.callsLoaded);
  const openId = useCallSession((s) => s.record?.id);
  const open = useCallSession((s) => s.open);
  const deskUser = useCallSession((s) => s.deskUser);
  const now = new Date(useApp((s) => s.now));

  if (!loaded) return <p className="muted">Loading the calls on this desk…</p>;
  const drafts = calls.filter((c) => c.status === 'draft');
  // Finalised calls still owed a callback are all listed, soonest due first; the core lists them
  // before other finalised records, so a limit never hides one.
  const owed = calls.filter((c) => c.status === 'finalised' && c.callbackDueAt).sort((a, b) => a.callbackDueAt!.localeCompare(b.callbackDueAt!));
  const finalised = calls.filter((c) => c.status === 'finalised' && !c.callbackDueAt).slice(0, 20);

  const row = (c: CallSummary) => {
    const due = c.callbackDueAt ? new Date(c.callbackDueAt) : null;
    const overdue = due !== null && due.getTime() < now.getTime();
    return (
      <li key={c.id} className={`calls__item${c.id === openId ? ' calls__item--current' : ''}`}>
        <button
          type="button"
          className="calls__open"
          onClick={() => {
            void open(c.id);
            onOpened?.();
          }}
          aria-current={c.id === openId || undefined}
        >
          <span className="calls__who">{c.callerLabel || 'Caller not recorded'}</span>
          <span className="calls__meta">
            Started {timeHM(c.startedAt)} ({ageOf(c.startedAt, now)}) · last change {ageOf(c.updatedAt, now)}
            {c.outcomeCode && <> · outcome {c.outcomeCode}</>}
          </span>
          {c.id === openId && <span className="tag tag--blue">Open now</span>}
          {c.status === 'draft' && deskUser !== undefined && (c.createdBy?.userId ?? null) !== deskUser && (
            <span className="tag tag--grey">{c.createdBy ? `Started by ${c.createdBy.displayName} · read-only` : 'Nobody’s yet'}</span>
          )}
          {due && (
            <span className={`tag ${overdue ? 'tag--red' : 'tag--yellow'}`}>
              <Icon name={overdue ? 'warning' : 'clock'} />
              {overdue ? `Callback overdue since ${relativeMoment(due, now)}` : `Callback due ${relativeMoment(due, now)}`}
            </span>
          )}
        </button>
      </li>
    );
  };

  return (
    <div className="calls">
      <h3 className="calls__heading">In progress ({drafts.length})</h3>
      {drafts.length === 0 ? <p className="empty-note">No drafts on this desk.</p> : <ul className="calls__list">{drafts.map(row)}</ul>}
      {owed.length > 0 && (
        <>
          <h3 className="calls__heading">Callbacks to make ({owed.length})</h3>
          <ul className="calls__list">{owed.map(row)}</ul>
        </>
      )}
      {finalised.length > 0 && (
        <>
          <h3 className="calls__heading">Recently finalised</h3>
          <ul className="calls__list">{finalised.map(row)}</ul>
        </>
      )}
    </div>
  );
}
