import { useRef } from 'react';
import { REFERRAL_ROUTE_LABELS, REFERRAL_ROUTES, SERVICE_TYPE_LABELS, SERVICE_TYPES, type ReferralRoute, type ServiceType } from '../../../../shared/domain/service-types';
import { useDismissable } from '../../components/use-dismissable';
import { useDirectory } from '../../stores/directory';

function Checks<V extends string>({ legend, options, value, onChange, id }: { legend: string; options: readonly { value: V; label: string }[]; value: V[]; onChange: (v: V[]) => void; id: string }) {
  return (
    <fieldset className="picker__group">
      <legend className="picker__legend">{legend}</legend>
      {options.map((o) => (
        <div className="choice choice--check choice--small" key={o.value}>
          <input
            className="choice__input"
            type="checkbox"
            id={`${id}-${o.value}`}
            checked={value.includes(o.value)}
            onChange={(e) => onChange(e.target.checked ? [...value, o.value] : value.filter((x) => x !== o.value))}
          />
          <label className="choice__label" htmlFor={`${id}-${o.value}`}>
            {o.label}
          </label>
        </div>
      ))}
    </fieldset>
  );
}

/** Service types and referral routes, folded into one drop-down so the filters fit one row. */
export function MoreFilters({ id }: { id: string }) {
  const ref = useRef<HTMLDetailsElement>(null);
  useDismissable(ref);
  const types = useDirectory((s) => s.filters.types);
  const routes = useDirectory((s) => s.filters.routes);
  const setFilters = useDirectory((s) => s.setFilters);
  const summary =
    types.length || routes.length
      ? [types.length ? `${types.length} type${types.length === 1 ? '' : 's'}` : null, routes.length ? `${routes.length} route${routes.length === 1 ? '' : 's'}` : null].filter(Boolean).join(', ')
      : 'Any';
  return (
    <details className="picker" id={id} ref={ref}>
      <summary className="picker__summary">
        <span className="picker__label">Type, route</span>
        <span className="picker__value">{summary}</span>
      </summary>
      <div className="picker__body">
        <Checks<ServiceType> id={`${id}-types`} legend="Service types" options={SERVICE_TYPES.map((t) => ({ value: t, label: SERVICE_TYPE_LABELS[t] }))} value={types} onChange={(v) => setFilters({ types: v })} />
        <Checks<ReferralRoute> id={`${id}-routes`} legend="Referral route" options={REFERRAL_ROUTES.map((r) => ({ value: r, label: REFERRAL_ROUTE_LABELS[r] }))} value={routes} onChange={(v) => setFilters({ routes: v })} />
        {(types.length > 0 || routes.length > 0) && (
          <button type="button" className="link-button" onClick={() => setFilters({ types: [], routes: [] })}>
            Clear type and route
          </button>
        )}
      </div>
    </details>
  );
}
