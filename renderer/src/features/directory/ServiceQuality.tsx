import type { DirectoryService } from '../../../../shared/domain/directory';
import { correctionText, REPORT_KIND_LABELS, type ServiceReport } from '../../../../shared/domain/directory-quality';
import { Icon } from '../../components/Icon';
import { relativeMoment } from '../../lib/time';

/*
 * What the trust knows is wrong with a service, on its card and in its details: the
 * clinicians' reports no directory lead has resolved yet, and the trust's own local corrections.
 * Both are warnings, in words, above the numbers; the service keeps its place in the results.
 */

/** "Reported 14:20 today: number not answering or wrong (0800 123 4567)". */
export function reportLine(r: ServiceReport, now: Date): string {
  const when = relativeMoment(r.reportedAt, now);
  const day = /^\d\d:\d\d$/.test(when) ? `${when} today` : when;
  const what = REPORT_KIND_LABELS[r.kind];
  return `Reported ${day}: ${what}${r.phone ? ` (${r.phone})` : ''}${r.note ? ` — “${r.note}”` : ''}${r.local ? '. Sent from this desk; not yet on the other desks.' : ''}`;
}

export function ServiceQuality({ service, now, compact }: { service: DirectoryService; now: Date; compact?: boolean }) {
  const reports = service.openReports ?? [];
  const corrections = service.localCorrections ?? [];
  if (reports.length === 0 && corrections.length === 0) return null;
  // The newest report first; a card shows two at most and says how many more.
  const shown = [...reports].reverse();
  const limit = compact ? 2 : shown.length;
  return (
    <div className="service-quality" data-testid="service-quality">
      {corrections.map((c) => (
        <p className="inline-alert inline-alert--warning service-quality__correction" key={c.id} data-testid="local-correction">
          <Icon name="shield" />
          <span>
            <strong>Local correction: </strong>
            {correctionText(c)}
          </span>
        </p>
      ))}
      {shown.length > 0 && (
        <div className="inline-alert inline-alert--error service-quality__reports" data-testid="open-reports">
          <Icon name="warning" />
          <ul className="service-quality__list" aria-label={`${reports.length} problem${reports.length === 1 ? '' : 's'} reported, not yet resolved`}>
            {shown.slice(0, limit).map((r) => (
              <li key={r.id}>{reportLine(r, now)}</li>
            ))}
            {shown.length > limit && <li>and {shown.length - limit} more: open the details.</li>}
          </ul>
        </div>
      )}
    </div>
  );
}
