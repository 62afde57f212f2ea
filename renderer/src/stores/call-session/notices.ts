import type { ContractError } from '../../../../shared/contract';
import { hasErrorCode } from '../../../../shared/contract';
import type { CallRecord, DraftContent } from '../../../../shared/domain/call-record';
import type { Notice } from './state';

/** Leaf text fields that differ between what was on screen and what is stored now. */
export function unsavedDifferences(mine: DraftContent, stored: DraftContent): { field: string; mine: string }[] {
  const out: { field: string; mine: string }[] = [];
  const walk = (a: unknown, b: unknown, path: string) => {
    if (typeof a === 'string') {
      if (a !== b && a.trim()) out.push({ field: path, mine: a });
      return;
    }
    if (a && typeof a === 'object' && !Array.isArray(a)) {
      for (const k of Object.keys(a)) walk((a as Record<string, unknown>)[k], (b as Record<string, unknown> | undefined)?.[k], path ? `${path}.${k}` : k);
    }
  };
  walk(mine, stored, '');
  return out;
}

/**
 * The record changed elsewhere and was reloaded: what became of it, and what was typed here that
 * the saved version lacks. Null when nothing differs and it was only our own save's answer that
 * was lost.
 */
export function changedElsewhere(stored: CallRecord, error: ContractError, unsaved: DraftContent): Notice | null {
  const differences = unsavedDifferences(unsaved, stored.content);
  if (differences.length === 0 && hasErrorCode(error, 'revision_conflict')) return null;
  const what =
    stored.status === 'finalised'
      ? 'It has been finalised elsewhere, so it can no longer be changed: add an addendum instead.'
      : stored.status === 'discarded'
        ? 'It has been discarded.'
        : hasErrorCode(error, 'record_not_yours')
          ? 'It is shown read-only.'
          : 'The saved version is shown now.';
  return {
    tone: 'warning',
    title: 'This record changed elsewhere and has been reloaded',
    body: `${error.message} ${what}${differences.length ? ' What you had typed that is not in the saved version is below: copy anything still needed back into the record.' : ''}`,
    unsaved: differences,
  };
}

/** Someone signed in or out while a record was open. Nothing about the caller: the next person at the desk reads this. */
export function closedForSessionChange(unsaved: boolean): Notice {
  return {
    tone: unsaved ? 'warning' : 'info',
    title: 'The record that was open has been closed',
    body: `Someone signed in or out on this desk, so the previous person’s record is no longer shown. It is kept on this desk.${unsaved ? ' What was typed in the last moment before that was not saved: it would have been filed under the new person.' : ''}`,
  };
}

export function discarded(reason: string): Notice {
  return { tone: 'info', title: 'Draft discarded', body: `The draft was discarded (${reason.trim()}). It is kept on this desk with its reason, and is no longer in the list of calls.` };
}

export const failed = (title: string, error: ContractError): Notice => ({ tone: 'error', title, body: error.message });
