import { useRef } from 'react';
import { shortcutKeys } from '../../app/shortcuts';
import { Kbd } from '../../components/Dialog';
import { Icon } from '../../components/Icon';
import { fromNow } from '../../lib/time';
import { useApp } from '../../stores/app';
import { useDirectory } from '../../stores/directory';
import { OPEN_AT_EXAMPLES } from '../../stores/open-at';

/** "Open at": a day and time typed as a clinician says it, read in London time; empty for now. */
export function OpenAtFilter() {
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
export function OpenAtReadingLine() {
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
