/*
 * Where the window was, kept in a small file (window-state.json) between runs. A saved position on
 * a monitor that is no longer there (a laptop undocked) is not restored: the window opens on the
 * primary display instead.
 */

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  /** Undefined x/y: let the system centre it. */
  bounds: { x?: number; y?: number; width: number; height: number };
  maximized: boolean;
}

export const MIN_WIDTH = 1024;
export const MIN_HEIGHT = 640;
const DEFAULT_STATE: WindowState = { bounds: { width: 1366, height: 768 }, maximized: false };
/** How much of the window must be on a display for a saved position to be used. */
const MIN_VISIBLE = 120;

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  return {
    width: Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)),
    height: Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)),
  };
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/** The state to open with, from the saved text (or null) and the work areas of the displays now attached. */
export function restoreWindowState(text: string | null, workAreas: Rect[]): WindowState {
  type Saved = Partial<{ bounds: Partial<Rect>; maximized: unknown }> | null;
  let saved: Saved = null;
  try {
    saved = text ? (JSON.parse(text) as Saved) : null;
  } catch {
    saved = null;
  }
  const b = saved?.bounds;
  if (!b || !isInt(b.width) || !isInt(b.height)) return { ...DEFAULT_STATE, bounds: { ...DEFAULT_STATE.bounds } };
  const largest = workAreas.reduce((m, a) => ({ width: Math.max(m.width, a.width), height: Math.max(m.height, a.height) }), { width: 0, height: 0 });
  const width = Math.max(MIN_WIDTH, Math.min(b.width, largest.width || b.width));
  const height = Math.max(MIN_HEIGHT, Math.min(b.height, largest.height || b.height));
  const maximized = saved?.maximized === true;
  if (!isInt(b.x) || !isInt(b.y)) return { bounds: { width, height }, maximized };
  const rect = { x: b.x, y: b.y, width, height };
  const visible = workAreas.some((area) => {
    const o = overlap(rect, area);
    return o.width >= Math.min(MIN_VISIBLE, width) && o.height >= Math.min(MIN_VISIBLE, height);
  });
  return visible ? { bounds: rect, maximized } : { bounds: { width, height }, maximized };
}

/** The text to save for a window's normal (unmaximised) bounds. */
export function serializeWindowState(normalBounds: Rect, maximized: boolean): string {
  return `${JSON.stringify({ bounds: normalBounds, maximized })}\n`;
}
