import type { FinaliseIssue } from '../../../../shared/domain/finalise';
import { Icon } from '../../components/Icon';
import { Kbd } from '../../components/Dialog';
import { labelOfField } from '../../stores/call-session';
import { fieldId, focusField } from './form-model';
import { shortcutKeys } from '../../app/shortcuts';

/**
 * The NHS error-summary pattern for finalising: what still needs doing, each a link to its field.
 * It follows the record as it is typed, so items disappear as they are put right.
 */
export function FinaliseIssues({ issues, fromCore }: { issues: FinaliseIssue[]; fromCore: boolean }) {
  if (issues.length === 0) {
    return (
      <div className="ready-summary" id="finalise-issues" tabIndex={-1} role="status">
        <Icon name="open" />
        <p>
          <strong>Ready to finalise.</strong> Everything the record needs is there. Finalise with <Kbd>{shortcutKeys('finalise')}</Kbd>.
        </p>
      </div>
    );
  }
  return (
    <div className="error-summary" id="finalise-issues" tabIndex={-1} aria-labelledby="finalise-issues-title">
      <h3 className="error-summary__title" id="finalise-issues-title">
        {issues.length === 1 ? 'One thing to complete before finalising' : `${issues.length} things to complete before finalising`}
      </h3>
      {fromCore && <p className="error-summary__note">The desk checked the saved record and found these.</p>}
      <ul className="error-summary__list">
        {issues.map((i, n) => (
          <li key={`${i.field}-${n}`}>
            <a
              href={`#${fieldId(i.field)}`}
              onClick={(e) => {
                e.preventDefault();
                focusField(i.field);
              }}
            >
              <span className="error-summary__field">{labelOfField(i.field)}:</span> {i.message}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}
