import type { Autosaver } from './autosave';

/*
 * The page around the open record: with the desk down, typing exists only on this screen, so the
 * page saves what is pending when it is hidden and asks before it is left.
 */

type CurrentSaver = () => Autosaver | null;

/**
 * Leaving or reloading the page while anything typed is unsaved asks first (the browser's own
 * "Leave site?" dialog).
 */
export function askBeforeLeavingUnsaved(saver: CurrentSaver): () => void {
  const onBeforeUnload = (e: BeforeUnloadEvent) => {
    const current = saver();
    if (!current?.dirty) return;
    void current.savePending();
    e.preventDefault();
    // Older Chromium needs returnValue set to show the dialog.
    e.returnValue = '';
  };
  window.addEventListener('beforeunload', onBeforeUnload);
  return () => window.removeEventListener('beforeunload', onBeforeUnload);
}

/** Saves what is pending at once when the window is hidden or closed (best effort: the socket may already be going). */
export function savePendingOnHide(saver: CurrentSaver): () => void {
  const onHide = () => {
    if (document.visibilityState === 'hidden') void saver()?.savePending();
  };
  const onPageHide = () => void saver()?.savePending();
  document.addEventListener('visibilitychange', onHide);
  window.addEventListener('pagehide', onPageHide);
  return () => {
    document.removeEventListener('visibilitychange', onHide);
    window.removeEventListener('pagehide', onPageHide);
  };
}
