import { Icon } from '../../components/Icon';
import { useCallSession } from '../../stores/call-session';
import { useDirectory } from '../../stores/directory';
import { originLabel } from './format';

/** Under the filters: a postcode the core could not read, where distances are from, and where the age came from. */
export function SearchContext({ id }: { id: string }) {
  const postcodeError = useDirectory((s) => s.postcodeError);
  const origin = useDirectory((s) => s.origin);
  const age = useDirectory((s) => s.filters.age);
  const ageSource = useDirectory((s) => s.sources.age);
  const recordAge = useCallSession((s) => (s.context.age === null ? '' : String(s.context.age)));
  return (
    <div className="search__context" id={id}>
      {postcodeError && (
        <p className="field__error" id="directory-postcode-error">
          <span className="visually-hidden">Error: </span>
          {postcodeError}
        </p>
      )}
      {((origin && !postcodeError) || (ageSource === 'record' && age)) && (
        <p className="origin">
          <Icon name="pin" />
          <span>
            {origin && !postcodeError && <>Distances from {originLabel(origin)}. </>}
            {ageSource === 'record' && age && <>Age {age} from the call record: services not taking this age are left out.</>}
          </span>
        </p>
      )}
      {ageSource === 'manual' && recordAge !== age && recordAge && (
        <p className="origin">
          The call record says age {recordAge}.{' '}
          <button type="button" className="link-button" onClick={() => useDirectory.getState().setFilters({ age: recordAge }, { source: 'record' })}>
            Use it
          </button>
        </p>
      )}
    </div>
  );
}
