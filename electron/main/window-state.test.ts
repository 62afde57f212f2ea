import { describe, expect, it } from 'vitest';
import { MIN_HEIGHT, MIN_WIDTH, restoreWindowState, serializeWindowState } from './window-state';

const laptop = { x: 0, y: 0, width: 1366, height: 728 };
const monitor = { x: 1366, y: 0, width: 1920, height: 1040 };

describe('window state', () => {
  it('restores where the window was', () => {
    const text = serializeWindowState({ x: 1500, y: 40, width: 1600, height: 900 }, true);
    expect(restoreWindowState(text, [laptop, monitor])).toEqual({ bounds: { x: 1500, y: 40, width: 1600, height: 900 }, maximized: true });
  });

  it('opens on the primary display when the saved one is gone', () => {
    const text = serializeWindowState({ x: 1500, y: 40, width: 1600, height: 900 }, false);
    expect(restoreWindowState(text, [laptop])).toEqual({ bounds: { width: 1366, height: 728 }, maximized: false });
  });

  it('falls back to defaults for a missing or damaged file, and keeps a usable size', () => {
    expect(restoreWindowState(null, [laptop]).bounds).toEqual({ width: 1366, height: 768 });
    expect(restoreWindowState('{oops', [laptop]).bounds).toEqual({ width: 1366, height: 768 });
    expect(restoreWindowState('{"bounds":{"x":"a","width":1e400}}', [laptop]).bounds).toEqual({ width: 1366, height: 768 });
    expect(restoreWindowState(serializeWindowState({ x: 0, y: 0, width: 10, height: 10 }, false), [laptop]).bounds).toEqual({ x: 0, y: 0, width: MIN_WIDTH, height: MIN_HEIGHT });
  });
});
