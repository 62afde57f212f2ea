import { announce } from '../app';
import { fitDraft } from './fit-draft';
import type { Showing } from './showing';
import { contextOf, type CallSessionState, type GetState, type SetState } from './state';

type Editing = Pick<CallSessionState, 'contentChanged' | 'savePending'>;

/** The form's content as it is typed, handed to autosave (fitted to what a draft can hold). */
export function editing(set: SetState, get: GetState, screen: Showing): Editing {
  return {
    contentChanged(content) {
      const fitted = screen.sent ? fitDraft(content, screen.sent) : { content, heldBack: [] };
      screen.sent = fitted.content;
      const heldBack = get().heldBack;
      const same = heldBack.length === fitted.heldBack.length && heldBack.every((f, i) => f === fitted.heldBack[i]);
      set({ live: content, context: contextOf(content), ...(same ? {} : { heldBack: fitted.heldBack }) });
      get().saver?.change(fitted.content);
    },

    async savePending(options) {
      const { saver } = get();
      if (!saver) return true;
      const saved = await saver.savePending();
      if (saved && options?.announce) announce('Saved.', 'success');
      return saved;
    },
  };
}
