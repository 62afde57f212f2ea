import { shortcutKeys } from '../../app/shortcuts';
import { Kbd } from '../../components/Dialog';
import { Icon } from '../../components/Icon';
import { useDirectory } from '../../stores/directory';

/** The search box: searched at every keystroke; ↓ moves to the first result. */
export function SearchBox() {
  const text = useDirectory((s) => s.filters.text);
  const hasResults = useDirectory((s) => s.results.length > 0);
  return (
    <div className="search__main">
      <label className="visually-hidden" htmlFor="directory-search">
        Search services by name, place or need
      </label>
      <Icon name="search" className="search__icon" />
      <input
        id="directory-search"
        className="search__input"
        type="search"
        placeholder="Search services: name, place or need"
        autoComplete="off"
        spellCheck={false}
        value={text}
        onChange={(e) => useDirectory.getState().setFilters({ text: e.target.value })}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown' && !e.altKey && hasResults) {
            e.preventDefault();
            useDirectory.getState().moveActive(1);
          }
        }}
        aria-describedby="directory-search-hint"
      />
      <span className="search__keys" id="directory-search-hint">
        <Kbd>{shortcutKeys('search')}</Kbd> or <Kbd>/</Kbd>
      </span>
    </div>
  );
}
