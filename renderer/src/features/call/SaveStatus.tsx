import { Icon } from '../../components/Icon';
import { timeHMS } from '../../lib/time';
import { labelOfField, useCallSession } from '../../stores/call-session';

/**
 * Whether what is on screen is safely on disk. Announced politely: "Saving…" is not announced on
 * every keystroke, only the settled states are (the live region holds the last settled text).
 */
export function SaveStatus() {
  const save = useCallSession((s) => s.save);
  const status = useCallSession((s) => s.record?.status);
  const heldBack = useCallSession((s) => s.heldBack);
  if (status !== 'draft') return null;
  let tone: string;
  let icon: 'check' | 'saving' | 'cloudOff';
  let textNode: string;
  switch (save.kind) {
    case 'saved':
      // Never "saved" while a field's text is on screen only (too long to save even in a draft).
      tone = heldBack.length ? 'failed' : 'saved';
      icon = heldBack.length ? 'cloudOff' : 'check';
      textNode = heldBack.length ? `Saved ${timeHMS(save.at)} except ${heldBack.map(labelOfField).join(', ')}: too long to save` : `Saved ${timeHMS(save.at)}`;
      break;
    case 'pending':
    case 'saving':
      tone = 'saving';
      icon = 'saving';
      textNode = 'Saving…';
      break;
    case 'failed':
      tone = 'failed';
      icon = 'cloudOff';
      textNode = `Not saved — ${save.reason}${save.retrying ? ' Trying again…' : ''}`;
      break;
  }
  const settled = save.kind === 'saved' || save.kind === 'failed';
  return (
    <div className={`save-status save-status--${tone}`} data-testid="save-status">
      <Icon name={icon} className={save.kind === 'saving' ? 'spin' : undefined} />
      <span aria-hidden={!settled || undefined}>{textNode}</span>
      <span className="visually-hidden" role="status">
        {settled ? textNode : ''}
      </span>
    </div>
  );
}
