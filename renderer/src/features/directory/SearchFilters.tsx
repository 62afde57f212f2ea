import { shortcutKeys } from '../../app/shortcuts';
import { Kbd } from '../../components/Dialog';
import { RADIUS_OPTIONS, useDirectory, type Filters } from '../../stores/directory';
import { useJudgedAt } from './directory-hooks';
import { MoreFilters } from './MoreFilters';
import { OpenAtFilter, OpenAtReadingLine } from './OpenAtFilter';

const setFilters = (patch: Partial<Filters>) => useDirectory.getState().setFilters(patch);

function PostcodeFilter() {
  const postcode = useDirectory((s) => s.filters.postcode);
  const postcodeError = useDirectory((s) => s.postcodeError);
  return (
    <div className={`filter filter--postcode${postcodeError ? ' filter--error' : ''}`}>
      <label className="filter__label" htmlFor="directory-postcode">
        Postcode <Kbd>{shortcutKeys('postcode')}</Kbd>
      </label>
      <input
        id="directory-postcode"
        className="input input--s"
        autoComplete="off"
        spellCheck={false}
        value={postcode}
        onChange={(e) => setFilters({ postcode: e.target.value })}
        aria-invalid={!!postcodeError || undefined}
        aria-describedby={postcodeError ? 'directory-postcode-error' : undefined}
      />
    </div>
  );
}

function RadiusFilter() {
  const radiusKm = useDirectory((s) => s.filters.radiusKm);
  return (
    <div className="filter">
      <label className="filter__label" htmlFor="directory-radius">
        Within
      </label>
      <select id="directory-radius" className="select select--s" value={radiusKm} onChange={(e) => setFilters({ radiusKm: Number(e.target.value) })}>
        {RADIUS_OPTIONS.map((r) => (
          <option key={r} value={r}>
            {r} km
          </option>
        ))}
      </select>
    </div>
  );
}

function AgeFilter({ hintId }: { hintId: string }) {
  const age = useDirectory((s) => s.filters.age);
  return (
    <div className="filter">
      <label className="filter__label" htmlFor="directory-age">
        Age<span className="visually-hidden"> of the caller</span>
      </label>
      <input id="directory-age" className="input input--xs" inputMode="numeric" autoComplete="off" value={age} onChange={(e) => setFilters({ age: e.target.value })} aria-describedby={hintId} />
    </div>
  );
}

function OpenNowFilter() {
  const openNow = useDirectory((s) => s.filters.openNow);
  const judgedAt = useJudgedAt();
  return (
    <div className="filter filter--check">
      <div className="choice choice--check choice--small">
        <input className="choice__input" type="checkbox" id="directory-open-now" checked={openNow} onChange={(e) => setFilters({ openNow: e.target.checked })} />
        <label className="choice__label" htmlFor="directory-open-now">
          {judgedAt ? 'Open then' : 'Open now'} <Kbd>{shortcutKeys('openNow')}</Kbd>
        </label>
      </div>
    </div>
  );
}

/** Postcode, distance, age, type and route; then when: open now, or at another time. */
export function SearchFilters({ id, ageHintId }: { id: string; ageHintId: string }) {
  return (
    <>
      <div className="filters">
        <PostcodeFilter />
        <RadiusFilter />
        <AgeFilter hintId={ageHintId} />
        <MoreFilters id={`${id}-more`} />
      </div>
      {/* When: open now, or at another time, side by side. */}
      <div className="filters filters--when">
        <OpenNowFilter />
        <OpenAtFilter />
      </div>
      <OpenAtReadingLine />
    </>
  );
}
