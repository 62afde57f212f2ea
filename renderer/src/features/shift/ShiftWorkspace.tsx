import { useEffect } from 'react';
import { AUDIENCE_LABELS, AUDIENCE_RULES, AUDIENCES } from '../../../../shared/lib/disclosure';
import type { ExportFormat } from '../../../../shared/lib/shift-export-formats';
import { Icon } from '../../components/Icon';
import { useApp } from '../../stores/app';
import { useShift } from '../../stores/shift';
import { ShiftChoice } from './ShiftChoice';
import { ShiftFigures } from './ShiftFigures';
import { freshness, rangeLabel } from '../../stores/shift-text';

/*
 * The Shift workspace, beside the call workspace for team leads and administrators (App.tsx shows
 * it only to them; the core refuses anyone else). The figures come from the team's records on
 * this desk and are made again as records sync (sync.recordsChanged).
 */

const FORMAT_BUTTONS: Record<ExportFormat, string> = { pdf: 'Handover PDF', xlsx: 'Spreadsheet (XLSX)', csv: 'Contacts (CSV)' };
const PHASES: Record<string, string> = {
  starting: 'Starting…',
  summary: 'Working out the figures…',
  contacts: 'Writing the contacts…',
  sections: 'Writing the sections…',
  finishing: 'Finishing the file…',
};

function ShiftExport() {
  const { view, audience, exporting, exportOutcome, fieldErrors, setAudience, exportFile, cancelExport } = useShift();
  if (!view) return null;
  const error = fieldErrors.audience;
  const behind = view.summary.unsyncedDesks.length;
  return (
    <section className="shift-export" aria-labelledby="shift-export-title">
      <h3 className="figure-card__title" id="shift-export-title">
        Export this shift
      </h3>
      <fieldset className={`fieldset field--tight${error ? ' field--error' : ''}`} aria-describedby={error ? 'shift-audience-error' : undefined}>
        <legend className="field__label field__label--small">Who is the file for?</legend>
        {error && (
          <p className="field__error" id="shift-audience-error">
            <span>
              <span className="visually-hidden">Error: </span>
              {error}
            </span>
          </p>
        )}
        <div className="choices">
          {AUDIENCES.map((a) => (
            <div className="choice choice--small" key={a}>
              <input className="choice__input" type="radio" name="shift-audience" id={`shift-audience-${a}`} checked={audience === a} onChange={() => setAudience(a)} aria-describedby={`shift-audience-${a}-hint`} />
              <div>
                <label className="choice__label" htmlFor={`shift-audience-${a}`}>
                  {AUDIENCE_LABELS[a]}
                </label>
                <div className="choice__hint" id={`shift-audience-${a}-hint`}>
                  {AUDIENCE_RULES[a]}
                </div>
              </div>
            </div>
          ))}
        </div>
      </fieldset>
      {behind > 0 && (
        <p className="field__warning">
          {behind === 1 ? '1 desk of the team is' : `${behind} desks of the team are`} behind: the file has what is known and says so.
        </p>
      )}
      <div className="button-row shift-export__buttons">
        {(['pdf', 'xlsx', 'csv'] as const).map((f) => (
          <button key={f} type="button" className="button button--secondary" disabled={exporting !== null} onClick={() => void exportFile(f)}>
            {FORMAT_BUTTONS[f]}
          </button>
        ))}
      </div>
      {exporting && (
        <div className="shift-export__progress">
          <label htmlFor="shift-export-progress" className="field__label field__label--small">
            {exporting.format.toUpperCase()}: {PHASES[exporting.phase] ?? 'Working…'}
          </label>
          <progress id="shift-export-progress" className="progress" max={Math.max(1, exporting.total)} value={Math.min(exporting.done, exporting.total)} />
          <button type="button" className="button button--small button--secondary" onClick={() => void cancelExport()}>
            Cancel export
          </button>
        </div>
      )}
      {exportOutcome && (
        <p className={`notice ${exportOutcome.tone === 'error' ? 'notice--error' : 'notice--success'}`} data-testid="export-outcome">
          <Icon name={exportOutcome.tone === 'error' ? 'warning' : 'check'} />
          <span className="notice__body">{exportOutcome.text}</span>
        </p>
      )}
    </section>
  );
}

export function ShiftWorkspace() {
  const { view, loading, error, open } = useShift();
  const tick = useApp((s) => s.now);
  const now = new Date(tick);
  useEffect(() => {
    void open();
  }, [open]);
  // Once a minute the figures are made again: a callback becomes overdue, a shift under way grows.
  useEffect(() => {
    void useShift.getState().refresh();
  }, [tick]);
  const fresh = view ? freshness(view, now) : null;
  return (
    <section className="pane shift-pane" id="shift" aria-labelledby="shift-title">
      <div className="pane__header shift-pane__header">
        <h2 className="pane__title" id="shift-title">
          Shift
          {view && <span className="shift-pane__team"> · {view.teamName}</span>}
        </h2>
        {view && (
          <p className="shift-pane__range" data-testid="shift-range">
            <Icon name="calendar" /> {rangeLabel(view.summary.from, view.summary.to)}
          </p>
        )}
        {fresh && (
          <p className={`shift-pane__fresh shift-pane__fresh--${fresh.tone}`} data-testid="shift-freshness" role="status">
            <Icon name={fresh.tone === 'ok' ? 'cloud' : 'warning'} /> {fresh.text}
            {fresh.caveat && <span className="shift-pane__caveat"> {fresh.caveat}</span>}
          </p>
        )}
      </div>
      <div className="pane__body shift-pane__body">
        <div className="shift-layout">
          <aside className="shift-layout__side">
            <ShiftChoice />
            <ShiftExport />
          </aside>
          <div className="shift-layout__main" aria-busy={loading || undefined}>
            {error && (
              <p className="notice notice--error" role="alert">
                <Icon name="warning" />
                <span className="notice__body">{error}</span>
              </p>
            )}
            {view ? <ShiftFigures summary={view.summary} now={now} /> : !error && <p className="muted">{loading ? 'Working out the figures…' : 'Choose a shift to see its figures.'}</p>}
          </div>
        </div>
      </div>
    </section>
  );
}
