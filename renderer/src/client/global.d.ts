import type { CrisisDeskClient } from '../../../shared/contract';

declare global {
  interface Window {
    /**
     * The typed client of the contract (DESIGN.md §3). Electron's preload provides it; in the
     * browser host the screen installs a WebSocket-backed one at start (client/desk.ts).
     */
    crisisDesk?: CrisisDeskClient;
  }
}

export {};
