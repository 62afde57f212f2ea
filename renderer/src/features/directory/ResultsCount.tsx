import { hasErrorCode } from '../../../../shared/contract';
import { useDirectory } from '../../stores/directory';
import { useJudgedAt, useNoDirectory } from './directory-hooks';
import { nationsOutsideEngland, placeSentence } from './NationNotice';

/** How many services the search found and for what, said to screen readers as it changes. */
export function ResultsCount() {
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
