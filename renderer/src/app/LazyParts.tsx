import { lazy, Suspense, useEffect, useState, type ComponentType } from 'react';
import { useApp, type DialogName } from '../stores/app';

/*
 * The parts of the screen a clinician does not need to take a call and search the directory: the
 * Shift workspace and the dialogs. They are not in the first bundle, so the screen shows its search
 * box sooner (the first bundle holds only the call workspace, the directory and the status bar);
 * each is fetched the first time it is asked for, and all are fetched anyway once the screen is
 * idle after starting, so a dialog opened by keyboard later opens at once.
 */

type Loader = () => Promise<ComponentType>;

function part(load: Loader) {
  let loading: Promise<ComponentType> | null = null;
  const once = () => (loading ??= load());
  return { Component: lazy(async () => ({ default: await once() })), preload: once };
}

const shift = part(() => import('../features/shift/ShiftWorkspace').then((m) => m.ShiftWorkspace));

/** Each group of dialogs: the names that open one of them, and the module that draws them. */
const dialogs: { names: DialogName[]; part: ReturnType<typeof part> }[] = [
  { names: ['shortcuts'], part: part(() => import('./ShortcutsDialog').then((m) => m.ShortcutsDialog)) },
  { names: ['service'], part: part(() => import('../features/directory/ServiceDetails').then((m) => m.ServiceDetails)) },
  { names: ['report'], part: part(() => import('../features/directory/ReportDialog').then((m) => m.ReportDialog)) },
  { names: ['finalise', 'discard', 'calls'], part: part(() => import('../features/call/CallDialogsHost').then((m) => m.CallDialogsHost)) },
  { names: ['conflicts'], part: part(() => import('../features/sync/ConflictsDialog').then((m) => m.ConflictsDialog)) },
  { names: ['rejections'], part: part(() => import('../features/sync/RejectionsDialog').then((m) => m.RejectionsDialog)) },
  {
    names: ['signOut', 'claim', 'waiting'],
    part: part(() =>
      import('../features/sync/SessionDialogs').then(
        (m) =>
          function SessionDialogs() {
            return (
              <>
                <m.SignOutDialog />
                <m.ClaimDialog />
                <m.WaitingDialog />
              </>
            );
          },
      ),
    ),
  },
];

/** Fetches every lazy part (once the screen has started and is idle). */
export function preloadLazyParts(): Promise<unknown> {
  return Promise.all([shift.preload(), ...dialogs.map((d) => d.part.preload())]);
}

/** The Shift workspace, fetched when first shown. */
export function LazyShiftWorkspace() {
  return (
    <Suspense fallback={<p className="muted">Loading the Shift workspace…</p>}>
      <shift.Component />
    </Suspense>
  );
}

/** True from the first time one of these dialogs is opened: it then stays mounted, as it always was. */
function useAskedOnce(names: DialogName[]): boolean {
  const asked = useApp((s) => s.dialog !== null && names.includes(s.dialog));
  const [once, setOnce] = useState(asked);
  if (asked && !once) setOnce(true);
  return once || asked;
}

function LazyDialog({ names, part: p }: (typeof dialogs)[number]) {
  const asked = useAskedOnce(names);
  if (!asked) return null;
  return (
    <Suspense fallback={null}>
      <p.Component />
    </Suspense>
  );
}

/** Every dialog of the screen, each mounted the first time it is opened. */
export function LazyDialogs() {
  // After starting, once the browser is idle: fetch the rest, so nothing waits on the network later.
  useEffect(() => {
    const timer = setTimeout(() => {
      if ('requestIdleCallback' in window) window.requestIdleCallback(() => void preloadLazyParts(), { timeout: 3000 });
      else void preloadLazyParts();
    }, 1500);
    return () => clearTimeout(timer);
  }, []);
  return (
    <>
      {dialogs.map((d) => (
        <LazyDialog key={d.names.join()} {...d} />
      ))}
    </>
  );
}
