import type { CrisisDeskClient } from '../../../shared/contract';
import { useApp } from '../stores/app';
import { useCallSession } from '../stores/call-session';
import { useDirectory } from '../stores/directory';
import { useShift } from '../stores/shift';
import { useSync } from '../stores/sync';

/**
 * What the core says without being asked (shared/contract/events.ts), each to the store that
 * shows it. Returns a function that stops listening.
 */
export function followCoreEvents(client: CrisisDeskClient): () => void {
  const stops = [
    client.on('directory.updated', (d) => {
      const before = useApp.getState().directory;
      useApp.getState().setDirectory(d);
      if (before && before.services === 0 && d.services > 0) useSync.getState().say(`The directory is ready: ${d.services.toLocaleString('en-GB')} services.`);
      // The results on screen may describe services that changed (a report from another desk, a local
      // correction): ask again in place, so the cards change without the clinician losing their place.
      // A check that found nothing new moves only "synced at": the cards stay as they are.
      if (!before || before.version !== d.version || before.services !== d.services || before.publishedAt !== d.publishedAt) void useDirectory.getState().refreshShown();
    }),
    client.on('core.warning', (w) => useApp.getState().addWarning(w.message)),
    client.on('sync.status', (s) => useSync.getState().statusEvent(s)),
    client.on('summaries.exportProgress', (e) => useShift.getState().progressEvent(e)),
    // A record written on another desk arrived: it is in the list of calls (and the header's count,
    // the status bar's callbacks) at once, and in a shift summary on screen.
    client.on('sync.recordsChanged', () => {
      useCallSession.getState().recordsChanged();
      useShift.getState().recordsChanged();
    }),
  ];
  return () => stops.forEach((stop) => stop());
}
