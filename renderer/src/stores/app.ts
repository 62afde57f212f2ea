import { create } from 'zustand';
import type { DirectoryInfo } from '../../../shared/contract';
import type { ConnectionState } from '../client/ws-client';

/** Screen-wide state: the connection to the core, which dialog is open, and messages to announce. */

export type DialogName = 'shortcuts' | 'calls' | 'finalise' | 'discard' | 'service' | 'conflicts' | 'rejections' | 'signOut' | 'claim' | 'waiting' | 'report';

export interface Toast {
  id: number;
  message: string;
  tone: 'info' | 'success' | 'warning';
}

/** The call workspace (everyone) or the Shift workspace (team leads and administrators). */
export type Workspace = 'call' | 'shift';

interface AppState {
  connection: ConnectionState;
  workspace: Workspace;
  setWorkspace(w: Workspace): void;
  directory: DirectoryInfo | null;
  warnings: string[];
  dialog: DialogName | null;
  /** The service shown in the details dialog. */
  serviceId: string | null;
  toast: Toast | null;
  /** London wall-clock "now", ticking once a minute for ages and open/closed wording. */
  now: number;
  setConnection(c: ConnectionState): void;
  setDirectory(d: DirectoryInfo): void;
  addWarning(w: string): void;
  dismissWarning(i: number): void;
  openDialog(d: DialogName, serviceId?: string): void;
  closeDialog(): void;
  announce(message: string, tone?: Toast['tone']): void;
  clearToast(id: number): void;
  tick(): void;
}

let toastId = 0;

export const useApp = create<AppState>((set) => ({
  connection: { status: 'connecting', since: Date.now(), attempts: 0 },
  workspace: 'call',
  setWorkspace: (workspace) => set({ workspace }),
  directory: null,
  warnings: [],
  dialog: null,
  serviceId: null,
  toast: null,
  now: Date.now(),
  setConnection: (connection) => set({ connection }),
  setDirectory: (directory) => set({ directory }),
  addWarning: (w) => set((s) => ({ warnings: s.warnings.includes(w) ? s.warnings : [...s.warnings, w] })),
  dismissWarning: (i) => set((s) => ({ warnings: s.warnings.filter((_, j) => j !== i) })),
  openDialog: (dialog, serviceId) => set((s) => ({ dialog, serviceId: serviceId ?? s.serviceId })),
  closeDialog: () => set({ dialog: null }),
  announce: (message, tone = 'info') => set({ toast: { id: ++toastId, message, tone } }),
  clearToast: (id) => set((s) => (s.toast?.id === id ? { toast: null } : {})),
  tick: () => set({ now: Date.now() }),
}));

export const announce = (message: string, tone?: Toast['tone']) => useApp.getState().announce(message, tone);
