import { isMethodName, isShellMethod, METHODS, type Envelope, type LockState } from '../../shared/contract';
import type { SaveExportRequest } from './export-save';

/*
 * The shell's part of the contract (`app.*`, shared/contract/shell.ts), answered in main for the
 * preload. The sender has been checked before this runs; the call is checked against the same
 * schemas as the core's methods, and answers an envelope whatever arrives.
 */

export interface ShellHandlers {
  lockNow(): void;
  lockState(): LockState;
  /** The screen says whether a call record is open and a save pending (the updater waits for both to clear). */
  activity?(a: { callOpen: boolean; savePending: boolean }): void;
  /** Asks where to save a shift summary file and has the core write it there (export-save.ts). */
  saveExport?(params: SaveExportRequest): Promise<Envelope<unknown>>;
}

export function shellCall(method: unknown, params: unknown, h: ShellHandlers): Envelope<unknown> | Promise<Envelope<unknown>> {
  if (typeof method !== 'string' || !isMethodName(method) || !isShellMethod(method)) {
    return { ok: false, error: { code: 'unknown_method', message: `The desktop app has no method called ${JSON.stringify(String(method)).slice(0, 80)}.` } };
  }
  const parsed = METHODS[method].params.safeParse(params ?? {});
  if (!parsed.success) return { ok: false, error: { code: 'invalid_params', message: `${method}: ${parsed.error.issues[0]?.message ?? 'bad parameters'}` } };
  switch (method) {
    case 'app.lockNow':
      h.lockNow();
      return { ok: true, value: h.lockState() };
    case 'app.lockState':
      return { ok: true, value: h.lockState() };
    case 'app.activity': {
      const a = parsed.data as { callOpen: boolean; savePending: boolean };
      h.activity?.({ callOpen: a.callOpen, savePending: a.savePending });
      return { ok: true, value: { recorded: true } };
    }
    case 'app.saveExport':
      if (!h.saveExport) return { ok: false, error: { code: 'unknown_method', message: 'This desktop app cannot save files.' } };
      return h.saveExport(parsed.data as SaveExportRequest);
    default:
      return { ok: false, error: { code: 'unknown_method', message: `The desktop app has no method called ${method}.` } };
  }
}

/** The sign-in address main opens in the system browser: https, or plain http to this machine (the demo's provider). */
export function loopbackOrHttps(url: string): boolean {
  try {
    const u = new URL(url);
    if (u.username || u.password) return false;
    return u.protocol === 'https:' || (u.protocol === 'http:' && (u.hostname === '127.0.0.1' || u.hostname === '[::1]' || u.hostname === 'localhost'));
  } catch {
    return false;
  }
}
