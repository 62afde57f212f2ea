import type { ReactNode } from 'react';
import type { ShiftSummary } from '../../../../shared/lib/shift-summary';
import { Icon } from '../../components/Icon';
import { HourChart } from './HourChart';
import { durationText, momentText, plural } from '../../stores/shift-text';

/*
 * The shift's figures as the lead reads them at handover: what came in (by hour, route, caller,
 * age), what happened (outcomes, referrals, escalations, handling time), and what is left for the
 * next shift (callbacks owed as the handover list, drafts, desks behind, offline periods, directory
 * problems). Exact counts: this screen is inside the team; the small-number rule is for files
 * made for reporting outside it. Nothing typed by a clinician is here.
 */

function Card({ id, title, wide, children }: { id: string; title: string; wide?: boolean; children: ReactNode }) {
  return (
    <section className={`figure-card${wide ? ' figure-card--wide' : ''}`} aria-labelledby={id}>
      <h3 className="figure-card__title" id={id}>
        {title}
      </h3>
      {children}
    </section>
  );
}

function CountTable({ caption, rows, empty = 'None.' }: { caption: string; rows: { key: string; label: ReactNode; count: number }[]; empty?: string }) {
  const shown = rows.filter((r) => r.count > 0);
  if (shown.length === 0) return <p className="muted figure-card__empty">{empty}</p>;
  return (
    <table className="figures-table">
      <caption className="visually-hidden">{caption}</caption>
      <tbody>
        {shown.map((r) => (
          <tr key={r.key}>
            <th scope="row">{r.label}</th>
            <td className="num">{r.count.toLocaleString('en-GB')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Stat({ id, label, value, tone }: { id: string; label: string; value: ReactNode; tone?: 'bad' | 'warn' }) {
  return (
    <div className={`stat${tone ? ` stat--${tone}` : ''}`} data-testid={`stat-${id}`}>
      <dt className="stat__label">{label}</dt>
      <dd className="stat__value">{value}</dd>
    </div>
  );
}

const personName = (p: { name: string } | null, fallback: string) => p?.name ?? fallback;

export function ShiftFigures({ summary, now }: { summary: ShiftSummary; now: Date }) {
  const s = summary;
  const c = s.callbacks;
  const e = s.escalations;
  return (
    <div className="figures" data-testid="shift-figures">
      <Card id="fig-contacts" title="Contacts" wide>
        <dl className="stats">
          <Stat id="contacts" label="Contacts" value={s.contacts.total.toLocaleString('en-GB')} />
          <Stat id="finalised" label="Finalised" value={s.records.finalised} />
          <Stat id="draft" label="Still draft" value={s.records.draft} tone={s.records.draft > 0 ? 'warn' : undefined} />
          <Stat id="median" label="Handling time, median" value={durationText(s.handlingTime.medianSeconds)} />
          <Stat id="p90" label="Handling time, 90th centile" value={durationText(s.handlingTime.p90Seconds)} />
        </dl>
        <p className="muted figure-card__note">
          Handling time over {plural(s.handlingTime.measured, 'call')} with an end time. Discarded drafts ({s.records.discarded}) are not contacts.
        </p>
        <HourChart hours={s.contacts.byHour} />
      </Card>

      <Card id="fig-handover" title="Callbacks and handover" wide>
        <dl className="stats">
          <Stat id="scheduled" label="Scheduled" value={c.scheduled} />
          <Stat id="made" label="Made" value={c.made} />
          <Stat id="outstanding" label="Outstanding" value={c.outstanding} tone={c.outstanding > 0 ? 'warn' : undefined} />
          <Stat id="overdue" label="Overdue" value={c.overdue} tone={c.overdue > 0 ? 'bad' : undefined} />
        </dl>
        {c.madeByAddendum > 0 && <p className="muted figure-card__note">{plural(c.madeByAddendum, 'callback')} recorded as made in an addendum.</p>}
        <h4 className="figure-card__subtitle" id="handover-list-title">
          Handover list: callbacks the team still owes ({s.handover.length})
        </h4>
        {s.handover.length === 0 ? (
          <p className="muted figure-card__empty">No callbacks owed.</p>
        ) : (
          <table className="figures-table handover-table" aria-labelledby="handover-list-title" data-testid="handover-list">
            <thead>
              <tr>
                <th scope="col">Call reference</th>
                <th scope="col">Due</th>
                <th scope="col">Owner</th>
                <th scope="col">Call taken</th>
              </tr>
            </thead>
            <tbody>
              {s.handover.map((h) => (
                <tr key={h.recordId} className={h.overdue ? 'handover-table__overdue' : undefined}>
                  <th scope="row" className="mono">
                    {h.reference}
                  </th>
                  <td>
                    {h.dueAt ? momentText(h.dueAt, now) : 'No time set'}
                    {h.overdue && (
                      <span className="tag tag--bad">
                        <Icon name="warning" /> Overdue
                      </span>
                    )}
                  </td>
                  <td>{personName(h.owner, 'Not yet on the server')}</td>
                  <td>
                    {momentText(h.startedAt, now)}
                    {h.carriedOver && <span className="tag">From an earlier shift</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>

      <Card id="fig-route" title="Contact route">
        <CountTable caption="Contacts by route" rows={s.contacts.byContactRoute.map((r) => ({ key: r.route, label: r.label, count: r.contacts }))} />
      </Card>
      <Card id="fig-caller" title="Caller type">
        <CountTable caption="Contacts by caller type" rows={s.contacts.byCallerType.map((r) => ({ key: r.callerType ?? 'none', label: r.label, count: r.contacts }))} />
      </Card>
      <Card id="fig-age" title="Age band">
        <CountTable caption="Contacts by age band" rows={s.contacts.byAgeBand.map((r) => ({ key: r.band, label: r.label, count: r.contacts }))} />
      </Card>

      <Card id="fig-outcomes" title="Outcomes (MHSDS)">
        <CountTable
          caption="Outcomes"
          rows={s.outcomes.map((o) => ({
            key: o.code ?? 'none',
            label: o.code ? (
              <>
                <span className="mono">{o.code}</span> {o.label}
              </>
            ) : (
              o.label
            ),
            count: o.count,
          }))}
        />
      </Card>
      <Card id="fig-escalations" title="Escalations">
        <CountTable
          caption="Escalations"
          empty="No escalations."
          rows={[
            { key: 'danger', label: 'Immediate danger', count: e.immediateDanger },
            { key: 'emergency', label: 'Any emergency response', count: e.emergencyInterventions },
            { key: '999', label: '999 called', count: e.emergencyServicesCalled },
            { key: 'police', label: 'Police contacted', count: e.policeContacted },
            { key: 'ambulance', label: 'Ambulance requested', count: e.ambulanceRequested },
            { key: 'welfare', label: 'Welfare check requested', count: e.welfareChecksRequested },
            { key: 'sg-referral', label: 'Safeguarding referral made', count: e.safeguardingReferrals },
            { key: 'sg-children', label: 'Safeguarding concern: children', count: e.safeguardingConcerns.children },
            { key: 'sg-adults', label: 'Safeguarding concern: adults', count: e.safeguardingConcerns.adults },
          ]}
        />
      </Card>
      <Card id="fig-referrals" title={`Referrals (${s.referrals.total})`}>
        <CountTable caption="Referrals by service type" rows={s.referrals.byServiceType.map((r) => ({ key: r.serviceType, label: r.label, count: r.count }))} empty="No referrals." />
        {s.referrals.byService.length > 0 && (
          <>
            <h4 className="figure-card__subtitle">By service</h4>
            <CountTable caption="Referrals by named service" rows={s.referrals.byService.map((r) => ({ key: r.serviceId, label: r.serviceName, count: r.count }))} />
          </>
        )}
        {s.referrals.notInDirectory > 0 && <p className="muted figure-card__note">{plural(s.referrals.notInDirectory, 'referral')} to a service the directory no longer lists.</p>}
      </Card>

      <Card id="fig-drafts" title={`Drafts at the end of the shift (${s.draftsAtEnd.total})`}>
        {s.draftsAtEnd.byOwner.length === 0 ? (
          <p className="muted figure-card__empty">No records left in draft.</p>
        ) : (
          <table className="figures-table">
            <thead>
              <tr>
                <th scope="col">Owner</th>
                <th scope="col" className="num">
                  Drafts
                </th>
                <th scope="col" className="num">
                  Still draft
                </th>
                <th scope="col">Oldest</th>
              </tr>
            </thead>
            <tbody>
              {s.draftsAtEnd.byOwner.map((d, i) => (
                <tr key={d.owner?.id ?? `none-${i}`}>
                  <th scope="row">{personName(d.owner, 'Not yet on the server')}</th>
                  <td className="num">{d.count}</td>
                  <td className="num">{d.stillDraft}</td>
                  <td>{momentText(d.oldestStartedAt, now)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <Card id="fig-desks" title="Desks not synced">
        {s.unsyncedDesks.length === 0 ? (
          <p className="muted figure-card__empty">Every desk of the team had sent its changes when last heard from.</p>
        ) : (
          <ul className="figure-list">
            {s.unsyncedDesks.map((d) => (
              <li key={d.clientId}>
                <strong>{personName(d.user, 'Nobody signed in')}</strong>: {plural(d.pending, 'change')} waiting, last seen {d.lastSeenAt ? momentText(d.lastSeenAt, now) : 'never'}
              </li>
            ))}
          </ul>
        )}
        <h4 className="figure-card__subtitle">Offline periods</h4>
        {s.offlinePeriods.length === 0 ? (
          <p className="muted figure-card__empty">None in this range.</p>
        ) : (
          <ul className="figure-list">
            {s.offlinePeriods.map((o) => (
              <li key={`${o.clientId}-${o.from}`}>
                {personName(o.user, 'A desk')}: {momentText(o.from, now)} – {o.ongoing ? 'still offline' : momentText(o.to, now)}
              </li>
            ))}
          </ul>
        )}
      </Card>
      <Card id="fig-directory" title={`Directory problems reported (${s.directoryProblems.reported})`}>
        <CountTable caption="Directory problems by kind" rows={s.directoryProblems.byKind.map((k) => ({ key: k.kind, label: k.kind.replace(/_/g, ' '), count: k.count }))} empty="None reported." />
      </Card>
    </div>
  );
}
