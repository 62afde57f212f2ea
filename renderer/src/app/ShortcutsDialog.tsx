import { Dialog, Kbd } from '../components/Dialog';
import { useApp } from '../stores/app';
import { SHORTCUTS, STANDARD_KEYS } from './shortcuts';

export function ShortcutsDialog() {
  const open = useApp((s) => s.dialog === 'shortcuts');
  const close = useApp((s) => s.closeDialog);
  const groups = ['Call', 'Directory', 'General'] as const;
  return (
    <Dialog open={open} title="Keyboard shortcuts" onClose={close} size="medium">
      <p className="muted">Everything on this screen works from the keyboard. Alt shortcuts work while you type in any field.</p>
      <div className="shortcuts">
        {groups.map((g) => (
          <table className="shortcuts__table" key={g}>
            <caption>{g}</caption>
            <tbody>
              {SHORTCUTS.filter((s) => s.group === g).map((s) => (
                <tr key={s.id}>
                  <th scope="row">
                    <Kbd>{s.keys}</Kbd>
                  </th>
                  <td>{s.description}</td>
                </tr>
              ))}
              {g === 'General' &&
                STANDARD_KEYS.map((s) => (
                  <tr key={s.keys}>
                    <th scope="row">
                      <Kbd>{s.keys}</Kbd>
                    </th>
                    <td>{s.description}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        ))}
      </div>
      <div className="button-row">
        <button type="button" className="button button--secondary" onClick={close}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
