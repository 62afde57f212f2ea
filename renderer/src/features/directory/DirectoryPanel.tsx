import { useEffect, useId } from 'react';
import { shortcutKeys } from '../../app/shortcuts';
import { Kbd } from '../../components/Dialog';
import { Icon } from '../../components/Icon';
import { useCallSession } from '../../stores/call-session';
import { MIN_TEXT, useDirectory } from '../../stores/directory';
import { useNoDirectory } from './directory-hooks';
import { NationNotice } from './NationNotice';
import { NoDirectory } from './NoDirectory';
import { ResultsCount } from './ResultsCount';
import { ResultsList } from './ResultsList';
import { SearchContext } from './SearchContext';
import { SearchFilters } from './SearchFilters';
import { SearchBox } from './SearchBox';

/*
 * The directory pane: the search box and filters, what the search was for, and the results. Each
 * part reads only the state it shows, so a keystroke redraws the search box (and the results when
 * they come), not the whole pane.
 */

/** The call record's age and postcode become the directory's, unless changed here. */
function useFollowRecord() {
  const context = useCallSession((s) => s.context);
  useEffect(() => {
    useDirectory.getState().followRecord(context);
  }, [context]);
}

function DirectoryTitle() {
  return (
    <div className="record-header__top">
      <h2 className="pane__title" id="directory-heading">
        Directory
      </h2>
      <span className="spacer" />
      <span className="muted small directory-hints">
        <Kbd>{shortcutKeys('nextResult')}</Kbd> <Kbd>{shortcutKeys('prevResult')}</Kbd> move · <Kbd>{shortcutKeys('copyPhone')}</Kbd> copy number · <Kbd>{shortcutKeys('refer')}</Kbd> refer
      </span>
    </div>
  );
}

/** Where the postcode lies, when outside England (Scotland, Wales, Northern Ireland). */
function PlaceNotice() {
  const place = useDirectory((s) => s.place);
  const hasResults = useDirectory((s) => s.results.length > 0);
  return place ? <NationNotice place={place} hasResults={hasResults} /> : null;
}

/** Before anything is searched: what to type, or to keep typing. */
function DirectoryEmpty() {
  const tooShort = useDirectory((s) => {
    const typed = s.filters.text.trim().length;
    return typed > 0 && typed < MIN_TEXT;
  });
  return (
    <div className="pane__body directory-empty">
      <Icon name="search" className="directory-empty__icon" />
      <p className="directory-empty__title">Find a service for the caller</p>
      {tooShort ? <p>Keep typing: the search starts from {MIN_TEXT} letters.</p> : <p>Type a name, place or need, or enter the caller’s postcode. Results appear as you type, open services first.</p>}
      <p className="muted small">
        The postcode and age follow the call record until you change them here. Press <Kbd>{shortcutKeys('search')}</Kbd> to search from anywhere.
      </p>
    </div>
  );
}

/** The results, the empty state, or why nothing can be searched. */
function DirectoryBody() {
  const noDirectory = useNoDirectory();
  const showResults = useDirectory((s) => s.answered !== null || s.results.length > 0);
  if (noDirectory) return <NoDirectory />;
  return showResults ? <ResultsList /> : <DirectoryEmpty />;
}

export function DirectoryPanel() {
  const id = useId();
  useFollowRecord();
  return (
    <section className="pane pane--directory" aria-labelledby="directory-heading" id="directory">
      <header className="pane__header directory-header">
        <DirectoryTitle />
        <form className="search" role="search" aria-label="Directory" onSubmit={(e) => e.preventDefault()}>
          <SearchBox />
          <SearchFilters id={id} ageHintId={`${id}-age-hint`} />
          <SearchContext id={`${id}-age-hint`} />
        </form>
        <ResultsCount />
        <PlaceNotice />
      </header>
      <DirectoryBody />
    </section>
  );
}
