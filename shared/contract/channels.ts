/*
 * The Electron IPC channels between main and the screen's preload (the contract itself travels on
 * a MessagePort straight to the core; these only set that up and carry the shell's part).
 */
export const SCREEN_CHANNELS = {
  /** preload → main, once per page load: send this page a port to the core. */
  hello: 'crisis-desk:hello',
  /** main → preload: the MessagePort to the core (in the message's ports); a new one after the core restarts. */
  port: 'crisis-desk:port',
  /** main → preload: the core went away (calls in flight are answered core_unreachable). */
  coreDown: 'crisis-desk:core-down',
  /** main → preload: an event of the shell (`app.*`), with its name and payload. */
  event: 'crisis-desk:event',
  /** preload → main (invoke): a call of a shell method (`app.*`), with its name and params. */
  shell: 'crisis-desk:shell',
} as const;
