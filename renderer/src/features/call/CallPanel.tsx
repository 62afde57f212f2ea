import { useMemo, useState } from 'react';
import type { CallRecord } from '../../../../shared/domain/call-record';
import { finaliseIssues } from '../../../../shared/domain/finalise';
import { londonDateOf } from '../../../../shared/lib/calendar';
import { shortcutKeys } from '../../app/shortcuts';
import { Kbd } from '../../components/Dialog';
import { Icon } from '../../components/Icon';
import { ageOf, dateDMY, timeHM } from '../../lib/time';
import { useApp } from '../../stores/app';
import { canEdit, useCallSession } from '../../stores/call-session';
import { useSync } from '../../stores/sync';
import { Addenda } from './Addenda';
import { CallRecordForm } from './CallRecordForm';
import { CallsList } from './CallsList';
import { revealInPane } from '../../lib/focus';
import { RecordView } from './RecordView';
import { SaveStatus } from './SaveStatus';

const SECTIONS = [
  ['sec-caller', 'Caller'],
  ['sec-need', 'Need'],
  ['sec-risk', 'Risk'],
  ['sec-interventions', 'Interventions'],
  ['sec-outcome', 'Outcome'],
  ['sec-referrals', 'Referrals'],
  ['sec-callback', 'Callback'],
  ['sec-consent', 'Consent'],
] as const;

function Notice() {
  const notice = useCallSession((s) => s.notice);
  const dismiss = useCallSession((s) => s.dismissNotice);
  if (!notice) return null;
  return (
    <div className={`notice notice--${notice.tone}`} role="alert">
      <Icon name={notice.tone === 'info' ? 'info' : 'warning'} />
      <div className="notice__body">
        <p className="notice__title">{notice.title}</p>
        <p>{notice.body}</p>
        {notice.unsaved && notice.unsaved.length > 0 && (
          <dl className="notice__unsaved">
            {notice.unsaved.map((u) => (
              <div key={u.field}>
                <dt>{u.field}</dt>
                <dd className="prewrap">{u.mine}</dd>
              </div>
            ))}
          </dl>
        )}
      </div>
      <button type="button" className="button button--small button--secondary" onClick={dismiss}>
        Dismiss
      </button>
    </div>
  );
}

/**
 * The open record has a conflict or a rejected change waiting: said in the record's header, which
 * never scrolls away, with the way to settle it.
 */
function SyncIssues({ recordId }: { recordId: string }) {
  const conflict = useSync((s) => s.conflicts.some((c) => c.recordId === recordId));
  const rejected = useSync((s) => s.rejections.filter((r) => r.recordId === recordId && !r.acknowledgedAt).length);
  const openDialog = useApp((s) => s.openDialog);
  if (!conflict && rejected === 0) return null;
  return (
    <>
      {conflict && (
        <div className="record-alert record-alert--warning" data-testid="record-conflict">
          <Icon name="compare" />
          <p className="record-alert__text">
            <strong>Also changed on another desk.</strong> Both versions are kept: choose which to keep, or merge them.
          </p>
          <button type="button" className="button button--small" onClick={() => openDialog('conflicts')}>
            Compare and choose
          </button>
        </div>
      )}
      {rejected > 0 && (
        <div className="record-alert record-alert--error" data-testid="record-rejected">
          <Icon name="warning" />
          <p className="record-alert__text">
            <strong>The server rejected {rejected === 1 ? 'a change' : `${rejected} changes`} to this record.</strong> {rejected === 1 ? 'It is' : 'They are'} kept on this desk.
          </p>
          <button type="button" className="button button--small" onClick={() => openDialog('rejections')}>
            See why
          </button>
        </div>
      )}
    </>
  );
}

function EmptyState() {
  const newCall = useCallSession((s) => s.newCall);
  return (
    <div className="empty-call">
      <div className="empty-call__start">
        <h3 className="empty-call__title">No call open</h3>
        <p>Start a record as soon as you answer: it saves as you type, and nothing is lost if this window closes.</p>
        <button type="button" className="button button--large" id="start-call" onClick={() => void newCall()}>
          <Icon name="plus" />
          Start a new call <Kbd>{shortcutKeys('newCall')}</Kbd>
        </button>
      </div>
      <CallsList />
    </div>
  );
}

function Readiness() {
  const live = useCallSession((s) => s.live);
  const request = useCallSession((s) => s.requestFinalise);
  const count = useMemo(() => (live ? finaliseIssues(live).length : 0), [live]);
  return (
    <button type="button" className={`readiness ${count ? 'readiness--todo' : 'readiness--ready'}`} onClick={() => void request()}>
      <Icon name={count ? 'list' : 'open'} />
      {count ? `${count} to complete before finalising` : 'Ready to finalise'}
    </button>
  );
}

/** Who started, last changed and finalised the record, in the header (author null: nobody was signed in). */
function Authors({ record }: { record: CallRecord }) {
  const started = record.createdBy ? `Started by ${record.createdBy.displayName}` : 'Started while nobody was signed in';
  const created = record.createdBy?.userId ?? null;
  const last = record.status === 'finalised' ? record.finalisedBy : record.updatedBy;
  const lastId = last?.userId ?? null;
  const what = record.status === 'finalised' ? 'finalised' : 'last change';
  return (
    <span className="record-header__authors" data-testid="record-authors">
      {started}
      {lastId !== created ? ` · ${what} ${last ? `by ${last.displayName}` : 'while nobody was signed in'}` : ''}
    </span>
  );
}

/** A draft the desk user may not change: whose it is, and (for one nobody has claimed) the way to take it. */
function NotYours({ record }: { record: CallRecord }) {
  const claimOpen = useCallSession((s) => s.claimOpen);
  const closeRecord = useCallSession((s) => s.closeRecord);
  const deskUser = useCallSession((s) => s.deskUser);
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="record-alert record-alert--warning" data-testid="record-read-only">
      <Icon name="lock" />
      <p className="record-alert__text">
        {record.createdBy ? (
          <>
            <strong>Started by {record.createdBy.displayName}.</strong> Only they can change, finalise or discard this draft: it is shown read-only.
          </>
        ) : (
          <>
            <strong>Written while nobody was signed in: nobody’s yet.</strong> {deskUser ? 'If it is yours, take it as yours to carry on.' : 'Sign in to take it as yours.'}
          </>
        )}
        {error && <span className="block">{error}</span>}
      </p>
      {!record.createdBy && deskUser && (
        <button type="button" className="button button--small" onClick={() => void claimOpen().then((e) => setError(e?.message ?? null))}>
          This is mine
        </button>
      )}
      <button type="button" className="button button--small button--secondary" onClick={() => void closeRecord()}>
        Close record
      </button>
    </div>
  );
}

export function CallPanel() {
  const record = useCallSession((s) => s.record);
  const deskUser = useCallSession((s) => s.deskUser);
  const editable = record !== null && canEdit(record, deskUser);
  const formKey = useCallSession((s) => s.formKey);
  const requestFinalise = useCallSession((s) => s.requestFinalise);
  const closeRecord = useCallSession((s) => s.closeRecord);
  const openDialog = useApp((s) => s.openDialog);
  const now = new Date(useApp((s) => s.now));

  return (
    <section className="pane pane--record" aria-labelledby="record-heading" id="call-record">
      <header className="pane__header record-header">
        <div className="record-header__top">
          <h2 className="pane__title" id="record-heading">
            Call record
          </h2>
          {record && (
            <>
              <span className={`tag ${record.status === 'draft' ? 'tag--blue' : 'tag--green'}`}>
                {record.status === 'draft' ? (
                  'Draft'
                ) : (
                  <>
                    <Icon name="lock" /> Finalised
                  </>
                )}
              </span>
              <span className="record-header__meta">
                Started {timeHM(record.content.startedAt)}
                {londonDateOf(new Date(record.content.startedAt)) !== londonDateOf(now) ? ` on ${dateDMY(record.content.startedAt)}` : ''} · {ageOf(record.content.startedAt, now)}
              </span>
              <Authors record={record} />
            </>
          )}
          <span className="spacer" />
          {(!record || editable) && <SaveStatus />}
        </div>
        {record?.status === 'draft' && !editable && <NotYours record={record} />}
        {record?.status === 'draft' && editable && (
          <>
            <div className="record-header__bar">
              <Readiness />
              <span className="spacer" />
              <button type="button" className="button button--compact" onClick={() => void requestFinalise()}>
                <Icon name="lock" />
                Finalise <Kbd>{shortcutKeys('finalise')}</Kbd>
              </button>
              <button type="button" className="button button--compact button--secondary" onClick={() => openDialog('discard')}>
                <Icon name="trash" />
                Discard…
              </button>
            </div>
            <nav aria-label="Sections of the record" className="jump">
              <ul>
                {SECTIONS.map(([id, label]) => (
                  <li key={id}>
                    <a
                      href={`#${id}`}
                      onClick={(e) => {
                        e.preventDefault();
                        const el = document.getElementById(id);
                        if (!el) return;
                        revealInPane(el, 'start');
                        el.querySelector<HTMLElement>('input, select, textarea')?.focus({ preventScroll: true });
                      }}
                    >
                      {label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          </>
        )}
        {record && record.status !== 'draft' && (
          <div className="record-header__bar">
            <p className="finalised-banner" id="record-status" tabIndex={-1}>
              <Icon name="lock" />
              <span>
                Finalised {record.finalisedAt ? `${timeHM(record.finalisedAt)} on ${dateDMY(record.finalisedAt)}` : ''}
                {record.finalisedBy ? ` by ${record.finalisedBy.displayName}` : ''} · read-only · content hash{' '}
                <span className="mono" title={record.contentHash ?? ''}>
                  {record.contentHash?.slice(0, 16)}…
                </span>
              </span>
            </p>
            <span className="spacer" />
            <button type="button" className="button button--secondary" onClick={() => void closeRecord()}>
              Close record
            </button>
          </div>
        )}
        {record && <SyncIssues recordId={record.id} />}
      </header>
      {/* A read-only draft has nothing to tab to: its body takes focus itself, so it scrolls by keyboard. */}
      <div className="pane__body" tabIndex={record?.status === 'draft' && !editable ? 0 : -1} id="record-body">
        <Notice />
        {!record && <EmptyState />}
        {record?.status === 'draft' && editable && <CallRecordForm key={formKey} record={record} />}
        {record?.status === 'draft' && !editable && <RecordView record={record} />}
        {record && record.status !== 'draft' && (
          <>
            <Addenda record={record} />
            <RecordView record={record} />
          </>
        )}
      </div>
    </section>
  );
}
