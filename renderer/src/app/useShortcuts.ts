import { useEffect } from 'react';
import { useApp } from '../stores/app';
import { useCallSession } from '../stores/call-session';
import { useDirectory } from '../stores/directory';
import { copyPhone } from '../features/directory/ResultCard';
import { firstPublicPhone } from '../features/directory/format';
import { referResult } from '../features/directory/refer';
import { announce } from '../stores/app';
import { matchShortcut, type ShortcutId } from './shortcuts';

function focusById(id: string, select = false) {
  const el = document.getElementById(id) as HTMLInputElement | null;
  if (!el) return;
  el.focus();
  if (select) el.select?.();
}

function activeResult() {
  const { results, active } = useDirectory.getState();
  return active >= 0 ? (results[active] ?? null) : null;
}

export function runShortcut(id: ShortcutId): void {
  const app = useApp.getState();
  const call = useCallSession.getState();
  const dir = useDirectory.getState();
  if (app.workspace !== 'call' && id !== 'help' && id !== 'helpQuestion') {
    // A call or directory key from the Shift workspace goes back to the call workspace first, then acts there once it is shown.
    app.setWorkspace('call');
    requestAnimationFrame(() => runShortcut(id));
    return;
  }
  switch (id) {
    case 'newCall':
      // The new record's first field takes focus once it is shown (call-session).
      void call.newCall();
      return;
    case 'callsList':
      void call.refreshCalls();
      app.openDialog('calls');
      return;
    case 'record': {
      const target = document.querySelector<HTMLElement>('#call-record .pane__body input, #call-record .pane__body textarea, #call-record .pane__body button');
      (target ?? document.getElementById('record-body'))?.focus();
      return;
    }
    case 'save':
      void call.savePending({ announce: true });
      return;
    case 'finalise':
      void call.requestFinalise();
      return;
    case 'search':
    case 'searchSlash':
      focusById('directory-search', true);
      return;
    case 'postcode':
      focusById('directory-postcode', true);
      return;
    case 'openNow': {
      const on = !dir.filters.openNow;
      dir.setFilters({ openNow: on });
      const then = dir.openAtReading.kind === 'at' ? `open at ${dir.openAtReading.label}` : 'open now';
      announce(on ? `Showing only services ${then}.` : 'Showing open and closed services.');
      return;
    }
    case 'openAt':
      focusById('directory-open-at', true);
      return;
    case 'nextResult':
    case 'prevResult': {
      const i = dir.moveActive(id === 'nextResult' ? 1 : -1);
      if (i < 0) announce('No results to move through: search the directory first.');
      return;
    }
    case 'copyPhone': {
      const r = activeResult();
      if (!r) return announce('Select a result first (Alt+↓).', 'warning');
      const phone = firstPublicPhone(r.service);
      if (!phone) return announce(`${r.service.name} has no public number: open its details (Enter) for the other numbers.`, 'warning');
      void copyPhone(phone, r.service.name);
      return;
    }
    case 'refer': {
      const r = activeResult();
      if (!r) return announce('Select a result first (Alt+↓), then press Alt+R to refer.', 'warning');
      referResult(r);
      return;
    }
    case 'report': {
      // From a service's details: that service.
      if (app.dialog === 'service' && app.serviceId) return app.openDialog('report', app.serviceId);
      const r = activeResult();
      if (!r) return announce('Select a result first (Alt+↓), then press Alt+K to report a problem with it.', 'warning');
      app.openDialog('report', r.service.id);
      return;
    }
    case 'help':
    case 'helpQuestion':
      app.openDialog('shortcuts');
      return;
  }
}

/** The screen's keyboard shortcuts, on the whole window. Dialogs keep their own keys (Esc). */
export function useShortcuts(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing) return;
      const s = matchShortcut(e);
      if (!s) return;
      if (document.querySelector('dialog[open]')) {
        // Inside a dialog only saving still works (and reporting, from a service's details); the rest would act behind it.
        if (s.id !== 'save' && !(s.id === 'report' && useApp.getState().dialog === 'service')) return;
      }
      e.preventDefault();
      e.stopPropagation();
      runShortcut(s.id);
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);
}
