import { useEffect, useState } from 'react';
import type { RejectionView } from '../../../../shared/contract';
import { Dialog } from '../../components/Dialog';
import { Icon } from '../../components/Icon';
import { ErrorAlert } from '../../components/ErrorAlert';
import { dateDMY, relativeMoment, timeHM } from '../../lib/time';
import { useApp } from '../../stores/app';
import { useCallSession } from '../../stores/call-session';
import { useSync } from '../../stores/sync';
import { callerName, useRecords } from './record-labels';

/*
 * Changes the server rejected, with its reason. They are kept on this desk for good: acknowledging
 * one only marks it as seen, and it stays listed (under "Acknowledged").
 */

export const REJECTION_KINDS: Record<RejectionView['kind'], string> = {
  upsert: 'A change to a draft',
  finalise: 'Finalising the record',
  addendum: 'An addendum',
  discard: 'Discarding the draft',
  report: 'A report of a directory problem',
};

function Rejection({ r, label }: { r: RejectionView; label: string }) {
  const acknowledge = useSync((s) => s.acknowledge);
  const openRecord = useCallSession((s) => s.open);
  const close = useApp((s) => s.closeDialog);
  const now = new Date(useApp((s) => s.now));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <li className={`rejection${r.acknowledgedAt ? ' rejection--seen' : ''}`} data-testid="rejection">
      <div className="rejection__head">
        <h4 className="rejection__title">
          {REJECTION_KINDS[r.kind]}
          {r.author ? ` by ${r.author.displayName}` : ''} · {label}
        </h4>
        {r.acknowledgedAt ? (
          <span className="tag tag--grey">
            <Icon name="check" /> Acknowledged {relativeMoment(r.acknowledgedAt, now)}
          </span>
        ) : (
          <span className="tag tag--red">
            <Icon name="warning" /> Not yet acknowledged
          </span>
        )}
      </div>
      <p className="rejection__when">
        Rejected by the server {timeHM(r.failedAt)} on {dateDMY(r.failedAt)}. The change is kept on this desk.
      </p>
      <p className="rejection__reason">
        <span className="rejection__reason-label">Why: </span>
        {r.reason}
      </p>
      <ErrorAlert message={error} />
      <div className="button-row">
        {r.kind !== 'report' && (
          <button
            type="button"
            className="button button--small button--secondary"
            onClick={() => {
              void openRecord(r.recordId);
              close();
            }}
          >
            Open the record
          </button>
        )}
        {!r.acknowledgedAt && (
          <button
            type="button"
            className="button button--small"
            disabled={busy}
            onClick={() => {
              setBusy(true);
              void acknowledge(r.mutationId).then((e) => {
                setBusy(false);
                setError(e?.message ?? null);
              });
            }}
          >
            <Icon name="check" />
            Acknowledge
          </button>
        )}
      </div>
    </li>
  );
}

export function RejectionsDialog() {
  const open = useApp((s) => s.dialog === 'rejections');
  const close = useApp((s) => s.closeDialog);
  const rejections = useSync((s) => s.rejections);
  const loaded = useSync((s) => s.rejectionsLoaded);
  const records = useRecords(
    rejections.filter((r) => r.kind !== 'report').map((r) => r.recordId),
    rejections.length,
  );
  useEffect(() => {
    if (open) void useSync.getState().loadRejections();
  }, [open]);
  const waiting = rejections.filter((r) => !r.acknowledgedAt);
  const seen = rejections.filter((r) => r.acknowledgedAt);
  const item = (r: RejectionView) => <Rejection key={r.mutationId} r={r} label={r.label ?? callerName(records.get(r.recordId))} />;

  return (
    <Dialog open={open} title="Changes the server rejected" onClose={close} size="large">
      <p>
        The server would not take these changes, for the reason given. Each is kept on this desk with the record; nothing has been deleted. Acknowledge one once you have dealt with it
        (for example, added what was needed as an addendum, or told IT).
      </p>
      {!loaded ? (
        <p className="muted">Loading…</p>
      ) : (
        <>
          <h3 className="calls__heading">Not yet acknowledged ({waiting.length})</h3>
          {waiting.length === 0 ? <p className="empty-note">Nothing waiting for you.</p> : <ul className="rejections">{waiting.map(item)}</ul>}
          {seen.length > 0 && (
            <>
              <h3 className="calls__heading">Acknowledged ({seen.length})</h3>
              <ul className="rejections">{seen.map(item)}</ul>
            </>
          )}
        </>
      )}
    </Dialog>
  );
}
