import type { ConnectionState } from '../client/ws-client';
import { timeHM } from '../lib/time';

/*
 * The desk itself (its core: the store every save goes to), in the status bar's first item. "The
 * desk is not running" is a different state from "the server is offline": offline, every save
 * still lands on this desk; with the desk down nothing is saved at all, only kept on the screen.
 */

export interface DeskLine {
  tone: 'ok' | 'pending' | 'bad';
  icon: 'plug' | 'saving' | 'cloudOff';
  text: string;
  detail: string;
}

export const DESK_DOWN_DETAIL =
  'Crisis Desk on this computer cannot be reached, so nothing is being saved. What you type stays on this screen and is saved, in order, as soon as it is back: this page reconnects by itself. Do not reload or close this page meanwhile. If it does not come back, start Crisis Desk again.';

export function deskLine(c: ConnectionState): DeskLine {
  if (c.status === 'open') {
    return { tone: 'ok', icon: 'plug', text: 'Desk ready', detail: 'This desk’s own store and search are connected: records save here first, whatever the network does.' };
  }
  if (c.status === 'connecting') return { tone: 'pending', icon: 'saving', text: 'Connecting to the desk…', detail: 'Starting: nothing can be saved until the desk answers.' };
  return { tone: 'bad', icon: 'cloudOff', text: `Desk not running since ${timeHM(c.since)} — not saving; typing kept on screen`, detail: DESK_DOWN_DETAIL };
}
