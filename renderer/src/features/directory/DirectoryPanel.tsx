import { useEffect, useId, useRef } from 'react';
import { hasErrorCode } from '../../../../shared/contract';
import { REFERRAL_ROUTE_LABELS, REFERRAL_ROUTES, SERVICE_TYPE_LABELS, SERVICE_TYPES, type ReferralRoute, type ServiceType } from '../../../../shared/domain/service-types';
import { shortcutKeys } from '../../app/shortcuts';
import { Kbd } from '../../components/Dialog';
import { Icon } from '../../components/Icon';
import { useDismissable } from '../../components/use-dismissable';
import { fromNow } from '../../lib/time';
import { useApp } from '../../stores/app';
import { useCallSession } from '../../stores/call-session';
import { MIN_TEXT, RADIUS_OPTIONS, useDirectory } from '../../stores/directory';
import { originLabel } from './format';
import { NationNotice, nationsOutsideEngland, placeSentence } from './NationNotice';
import { NoDirectory } from './NoDirectory';
import { OPEN_AT_EXAMPLES } from '../../stores/open-at';
import { ResultsList } from './ResultsList';

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
function MoreFilters({ id }: { id: string }) {
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

/** The time results are judged at, when it is not now: "Sat 28 Nov 10:00". */
function useJudgedAt(): string | null {
  return useDirectory((s) => (s.answered?.openAt && s.openAtReading.kind === 'at' ? s.openAtReading.label : null));
}

/** True when the desk has no directory at all (as opposed to no service matching). */
function useNoDirectory(): boolean {
  return useApp((s) => s.directory !== null && s.directory.services === 0);
}

function ResultsCount() {
  const total = useDirectory((s) => s.total);
  const answered = useDirectory((s) => s.answered);
  const origin = useDirectory((s) => s.origin);
  const place = useDirectory((s) => s.place);
  const error = useDirectory((s) => s.error);
  const loading = useDirectory((s) => s.loading);
  const judgedAt = useJudgedAt();
  const noDirectory = useNoDirectory();
  let text = '';
  // Said to screen readers with the count; shown in the notice under it.
  let where = '';
  if (noDirectory) text = answered ? 'No directory on this desk yet: nothing can be searched until it arrives.' : '';
  else if (answered && !origin && place) text = `No services: ${placeSentence(place)}, and this directory lists services in England only.`;
  else if (error) text = hasErrorCode(error, 'postcode_invalid', 'postcode_not_found') ? 'No results: check the postcode.' : `Search failed: ${error.message}`;
  else if (answered) {
    const open = answered.openNow ? (judgedAt ? `open at ${judgedAt}` : 'open now') : null;
    const bits = [
      answered.text ? `matching “${answered.text}”` : null,
      open,
      answered.age !== undefined ? `taking age ${answered.age}` : null,
      origin ? `within ${answered.radiusKm ?? 25} km of ${origin.label} or covering it` : null,
      judgedAt && !answered.openNow ? `open or closed at ${judgedAt}` : null,
    ].filter(Boolean);
    text = `${total.toLocaleString('en-GB')} service${total === 1 ? '' : 's'}${bits.length ? ` ${bits.join(', ')}` : ''}`;
    if (place && nationsOutsideEngland(place).length) where = `. ${placeSentence(place)}: see its own crisis route, below.`;
  }
  return (
    <p className="results-count" role="status" aria-live="polite" aria-busy={loading || undefined} data-testid="results-count">
      {text}
      {where && <span className="visually-hidden">{where}</span>}
      {loading && <span className="results-count__loading"> · searching…</span>}
    </p>
  );
}

/** "Open at": a day and time typed as a clinician says it, read in London time; empty for now. */
function OpenAtFilter() {
  const value = useDirectory((s) => s.filters.openAt);
  const reading = useDirectory((s) => s.openAtReading);
  const setFilters = useDirectory((s) => s.setFilters);
  const ref = useRef<HTMLInputElement>(null);
  const invalid = reading.kind === 'invalid';
  return (
    <div className={`filter filter--open-at${invalid ? ' filter--error' : ''}`}>
      <label className="filter__label" htmlFor="directory-open-at">
        Open at <Kbd>{shortcutKeys('openAt')}</Kbd>
      </label>
      <input
        id="directory-open-at"
        ref={ref}
        className="input input--s open-at__input"
        list="directory-open-at-suggestions"
        placeholder="now"
        autoComplete="off"
        spellCheck={false}
        value={value}
        onChange={(e) => setFilters({ openAt: e.target.value })}
        onKeyDown={(e) => {
          // Esc goes back to now.
          if (e.key === 'Escape' && value) {
            e.preventDefault();
            setFilters({ openAt: '' });
          }
        }}
        aria-invalid={invalid || undefined}
        aria-describedby="directory-open-at-reading"
      />
      {value && (
        <button
          type="button"
          className="button button--small button--secondary open-at__now"
          onClick={() => {
            setFilters({ openAt: '' });
            ref.current?.focus();
          }}
        >
          Now
          <span className="visually-hidden"> (back to now)</span>
        </button>
      )}
      <datalist id="directory-open-at-suggestions">
        {OPEN_AT_EXAMPLES.map((x) => (
          <option key={x} value={x} />
        ))}
      </datalist>
    </div>
  );
}

/** What "open at" was read as, under the filters: the moment, or why it could not be read. */
function OpenAtReadingLine() {
  const reading = useDirectory((s) => s.openAtReading);
  const now = new Date(useApp((s) => s.now));
  if (reading.kind === 'now') return <span id="directory-open-at-reading" hidden />;
  if (reading.kind === 'invalid') {
    return (
      <p className="field__error" id="directory-open-at-reading">
        <span className="visually-hidden">Error: </span>
        {reading.message} Results are for now.
      </p>
    );
  }
  return (
    <p className="judged-at" id="directory-open-at-reading" data-testid="judged-at">
      <Icon name="clock" />
      <span>
        Open and closed as at <strong>{reading.label}</strong> ({fromNow(reading.iso, now)}), not now.
        {reading.note && <> {reading.note}</>}
      </span>
    </p>
  );
}

export function DirectoryPanel() {
  const filters = useDirectory((s) => s.filters);
  const sources = useDirectory((s) => s.sources);
  const setFilters = useDirectory((s) => s.setFilters);
  const origin = useDirectory((s) => s.origin);
  const place = useDirectory((s) => s.place);
  const postcodeError = useDirectory((s) => s.postcodeError);
  const answered = useDirectory((s) => s.answered);
  const results = useDirectory((s) => s.results.length);
  const judgedAt = useJudgedAt();
  const noDirectory = useNoDirectory();
  const moveActive = useDirectory((s) => s.moveActive);
  const context = useCallSession((s) => s.context);
  const id = useId();
  const searchRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    useDirectory.getState().followRecord(context);
  }, [context]);

  const recordAge = context.age === null ? '' : String(context.age);

  return (
    <section className="pane pane--directory" aria-labelledby="directory-heading" id="directory">
      <header className="pane__header directory-header">
        <div className="record-header__top">
          <h2 className="pane__title" id="directory-heading">
            Directory
          </h2>
          <span className="spacer" />
          <span className="muted small directory-hints">
            <Kbd>{shortcutKeys('nextResult')}</Kbd> <Kbd>{shortcutKeys('prevResult')}</Kbd> move · <Kbd>{shortcutKeys('copyPhone')}</Kbd> copy number · <Kbd>{shortcutKeys('refer')}</Kbd> refer
          </span>
        </div>
        <form className="search" role="search" aria-label="Directory" onSubmit={(e) => e.preventDefault()}>
          <div className="search__main">
            <label className="visually-hidden" htmlFor="directory-search">
              Search services by name, place or need
            </label>
            <Icon name="search" className="search__icon" />
            <input
              id="directory-search"
              ref={searchRef}
              className="search__input"
              type="search"
              placeholder="Search services: name, place or need"
              autoComplete="off"
              spellCheck={false}
              value={filters.text}
              onChange={(e) => setFilters({ text: e.target.value })}
              onKeyDown={(e) => {
                if (e.key === 'ArrowDown' && !e.altKey && results > 0) {
                  e.preventDefault();
                  moveActive(1);
                }
              }}
              aria-describedby="directory-search-hint"
            />
            <span className="search__keys" id="directory-search-hint">
              <Kbd>{shortcutKeys('search')}</Kbd> or <Kbd>/</Kbd>
            </span>
          </div>
            <div className="filters">
              <div className={`filter filter--postcode${postcodeError ? ' filter--error' : ''}`}>
                <label className="filter__label" htmlFor="directory-postcode">
                  Postcode <Kbd>{shortcutKeys('postcode')}</Kbd>
                </label>
                <input
                  id="directory-postcode"
                  className="input input--s"
                  autoComplete="off"
                  spellCheck={false}
                  value={filters.postcode}
                  onChange={(e) => setFilters({ postcode: e.target.value })}
                  aria-invalid={!!postcodeError || undefined}
                  aria-describedby={postcodeError ? 'directory-postcode-error' : undefined}
                />
              </div>
              <div className="filter">
                <label className="filter__label" htmlFor="directory-radius">
                  Within
                </label>
                <select id="directory-radius" className="select select--s" value={filters.radiusKm} onChange={(e) => setFilters({ radiusKm: Number(e.target.value) })}>
                  {RADIUS_OPTIONS.map((r) => (
                    <option key={r} value={r}>
                      {r} km
                    </option>
                  ))}
                </select>
              </div>
              <div className="filter">
                <label className="filter__label" htmlFor="directory-age">
                  Age<span className="visually-hidden"> of the caller</span>
                </label>
                <input
                  id="directory-age"
                  className="input input--xs"
                  inputMode="numeric"
                  autoComplete="off"
                  value={filters.age}
                  onChange={(e) => setFilters({ age: e.target.value })}
                  aria-describedby={`${id}-age-hint`}
                />
              </div>
              <MoreFilters id={`${id}-more`} />
            </div>
            {/* When: open now, or at another time, side by side. */}
            <div className="filters filters--when">
              <div className="filter filter--check">
                <div className="choice choice--check choice--small">
                  <input className="choice__input" type="checkbox" id="directory-open-now" checked={filters.openNow} onChange={(e) => setFilters({ openNow: e.target.checked })} />
                  <label className="choice__label" htmlFor="directory-open-now">
                    {judgedAt ? 'Open then' : 'Open now'} <Kbd>{shortcutKeys('openNow')}</Kbd>
                  </label>
                </div>
              </div>
              <OpenAtFilter />
            </div>
          <OpenAtReadingLine />
          <div className="search__context" id={`${id}-age-hint`}>
            {postcodeError && (
              <p className="field__error" id="directory-postcode-error">
                <span className="visually-hidden">Error: </span>
                {postcodeError}
              </p>
            )}
            {((origin && !postcodeError) || (sources.age === 'record' && filters.age)) && (
              <p className="origin">
                <Icon name="pin" />
                <span>
                  {origin && !postcodeError && <>Distances from {originLabel(origin)}. </>}
                  {sources.age === 'record' && filters.age && <>Age {filters.age} from the call record: services not taking this age are left out.</>}
                </span>
              </p>
            )}
            {sources.age === 'manual' && recordAge !== filters.age && recordAge && (
              <p className="origin">
                The call record says age {recordAge}.{' '}
                <button type="button" className="link-button" onClick={() => setFilters({ age: recordAge }, { source: 'record' })}>
                  Use it
                </button>
              </p>
            )}
          </div>
        </form>
        <ResultsCount />
        {place && <NationNotice place={place} hasResults={results > 0} />}
      </header>
      {noDirectory ? (
        <NoDirectory />
      ) : answered || results > 0 ? (
        <ResultsList />
      ) : (
        <div className="pane__body directory-empty">
          <Icon name="search" className="directory-empty__icon" />
          <p className="directory-empty__title">Find a service for the caller</p>
          {filters.text.trim().length > 0 && filters.text.trim().length < MIN_TEXT ? (
            <p>Keep typing: the search starts from {MIN_TEXT} letters.</p>
          ) : (
            <p>Type a name, place or need, or enter the caller’s postcode. Results appear as you type, open services first.</p>
          )}
          <p className="muted small">
            The postcode and age follow the call record until you change them here. Press <Kbd>{shortcutKeys('search')}</Kbd> to search from anywhere.
          </p>
        </div>
      )}
    </section>
  );
}
