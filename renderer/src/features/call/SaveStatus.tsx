import { Icon } from '../../components/Icon';
import { useApp } from '../../stores/app';
import { labelOfField, useCallSession } from '../../stores/call-session';
import { saveLine } from './save-text';

/**
 * Whether what is on screen is safely on disk. Announced politely: "Saving…" is not announced on
 * every keystroke, only the settled states are (the live region holds the last settled text).
 */
export function SaveStatus() {
  const save = useCallSession((s) => s.save);
  const status = useCallSession((s) => s.record?.status);
  const heldBack = useCallSession((s) => s.heldBack);
  // Only a connection lost after it was open counts: before the first one, no record is open.
  const deskUp = useApp((s) => s.connection.status !== 'reconnecting');
  if (status !== 'draft') return null;
  const line = saveLine(save, deskUp, heldBack.map(labelOfField));
  return (
    <div className={`save-status save-status--${line.tone}`} data-testid="save-status">
      <Icon name={line.icon} className={line.tone === 'saving' ? 'spin' : undefined} />
      <span aria-hidden={!line.settled || undefined}>{line.text}</span>
      <span className="visually-hidden" role="status">
        {line.settled ? line.text : ''}
      </span>
    </div>
  );
}
